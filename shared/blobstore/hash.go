package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Hash streams one blob version (If-Match etag on every range) through
// SHA-256 and returns the hex digest and the bytes read. Ranges are fetched
// in parallel but hashed in order. Exactly Parallelism range buffers exist,
// the one being hashed included, and they are reused: memory is bounded by
// Parallelism×RangeBytes (the configured read-ahead) whatever the blob's
// size, and hashing makes no garbage for the collector to lag behind. A
// changed blob is a Conflict (BLOB_CHANGED), a vanished one NotFound
// (BLOB_GONE).
func (s *Store) Hash(ctx context.Context, container, name, etag string, size int64, o clip.HashOptions) (string, int64, error) {
	if o.RangeBytes <= 0 {
		o.RangeBytes = 16 << 20
	}
	if o.Parallelism <= 0 {
		o.Parallelism = 4
	}
	bc := s.client.ServiceClient().NewContainerClient(container).NewBlobClient(name)
	ifMatch := azcore.ETag(quote(etag))
	cond := &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: &ifMatch}}

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type chunk struct {
		buf []byte
		err error
	}
	// free holds the buffers not in use; nil entries are allocated on first
	// use (a small clip needs one small buffer, not Parallelism large ones).
	free := make(chan []byte, o.Parallelism)
	for range o.Parallelism {
		free <- nil
	}
	bufBytes := max(min(o.RangeBytes, size), 1)
	futures := make(chan chan chunk, o.Parallelism)
	go func() {
		defer close(futures)
		for off := int64(0); off < size; off += o.RangeBytes {
			var buf []byte
			select {
			case buf = <-free:
			case <-rctx.Done():
				return
			}
			if buf == nil {
				buf = make([]byte, bufBytes)
			}
			buf = buf[:min(o.RangeBytes, size-off)]
			fut := make(chan chunk, 1)
			futures <- fut // never blocks long: at most Parallelism futures hold a buffer
			go func(off int64) {
				fut <- chunk{buf: buf, err: readRange(rctx, bc, cond, off, buf)}
			}(off)
		}
	}()

	h := sha256.New()
	var total int64
	var firstErr error
	for fut := range futures {
		c := <-fut
		if firstErr == nil {
			if c.err != nil {
				firstErr = c.err
				cancel()
			} else {
				h.Write(c.buf)
				total += int64(len(c.buf))
			}
		}
		free <- c.buf[:cap(c.buf)]
	}
	if firstErr != nil {
		return "", total, s.goneOrChanged(ctx, container, name, classify(firstErr, "reading %s/%s", container, name))
	}
	if err := ctx.Err(); err != nil {
		return "", total, classify(err, "reading %s/%s", container, name)
	}
	return hex.EncodeToString(h.Sum(nil)), total, nil
}

func readRange(ctx context.Context, bc *blob.Client, cond *blob.AccessConditions, off int64, buf []byte) error {
	r, err := bc.DownloadStream(ctx, &blob.DownloadStreamOptions{
		Range:            blob.HTTPRange{Offset: off, Count: int64(len(buf))},
		AccessConditions: cond,
	})
	if err != nil {
		return err
	}
	body := r.NewRetryReader(ctx, &blob.RetryReaderOptions{MaxRetries: 3})
	defer body.Close()
	if _, err := io.ReadFull(body, buf); err != nil {
		return fmt.Errorf("range at %d: %w", off, err)
	}
	return nil
}

func quote(etag string) string {
	if len(etag) > 0 && etag[0] == '"' {
		return etag
	}
	return `"` + etag + `"`
}
