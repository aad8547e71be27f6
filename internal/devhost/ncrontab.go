package devhost

import (
	"strconv"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// Schedule is a parsed NCRONTAB expression as the Functions timer trigger reads
// it: six fields, seconds first ("0 15 2 * * *" = 02:15:00 every day), or the
// classic five fields without seconds. Day-of-month and day-of-week must both
// match (NCrontab ANDs them, unlike Vixie cron).
type Schedule struct {
	expr                          string
	sec, min, hour, dom, mon, dow [64]bool
}

func (s *Schedule) String() string { return s.expr }

var monthNames = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
var dayNames = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// ParseNCrontab parses a five- or six-field NCRONTAB expression.
func ParseNCrontab(expr string) (*Schedule, error) {
	fields := strings.Fields(expr)
	if len(fields) == 5 {
		fields = append([]string{"0"}, fields...)
	}
	if len(fields) != 6 {
		return nil, reason.Errorf(CodeScheduleInvalid, nil, "schedule %q: want 6 fields (second minute hour day month day-of-week), got %d", expr, len(strings.Fields(expr)))
	}
	s := &Schedule{expr: expr}
	specs := []struct {
		name   string
		lo, hi int
		names  map[string]int
		dst    *[64]bool
	}{
		{"second", 0, 59, nil, &s.sec},
		{"minute", 0, 59, nil, &s.min},
		{"hour", 0, 23, nil, &s.hour},
		{"day", 1, 31, nil, &s.dom},
		{"month", 1, 12, monthNames, &s.mon},
		{"day-of-week", 0, 6, dayNames, &s.dow},
	}
	for i, sp := range specs {
		if err := parseField(fields[i], sp.lo, sp.hi, sp.names, sp.dst); err != nil {
			return nil, reason.Errorf(CodeScheduleInvalid, nil, "schedule %q: %s field %q: %s", expr, sp.name, fields[i], err.Message)
		}
	}
	return s, nil
}

func parseField(f string, lo, hi int, names map[string]int, dst *[64]bool) *reason.Error {
	for _, part := range strings.Split(f, ",") {
		if part == "" {
			return reason.Errorf(CodeScheduleInvalid, nil, "empty list item")
		}
		rng, stepStr, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepStr)
			if err != nil || n < 1 {
				return reason.Errorf(CodeScheduleInvalid, nil, "step %q must be a positive number", stepStr)
			}
			step = n
		}
		var a, b int
		switch {
		case rng == "*":
			a, b = lo, hi
		case strings.Contains(rng, "-"):
			x, y, _ := strings.Cut(rng, "-")
			var e *reason.Error
			if a, e = fieldValue(x, lo, hi, names); e != nil {
				return e
			}
			if b, e = fieldValue(y, lo, hi, names); e != nil {
				return e
			}
			if a > b {
				return reason.Errorf(CodeScheduleInvalid, nil, "range %q runs backwards", rng)
			}
		default:
			var e *reason.Error
			if a, e = fieldValue(rng, lo, hi, names); e != nil {
				return e
			}
			b = a
			if hasStep { // "5/15" means from 5 to the end, every 15
				b = hi
			}
		}
		for v := a; v <= b; v += step {
			dst[v] = true
		}
	}
	return nil
}

func fieldValue(s string, lo, hi int, names map[string]int) (int, *reason.Error) {
	if v, ok := names[strings.ToLower(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, reason.Errorf(CodeScheduleInvalid, nil, "%q is not a number", s)
	}
	if v < lo || v > hi {
		return 0, reason.Errorf(CodeScheduleInvalid, nil, "%d is outside %d-%d", v, lo, hi)
	}
	return v, nil
}

// Next returns the first occurrence strictly after t, in t's location, or the
// zero time if there is none within five years (e.g. "0 0 0 31 2 *").
func (s *Schedule) Next(t time.Time) time.Time {
	loc := t.Location()
	t = t.Truncate(time.Second).Add(time.Second)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		switch {
		case !s.mon[int(t.Month())]:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc)
		case !s.dom[t.Day()] || !s.dow[int(t.Weekday())]:
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		case !s.hour[t.Hour()]:
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, loc)
		case !s.min[t.Minute()]:
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute()+1, 0, 0, loc)
		case !s.sec[t.Second()]:
			t = t.Add(time.Second)
		default:
			return t
		}
	}
	return time.Time{}
}

// Interval is the gap after the occurrence following t; the real host does
// not monitor (and sends a null ScheduleStatus for) schedules that run more
// than once a minute.
func (s *Schedule) Interval(t time.Time) time.Duration {
	a := s.Next(t)
	if a.IsZero() {
		return 0
	}
	b := s.Next(a)
	if b.IsZero() {
		return 0
	}
	return b.Sub(a)
}
