package retention

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is a calendar-aware length of time written as an ISO 8601 date-only duration: "P31D", "P6Y", "P1Y6M",
// "P4W". Time parts ("PT12H"), fractions, signs and zero periods are refused: retention is counted in whole days,
// and a zero period would delete footage the moment it arrives.
//
// A Period is added in UTC, so a daylight-saving change never shortens or lengthens it. Years and months move to
// the corresponding day of the target month; when that month is shorter (31 January + P1M, 29 February + P1Y) the
// last day of the month is used, the "corresponding date" rule UK courts apply to calendar months. Weeks and days
// are then added as exact 24-hour UTC days.
type Period struct {
	Years, Months, Weeks, Days int
}

// maxPeriodDays bounds a period (about 200 years) so that date arithmetic never overflows and a typo such as
// "P2000Y" is caught at load time rather than silently meaning "for ever".
const maxPeriodDays = 200 * 366

// ParsePeriod parses the ISO 8601 date-only duration form described on Period.
func ParsePeriod(s string) (Period, error) {
	var p Period
	if s == "" {
		return p, fmt.Errorf("a period is empty; write it like \"P31D\" or \"P6Y\"")
	}
	if s[0] != 'P' {
		return p, fmt.Errorf("period %q must start with \"P\" (ISO 8601), like \"P31D\" or \"P6Y\"", s)
	}
	rest := s[1:]
	if rest == "" {
		return p, fmt.Errorf("period %q has no length; write it like \"P31D\" or \"P6Y\"", s)
	}
	if strings.ContainsAny(rest, "T") {
		return p, fmt.Errorf("period %q has a time part; retention is counted in whole days, years, months or weeks", s)
	}
	order := "YMWD"
	last := -1
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return Period{}, fmt.Errorf("period %q is not of the form P[nY][nM][nW][nD] with whole numbers", s)
		}
		if i > 5 {
			return Period{}, fmt.Errorf("period %q has a number that is too large", s)
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil {
			return Period{}, fmt.Errorf("period %q is not of the form P[nY][nM][nW][nD] with whole numbers", s)
		}
		unit := rest[i]
		pos := strings.IndexByte(order, unit)
		if pos < 0 {
			return Period{}, fmt.Errorf("period %q uses unit %q; only Y (years), M (months), W (weeks) and D (days) are allowed", s, string(unit))
		}
		if pos <= last {
			return Period{}, fmt.Errorf("period %q repeats a unit or has units out of order; write them as Y, M, W, D", s)
		}
		last = pos
		switch unit {
		case 'Y':
			p.Years = n
		case 'M':
			p.Months = n
		case 'W':
			p.Weeks = n
		case 'D':
			p.Days = n
		}
		rest = rest[i+1:]
	}
	if p.approxDays() == 0 {
		return Period{}, fmt.Errorf("period %q is zero; a zero period would delete footage as soon as it arrives", s)
	}
	if p.approxDays() > maxPeriodDays {
		return Period{}, fmt.Errorf("period %q is longer than 200 years; use \"holdUntilReleased\" to keep footage until a person releases it", s)
	}
	return p, nil
}

// approxDays is an upper bound of the period in days, used only for limits.
func (p Period) approxDays() int {
	return p.Years*366 + p.Months*31 + p.Weeks*7 + p.Days
}

// IsZero reports whether p is the zero Period (no period set).
func (p Period) IsZero() bool { return p == Period{} }

// String gives the canonical ISO 8601 form, e.g. "P1Y6M"; the zero Period gives "".
func (p Period) String() string {
	if p.IsZero() {
		return ""
	}
	var b strings.Builder
	b.WriteByte('P')
	for _, c := range []struct {
		n    int
		unit byte
	}{{p.Years, 'Y'}, {p.Months, 'M'}, {p.Weeks, 'W'}, {p.Days, 'D'}} {
		if c.n != 0 {
			b.WriteString(strconv.Itoa(c.n))
			b.WriteByte(c.unit)
		}
	}
	return b.String()
}

// AddTo returns t + p, computed in UTC as described on Period. The result is in UTC.
func (p Period) AddTo(t time.Time) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	months := int(m) - 1 + p.Months + 12*p.Years
	ny := y + months/12
	nm := time.Month(months%12 + 1)
	if last := daysIn(ny, nm); d > last {
		d = last
	}
	hh, mm, ss := t.Clock()
	out := time.Date(ny, nm, d, hh, mm, ss, t.Nanosecond(), time.UTC)
	return out.AddDate(0, 0, 7*p.Weeks+p.Days)
}

// daysIn is the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
