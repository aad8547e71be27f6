package retention

import (
	"testing"
	"time"
)

// FuzzParse: any input either parses into a policy whose schedules are sane, or fails with a coded PolicyError;
// never a panic. Seeds run as a normal test; explore with go test -fuzz=FuzzParse -parallel=1.
func FuzzParse(f *testing.F) {
	f.Add([]byte(validPolicy))
	f.Add(defaultPolicyJSON)
	f.Add([]byte(`{"format":"bwv-retention-policy/1","version":"v","default":{"period":"P1Y2M3W4D"},"quarantine":{"holdUntilReleased":true},"incidentLinked":{"period":"P1D"},"categories":[]}`))
	f.Add([]byte(`{"a":{"a":[1,{"b":null}]},"a":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			if ErrorCode(err) == "" {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		start := time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)
		for _, c := range append(p.Categories(), "") {
			s := p.Schedule(Facts{Categories: []string{c}, RecordedStart: start})
			if s.RetainUntil != nil && !s.RetainUntil.After(start) {
				t.Fatalf("category %q: retainUntil %v not after start", c, s.RetainUntil)
			}
			if (s.RetainUntil == nil) != s.HeldUntilReleased {
				t.Fatalf("category %q: dated and held disagree: %+v", c, s)
			}
		}
	})
}
