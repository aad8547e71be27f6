package functions_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Limits the benchmark reports against (docs/architecture.md).
const (
	benchClipBytes = 1 << 30
	// rssLimitBytes: the handler's peak RSS while verifying a 1 GiB clip
	// must stay far below the clip (bounded memory: ranges in flight).
	rssLimitBytes = 256 << 20
	// minVerifyVsRaw: verification must keep at least this share of a plain
	// single-stream download's throughput of the same blob.
	minVerifyVsRaw = 0.8
)

// chachaReader yields a deterministic pseudo-random stream.
type chachaReader struct {
	r    *rand.ChaCha8
	left int64
}

func (c *chachaReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, _ := c.r.Read(p)
	c.left -= int64(n)
	return n, nil
}

func newStream(n int64) io.Reader {
	return &chachaReader{r: rand.NewChaCha8([32]byte{1, 2, 3}), left: n}
}

// BenchmarkVerify1GiB measures, in one run against the same Azurite blob:
// a raw single-stream download, and ClipVerify through the real handler
// binary (parallel ranged reads + SHA-256), plus the handler's peak RSS.
// Run: go test -run '^$' -bench Verify1GiB -benchtime 1x ./functions
func BenchmarkVerify1GiB(b *testing.B) {
	e := newEnv(b, map[string]string{"BWV_LOG_LEVEL": "info"})
	ctx := context.Background()

	h := sha256.New()
	if _, err := io.Copy(h, newStream(benchClipBytes)); err != nil {
		b.Fatal(err)
	}
	meta := clipMeta(nil, "bench1", time.Now().Add(-time.Hour))
	meta["sha256"] = to.Ptr(hex.EncodeToString(h.Sum(nil)))
	r, err := e.blobs.UploadStream(ctx, "uploads", "bench.mp4", newStream(benchClipBytes), &blockblob.UploadStreamOptions{
		BlockSize: 16 << 20, Concurrency: 4, Metadata: meta,
	})
	if err != nil {
		b.Fatal(err)
	}
	etag := clip.NormalizeETag(string(*r.ETag))

	for i := 0; i < b.N; i++ {
		// Raw download of the same blob.
		t0 := time.Now()
		dl, err := e.blobs.DownloadStream(ctx, "uploads", "bench.mp4", nil)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, dl.Body)
		dl.Body.Close()
		if err != nil || n != benchClipBytes {
			b.Fatalf("raw download %d bytes: %v", n, err)
		}
		raw := float64(n) / 1e6 / time.Since(t0).Seconds()

		// A fresh record each round so ClipVerify really hashes.
		name := fmt.Sprintf("bench.mp4")
		msg := e.ingest(e.blobEvent("devstoreaccount1", name, etag, fmt.Sprintf("%016d", i+1), benchClipBytes))
		if msg == nil {
			// Already verified in an earlier round: nothing more to measure.
			break
		}
		t1 := time.Now()
		if st := e.verify(e.h, msg, 1); st != 200 {
			b.Fatalf("verify %d\n%s", st, e.h.log())
		}
		verify := float64(benchClipBytes) / 1e6 / time.Since(t1).Seconds()
		if c := e.clip("BENCH1", clip.ID("devstoreaccount1", "uploads", name, etag)); c.Status != clip.StatusVerified {
			b.Fatalf("status %s", c.Status)
		}
		rss := peakRSS(b, e.h.cmd.Process.Pid)
		b.ReportMetric(raw, "raw_MB/s")
		b.ReportMetric(verify, "verify_MB/s")
		b.ReportMetric(verify/raw, "verify/raw")
		b.ReportMetric(float64(rss)/(1<<20), "peakRSS_MiB")
		fmt.Printf("verify 1 GiB: %.0f MB/s; raw download %.0f MB/s; ratio %.2f (limit ≥ %.2f: %s)\n",
			verify, raw, verify/raw, minVerifyVsRaw, okText(verify/raw >= minVerifyVsRaw))
		fmt.Printf("handler peak RSS: %.0f MiB; %.2f of the %d MiB limit (%s)\n",
			float64(rss)/(1<<20), float64(rss)/rssLimitBytes, rssLimitBytes>>20, okText(rss <= rssLimitBytes))
	}
}

func okText(ok bool) string {
	if ok {
		return "within"
	}
	return "OVER"
}

// peakRSS reads VmHWM (peak resident set) of a process.
func peakRSS(tb testing.TB, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	tb.Fatal("no VmHWM")
	return 0
}
