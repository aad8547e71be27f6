package localrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Sample is one generated clip with the outcome the pipeline must reach.
type Sample struct {
	Case        string // short label: valid, valid-full, bad-metadata, wrong-hash, large
	Name        string // blob name
	Size        int64
	Info        ClipInfo
	WrongHash   bool // declare the hash of other content
	WantStatus  clip.Status
	WantReasons []clip.Code // every one must be on the record
	seed        uint64
}

// Content is the sample's bytes, generated on the fly (ChaCha8 keyed by
// the sample), so a large sample costs no disk and no memory.
func (s Sample) Content() io.Reader {
	var key [32]byte
	for i := range 8 {
		key[i] = byte(s.seed >> (8 * i))
	}
	copy(key[8:], s.Case)
	return io.LimitReader(rand.NewChaCha8(key), s.Size)
}

// SampleOptions shapes the sample set.
type SampleOptions struct {
	// Prefix starts every blob name (default demo/<UTC time>-<random>/).
	Prefix string
	// SmallBytes is the size of the ordinary samples (default 256 KiB).
	SmallBytes int64
	// LargeBytes is the size of the large sample; 0 leaves it out.
	LargeBytes int64
	// Now is the clock for recorded times (default time.Now).
	Now time.Time
}

// Samples returns the demo clips: valid ones (minimal and with every
// optional key), one with broken metadata, one whose declared hash is
// wrong, and optionally one large clip uploaded in blocks.
func Samples(o SampleOptions) []Sample {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.SmallBytes <= 0 {
		o.SmallBytes = 256 << 10
	}
	run := rand.Uint64()
	if o.Prefix == "" {
		o.Prefix = fmt.Sprintf("demo/%s-%04x/", o.Now.UTC().Format("20060102T150405Z"), run&0xffff)
	}
	start := o.Now.Add(-2 * time.Hour).Truncate(time.Second)
	base := ClipInfo{OfficerID: "PC4711", DeviceID: "CAM-DEMO-01", Start: start, End: start.Add(7 * time.Minute), StationID: "STN-DEMO"}
	lat, lon := 51.5072, -0.1276
	full := base
	full.Categories = []string{"evidential"}
	full.Incidents = []string{"CAD/2026/0815", "CRIME-42"}
	full.Latitude, full.Longitude = &lat, &lon
	bad := base
	bad.DeviceID = "CAM DEMO!" // space and ! are not allowed
	bad.End = start.Add(-time.Minute)
	bad.Raw = map[string]string{clip.KeyLatitude: "51.5"} // latitude without longitude

	s := []Sample{
		{Case: "valid", Info: base, Size: o.SmallBytes, WantStatus: clip.StatusVerified},
		{Case: "valid-full", Info: full, Size: o.SmallBytes + 1, WantStatus: clip.StatusVerified},
		{Case: "bad-metadata", Info: bad, Size: o.SmallBytes, WantStatus: clip.StatusQuarantined,
			WantReasons: []clip.Code{clip.CodeDeviceIDInvalid, clip.CodeRecordedEndNotAfter, clip.CodeLocationIncomplete}},
		{Case: "wrong-hash", Info: base, Size: o.SmallBytes, WrongHash: true, WantStatus: clip.StatusQuarantined,
			WantReasons: []clip.Code{clip.CodeHashMismatch}},
	}
	if o.LargeBytes > 0 {
		s = append(s, Sample{Case: "large", Info: base, Size: o.LargeBytes, WantStatus: clip.StatusVerified})
	}
	for i := range s {
		s[i].seed = run + uint64(i)
		s[i].Name = o.Prefix + s[i].Case + ".mp4"
	}
	return s
}

// Outcome is one sample's result.
type Outcome struct {
	Case         string        `json:"case"`
	Blob         string        `json:"blob"`
	Size         int64         `json:"size"`
	API          string        `json:"api"`
	ClipID       string        `json:"clipId"`
	Officer      string        `json:"officerPartition"`
	Want         clip.Status   `json:"expectedStatus"`
	WantReasons  []clip.Code   `json:"expectedReasons,omitempty"`
	Got          clip.Status   `json:"status"`
	Reasons      []clip.Code   `json:"reasons,omitempty"`
	Quarantine   string        `json:"quarantinedTo,omitempty"`
	UploadTook   time.Duration `json:"-"`
	Latency      time.Duration `json:"-"`
	UploadMs     int64         `json:"uploadMs"`
	LatencyMs    int64         `json:"uploadToFinalMs"`
	OK           bool          `json:"ok"`
	Problem      string        `json:"problem,omitempty"`
	uploadedTime time.Time
}

// RunSamples uploads every sample (one after another, so the large one
// does not starve the others), then waits for all outcomes in Cosmos,
// each bounded by wait. progress, when not nil, is called to make a
// progress bar for a sample worth one.
func RunSamples(ctx context.Context, c *Clients, samples []Sample, wait time.Duration, progress func(Sample) *Progress) []Outcome {
	out := make([]Outcome, len(samples))
	for i, s := range samples {
		o := &out[i]
		*o = Outcome{Case: s.Case, Blob: s.Name, Size: s.Size, Want: s.WantStatus, WantReasons: s.WantReasons}
		meta := s.Info.Metadata()
		opts := UploadOptions{}
		if s.WrongHash {
			other := sha256.Sum256([]byte("not the content of " + s.Name))
			opts.DeclaredSHA256 = hex.EncodeToString(other[:])
		}
		if progress != nil {
			opts.Progress = progress(s)
		}
		res, err := Upload(ctx, c, c.Target.UploadContainer, s.Name, s.Content(), s.Size, meta, opts)
		opts.Progress.Done()
		if err != nil {
			o.Problem = err.Error()
			continue
		}
		o.API, o.ClipID, o.Officer, o.UploadTook, o.uploadedTime = res.API, res.ClipID, res.Partition, res.Took, res.Committed
	}
	var wg sync.WaitGroup
	for i := range out {
		o := &out[i]
		if o.ClipID == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			wctx, cancel := context.WithTimeout(ctx, wait)
			defer cancel()
			rec, found, err := WaitFinal(wctx, c, o.Officer, o.ClipID, 0)
			if found {
				o.Got = rec.Status
				for _, r := range rec.Reasons {
					o.Reasons = append(o.Reasons, r.Code)
				}
				if rec.Quarantine != nil {
					o.Quarantine = rec.Quarantine.Container + "/" + rec.Quarantine.Name
				}
				o.Latency = Latency(o.uploadedTime, rec)
			}
			if err != nil {
				o.Problem = err.Error()
			}
		}()
	}
	wg.Wait()
	for i := range out {
		judge(&out[i])
	}
	return out
}

func judge(o *Outcome) {
	o.UploadMs, o.LatencyMs = o.UploadTook.Milliseconds(), o.Latency.Milliseconds()
	if o.Problem != "" {
		return
	}
	if o.Got != o.Want {
		o.Problem = fmt.Sprintf("status %q, expected %q", o.Got, o.Want)
		return
	}
	var missing []string
	for _, w := range o.WantReasons {
		if !slices.Contains(o.Reasons, w) {
			missing = append(missing, string(w))
		}
	}
	if len(missing) > 0 {
		o.Problem = "missing reasons " + strings.Join(missing, ",")
		return
	}
	if o.Want == clip.StatusVerified && len(o.Reasons) > 0 {
		o.Problem = "verified but with reasons"
		return
	}
	o.OK = true
}

// AllOK reports whether every outcome is the expected one.
func AllOK(out []Outcome) bool {
	for _, o := range out {
		if !o.OK {
			return false
		}
	}
	return len(out) > 0
}

// SortOutcomes orders outcomes by case name (stable output for people).
func SortOutcomes(out []Outcome) {
	sort.SliceStable(out, func(i, j int) bool { return out[i].Case < out[j].Case })
}
