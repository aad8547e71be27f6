package devhost

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"

	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

func authLevelOf(fn *Function) string {
	if fn.Trigger.AuthLevel == "" {
		return "function" // the real host's default
	}
	return strings.ToLower(fn.Trigger.AuthLevel)
}

// serveHTTPTrigger serves /api/<route> for httpTrigger functions.
func (h *Host) serveHTTPTrigger(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/api/")
	var fn *Function
	var params map[string]string
	for _, f := range h.fns {
		if f.Trigger.Type != TriggerHTTP || f.Disabled {
			continue
		}
		rt, err := parseRoute(routeOf(f))
		if err != nil {
			continue
		}
		vals, ok := rt.match(path)
		if !ok || !methodAllowed(f, r.Method) {
			continue
		}
		fn, params = f, vals
		break
	}
	if fn == nil {
		http.NotFound(w, r)
		return
	}
	if !h.authorised(fn, r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	inv, err := h.httpInvocation(fn, r, params)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, err := h.invoke(r.Context(), inv)
	if err != nil {
		// The real host answers a failed invocation with a bare 500.
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	h.writeHTTPResult(w, fn, inv, out.result)
}

func methodAllowed(fn *Function, method string) bool {
	if len(fn.Trigger.Methods) == 0 {
		return true
	}
	for _, m := range fn.Trigger.Methods {
		if strings.EqualFold(m, method) {
			return true
		}
	}
	return false
}

// authorised applies authLevel: anonymous needs nothing; function needs the
// function key or the master key; admin the master key. The key comes in the
// x-functions-key header or the code query parameter.
func (h *Host) authorised(fn *Function, r *http.Request) bool {
	level := authLevelOf(fn)
	if level == "anonymous" {
		return true
	}
	key := r.Header.Get("x-functions-key")
	if key == "" {
		key = r.URL.Query().Get("code")
	}
	if key == "" {
		return false
	}
	eq := func(want string) bool {
		return want != "" && subtle.ConstantTimeCompare([]byte(key), []byte(want)) == 1
	}
	if eq(h.opts.MasterKey) {
		return true
	}
	return level == "function" && eq(h.opts.FunctionKey)
}

// httpInvocation builds Data.<req> as HttpRequestExtensions.GetRequestAsJObject
// does and the HTTP trigger's binding data as Metadata.
func (h *Host) httpInvocation(fn *Function, r *http.Request, params map[string]string) (*invocation, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 100<<20))
	if err != nil {
		return nil, reason.Errorf(CodeTriggerValueBad, err, "read request body")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	query := map[string]string{}
	for k, v := range r.URL.Query() {
		query[k] = strings.Join(v, ",")
	}
	headers := map[string][]string{}
	flat := map[string]string{}
	for k, v := range r.Header {
		headers[k] = v
		flat[k] = strings.Join(v, ",")
	}
	headers["Host"] = []string{r.Host}
	flat["Host"] = r.Host
	req := funchost.HTTPRequest{
		URL:        scheme + "://" + r.Host + r.URL.RequestURI(),
		Method:     r.Method,
		Query:      query,
		Headers:    headers,
		Params:     params,
		Identities: []json.RawMessage{},
	}
	if len(body) > 0 {
		var s string
		if isOctetOrMultipart(r.Header.Get("Content-Type")) {
			s = base64.StdEncoding.EncodeToString(body) // byte[] → base64 in JSON
		} else {
			s = string(body)
		}
		req.Body = &s
	}
	md := map[string]any{"Query": query, "Headers": flat, "sys": newSys(fn.Name, time.Now())}
	for k, v := range query {
		md[k] = serializedString(v)
	}
	for k, v := range params {
		md[k] = serializedString(v)
	}
	return &invocation{fn: fn, id: newUUID(), data: map[string]any{fn.Trigger.Name: req}, metadata: md}, nil
}

func isOctetOrMultipart(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/octet-stream" || strings.HasPrefix(mt, "multipart/"))
}

// writeHTTPResult turns Outputs.<http output> (or ReturnValue for $return)
// into the response: {statusCode, status, body, headers}, names matched
// without regard to case as Newtonsoft does. No status means 200.
func (h *Host) writeHTTPResult(w http.ResponseWriter, fn *Function, inv *invocation, res invocationResult) {
	var raw json.RawMessage
	for _, o := range fn.Outputs {
		if !strings.EqualFold(o.Type, "http") {
			continue
		}
		if o.Name == "$return" {
			raw = res.ReturnValue
		} else {
			raw = res.Outputs[o.Name]
		}
		break
	}
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		w.WriteHeader(http.StatusOK)
		return
	}
	// Lenient as the host is: names without case, the object possibly
	// sent as a JSON string, statusCode a number or a numeric string.
	var resp funchost.HTTPResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		h.log.Warn("http output is not an object; answering 500", "function", fn.Name, "invocation_id", inv.id)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	status := resp.StatusCode
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	body := []byte(resp.Body)
	if resp.BodyJSON && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
