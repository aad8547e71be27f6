package blobstore

import (
	"context"
	"io"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
)

// Download streams one blob version to w and returns the bytes written.
// With versionID it reads that version by id (accounts that keep
// versions); otherwise the current blob, only while its ETag is still etag
// (If-Match, also on every resumed range). Memory is bounded by io.Copy's
// buffer whatever the blob's size. A changed blob is a Conflict
// (BLOB_CHANGED), a vanished one NotFound (BLOB_GONE).
func (s *Store) Download(ctx context.Context, container, name, etag, versionID string, w io.Writer) (int64, error) {
	bc := s.client.ServiceClient().NewContainerClient(container).NewBlobClient(name)
	opts := &blob.DownloadStreamOptions{}
	if versionID != "" {
		vc, err := bc.WithVersionID(versionID)
		if err != nil {
			return 0, classify(err, "addressing %s/%s version %s", container, name, versionID)
		}
		bc = vc
	}
	if etag != "" {
		ifMatch := azcore.ETag(quote(etag))
		opts.AccessConditions = &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: &ifMatch}}
	}
	r, err := bc.DownloadStream(ctx, opts)
	if err != nil {
		return 0, s.goneOrChanged(ctx, container, name, classify(err, "reading %s/%s", container, name))
	}
	body := r.NewRetryReader(ctx, &blob.RetryReaderOptions{MaxRetries: 3})
	defer body.Close()
	n, err := io.Copy(w, body)
	if err != nil {
		return n, classify(err, "reading %s/%s", container, name)
	}
	return n, nil
}
