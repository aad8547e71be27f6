package report

import (
	"context"
	"sort"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

// Reason codes of bwv report (docs/report.md lists them).
const (
	// CodeDayInvalid: --day is not a UTC day (YYYY-MM-DD).
	CodeDayInvalid reason.Code = "REPORT_DAY_INVALID"
	// CodeReadFailed: Cosmos or Storage could not be read; no page is written.
	CodeReadFailed reason.Code = "REPORT_READ_FAILED"
	// CodeWriteFailed: the page could not be written to --out.
	CodeWriteFailed reason.Code = "REPORT_WRITE_FAILED"
	// CodeTooMany: a search matched more clips than the report reads
	// (MaxClips); no page is written rather than one with short counts.
	CodeTooMany reason.Code = "REPORT_TOO_MANY_CLIPS"
)

// Windows of the report, in days.
const (
	RecordedDays = 30 // clips per day and station: the 30 days to the report's day
	DueDays      = 7  // deletions due: the 7 days after it
	// MaxClips bounds what one search reads (the report counts on the
	// client, because Azure's gateway refuses cross-partition aggregates).
	MaxClips = 5_000_000
)

// Data is everything the page shows.
type Data struct {
	Day       time.Time // the report's UTC day (midnight)
	Generated time.Time
	Source    string // where the figures were read from (settings file or endpoint)

	// Days are the RecordedDays days to Day, oldest first; Stations every
	// station that recorded in them, sorted ("" shown as "(none)").
	Days     []time.Time
	Stations []string
	// Recorded[day][station] counts clips by recordedStart (UTC day).
	Recorded map[string]map[string]int

	// Rejections counts rejected clips received in the same 30 days by
	// reason code (a clip with two reasons counts under both; a refused
	// clip without a reason under its status); RejectedClips counts clips.
	Rejections    map[string]int
	RejectedClips int

	// Due counts clips the sweep would delete, by UTC day of their
	// retainUntil: DueDays days after Day; DueByDay is those due by the
	// end of Day (today or overdue).
	DueDays  []time.Time
	Due      map[string]int
	DueByDay int

	LegalHolds       int
	HeldUntilRelease int
	PendingReleases  int
	ReviewFlags      int

	Storage StorageCounts
}

// StorageCounts are the queue and container counts of Storage.
type StorageCounts struct {
	VerifyQueue           string
	VerifyMessages        int // approximate (Storage's own count)
	PoisonQueue           string
	PoisonMessages        int
	DeadLetterContainer   string
	DeadLetters           int // blobs of undeliverable Event Grid events
	DeadLettersReplayed   int // of which marked replayed by `bwv replay`
	DeadLetterContainerOK bool
}

// Searcher runs one page of a search (*cosmosdb.Store).
type Searcher interface {
	Search(ctx context.Context, s cosmosdb.Search, pageSize int, continuation string) (cosmosdb.SearchPage, error)
}

// Counter reads the Storage counts.
type Counter interface {
	Counts(ctx context.Context) (StorageCounts, error)
}

// DayKey is the table key of a UTC day.
func DayKey(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// NoStation labels clips without a station.
const NoStation = "(none)"

// Gather reads the figures of day (any time in it; its UTC day is used).
func Gather(ctx context.Context, recs Searcher, store Counter, day time.Time, now time.Time) (Data, error) {
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	end := d.AddDate(0, 0, 1)
	from := end.AddDate(0, 0, -RecordedDays)
	out := Data{Day: d, Generated: now.UTC(), Recorded: map[string]map[string]int{}, Rejections: map[string]int{}, Due: map[string]int{}}
	for i := range RecordedDays {
		out.Days = append(out.Days, from.AddDate(0, 0, i))
	}
	for i := 1; i <= DueDays; i++ {
		out.DueDays = append(out.DueDays, d.AddDate(0, 0, i))
	}

	stations := map[string]bool{}
	if err := each(ctx, recs, cosmosdb.SearchRecordedBetween(from, end), func(c clip.Clip) {
		st := c.StationID
		if st == "" {
			st = NoStation
		}
		k := DayKey(c.RecordedStart.Time)
		if out.Recorded[k] == nil {
			out.Recorded[k] = map[string]int{}
		}
		out.Recorded[k][st]++
		stations[st] = true
	}); err != nil {
		return out, err
	}
	for s := range stations {
		out.Stations = append(out.Stations, s)
	}
	sort.Strings(out.Stations)

	if err := each(ctx, recs, cosmosdb.SearchRejectedBetween(from, end), func(c clip.Clip) {
		out.RejectedClips++
		if len(c.Reasons) == 0 {
			out.Rejections[string(c.Status)]++
		}
		seen := map[clip.Code]bool{}
		for _, r := range c.Reasons {
			if !seen[r.Code] {
				seen[r.Code] = true
				out.Rejections[string(r.Code)]++
			}
		}
	}); err != nil {
		return out, err
	}

	// Due by the end of the last day shown; the search's horizon is
	// inclusive, so a clip due exactly at midnight after it is left out.
	horizon := end.AddDate(0, 0, DueDays)
	if err := each(ctx, recs, cosmosdb.SearchDueWithin(end, DueDays), func(c clip.Clip) {
		at := c.Retention.RetainUntil
		switch {
		case at == nil || !at.Before(horizon):
		case at.Before(end):
			out.DueByDay++
		default:
			out.Due[DayKey(at.Time)]++
		}
	}); err != nil {
		return out, err
	}

	for _, n := range []struct {
		s   cosmosdb.Search
		dst *int
	}{
		{cosmosdb.SearchOnHold(), &out.LegalHolds},
		{cosmosdb.SearchHeldUntilReleased(), &out.HeldUntilRelease},
		{cosmosdb.SearchPendingRelease(), &out.PendingReleases},
		{cosmosdb.SearchFlaggedForReview(), &out.ReviewFlags},
	} {
		if err := each(ctx, recs, n.s, func(clip.Clip) { *n.dst++ }); err != nil {
			return out, err
		}
	}

	sc, err := store.Counts(ctx)
	if err != nil {
		return out, reason.Errorf(CodeReadFailed, err, "reading queue and container counts")
	}
	out.Storage = sc
	return out, nil
}

// each calls f for every item of every page of s.
func each(ctx context.Context, recs Searcher, s cosmosdb.Search, f func(clip.Clip)) error {
	cont, n := "", 0
	for {
		p, err := recs.Search(ctx, s, 1000, cont)
		if err != nil {
			return reason.Errorf(CodeReadFailed, err, "search %s", s.Name)
		}
		for _, c := range p.Items {
			if n++; n > MaxClips {
				return reason.Errorf(CodeTooMany, nil, "search %s matched more than %d clips; the report would undercount", s.Name, MaxClips)
			}
			f(c)
		}
		if cont = p.Continuation; cont == "" {
			return nil
		}
	}
}
