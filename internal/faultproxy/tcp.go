package faultproxy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// TCPRates are per-connection probabilities of each TCP fault. A keep-alive
// connection carries many requests; the local Cosmos server closes every
// connection after one answer, so there a connection is a request.
type TCPRates struct {
	ResetBefore float64 // RST as the request arrives: the server never sees it
	ResetAfter  float64 // RST as the answer starts: the server did the work
	Latency     float64 // LatencyMS (± half) added to the answer
	Timeout     float64 // the request is swallowed, the connection closed after TimeoutMS
	SlowClose   float64 // the close is delayed by SlowCloseMS
}

// Sum is the probability that a connection meets any TCP fault (an upper
// bound: Toxiproxy draws each fault on its own).
func (r TCPRates) Sum() float64 {
	return r.ResetBefore + r.ResetAfter + r.Latency + r.Timeout + r.SlowClose
}

// Scale multiplies every rate by f.
func (r TCPRates) Scale(f float64) TCPRates {
	return TCPRates{r.ResetBefore * f, r.ResetAfter * f, r.Latency * f, r.Timeout * f, r.SlowClose * f}
}

// TCPOptions configure StartTCP.
type TCPOptions struct {
	Rates                             TCPRates
	LatencyMS, TimeoutMS, SlowCloseMS int // defaults 150, 1500, 500
}

// TCPProxy is one Toxiproxy proxy, embedded (no API listener).
type TCPProxy struct {
	// Addr is the proxy's 127.0.0.1:PORT.
	Addr string

	proxy  *toxiproxy.Proxy
	toxics []toxic
	mu     sync.Mutex
	on     bool
}

type toxic struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Stream     string         `json:"stream"`
	Toxicity   float64        `json:"toxicity"`
	Attributes map[string]int `json:"attributes"`
}

var (
	serverOnce sync.Once
	server     *toxiproxy.ApiServer
)

// StartTCP listens on a free loopback port and forwards to upstream
// (host:port); faults stay off until Enable.
func StartTCP(name, upstream string, o TCPOptions) (*TCPProxy, error) {
	if s := o.Rates.Sum(); s < 0 || s > 1 {
		return nil, reason.Errorf(CodeProxyInvalid, nil, "TCP fault rates sum to %.3f; want 0..1", s)
	}
	if o.LatencyMS <= 0 {
		o.LatencyMS = 150
	}
	if o.TimeoutMS <= 0 {
		o.TimeoutMS = 1500
	}
	if o.SlowCloseMS <= 0 {
		o.SlowCloseMS = 500
	}
	serverOnce.Do(func() {
		server = toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	})
	p := toxiproxy.NewProxy(server, name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		return nil, reason.Errorf(CodeProxyInvalid, err, "start TCP proxy %s → %s", name, upstream)
	}
	t := &TCPProxy{Addr: p.Listen, proxy: p}
	r := o.Rates
	add := func(name, typ, stream string, rate float64, attrs map[string]int) {
		if rate > 0 {
			t.toxics = append(t.toxics, toxic{Name: name, Type: typ, Stream: stream, Toxicity: rate, Attributes: attrs})
		}
	}
	add("reset_before", "reset_peer", "upstream", r.ResetBefore, map[string]int{"timeout": 0})
	add("reset_after", "reset_peer", "downstream", r.ResetAfter, map[string]int{"timeout": 0})
	add("latency", "latency", "downstream", r.Latency, map[string]int{"latency": o.LatencyMS, "jitter": o.LatencyMS / 2})
	add("timeout", "timeout", "upstream", r.Timeout, map[string]int{"timeout": o.TimeoutMS})
	add("slow_close", "slow_close", "downstream", r.SlowClose, map[string]int{"delay": o.SlowCloseMS})
	return t, nil
}

// Enable adds (on) or removes (off) the proxy's toxics; new connections see
// the change, open ones keep what they drew.
func (t *TCPProxy) Enable(on bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if on == t.on {
		return nil
	}
	for _, x := range t.toxics {
		if on {
			b, _ := json.Marshal(x)
			if _, err := t.proxy.Toxics.AddToxicJson(strings.NewReader(string(b))); err != nil {
				return reason.Errorf(CodeProxyInvalid, err, "add toxic %s", x.Name)
			}
		} else if err := t.proxy.Toxics.RemoveToxic(context.Background(), x.Name); err != nil {
			return reason.Errorf(CodeProxyInvalid, err, "remove toxic %s", x.Name)
		}
	}
	t.on = on
	return nil
}

// Describe lists the toxics as "name=rate".
func (t *TCPProxy) Describe() string {
	var parts []string
	for _, x := range t.toxics {
		parts = append(parts, fmt.Sprintf("%s=%.3f", x.Name, x.Toxicity))
	}
	return strings.Join(parts, " ")
}

// Close stops the proxy and its connections.
func (t *TCPProxy) Close() { t.proxy.Stop() }
