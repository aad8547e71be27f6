package blobstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/transport"
)

// Store talks to one storage account.
type Store struct {
	client   *azblob.Client
	endpoint string
}

// Options configures New.
type Options struct {
	Endpoint string // e.g. https://acct.blob.core.windows.net/ or http://127.0.0.1:10000/devstoreaccount1
	Account  string
	Key      string // shared key (local only); empty = managed identity / default credential
	// Transport overrides the HTTP transport (tests inject faults with it).
	Transport policy.Transporter
}

// New returns a Store. Without a key it authenticates with the default
// Azure credential chain (managed identity in Azure).
func New(o Options) (*Store, error) {
	copts := &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{
		Retry: policy.RetryOptions{MaxRetries: 4, RetryDelay: 200 * time.Millisecond, MaxRetryDelay: 5 * time.Second, TryTimeout: 2 * time.Minute},
	}}
	if o.Transport != nil {
		copts.Transport = o.Transport
	}
	var (
		c   *azblob.Client
		err error
	)
	if o.Key != "" {
		cred, kerr := azblob.NewSharedKeyCredential(o.Account, o.Key)
		if kerr != nil {
			return nil, fmt.Errorf("storage shared key: %w", kerr)
		}
		c, err = azblob.NewClientWithSharedKeyCredential(o.Endpoint, cred, copts)
	} else {
		cred, cerr := azidentity.NewDefaultAzureCredential(nil)
		if cerr != nil {
			return nil, fmt.Errorf("storage credential: %w", cerr)
		}
		c, err = azblob.NewClient(o.Endpoint, cred, copts)
	}
	if err != nil {
		return nil, err
	}
	return &Store{client: c, endpoint: strings.TrimSuffix(o.Endpoint, "/")}, nil
}

// Client exposes the underlying client to tests and tools.
func (s *Store) Client() *azblob.Client { return s.client }

// URL returns the blob's URL.
func (s *Store) URL(container, name string) string {
	return s.client.ServiceClient().NewContainerClient(container).NewBlobClient(name).URL()
}

// EnsureContainers creates containers that do not exist (local bootstrap).
func (s *Store) EnsureContainers(ctx context.Context, names ...string) error {
	for _, n := range names {
		_, err := s.client.CreateContainer(ctx, n, nil)
		if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
			return classify(err, "creating container %s", n)
		}
	}
	return nil
}

// classify turns an SDK error into a *clip.Error of the right kind.
func classify(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		if refused := immutableRefusal(err, what); refused != nil {
			return refused
		}
		switch {
		case re.StatusCode == http.StatusNotFound:
			e := clip.Wrap(clip.NotFound, err, "%s", what)
			e.Code = clip.CodeBlobGone
			return e
		case re.StatusCode == http.StatusPreconditionFailed || re.StatusCode == http.StatusConflict:
			e := clip.Wrap(clip.Conflict, err, "%s", what)
			e.Code = clip.CodeBlobChanged
			return e
		case re.StatusCode == http.StatusTooManyRequests || re.StatusCode >= 500 || re.StatusCode == http.StatusRequestTimeout:
			e := clip.Wrap(clip.Transient, err, "%s", what)
			e.Code = clip.CodeStorageUnavailable
			return e
		}
		return clip.Wrap(clip.Internal, err, "%s", what)
	}
	if transport.IsFailure(err) {
		e := clip.Wrap(clip.Transient, err, "%s", what)
		e.Code = clip.CodeStorageUnavailable
		return e
	}
	if errors.Is(err, context.Canceled) {
		return clip.Wrap(clip.Transient, err, "%s", what)
	}
	return clip.Wrap(clip.Internal, err, "%s", what)
}

// goneOrChanged refines a Conflict from a conditional request: Azurite
// (and HTTP semantics) answer 412 to If-Match on a blob that no longer
// exists, which for us is NotFound (BLOB_GONE), not BLOB_CHANGED.
func (s *Store) goneOrChanged(ctx context.Context, container, name string, err error) error {
	if !clip.IsKind(err, clip.Conflict) {
		return err
	}
	_, perr := s.client.ServiceClient().NewContainerClient(container).NewBlobClient(name).GetProperties(ctx, nil)
	if perr != nil {
		if gone := classify(perr, "reading %s/%s", container, name); clip.IsKind(gone, clip.NotFound) {
			return gone
		}
	}
	return err
}
