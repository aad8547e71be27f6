package retention

import (
	"reflect"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// A schedule stored on a record (RecordOf) and read back (ScheduleOf) is
// the schedule the policy computed, NotBefore included, for every rule
// shape: dated, held, quarantined, legal hold.
func TestRecordRoundTrip(t *testing.T) {
	p := Default()
	start := time.Date(2025, 3, 1, 14, 0, 0, 0, time.UTC)
	base := clip.Clip{RecordedStart: clip.Ptr(start), ReceivedAt: clip.At(start.Add(time.Hour)), Status: clip.StatusVerified}
	cases := map[string]func(c *clip.Clip){
		"default":       func(*clip.Clip) {},
		"evidential":    func(c *clip.Clip) { c.Categories = []string{"evidential"} },
		"incident":      func(c *clip.Clip) { c.IncidentRefs = []string{"CAD/1"} },
		"unknown":       func(c *clip.Clip) { c.Categories = []string{"no-such-category"} },
		"quarantined":   func(c *clip.Clip) { c.Status = clip.StatusQuarantined },
		"legal hold":    func(c *clip.Clip) { c.Retention.LegalHold = true },
		"no start":      func(c *clip.Clip) { c.RecordedStart = nil },
		"no receipt":    func(c *clip.Clip) { c.ReceivedAt = clip.Time{} },
		"late received": func(c *clip.Clip) { c.ReceivedAt = clip.At(start.AddDate(1, 0, 0)) },
	}
	for name, mutate := range cases {
		c := base
		mutate(&c)
		f := FactsOf(c)
		if f.Quarantined != (c.Status == clip.StatusQuarantined) || f.LegalHold != c.Retention.LegalHold || !f.ReceivedAt.Equal(c.ReceivedAt.Time) ||
			(c.RecordedStart == nil) != f.RecordedStart.IsZero() || !reflect.DeepEqual(f.Categories, c.Categories) || !reflect.DeepEqual(f.IncidentRefs, c.IncidentRefs) {
			t.Errorf("%s: FactsOf(%+v) = %+v", name, c, f)
		}
		want := p.Schedule(f)
		c.Retention = RecordOf(want, c.Retention.LegalHold)
		if !reflect.DeepEqual(c.Retention, p.RecordFor(c)) {
			t.Errorf("%s: RecordFor = %+v, RecordOf(Schedule(FactsOf)) = %+v", name, p.RecordFor(c), c.Retention)
		}
		if got := ScheduleOf(p, c); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ScheduleOf(RecordOf(s)) = %+v, want %+v", name, got, want)
		}
		now := start.AddDate(40, 0, 0)
		if got, want := DecideClip(p, c, now), Decide(want, c.Retention.LegalHold, string(c.Status), now); got != want {
			t.Errorf("%s: DecideClip = %+v, Decide on the computed schedule = %+v", name, got, want)
		}
	}
}
