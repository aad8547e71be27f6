package faultproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// CodeProxyInvalid: a fault proxy was configured with a bad upstream or rate.
const CodeProxyInvalid reason.Code = "FAULT_PROXY_INVALID"

// Flavor shapes the fault answers like the service behind the proxy.
type Flavor string

const (
	// Storage answers with x-ms-error-code and an XML error body, as Azure
	// Storage does.
	Storage Flavor = "storage"
	// Cosmos answers with a JSON {code, message} body, as Cosmos DB does, and
	// rewrites the database account's endpoints (GET /) to the proxy's
	// address: azcosmos routes every later request to the endpoint the
	// account names, which would otherwise bypass the proxy.
	Cosmos Flavor = "cosmos"
)

// HTTP fault kinds, as counted by HTTPProxy.Counts.
const (
	FaultThrottle    = "http_429"      // 429 with x-ms-retry-after-ms, before the server sees the request
	FaultUnavailable = "http_503"      // 503 ServerBusy / ServiceUnavailable, before the server sees it
	FaultInternal    = "http_500"      // 500 with a body, before the server sees it
	FaultLostAnswer  = "http_500_lost" // the server did the work; its answer is replaced by a 500
	FaultSlowBody    = "http_slow"     // the answer passed through, its body trickled
)

// HTTPRates are per-request probabilities of each fault; their sum is at
// most 1.
type HTTPRates struct {
	Throttle, Unavailable, Internal, LostAnswer, SlowBody float64
}

// Sum is the probability that a request meets any HTTP fault.
func (r HTTPRates) Sum() float64 {
	return r.Throttle + r.Unavailable + r.Internal + r.LostAnswer + r.SlowBody
}

// Scale multiplies every rate by f.
func (r HTTPRates) Scale(f float64) HTTPRates {
	return HTTPRates{r.Throttle * f, r.Unavailable * f, r.Internal * f, r.LostAnswer * f, r.SlowBody * f}
}

// HTTPOptions configure StartHTTP.
type HTTPOptions struct {
	Flavor Flavor
	Rates  HTTPRates
	Seed   uint64
	// RetryAfter is what a 429 asks the client to wait (default 20 ms).
	RetryAfter time.Duration
	// SlowChunk bytes are written every SlowDelay on a slow body (default
	// 16 KiB every 2 ms), for at most SlowFor (default 1 s); then the rest
	// passes at full speed.
	SlowChunk int
	SlowDelay time.Duration
	SlowFor   time.Duration
}

// HTTPProxy is a running HTTP fault proxy.
type HTTPProxy struct {
	// URL is the proxy's base address, http://127.0.0.1:PORT.
	URL string

	opts     HTTPOptions
	upstream *url.URL
	srv      *http.Server
	ln       net.Listener
	pass     *httputil.ReverseProxy
	lost     *httputil.ReverseProxy
	enabled  atomic.Bool
	mu       sync.Mutex
	rng      *rand.Rand
	requests atomic.Int64
	counts   sync.Map // fault kind → *atomic.Int64
}

var errAnswerLost = errors.New("fault: answer dropped after the server handled the request")

// StartHTTP listens on a free loopback port and forwards to upstream
// (scheme://host:port); faults stay off until Enable.
func StartHTTP(upstream string, o HTTPOptions) (*HTTPProxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, reason.Errorf(CodeProxyInvalid, err, "upstream %q is not an http(s)://host:port address", upstream)
	}
	u.Path, u.RawQuery = "", ""
	if s := o.Rates.Sum(); s < 0 || s > 1 {
		return nil, reason.Errorf(CodeProxyInvalid, nil, "HTTP fault rates sum to %.3f; want 0..1", s)
	}
	if o.Flavor != Storage && o.Flavor != Cosmos {
		return nil, reason.Errorf(CodeProxyInvalid, nil, "flavor %q: want %q or %q", o.Flavor, Storage, Cosmos)
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 20 * time.Millisecond
	}
	if o.SlowChunk <= 0 {
		o.SlowChunk = 16 << 10
	}
	if o.SlowDelay <= 0 {
		o.SlowDelay = 2 * time.Millisecond
	}
	if o.SlowFor <= 0 {
		o.SlowFor = time.Second
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, reason.Errorf(CodeProxyInvalid, err, "listen on loopback")
	}
	p := &HTTPProxy{URL: "http://" + ln.Addr().String(), opts: o, upstream: u, ln: ln,
		rng: rand.New(rand.NewPCG(o.Seed, 0x6a09e667f3bcc908))}
	transport := &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
	rewrite := func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host // the client's view of the address; signatures do not cover it
	}
	p.pass = &httputil.ReverseProxy{Rewrite: rewrite, Transport: transport, FlushInterval: -1,
		ModifyResponse: p.rewriteAccount, ErrorHandler: p.upstreamFailed}
	p.lost = &httputil.ReverseProxy{Rewrite: rewrite, Transport: transport, FlushInterval: -1,
		ModifyResponse: func(resp *http.Response) error {
			_, _ = io.Copy(io.Discard, resp.Body) // the server's work is done and its answer read
			return errAnswerLost
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, errAnswerLost) {
				p.answer(w, http.StatusInternalServerError, "InternalError", "fake fault: the server handled the request, this answer was lost on the way")
				return
			}
			p.upstreamFailed(w, r, err)
		}}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// Enable turns faults on or off; off, every request passes unchanged.
func (p *HTTPProxy) Enable(on bool) { p.enabled.Store(on) }

// Requests is the number of requests seen.
func (p *HTTPProxy) Requests() int64 { return p.requests.Load() }

// Counts are the faults injected so far, by kind.
func (p *HTTPProxy) Counts() map[string]int64 {
	out := map[string]int64{}
	p.counts.Range(func(k, v any) bool { out[k.(string)] = v.(*atomic.Int64).Load(); return true })
	return out
}

// Close stops the proxy.
func (p *HTTPProxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := p.srv.Shutdown(ctx); err != nil {
		return p.srv.Close()
	}
	return nil
}

func (p *HTTPProxy) count(kind string) {
	v, _ := p.counts.LoadOrStore(kind, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// draw picks this request's fault ("" = none) from the seeded source.
func (p *HTTPProxy) draw() string {
	if !p.enabled.Load() {
		return ""
	}
	p.mu.Lock()
	x := p.rng.Float64()
	p.mu.Unlock()
	r := p.opts.Rates
	for _, f := range []struct {
		kind string
		rate float64
	}{{FaultThrottle, r.Throttle}, {FaultUnavailable, r.Unavailable}, {FaultInternal, r.Internal},
		{FaultLostAnswer, r.LostAnswer}, {FaultSlowBody, r.SlowBody}} {
		if x < f.rate {
			return f.kind
		}
		x -= f.rate
	}
	return ""
}

func (p *HTTPProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	kind := p.draw()
	if kind != "" {
		p.count(kind)
	}
	switch kind {
	case FaultThrottle:
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("x-ms-retry-after-ms", strconv.FormatInt(p.opts.RetryAfter.Milliseconds(), 10))
		if p.opts.Flavor == Cosmos {
			w.Header().Set("x-ms-substatus", "3200") // request rate too large
		}
		p.answer(w, http.StatusTooManyRequests, "TooManyRequests", "fake fault: request rate is large, retry after the given delay")
	case FaultUnavailable:
		_, _ = io.Copy(io.Discard, r.Body)
		code := "ServiceUnavailable"
		if p.opts.Flavor == Storage {
			code = "ServerBusy"
		}
		p.answer(w, http.StatusServiceUnavailable, code, "fake fault: the server is busy")
	case FaultInternal:
		_, _ = io.Copy(io.Discard, r.Body)
		p.answer(w, http.StatusInternalServerError, "InternalError", "fake fault: the server encountered an internal error, please retry")
	case FaultLostAnswer:
		p.lost.ServeHTTP(w, r)
	case FaultSlowBody:
		p.pass.ServeHTTP(&slowWriter{ResponseWriter: w, chunk: p.opts.SlowChunk, delay: p.opts.SlowDelay,
			until: time.Now().Add(p.opts.SlowFor)}, r)
	default:
		p.pass.ServeHTTP(w, r)
	}
}

// answer writes an error the way the flavor's service does.
func (p *HTTPProxy) answer(w http.ResponseWriter, status int, code, msg string) {
	h := w.Header()
	h.Set("x-ms-request-id", fmt.Sprintf("fault-%d", p.requests.Load()))
	switch p.opts.Flavor {
	case Storage:
		h.Set("x-ms-error-code", code)
		h.Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, msg)
	default:
		h.Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"code":%q,"message":%q}`, code, msg)
	}
}

// upstreamFailed: the real server did not answer (it is down or the
// connection broke): a 502, as a gateway would answer.
func (p *HTTPProxy) upstreamFailed(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the client went away
	}
	p.answer(w, http.StatusBadGateway, "BadGateway", "fault proxy: upstream failed: "+err.Error())
}

// rewriteAccount points the Cosmos database account's endpoints at the
// address the client used (through every proxy in front), not the server.
func (p *HTTPProxy) rewriteAccount(resp *http.Response) error {
	if p.opts.Flavor != Cosmos || resp.Request.Method != http.MethodGet || resp.Request.URL.Path != "/" {
		return nil
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	b = bytes.ReplaceAll(b, []byte("http://"+p.upstream.Host), []byte("http://"+resp.Request.Host))
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
	return nil
}

// slowWriter trickles a body: chunk bytes per delay until the deadline.
type slowWriter struct {
	http.ResponseWriter
	chunk int
	delay time.Duration
	until time.Time
}

func (s *slowWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 && time.Now().Before(s.until) {
		k := min(s.chunk, len(b))
		m, err := s.ResponseWriter.Write(b[:k])
		n += m
		if err != nil {
			return n, err
		}
		if f, ok := s.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		b = b[k:]
		time.Sleep(s.delay)
	}
	m, err := s.ResponseWriter.Write(b)
	return n + m, err
}

func (s *slowWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// hostOnly turns "http://127.0.0.1:10000/devstoreaccount1" into
// "127.0.0.1:10000".
func hostOnly(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", reason.Errorf(CodeProxyInvalid, err, "endpoint %q has no host:port", endpoint)
	}
	return u.Host, nil
}

// replaceHost swaps the host:port of endpoint, keeping its path.
func replaceHost(endpoint, hostPort string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return endpoint
	}
	u.Host = hostPort
	return strings.TrimSuffix(u.String(), "/")
}
