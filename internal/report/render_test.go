package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

// An empty pipeline renders: no division by zero, every tile and due day
// shown with 0, the empty sections say so.
func TestRenderEmpty(t *testing.T) {
	d := Data{Day: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), Generated: time.Now(), Recorded: map[string]map[string]int{},
		Rejections: map[string]int{}, Due: map[string]int{}, Storage: StorageCounts{VerifyQueue: "clip-verify", PoisonQueue: "clip-verify-poison"}}
	for i := range RecordedDays {
		d.Days = append(d.Days, d.Day.AddDate(0, 0, i-RecordedDays+1))
	}
	for i := 1; i <= DueDays; i++ {
		d.DueDays = append(d.DueDays, d.Day.AddDate(0, 0, i))
	}
	var b bytes.Buffer
	if err := Render(&b, d); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"No clips recorded in these days.", "No rejections in these days.", `data-metric="poison">0<`,
		`data-metric="due" data-day="by">0<`, `data-metric="due" data-day="2026-03-17">0<`, "2026-02-09 to 2026-03-10"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if regexp.MustCompile(`NaN|Inf|<script|https?://[^"]*"`).MatchString(strings.ReplaceAll(page, "http-equiv", "")) {
		t.Errorf("page has NaN/Inf, a script or a URL:\n%s", page)
	}
}
