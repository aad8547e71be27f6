package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// stream yields n deterministic pseudo-random bytes (footage does not
// compress, and neither does this).
type stream struct {
	r    *rand.ChaCha8
	left int64
}

func newStream(seed byte, n int64) *stream {
	return &stream{r: rand.NewChaCha8([32]byte{seed, 'b', 'w', 'v'}), left: n}
}

func (s *stream) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, _ := s.r.Read(p)
	s.left -= int64(n)
	return n, nil
}

// metadata is valid dock metadata for a clip with the given SHA-256,
// recorded at start.
func metadata(officer, sha string, start time.Time) map[string]*string {
	v := func(s string) *string { return &s }
	return map[string]*string{
		"officerid":     v(officer),
		"deviceid":      v("CAM-0042"),
		"stationid":     v("ST-01"),
		"recordedstart": v(start.UTC().Format(time.RFC3339)),
		"recordedend":   v(start.Add(5 * time.Minute).UTC().Format(time.RFC3339)),
		"sha256":        v(sha),
	}
}

// uploaded is a blob the bench wrote, as its BlobCreated event names it.
type uploaded struct {
	name, etag, officer string
	size                int64
	seq                 int
}

func (u uploaded) id(account string) string { return clip.ID(account, "uploads", u.name, u.etag) }

// uploadSmall writes a small clip with valid metadata.
func (s *services) uploadSmall(ctx context.Context, name, officer string, content []byte, start time.Time, seq int) (uploaded, error) {
	sum := sha256.Sum256(content)
	r, err := s.blobs.UploadBuffer(ctx, "uploads", name, content, &blockblob.UploadBufferOptions{
		Metadata: metadata(officer, hex.EncodeToString(sum[:]), start)})
	if err != nil {
		return uploaded{}, failf(err, "uploading %s", name)
	}
	return uploaded{name: name, etag: clip.NormalizeETag(string(*r.ETag)), officer: officer, size: int64(len(content)), seq: seq}, nil
}

// uploadLarge writes size bytes of the seeded stream in 16 MiB blocks,
// its SHA-256 (the dock's declared hash) in the metadata.
func (s *services) uploadLarge(ctx context.Context, name string, seed byte, size int64) (uploaded, error) {
	h := sha256.New()
	if _, err := io.Copy(h, newStream(seed, size)); err != nil {
		return uploaded{}, err
	}
	sha := hex.EncodeToString(h.Sum(nil))
	r, err := s.blobs.UploadStream(ctx, "uploads", name, newStream(seed, size), &blockblob.UploadStreamOptions{
		BlockSize: 16 << 20, Concurrency: 4, Metadata: metadata("BENCHV", sha, time.Now().Add(-time.Hour))})
	if err != nil {
		return uploaded{}, failf(err, "uploading %s (%d MiB)", name, size>>20)
	}
	return uploaded{name: name, etag: clip.NormalizeETag(string(*r.ETag)), officer: "BENCHV", size: size}, nil
}

// event is the Event Grid BlobCreated event of u, in the exact schema,
// with its URL under the endpoint the handler is configured with.
func event(endpoint string, u uploaded) map[string]any {
	account := strings.Trim(endpoint[strings.LastIndex(strings.TrimSuffix(endpoint, "/"), "/"):], "/")
	return map[string]any{
		"topic":     "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv/providers/Microsoft.Storage/storageAccounts/" + account,
		"subject":   "/blobServices/default/containers/uploads/blobs/" + u.name,
		"eventType": "Microsoft.Storage.BlobCreated",
		"id":        fmt.Sprintf("ev-%s", u.etag),
		"eventTime": time.Now().UTC().Format(time.RFC3339Nano),
		"data": map[string]any{
			"api": "PutBlob", "clientRequestId": "c", "requestId": "r", "eTag": u.etag, "contentType": "video/mp4",
			"contentLength": u.size, "blobType": "BlockBlob", "url": strings.TrimSuffix(endpoint, "/") + "/uploads/" + u.name,
			"sequencer": fmt.Sprintf("%032d", u.seq+1), "storageDiagnostics": map[string]any{"batchId": "b"},
		},
		"dataVersion": "", "metadataVersion": "1",
	}
}

// ingest runs ClipIngest on u's event and returns the verify message it
// asked for (nil when none).
func ingest(ctx context.Context, h *handlerProc, endpoint string, u uploaded) (json.RawMessage, error) {
	text, err := json.Marshal(event(endpoint, u))
	if err != nil {
		return nil, err
	}
	r, err := h.invoke(ctx, "ClipIngest", map[string]any{"event": hostEncoded(string(text))}, map[string]any{})
	if err != nil {
		return nil, err
	}
	if m, ok := r.Outputs["verify"]; ok && m != nil {
		return json.Marshal(m)
	}
	return nil, nil
}

// verify delivers a clip-verify message to ClipVerify as the host does.
func verify(ctx context.Context, h *handlerProc, msg json.RawMessage) error {
	_, err := h.invoke(ctx, "ClipVerify", map[string]any{"message": hostEncoded(string(msg))},
		map[string]any{"DequeueCount": "1", "Id": `"bench"`})
	return err
}
