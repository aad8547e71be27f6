package devhost

import (
	"net/http"
	"strings"
	"testing"
)

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.1.2.3": true, "localhost": true, "LOCALHOST": true, "::1": true, "[::1]": true,
		"127.evil.example": false, "localhost.evil.example": false, "evil.example": false, "10.0.0.1": false,
		"0.0.0.0": false, "": false, "127.0.0.1.nip.io": false,
	} {
		if got := isLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// A web page in the developer's browser must not be able to run the sweep
// (or raise events) through the local host: a rebound name in Host, or a
// cross-origin request, is refused before routing; a loopback request runs.
func TestAdminAndWebhookRefuseNonLoopbackCallers(t *testing.T) {
	th := startTestHost(t, nil)
	post := func(path string, hdr map[string]string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, th.base+path, strings.NewReader(`{"input":""}`))
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, readAll(t, resp.Body)
	}
	refused := []struct {
		name string
		hdr  map[string]string
		want int
		code string
	}{
		{"rebound name", map[string]string{"Host": "evil.example:7071"}, http.StatusMisdirectedRequest, RefusedHostNotLoopback},
		{"name starting 127", map[string]string{"Host": "127.evil.example"}, http.StatusMisdirectedRequest, RefusedHostNotLoopback},
		{"other origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden, RefusedCrossOrigin},
		{"null origin", map[string]string{"Origin": "null"}, http.StatusForbidden, RefusedCrossOrigin},
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, RefusedCrossOrigin},
	}
	for _, path := range []string{"/admin/functions/EchoTimer", "/runtime/webhooks/eventgrid?functionName=EchoEvent"} {
		for _, c := range refused {
			if got, body := post(path, c.hdr); got != c.want || !strings.Contains(body, c.code) {
				t.Errorf("%s (%s) = %d %s, want %d %s", path, c.name, got, body, c.want, c.code)
			}
		}
	}
	// The same request from a loopback caller (a page served from localhost
	// included) runs, and it is the only run: the refused ones never reached
	// the function.
	if got, body := post("/admin/functions/EchoTimer", map[string]string{"Origin": "http://localhost:3000"}); got != http.StatusAccepted {
		t.Fatalf("loopback admin invoke = %d %s, want 202", got, body)
	}
	eventually(t, "timer invocation", func() bool { return len(th.records(t, "EchoTimer")) >= 1 })
	if n := len(th.records(t, "EchoTimer")); n != 1 {
		t.Fatalf("EchoTimer ran %d times, want exactly the one loopback request", n)
	}
}
