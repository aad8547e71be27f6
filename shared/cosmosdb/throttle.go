package cosmosdb

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// throttlePolicy waits out 429 (request rate too large) answers for as long
// as the server asks in x-ms-retry-after-ms, within a total budget per call.
// Past the budget the call fails as Transient, so the invocation fails and
// the host retries it later instead of holding a worker forever.
type throttlePolicy struct {
	budget time.Duration
}

const maxThrottleWait = 5 * time.Second

func (p *throttlePolicy) Do(req *policy.Request) (*http.Response, error) {
	deadline := time.Now().Add(p.budget)
	for {
		resp, err := req.Clone(req.Raw().Context()).Next()
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			return resp, err
		}
		wait := retryAfter(resp.Header)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if time.Now().Add(wait).After(deadline) {
			return nil, clip.Errorf(clip.Transient, clip.CodeThrottledBudgetSpent,
				"Cosmos DB kept answering 429 beyond the %s retry budget", p.budget)
		}
		select {
		case <-req.Raw().Context().Done():
			return nil, req.Raw().Context().Err()
		case <-time.After(wait):
		}
		if err := req.RewindBody(); err != nil {
			return nil, err
		}
	}
}

// retryAfter reads x-ms-retry-after-ms (Cosmos), then Retry-After seconds.
func retryAfter(h http.Header) time.Duration {
	if v := h.Get("x-ms-retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return min(time.Duration(ms*float64(time.Millisecond)), maxThrottleWait)
		}
	}
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, maxThrottleWait)
		}
	}
	return 100 * time.Millisecond
}
