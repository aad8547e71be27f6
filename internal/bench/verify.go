package bench

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Targets of the verification rows.
const (
	verifyTarget = 0.9      // ClipVerify ≥ 0.9 × min(raw SHA-256, fastest raw download)
	rssBaseMiB   = 48       // handler peak RSS ≤ 48 MiB + the configured read-ahead
	mb           = 1e6      // throughput in MB/s (10^6 bytes)
	mib          = 1 << 20  // memory in MiB
	rangeBytes   = 16 << 20 // the raw ranged downloads' range size
)

// verifyRows measures, for each clip size, in one run against the same
// blob: SHA-256 of its bytes on this CPU, raw downloads (one stream; 4 and
// 8 parallel 16 MiB ranges; the best of a pass before and a pass after
// the handler's), and ClipVerify through a fresh handler process, whose
// peak RSS is read after the clip.
func verifyRows(ctx context.Context, s *services, c Config, bin string, r *Report) error {
	for i, sizeMiB := range c.VerifyMiB {
		size := int64(sizeMiB) * mib
		u, err := s.uploadLarge(ctx, fmt.Sprintf("bench/verify-%dMiB.mp4", sizeMiB), byte(i+1), size)
		if err != nil {
			return err
		}
		hashMBps := rawSHA256(byte(i+1), size)
		raw := map[string]float64{}
		best := func() error {
			for _, k := range []int{1, 4, 8} {
				v, err := rawDownload(ctx, s, u, k)
				if err != nil {
					return err
				}
				key := "one stream"
				if k > 1 {
					key = fmt.Sprintf("%d × 16 MiB ranges", k)
				}
				raw[key] = max(raw[key], v)
			}
			return nil
		}
		if err := best(); err != nil {
			return err
		}
		h, err := startHandler(bin, s.handlerSettings(c, false))
		if err != nil {
			return err
		}
		idle, _ := h.peakRSS()
		msg, err := ingest(ctx, h, h.blob, u)
		if err != nil || msg == nil {
			h.stop()
			return failf(err, "ClipIngest of %s asked for no verification", u.name)
		}
		t0 := time.Now()
		err = verify(ctx, h, msg)
		took := time.Since(t0)
		peak, perr := h.peakRSS()
		h.stop()
		if err != nil {
			return err
		}
		if perr != nil {
			return perr
		}
		rec, err := s.records.GetClip(ctx, u.officer, u.id(s.az.Account))
		if err != nil || rec.Status != clip.StatusVerified {
			return failf(err, "%s is %q after ClipVerify, not verified", u.name, rec.Status)
		}
		if err := best(); err != nil {
			return err
		}
		fastest, fastestWhat := 0.0, ""
		for k, v := range raw {
			if v > fastest {
				fastest, fastestWhat = v, k
			}
		}
		verifyMBps := float64(size) / mb / took.Seconds()
		limit, limitWhat := hashMBps, "raw SHA-256"
		if fastest < hashMBps {
			limit, limitWhat = fastest, "fastest raw download, "+fastestWhat
		}
		tag := fmt.Sprintf("%dMiB", sizeMiB)
		r.add(
			Row{ID: "sha256_" + tag + "_MBps", What: fmt.Sprintf("raw SHA-256, %d MiB, this CPU", sizeMiB), Value: hashMBps, Unit: "MB/s"},
			Row{ID: "download1_" + tag + "_MBps", What: fmt.Sprintf("raw download, %d MiB, one stream", sizeMiB), Value: raw["one stream"], Unit: "MB/s"},
			Row{ID: "download4_" + tag + "_MBps", What: fmt.Sprintf("raw download, %d MiB, 4 × 16 MiB ranges", sizeMiB), Value: raw["4 × 16 MiB ranges"], Unit: "MB/s"},
			Row{ID: "download8_" + tag + "_MBps", What: fmt.Sprintf("raw download, %d MiB, 8 × 16 MiB ranges", sizeMiB), Value: raw["8 × 16 MiB ranges"], Unit: "MB/s"},
			Row{ID: "verify_" + tag + "_MBps", What: fmt.Sprintf("ClipVerify through the handler, %d MiB (%d × %d MiB ranges)", sizeMiB, c.Parallelism, c.RangeMiB),
				Value: verifyMBps, Unit: "MB/s", Limit: limit, LimitWhat: limitWhat, Direction: AtLeast, Target: verifyTarget},
			// Here Azurite serves the bytes from the same two cores that
			// hash them, so the two costs add; in Azure, Storage runs
			// elsewhere and the limit is the smaller of the two.
			Row{ID: "verify_shared_cpu_" + tag + "_MBps", What: fmt.Sprintf("  limit when Azurite and the hash share these cores, 1/(1/SHA + 1/download): ClipVerify is %.2f of it",
				verifyMBps*(1/hashMBps+1/fastest)), Value: 1 / (1/hashMBps + 1/fastest), Unit: "MB/s", Direction: Info},
			Row{ID: "rss_" + tag + "_MiB", What: fmt.Sprintf("handler peak RSS verifying %d MiB (idle %.0f MiB)", sizeMiB, float64(idle)/mib),
				Value: float64(peak) / mib, Unit: "MiB", Limit: float64(rssBaseMiB + c.Parallelism*c.RangeMiB),
				LimitWhat: fmt.Sprintf("%d MiB + %d × %d MiB read-ahead", rssBaseMiB, c.Parallelism, c.RangeMiB), Direction: AtMost, Target: 1},
		)
	}
	return nil
}

// rawSHA256 hashes the same bytes as the clip (regenerated into one 16 MiB
// buffer at a time) and times only the hashing.
func rawSHA256(seed byte, size int64) float64 {
	src := newStream(seed, size)
	buf := make([]byte, rangeBytes)
	h := sha256.New()
	var spent time.Duration
	for {
		n, _ := io.ReadFull(src, buf)
		if n == 0 {
			break
		}
		t0 := time.Now()
		h.Write(buf[:n])
		spent += time.Since(t0)
	}
	_ = h.Sum(nil)
	return float64(size) / mb / spent.Seconds()
}

// rawDownload reads the whole blob with one stream (k == 1) or k parallel
// 16 MiB ranged GETs, discarding the bytes, and returns MB/s.
func rawDownload(ctx context.Context, s *services, u uploaded, k int) (float64, error) {
	bc := s.blobs.ServiceClient().NewContainerClient("uploads").NewBlobClient(u.name)
	t0 := time.Now()
	var total int64
	if k == 1 {
		r, err := bc.DownloadStream(ctx, nil)
		if err != nil {
			return 0, failf(err, "downloading %s", u.name)
		}
		total, err = io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if err != nil {
			return 0, failf(err, "downloading %s", u.name)
		}
	} else {
		ranges := int((u.size + rangeBytes - 1) / rangeBytes)
		bufs := make(chan []byte, k)
		for range k {
			bufs <- make([]byte, rangeBytes)
		}
		err := parallel(ranges, k, func(i int) error {
			buf := <-bufs
			defer func() { bufs <- buf }()
			off := int64(i) * rangeBytes
			n := min(rangeBytes, u.size-off)
			r, err := bc.DownloadStream(ctx, &blob.DownloadStreamOptions{Range: blob.HTTPRange{Offset: off, Count: n}})
			if err != nil {
				return failf(err, "range %d of %s", i, u.name)
			}
			defer r.Body.Close()
			if _, err := io.ReadFull(r.Body, buf[:n]); err != nil {
				return failf(err, "range %d of %s", i, u.name)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		total = u.size
	}
	if total != u.size {
		return 0, failf(nil, "downloaded %d of %d bytes of %s", total, u.size, u.name)
	}
	return float64(total) / mb / time.Since(t0).Seconds(), nil
}
