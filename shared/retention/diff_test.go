package retention

import (
	"strings"
	"testing"
	"time"
)

func TestDiff(t *testing.T) {
	from := mustParse(t, validPolicy) // default/non-evidential 31 days, evidential 6 years, incident held
	// The proposal: non-evidential 14 days, evidential 7 years, default unchanged.
	toDoc := strings.NewReplacer(`"version": "test-1"`, `"version": "test-2"`,
		`{"name": "non-evidential", "period": "P31D"}`, `{"name": "non-evidential", "period": "P14D"}`,
		`"period": "P6Y"`, `"period": "P7Y"`).Replace(validPolicy)
	to := mustParse(t, toDoc)

	now := time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC)
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	clips := []ClipFacts{
		{"c-ne-old", Facts{Categories: []string{"non-evidential"}, RecordedStart: start}},                           // 1 Feb → 15 Jan: earlier, due now
		{"c-ne-new", Facts{Categories: []string{"non-evidential"}, RecordedStart: now.Add(-time.Hour)}},             // earlier, not yet due
		{"c-ev", Facts{Categories: []string{"evidential"}, RecordedStart: start}},                                   // later
		{"c-both", Facts{Categories: []string{"evidential", "non-evidential"}, RecordedStart: start}},               // later (evidential wins)
		{"c-none", Facts{RecordedStart: start}},                                                                     // unchanged
		{"c-held", Facts{Categories: []string{"non-evidential"}, LegalHold: true, RecordedStart: start}},            // unchanged (held)
		{"c-inc", Facts{Categories: []string{"non-evidential"}, IncidentRefs: []string{"X"}, RecordedStart: start}}, // unchanged (held)
	}
	d := Diff(from, to, clips, now)
	if d.FromVersion != "test-1" || d.ToVersion != "test-2" {
		t.Errorf("versions %q → %q", d.FromVersion, d.ToVersion)
	}
	if want := (Counts{Clips: 7, Earlier: 2, Later: 2, Unchanged: 3, BecomeDue: 1}); d.Total != want {
		t.Errorf("total %+v, want %+v", d.Total, want)
	}
	if want := (Counts{Clips: 5, Earlier: 2, Later: 1, Unchanged: 2, BecomeDue: 1}); d.ByCategory["non-evidential"] != want {
		t.Errorf("non-evidential %+v, want %+v", d.ByCategory["non-evidential"], want)
	}
	if want := (Counts{Clips: 2, Later: 2}); d.ByCategory["evidential"] != want {
		t.Errorf("evidential %+v, want %+v", d.ByCategory["evidential"], want)
	}
	if want := (Counts{Clips: 1, Unchanged: 1}); d.ByCategory[Uncategorised] != want {
		t.Errorf("uncategorised %+v, want %+v", d.ByCategory[Uncategorised], want)
	}
	var ids []string
	for _, c := range d.Changes {
		ids = append(ids, c.ID+":"+string(c.Movement))
		if c.ID == "c-ne-old" && (!c.BecomesDue || !c.To.RetainUntil.Equal(time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC))) {
			t.Errorf("c-ne-old change %+v", c)
		}
	}
	if got := strings.Join(ids, " "); got != "c-both:later c-ev:later c-ne-new:earlier c-ne-old:earlier" {
		t.Errorf("changes %s", got)
	}
}

// Releasing the incident hold in a proposal moves held clips earlier: a held clip getting a date is "earlier".
func TestDiffHeldToDated(t *testing.T) {
	from := mustParse(t, validPolicy)
	to := mustParse(t, replace(t, `"incidentLinked": {"holdUntilReleased": true}`, `"incidentLinked": {"period": "P2Y"}`))
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	d := Diff(from, to, []ClipFacts{{"i", Facts{IncidentRefs: []string{"X"}, RecordedStart: start}}}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if d.Total.Earlier != 1 || d.Total.BecomeDue != 1 || len(d.Changes) != 1 || d.Changes[0].Movement != MovedEarlier {
		t.Errorf("diff %+v", d)
	}
	back := Diff(to, from, []ClipFacts{{"i", Facts{IncidentRefs: []string{"X"}, RecordedStart: start}}}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if back.Total.Later != 1 || back.Total.BecomeDue != 0 {
		t.Errorf("reverse diff %+v", back.Total)
	}
}
