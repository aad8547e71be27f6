package devhost

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Reason codes of requests the local host refuses before routing them.
const (
	// RefusedHostNotLoopback: the Host header names something other than a
	// loopback address or localhost. A page in the developer's browser can
	// point a name it controls at 127.0.0.1 (DNS rebinding); its requests
	// then carry that name, and are refused.
	RefusedHostNotLoopback = "HOST_NOT_LOOPBACK"
	// RefusedCrossOrigin: the request came from a web page of another origin
	// (its Origin header, or Sec-Fetch-Site: cross-site). Browsers send
	// these on cross-origin POSTs, so a page cannot trigger the sweep or
	// raise events through the developer's browser.
	RefusedCrossOrigin = "CROSS_ORIGIN_REFUSED"
)

// isLoopbackHost reports whether host (no port) is localhost or a loopback
// IP literal. Names are not resolved and never matched by prefix:
// "127.evil.example" is a name, not an address.
func isLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostOnly strips the port from a Host header value, if any.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// loopbackOnly wraps the host's routes: every request must name a loopback
// host, and a request a browser marks as coming from another origin is
// refused, so the admin trigger, the Event Grid webhook and the HTTP API
// are reachable only by programs on this machine, as the listener intends.
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isLoopbackHost(hostOnly(r.Host)) {
			refuse(w, http.StatusMisdirectedRequest, RefusedHostNotLoopback,
				"the local host answers only requests addressed to localhost or a loopback address")
			return
		}
		if o := r.Header.Get("Origin"); o != "" {
			u, err := url.Parse(o)
			if err != nil || !isLoopbackHost(u.Hostname()) {
				refuse(w, http.StatusForbidden, RefusedCrossOrigin, "requests from a web page of another origin are refused")
				return
			}
		}
		if strings.EqualFold(r.Header.Get("Sec-Fetch-Site"), "cross-site") {
			refuse(w, http.StatusForbidden, RefusedCrossOrigin, "requests from a web page of another origin are refused")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func refuse(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"code":"` + code + `","message":"` + msg + `"}` + "\n"))
}
