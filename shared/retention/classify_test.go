package retention

import (
	"testing"
	"time"
)

func TestClassifyEarlier(t *testing.T) {
	d := func(days int) *time.Time {
		x := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
		return &x
	}
	dated := func(days int) Schedule { return Schedule{Rule: "category:x", RetainUntil: d(days)} }
	held := Schedule{Rule: RuleIncidentLinked, HeldUntilReleased: true}
	hold := Schedule{Rule: RuleLegalHold, HeldUntilReleased: true}
	noDate := Schedule{Rule: "x"}
	tests := []struct {
		name          string
		before, after Schedule
		want          Classification
	}{
		{"same date", dated(31), dated(31), ClassNoEarlier},
		{"later date", dated(31), dated(365), ClassNoEarlier},
		{"earlier date", dated(365), dated(31), ClassEarlier},
		{"one second earlier", Schedule{RetainUntil: d(31)}, Schedule{RetainUntil: func() *time.Time { x := d(31).Add(-time.Second); return &x }()}, ClassEarlier},
		{"date to held", dated(31), held, ClassNoEarlier},
		{"date to legal hold", dated(31), hold, ClassNoEarlier},
		{"held to date", held, dated(3650), ClassEarlier},
		{"legal hold cleared to a date", hold, dated(3650), ClassEarlier},
		{"legal hold to held", hold, held, ClassNoEarlier},
		{"held to held", held, held, ClassNoEarlier},
		{"no date to date", noDate, dated(10), ClassEarlier},
		{"date to no date", dated(10), noDate, ClassNoEarlier},
		{"held flag wins over a stray date", Schedule{HeldUntilReleased: true, RetainUntil: d(1)}, dated(400), ClassEarlier},
		{"earlier date still inside the dwell is the dwell", Schedule{RetainUntil: d(20)}, Schedule{RetainUntil: d(5), NotBefore: d(20)}, ClassNoEarlier},
		{"dwell shorter than the earlier date", Schedule{RetainUntil: d(20)}, Schedule{RetainUntil: d(10), NotBefore: d(5)}, ClassEarlier},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.before, tt.after); got != tt.want {
				t.Fatalf("Classify = %s, want %s", got, tt.want)
			}
			if Earlier(tt.before, tt.after) != (tt.want == ClassEarlier) {
				t.Fatal("Earlier disagrees with Classify")
			}
		})
	}
}

// Through the policy: the classification of real changes on the default
// policy, as ClipManage computes them (Schedule of the facts before and
// after, same policy).
func TestClassifyPolicyChanges(t *testing.T) {
	p := Default()
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	base := Facts{RecordedStart: start, ReceivedAt: start.Add(time.Hour), Categories: []string{"evidential"}}
	with := func(f func(*Facts)) Facts { x := base; f(&x); return x }
	tests := []struct {
		name          string
		before, after Facts
		want          Classification
	}{
		{"set legal hold", base, with(func(f *Facts) { f.LegalHold = true }), ClassNoEarlier},
		{"clear legal hold", with(func(f *Facts) { f.LegalHold = true }), base, ClassEarlier},
		{"evidential to non-evidential", base, with(func(f *Facts) { f.Categories = []string{"non-evidential"} }), ClassEarlier},
		{"non-evidential to evidential", with(func(f *Facts) { f.Categories = []string{"non-evidential"} }), base, ClassNoEarlier},
		{"link incident", base, with(func(f *Facts) { f.IncidentRefs = []string{"CAD/1"} }), ClassNoEarlier},
		{"unlink incident", with(func(f *Facts) { f.IncidentRefs = []string{"CAD/1"} }), base, ClassEarlier},
		{"no change", base, base, ClassNoEarlier},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(p.Schedule(tt.before), p.Schedule(tt.after)); got != tt.want {
				t.Fatalf("Classify = %s, want %s (before %+v, after %+v)", got, tt.want, p.Schedule(tt.before), p.Schedule(tt.after))
			}
		})
	}
}
