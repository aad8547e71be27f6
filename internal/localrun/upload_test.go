package localrun

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Upload against real Azurite: what lands in storage is the content, the
// declared hash is the hash of what was streamed, the API matches the path
// taken, and the announced clip id is the one the pipeline will compute.
func TestUploadStreamsHashAndDeclaresIt(t *testing.T) {
	az := localsvctest.Azurite(t)
	c, err := Connect(Target{Account: az.Account, Key: az.Key, BlobEndpoint: az.BlobEndpoint[:len(az.BlobEndpoint)-1],
		QueueEndpoint: az.QueueEndpoint[:len(az.QueueEndpoint)-1], UploadContainer: "uploads", QuarantineContainer: "quarantine",
		VerifyQueue: "clip-verify", CosmosEndpoint: "http://127.0.0.1:1", CosmosKey: "a2V5", Database: "bwv", ClipsContainer: "clips", AuditContainer: "audit"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.EnsureStorage(ctx, DeadLetterContainer); err != nil {
		t.Fatal(err)
	}
	meta := ClipInfo{OfficerID: "pc1", DeviceID: "CAM-1"}.Metadata()
	for _, tc := range []struct {
		name    string
		size    int
		opts    UploadOptions
		wantAPI string
	}{
		{"single PutBlob", 1000, UploadOptions{}, "PutBlob"},
		{"blocks, last one short", 5<<20 + 123, UploadOptions{BlockSize: 1 << 20, Concurrency: 3, SingleShotMax: -1}, "PutBlockList"},
		{"one byte in blocks", 1, UploadOptions{SingleShotMax: -1}, "PutBlockList"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := make([]byte, tc.size)
			for i := range content {
				content[i] = byte(i*31 + i/7)
			}
			want := sha256.Sum256(content)
			res, err := Upload(ctx, c, "uploads", "t/"+tc.name, bytes.NewReader(content), int64(tc.size), meta, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.SHA256 != hex.EncodeToString(want[:]) || res.Declared != res.SHA256 || res.API != tc.wantAPI {
				t.Errorf("result %+v; want sha %x, api %s", res, want, tc.wantAPI)
			}
			bc := c.Blobs.ServiceClient().NewContainerClient("uploads").NewBlobClient("t/" + tc.name)
			dl, err := bc.DownloadStream(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(dl.Body)
			dl.Body.Close()
			if !bytes.Equal(got, content) {
				t.Errorf("stored %d bytes differ from the %d uploaded", len(got), len(content))
			}
			if v := dl.Metadata["Sha256"]; v == nil || *v != res.SHA256 {
				t.Errorf("metadata sha256 %v, want %s (all metadata %v)", v, res.SHA256, dl.Metadata)
			}
			if res.ClipID != clip.ID(az.Account, "uploads", "t/"+tc.name, clip.NormalizeETag(string(*dl.ETag))) {
				t.Errorf("announced clip id %s is not the pipeline's id for this version", res.ClipID)
			}
		})
	}
	// Short content is an input error, not a truncated clip.
	_, err = Upload(ctx, c, "uploads", "t/short", bytes.NewReader(make([]byte, 10)), 3<<20, meta, UploadOptions{BlockSize: 1 << 20, SingleShotMax: -1})
	if reason.CodeOf(err) != CodeInputInvalid {
		t.Errorf("content shorter than its size: %v, want %s", err, CodeInputInvalid)
	}
	// Never overwrite.
	_, err = Upload(ctx, c, "uploads", "t/single PutBlob", bytes.NewReader([]byte("x")), 1, meta, UploadOptions{})
	if reason.CodeOf(err) != CodeBlobExists {
		t.Errorf("overwrite: %v, want %s", err, CodeBlobExists)
	}
}
