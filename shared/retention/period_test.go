package retention

import (
	"testing"
	"time"
)

func TestParsePeriodAccepts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Period
	}{
		{"P31D", Period{Days: 31}},
		{"P6Y", Period{Years: 6}},
		{"P1Y6M", Period{Years: 1, Months: 6}},
		{"P4W", Period{Weeks: 4}},
		{"P1Y2M3W4D", Period{1, 2, 3, 4}},
		{"P0Y1D", Period{Days: 1}},
	} {
		got, err := ParsePeriod(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	if s := (Period{Years: 1, Months: 6}).String(); s != "P1Y6M" {
		t.Errorf("String = %q", s)
	}
}

func TestParsePeriodRefuses(t *testing.T) {
	for _, in := range []string{
		"", "P", "31d", "31D", "p31d", "P31d", "PT12H", "P1DT1H", "P-1D", "P+1D", "P1.5Y", "P1,5Y", "P0D", "P0Y0M",
		"P1D1Y", "P1Y1Y", "P1H", "P201Y", "P999999D", "P 1D", "P1D ", "P1", "PY", "31 days", "6 years",
	} {
		if p, err := ParsePeriod(in); err == nil {
			t.Errorf("ParsePeriod(%q) = %+v, want an error", in, p)
		}
	}
}

func TestPeriodAddTo(t *testing.T) {
	utc := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skipf("no tz database: %v", err) // the UTC cases below are the contract; this one only adds DST
	}
	for _, tc := range []struct {
		name  string
		p     string
		start time.Time
		want  time.Time
	}{
		{"31 days exactly", "P31D", utc(2026, 1, 1, 10), utc(2026, 2, 1, 10)},
		{"31 days over a leap day", "P31D", utc(2024, 2, 15, 10), utc(2024, 3, 17, 10)},
		{"31 days without a leap day", "P31D", utc(2025, 2, 15, 10), utc(2025, 3, 18, 10)},
		{"leap day plus a year clamps to 28 Feb", "P1Y", utc(2024, 2, 29, 10), utc(2025, 2, 28, 10)},
		{"leap day plus four years stays 29 Feb", "P4Y", utc(2024, 2, 29, 10), utc(2028, 2, 29, 10)},
		{"31 Jan plus a month clamps to month end", "P1M", utc(2026, 1, 31, 10), utc(2026, 2, 28, 10)},
		{"31 Jan plus a month in a leap year", "P1M", utc(2024, 1, 31, 10), utc(2024, 2, 29, 10)},
		{"months across a year end", "P13M", utc(2025, 12, 15, 0), utc(2027, 1, 15, 0)},
		{"six years", "P6Y", utc(2026, 3, 1, 9), utc(2032, 3, 1, 9)},
		{"weeks and days", "P1W2D", utc(2026, 1, 1, 0), utc(2026, 1, 10, 0)},
		// 2026-03-29 01:00 UTC is the start of British Summer Time: 31 days are 31*24 hours regardless.
		{"DST does not move the hour (UTC)", "P31D", time.Date(2026, 3, 20, 12, 0, 0, 0, london), utc(2026, 4, 20, 12)},
		{"BST start converts to UTC first", "P31D", time.Date(2026, 7, 1, 12, 0, 0, 0, london), utc(2026, 8, 1, 11)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePeriod(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			got := p.AddTo(tc.start)
			if !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("%s + %s = %s, want %s (UTC)", tc.start.Format(time.RFC3339), tc.p, got.Format(time.RFC3339), tc.want.Format(time.RFC3339))
			}
		})
	}
}
