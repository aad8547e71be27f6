package localrun

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// UploadOptions tunes Upload.
type UploadOptions struct {
	// BlockSize is the size of each staged block (default 8 MiB).
	BlockSize int64
	// Concurrency is how many blocks are staged at once (default 4).
	// Memory is bounded by about (Concurrency+1)×BlockSize.
	Concurrency int
	// SingleShotMax: content up to this size goes in one PutBlob, as a
	// dock's small uploads do (default 4 MiB; 0 means the default, a
	// negative value always uses blocks).
	SingleShotMax int64
	// DeclaredSHA256 replaces the computed hash in the metadata. Only for
	// sample clips that must fail verification; a dock declares what it hashed.
	DeclaredSHA256 string
	// ContentType of the blob (default video/mp4).
	ContentType string
	// Progress, when not nil, counts bytes as they are sent.
	Progress *Progress
}

// UploadResult is what a person needs to follow the clip.
type UploadResult struct {
	Container string `json:"container"`
	Name      string `json:"blob"`
	URL       string `json:"url"`
	ETag      string `json:"etag"`
	Size      int64  `json:"size"`
	// SHA256 is the hash computed while streaming; Declared what the
	// metadata says (equal unless DeclaredSHA256 was set).
	SHA256   string `json:"sha256"`
	Declared string `json:"declaredSha256"`
	// API is the Storage operation that created the blob (PutBlob or
	// PutBlockList), as Event Grid will report it.
	API string `json:"api"`
	// ClipID is the id the pipeline gives this blob version
	// (deterministic from account, container, name and ETag).
	ClipID string `json:"clipId"`
	// Partition is the Cosmos partition (officer) the record will be in.
	Partition string        `json:"officerPartition"`
	Took      time.Duration `json:"-"`
	// Committed is when the blob became visible.
	Committed time.Time `json:"committedAt"`
}

// Upload streams size bytes from r into container/name with meta (keys as
// in docs/metadata.md, without sha256), computing the SHA-256 on the way
// and declaring it in the metadata set at commit. It never overwrites an
// existing blob (If-None-Match: *), because a second version under a
// recorded name is treated as tampering.
func Upload(ctx context.Context, c *Clients, container, name string, r io.Reader, size int64, meta map[string]string, o UploadOptions) (UploadResult, error) {
	if o.BlockSize <= 0 {
		o.BlockSize = 8 << 20
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.SingleShotMax == 0 {
		o.SingleShotMax = 4 << 20
	}
	if o.ContentType == "" {
		o.ContentType = "video/mp4"
	}
	if size < 0 {
		return UploadResult{}, reason.Errorf(CodeInputInvalid, nil, "size %d is negative", size)
	}
	started := time.Now()
	bb := c.Blobs.ServiceClient().NewContainerClient(container).NewBlockBlobClient(name)
	h := sha256.New()
	res := UploadResult{Container: container, Name: name, URL: bb.URL(), Size: size}

	finalMeta := func() map[string]*string {
		res.SHA256 = hex.EncodeToString(h.Sum(nil))
		res.Declared = res.SHA256
		if o.DeclaredSHA256 != "" {
			res.Declared = o.DeclaredSHA256
		}
		m := map[string]*string{}
		for k, v := range meta {
			m[k] = to.Ptr(v)
		}
		m[clip.KeySHA256] = to.Ptr(res.Declared)
		return m
	}
	noOverwrite := &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to.Ptr(azcore.ETagAny)}}
	headers := &blob.HTTPHeaders{BlobContentType: to.Ptr(o.ContentType)}

	var etag *azcore.ETag
	if o.SingleShotMax > 0 && size <= o.SingleShotMax {
		buf := make([]byte, size)
		if _, err := io.ReadFull(r, buf); err != nil {
			return res, reason.Errorf(CodeInputInvalid, err, "reading %d bytes of content", size)
		}
		h.Write(buf)
		resp, err := bb.Upload(ctx, streaming.NopCloser(bytes.NewReader(buf)), &blockblob.UploadOptions{
			Metadata: finalMeta(), HTTPHeaders: headers, AccessConditions: noOverwrite})
		if err != nil {
			return res, uploadErr(err, container, name)
		}
		o.Progress.Add(size)
		etag, res.API = resp.ETag, "PutBlob"
	} else {
		ids, err := stageBlocks(ctx, bb, r, size, h, o)
		if err != nil {
			return res, err
		}
		resp, err := bb.CommitBlockList(ctx, ids, &blockblob.CommitBlockListOptions{
			Metadata: finalMeta(), HTTPHeaders: headers, AccessConditions: noOverwrite})
		if err != nil {
			return res, uploadErr(err, container, name)
		}
		etag, res.API = resp.ETag, "PutBlockList"
	}
	res.Committed = time.Now()
	if etag != nil {
		res.ETag = clip.NormalizeETag(string(*etag))
	}
	res.ClipID = clip.ID(c.Target.Account, container, name, res.ETag)
	res.Partition, _ = Precheck(meta, size, time.Now())
	res.Took = time.Since(started)
	return res, nil
}

// stageBlocks reads r in BlockSize pieces, hashing each in order, and stages
// up to Concurrency of them at once. It returns the block ids in order.
func stageBlocks(ctx context.Context, bb *blockblob.Client, r io.Reader, size int64, h hash.Hash, o UploadOptions) ([]string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	buffers := make(chan []byte, o.Concurrency+1)
	for range o.Concurrency + 1 {
		buffers <- make([]byte, o.BlockSize)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
		mu.Unlock()
	}
	var ids []string
	for off, i := int64(0), 0; off < size; i++ {
		var buf []byte
		select {
		case buf = <-buffers:
		case <-ctx.Done():
		}
		if buf == nil {
			break
		}
		n := min(o.BlockSize, size-off)
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			fail(reason.Errorf(CodeInputInvalid, err, "reading content at byte %d of %d", off, size))
			buffers <- buf
			break
		}
		h.Write(buf[:n])
		// Fixed-width ids: Storage requires every id of a blob to have the same length.
		id := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "block-%010d", i))
		ids = append(ids, id)
		off += n
		wg.Add(1)
		go func(buf []byte, n int64) {
			defer wg.Done()
			defer func() { buffers <- buf }()
			if _, err := bb.StageBlock(ctx, id, streaming.NopCloser(bytes.NewReader(buf[:n])), nil); err != nil {
				fail(uploadErr(err, "", bb.URL()))
				return
			}
			o.Progress.Add(n)
		}(buf, n)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return ids, nil
}

func uploadErr(err error, container, name string) error {
	where := name
	if container != "" {
		where = container + "/" + name
	}
	if bloberror.HasCode(err, bloberror.BlobAlreadyExists) || bloberror.HasCode(err, bloberror.ConditionNotMet) {
		return reason.Errorf(CodeBlobExists, nil, "blob %s already exists; uploads never overwrite (a second version under a recorded name is a tamper signal) — choose another --name", where)
	}
	if bloberror.HasCode(err, bloberror.ContainerNotFound) {
		return reason.Errorf(CodeUploadFailed, err, "container %s does not exist — is the pipeline running (`make run`)?", container)
	}
	return unreachableOr(err, CodeUploadFailed, "uploading %s", where)
}
