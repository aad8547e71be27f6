package devhost

import (
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

func TestNCrontabNext(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		expr, from, want string
	}{
		{"0 15 2 * * *", "2026-03-01T00:00:00Z", "2026-03-01T02:15:00Z"},
		{"0 15 2 * * *", "2026-03-01T02:15:00Z", "2026-03-02T02:15:00Z"}, // strictly after
		{"*/10 * * * * *", "2026-03-01T00:00:05Z", "2026-03-01T00:00:10Z"},
		{"5/20 * * * * *", "2026-03-01T00:00:06Z", "2026-03-01T00:00:25Z"},
		{"0 */5 * * * *", "2026-03-01T00:03:00Z", "2026-03-01T00:05:00Z"},
		{"0 0 9-17 * * mon-fri", "2026-03-06T18:00:00Z", "2026-03-09T09:00:00Z"}, // Fri evening → Mon 09:00
		{"0 30 9 * * 1,3", "2026-03-03T10:00:00Z", "2026-03-04T09:30:00Z"},       // Tue → Wed
		{"0 0 0 1 jan *", "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{"0 0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"0 0 12 13 * 5", "2026-01-01T00:00:00Z", "2026-02-13T12:00:00Z"}, // Friday the 13th: both must match
		{"30 * * * *", "2026-03-01T00:00:00Z", "2026-03-01T00:30:00Z"},    // five fields: minute first
	}
	for _, c := range cases {
		t.Run(c.expr+"@"+c.from, func(t *testing.T) {
			s, err := ParseNCrontab(c.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(utc(c.from)); !got.Equal(utc(c.want)) {
				t.Fatalf("Next = %s, want %s", got.Format(time.RFC3339), c.want)
			}
		})
	}
}

func TestNCrontabNever(t *testing.T) {
	s, err := ParseNCrontab("0 0 0 31 2 *")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); !got.IsZero() {
		t.Fatalf("Feb 31 fired at %s", got)
	}
}

func TestNCrontabInvalid(t *testing.T) {
	for _, expr := range []string{
		"", "* * *", "0 0 0 0 0 0 0", "60 * * * * *", "* 60 * * * *", "* * 24 * * *",
		"* * * 0 * *", "* * * * 13 *", "* * * * * 7", "*/0 * * * * *", "5-1 * * * * *",
		"a * * * * *", "1,,2 * * * * *", "* * * * foo *",
	} {
		if _, err := ParseNCrontab(expr); reason.CodeOf(err) != CodeScheduleInvalid {
			t.Errorf("ParseNCrontab(%q) err = %v, want code %s", expr, err, CodeScheduleInvalid)
		}
	}
}

func TestScheduleInterval(t *testing.T) {
	s, _ := ParseNCrontab("*/10 * * * * *")
	if got := s.Interval(time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)); got != 10*time.Second {
		t.Fatalf("Interval = %s", got)
	}
}
