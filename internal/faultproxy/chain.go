package faultproxy

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// Rates are the faults of one chain. DefaultRates sum to 20 %.
type Rates struct {
	HTTP HTTPRates
	TCP  TCPRates
}

// Sum is the chance that a request meets a fault of either layer (summed:
// an upper bound for the TCP part, drawn per connection).
func (r Rates) Sum() float64 { return r.HTTP.Sum() + r.TCP.Sum() }

// Scale multiplies every rate by f.
func (r Rates) Scale(f float64) Rates { return Rates{HTTP: r.HTTP.Scale(f), TCP: r.TCP.Scale(f)} }

// DefaultRates: 20 % in all, 12 % HTTP and 8 % TCP.
func DefaultRates() Rates {
	return Rates{
		HTTP: HTTPRates{Throttle: 0.04, Unavailable: 0.03, Internal: 0.02, LostAnswer: 0.02, SlowBody: 0.01},
		TCP:  TCPRates{ResetBefore: 0.02, ResetAfter: 0.02, Latency: 0.02, Timeout: 0.01, SlowClose: 0.01},
	}
}

// WithTotal scales DefaultRates so that they sum to total (0..1).
func WithTotal(total float64) (Rates, error) {
	if total < 0 || total > 1 {
		return Rates{}, reason.Errorf(CodeProxyInvalid, nil, "fault rate %.3f is not in 0..1", total)
	}
	d := DefaultRates()
	return d.Scale(total / d.Sum()), nil
}

// Chain is client → TCP faults (Toxiproxy) → HTTP faults → the real server.
type Chain struct {
	// Endpoint is the service endpoint to give the client: the original
	// endpoint's path (e.g. Azurite's /devstoreaccount1) on the TCP proxy's
	// address.
	Endpoint string
	HTTP     *HTTPProxy
	TCP      *TCPProxy
}

// StartChain puts a chain in front of endpoint (http://host:port[/path]).
// seed drives the HTTP faults; faults are off until Enable.
func StartChain(name, endpoint string, flavor Flavor, rates Rates, seed uint64) (*Chain, error) {
	host, err := hostOnly(endpoint)
	if err != nil {
		return nil, err
	}
	hp, err := StartHTTP("http://"+host, HTTPOptions{Flavor: flavor, Rates: rates.HTTP, Seed: seed})
	if err != nil {
		return nil, err
	}
	tp, err := StartTCP(name, strings.TrimPrefix(hp.URL, "http://"), TCPOptions{Rates: rates.TCP})
	if err != nil {
		_ = hp.Close()
		return nil, err
	}
	return &Chain{Endpoint: replaceHost(endpoint, tp.Addr), HTTP: hp, TCP: tp}, nil
}

// Enable turns both layers' faults on or off.
func (c *Chain) Enable(on bool) error {
	c.HTTP.Enable(on)
	return c.TCP.Enable(on)
}

// Counts are the HTTP faults injected so far, by kind (Toxiproxy does not
// count its own).
func (c *Chain) Counts() map[string]int64 { return c.HTTP.Counts() }

// Summary is "requests=N http_429=… …" for a report.
func (c *Chain) Summary() string {
	counts := c.Counts()
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []string{fmt.Sprintf("requests=%d", c.HTTP.Requests())}
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	return strings.Join(parts, " ")
}

// Close stops both proxies.
func (c *Chain) Close() error {
	c.TCP.Close()
	return errors.Join(c.HTTP.Close())
}
