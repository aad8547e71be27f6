package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Hash streams one blob version (If-Match etag on every range) through
// SHA-256 and returns the hex digest and the bytes read. Ranges are fetched
// in parallel but hashed in order; memory is bounded by about
// (Parallelism+2)×RangeBytes whatever the blob's size. A changed blob is a
// Conflict (BLOB_CHANGED), a vanished one NotFound (BLOB_GONE).
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
	pool := sync.Pool{New: func() any { b := make([]byte, o.RangeBytes); return &b }}
	futures := make(chan chan chunk, o.Parallelism)
	go func() {
		defer close(futures)
		for off := int64(0); off < size; off += o.RangeBytes {
			n := min(o.RangeBytes, size-off)
			fut := make(chan chunk, 1)
			select {
			case futures <- fut:
			case <-rctx.Done():
				return
			}
			go func(off, n int64) {
				bp := pool.Get().(*[]byte)
				buf := (*bp)[:n]
				err := readRange(rctx, bc, cond, off, buf)
				fut <- chunk{buf: buf, err: err}
			}(off, n)
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
		b := c.buf[:cap(c.buf)]
		pool.Put(&b)
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
