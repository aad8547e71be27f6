package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/bwv-ingest/bwv-ingest/internal/devhost"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

// eventPoll is how often the local host lists the upload container to
// raise BlobCreated (its stand-in for Event Grid's push); part of every
// latency figure.
const eventPoll = 100 * time.Millisecond

// statusPoll is how often the bench reads a clip's record while waiting:
// the resolution of the latency figures.
const statusPoll = 20 * time.Millisecond

// latencyRows starts make run's pipeline (Azurite, local Cosmos, the local
// Functions host running the handler) and measures, at each concurrency,
// the time from an upload's completion to its record reading verified.
func latencyRows(ctx context.Context, root, work string, c Config, bin string, r *Report) error {
	p, err := localrun.StartPipeline(ctx, localrun.PipelineOptions{
		Root: root, DataDir: filepath.Join(work, "pipeline-azurite"), Reset: true,
		SettingsOut: filepath.Join(work, "pipeline.settings.json"), HandlerPath: bin,
		EventGrid: devhost.EventGridOptions{PollInterval: eventPoll},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)), HandlerOutput: io.Discard,
	})
	if err != nil {
		return failf(err, "starting the local pipeline")
	}
	defer p.Stop()
	cred, err := azblob.NewSharedKeyCredential(p.Azurite.Account, p.Azurite.Key)
	if err != nil {
		return err
	}
	blobs, err := azblob.NewClientWithSharedKeyCredential(p.Azurite.BlobEndpoint, cred, nil)
	if err != nil {
		return err
	}
	records, err := cosmosdb.New(cosmosdb.Options{Endpoint: p.Cosmos.Endpoint, Key: p.Cosmos.Key, Database: "bwv", Clips: "clips", Audit: "audit"})
	if err != nil {
		return err
	}
	content := make([]byte, c.LatencyClipKiB<<10)
	_, _ = io.ReadFull(newStream(9, int64(len(content))), content)
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])
	start := time.Now().Add(-time.Hour)

	for _, level := range c.LatencyLevels {
		n := max(c.LatencyUploads, level)
		var mu sync.Mutex
		var lat []time.Duration
		err := parallel(n, level, func(i int) error {
			name := fmt.Sprintf("latency/c%d/%04d.mp4", level, i)
			officer := fmt.Sprintf("PL%02d", i%20)
			up, err := blobs.UploadBuffer(ctx, "uploads", name, content, &blockblob.UploadBufferOptions{Metadata: metadata(officer, sha, start)})
			if err != nil {
				return failf(err, "uploading %s", name)
			}
			done := time.Now()
			id := clip.ID(p.Azurite.Account, "uploads", name, clip.NormalizeETag(string(*up.ETag)))
			deadline := done.Add(2 * time.Minute)
			for {
				rec, err := records.GetClip(ctx, officer, id)
				if err == nil && rec.Status == clip.StatusVerified {
					break
				}
				if err == nil && rec.Status != clip.StatusReceived {
					return failf(nil, "%s ended %q, not verified", name, rec.Status)
				}
				if err != nil && !clip.IsKind(err, clip.NotFound) {
					return failf(err, "reading the record of %s", name)
				}
				if time.Now().After(deadline) {
					return failf(err, "%s not verified 2 minutes after its upload", name)
				}
				time.Sleep(statusPoll)
			}
			mu.Lock()
			lat = append(lat, time.Since(done))
			mu.Unlock()
			return nil
		})
		if err != nil {
			return err
		}
		slices.Sort(lat)
		what := fmt.Sprintf("upload complete → verified, %d concurrent (%d uploads of %d KiB; host polls every %s)", level, n, c.LatencyClipKiB, eventPoll)
		r.add(
			Row{ID: fmt.Sprintf("latency_c%d_p50_ms", level), What: what + ", p50", Value: ms(percentile(lat, 0.50)), Unit: "ms", Direction: Info},
			Row{ID: fmt.Sprintf("latency_c%d_p99_ms", level), What: what + ", p99", Value: ms(percentile(lat, 0.99)), Unit: "ms", Direction: Info},
		)
	}
	return nil
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted)) + 0.5)
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
