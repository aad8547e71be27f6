package localrun

import (
	"crypto/sha256"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// The demo's promise rests on its samples: valid ones must pass the
// pipeline's own metadata rules, broken ones must break exactly the rules
// they claim to. Checked with the domain's validator, not a copy of it.
func TestSamplesMeetTheirExpectedMetadataOutcome(t *testing.T) {
	now := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	for _, s := range Samples(SampleOptions{Now: now, LargeBytes: 1 << 20}) {
		t.Run(s.Case, func(t *testing.T) {
			part, reasons := Precheck(s.Info.Metadata(), s.Size, now)
			var codes []clip.Code
			for _, r := range reasons {
				codes = append(codes, r.Code)
			}
			if part != "PC4711" {
				t.Errorf("partition %q, want PC4711", part)
			}
			switch {
			case s.WrongHash:
				// Metadata is valid; only the hash check can catch it.
				if len(codes) != 0 {
					t.Errorf("wrong-hash sample has metadata reasons %v", codes)
				}
			case s.WantStatus == clip.StatusVerified:
				if len(codes) != 0 {
					t.Errorf("valid sample breaks rules: %v", codes)
				}
			default:
				slices.Sort(codes)
				want := slices.Clone(s.WantReasons)
				slices.Sort(want)
				if !slices.Equal(codes, want) {
					t.Errorf("reasons %v, want exactly %v", codes, want)
				}
			}
		})
	}
}

func TestSampleContentIsDeterministicAndSized(t *testing.T) {
	s := Samples(SampleOptions{SmallBytes: 3000})
	sum := func(smp Sample) ([32]byte, int64) {
		h := sha256.New()
		n, err := io.Copy(h, smp.Content())
		if err != nil {
			t.Fatal(err)
		}
		var out [32]byte
		copy(out[:], h.Sum(nil))
		return out, n
	}
	a, n := sum(s[0])
	b, _ := sum(s[0])
	c, _ := sum(s[2])
	if n != 3000 {
		t.Errorf("content is %d bytes, want 3000", n)
	}
	if a != b {
		t.Error("the same sample generated different content twice")
	}
	if a == c {
		t.Error("two samples generated the same content")
	}
	names := map[string]bool{}
	for _, smp := range s {
		if names[smp.Name] {
			t.Errorf("duplicate blob name %s", smp.Name)
		}
		names[smp.Name] = true
	}
}
