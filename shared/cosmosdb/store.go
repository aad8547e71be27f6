package cosmosdb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/transport"
)

// Options configures New.
type Options struct {
	Endpoint string
	Key      string // local only; empty = managed identity / default credential
	Database string
	Clips    string // container, partition key /officerId
	Audit    string // container, partition key /clipId
	// ThrottleBudget bounds the total time spent waiting out 429s in one
	// call; past it the call fails as Transient so the host retries later.
	ThrottleBudget time.Duration
	// Transport overrides the HTTP transport (tests inject faults with it).
	Transport policy.Transporter
}

// Store is the Cosmos DB adapter.
type Store struct {
	opts   Options
	client *azcosmos.Client
	clips  *azcosmos.ContainerClient
	audit  *azcosmos.ContainerClient
	cred   azcore.TokenCredential
}

// New returns a Store; it does no I/O.
func New(o Options) (*Store, error) {
	if o.ThrottleBudget <= 0 {
		o.ThrottleBudget = 30 * time.Second
	}
	copts := &azcosmos.ClientOptions{ClientOptions: azcore.ClientOptions{
		// 429 is handled by throttlePolicy with its own budget; the
		// default retry policy keeps the other transient statuses.
		Retry: policy.RetryOptions{
			MaxRetries: 4, RetryDelay: 200 * time.Millisecond, MaxRetryDelay: 5 * time.Second,
			StatusCodes: []int{http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
				http.StatusServiceUnavailable, http.StatusGatewayTimeout},
		},
		PerCallPolicies: []policy.Policy{&throttlePolicy{budget: o.ThrottleBudget}},
	}}
	if o.Transport != nil {
		copts.Transport = o.Transport
	}
	s := &Store{opts: o}
	var err error
	if o.Key != "" {
		cred, kerr := azcosmos.NewKeyCredential(o.Key)
		if kerr != nil {
			return nil, fmt.Errorf("cosmos key: %w", kerr)
		}
		s.client, err = azcosmos.NewClientWithKey(o.Endpoint, cred, copts)
	} else {
		cred, cerr := azidentity.NewDefaultAzureCredential(nil)
		if cerr != nil {
			return nil, fmt.Errorf("cosmos credential: %w", cerr)
		}
		s.cred = cred
		s.client, err = azcosmos.NewClient(o.Endpoint, cred, copts)
	}
	if err != nil {
		return nil, err
	}
	if s.clips, err = s.client.NewContainer(o.Database, o.Clips); err != nil {
		return nil, err
	}
	if s.audit, err = s.client.NewContainer(o.Database, o.Audit); err != nil {
		return nil, err
	}
	return s, nil
}

func statusOf(err error) int {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// classify turns an SDK error into a *clip.Error of the right kind.
func classify(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	var ce *clip.Error
	if errors.As(err, &ce) { // already ours (e.g. throttle budget spent)
		return &clip.Error{Kind: ce.Kind, Code: ce.Code, Message: what, Err: err}
	}
	switch st := statusOf(err); {
	case st == http.StatusNotFound:
		return &clip.Error{Kind: clip.NotFound, Code: clip.CodeClipNotFound, Message: what, Err: err}
	case st == http.StatusConflict || st == http.StatusPreconditionFailed:
		return &clip.Error{Kind: clip.Conflict, Code: clip.CodeConcurrentUpdate, Message: what, Err: err}
	case st == http.StatusTooManyRequests || st == http.StatusRequestTimeout || st >= 500:
		return &clip.Error{Kind: clip.Transient, Code: clip.CodeCosmosUnavailable, Message: what, Err: err}
	case st != 0:
		return &clip.Error{Kind: clip.Internal, Message: what, Err: err}
	}
	if transport.IsFailure(err) || errors.Is(err, context.Canceled) {
		return &clip.Error{Kind: clip.Transient, Code: clip.CodeCosmosUnavailable, Message: what, Err: err}
	}
	return &clip.Error{Kind: clip.Internal, Message: what, Err: err}
}
