package faultproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// upstream is a stand-in server that counts what reaches it; the proxy is
// tested on its own here (the fault suite runs it in front of Azurite and
// the Cosmos server).
func upstream(t *testing.T, body string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, strings.ReplaceAll(body, "SELF", "http://"+r.Host))
	}))
	t.Cleanup(s.Close)
	return s, &hits
}

func get(t *testing.T, url string) (int, http.Header, string, error) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), err
}

func TestHTTPFaultsOnlyWhenEnabled(t *testing.T) {
	up, hits := upstream(t, "hello")
	p, err := StartHTTP(up.URL, HTTPOptions{Flavor: Cosmos, Rates: HTTPRates{Throttle: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if code, _, body, err := get(t, p.URL+"/x"); err != nil || code != 200 || body != "hello" {
		t.Fatalf("disabled: %d %q %v; want the upstream's answer", code, body, err)
	}
	p.Enable(true)
	code, h, body, err := get(t, p.URL+"/x")
	if err != nil || code != http.StatusTooManyRequests || h.Get("x-ms-retry-after-ms") == "" || !strings.Contains(body, `"code":"TooManyRequests"`) {
		t.Fatalf("enabled: %d %v %q %v; want 429 with x-ms-retry-after-ms and a Cosmos error body", code, h, body, err)
	}
	if hits.Load() != 1 {
		t.Fatalf("upstream saw %d requests; a 429 must not reach it", hits.Load())
	}
	if p.Counts()[FaultThrottle] != 1 {
		t.Fatalf("counts %v", p.Counts())
	}
}

// A lost answer is the hard case for idempotency: the write landed, the
// client is told it failed.
func TestLostAnswerReachesTheServer(t *testing.T) {
	up, hits := upstream(t, "done")
	p, err := StartHTTP(up.URL, HTTPOptions{Flavor: Storage, Rates: HTTPRates{LostAnswer: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Enable(true)
	code, h, body, err := get(t, p.URL+"/c/b")
	if err != nil || code != 500 || h.Get("x-ms-error-code") != "InternalError" || !strings.Contains(body, "<Code>InternalError</Code>") {
		t.Fatalf("%d %v %q %v; want a Storage-shaped 500", code, h, body, err)
	}
	if hits.Load() != 1 {
		t.Fatalf("upstream saw %d requests, want 1", hits.Load())
	}
}

func TestSeedRepeatsTheDraws(t *testing.T) {
	up, _ := upstream(t, "ok")
	seq := func(seed uint64) string {
		p, err := StartHTTP(up.URL, HTTPOptions{Flavor: Storage, Seed: seed,
			Rates: HTTPRates{Throttle: 0.2, Unavailable: 0.2, Internal: 0.2}})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		p.Enable(true)
		var b strings.Builder
		for range 40 {
			code, _, _, err := get(t, p.URL+"/")
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(http.StatusText(code)[:1])
		}
		return b.String()
	}
	a, b, c := seq(7), seq(7), seq(8)
	if a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == c {
		t.Fatalf("different seeds, same faults: %s", a)
	}
	if !strings.Contains(a, "O") || !strings.ContainsAny(a, "TSI") {
		t.Fatalf("40 requests at 60%% faults: %s; want both passes and faults", a)
	}
}

// azcosmos routes to the endpoint the database account names; the proxy
// must name itself there, or the client bypasses it after the first call.
func TestCosmosAccountPointsAtTheChain(t *testing.T) {
	up, _ := upstream(t, `{"writableLocations":[{"name":"UK South","databaseAccountEndpoint":"SELF/"}]}`)
	c, err := StartChain("cosmos-test", up.URL, Cosmos, Rates{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _, body, err := get(t, c.Endpoint+"/")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, c.Endpoint+"/") || strings.Contains(body, up.URL) {
		t.Fatalf("account %s names %s; want the chain's endpoint %s", body, up.URL, c.Endpoint)
	}
}

func TestTCPResetThroughToxiproxy(t *testing.T) {
	up, hits := upstream(t, "ok")
	c, err := StartChain("reset-test", up.URL+"/acct", Storage, Rates{TCP: TCPRates{ResetBefore: 1}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !strings.HasSuffix(c.Endpoint, "/acct") || !strings.HasPrefix(c.Endpoint, "http://127.0.0.1:") {
		t.Fatalf("endpoint %s; want the TCP proxy's loopback address with the path kept", c.Endpoint)
	}
	noKeepAlive := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := noKeepAlive.Get(c.Endpoint); err != nil || resp.StatusCode != 200 {
		t.Fatalf("faults off: %v %v", resp, err)
	}
	if err := c.Enable(true); err != nil {
		t.Fatal(err)
	}
	if resp, err := noKeepAlive.Get(c.Endpoint); err == nil {
		resp.Body.Close()
		t.Fatalf("reset at toxicity 1: got %s, want a connection error", resp.Status)
	}
	if hits.Load() != 1 {
		t.Fatalf("upstream saw %d requests; the reset request must not reach it", hits.Load())
	}
	if err := c.Enable(false); err != nil {
		t.Fatal(err)
	}
	if resp, err := noKeepAlive.Get(c.Endpoint); err != nil || resp.StatusCode != 200 {
		t.Fatalf("faults off again: %v %v", resp, err)
	}
}

func TestRatesAreChecked(t *testing.T) {
	if _, err := StartHTTP("http://127.0.0.1:1", HTTPOptions{Flavor: Storage, Rates: HTTPRates{Throttle: 0.7, Internal: 0.7}}); err == nil ||
		!strings.Contains(err.Error(), string(CodeProxyInvalid)) {
		t.Fatalf("rates summing to 1.4: %v; want %s", err, CodeProxyInvalid)
	}
	if _, err := WithTotal(1.5); err == nil {
		t.Fatal("total 1.5 accepted")
	}
	r, err := WithTotal(0.2)
	if err != nil || r.Sum() < 0.1999 || r.Sum() > 0.2001 {
		t.Fatalf("WithTotal(0.2) sums to %v (%v)", r.Sum(), err)
	}
}
