package retention

import (
	"sort"
	"time"
)

// ClipFacts is one clip's identity and facts, the input of Diff.
type ClipFacts struct {
	ID    string
	Facts Facts
}

// Movement says how a clip's deletion date moves under a proposed policy. "No date" (held) counts as later than
// any date.
type Movement string

const (
	MovedEarlier Movement = "earlier"
	MovedLater   Movement = "later"
	Unchanged    Movement = "unchanged"
)

// Change is one clip whose deletion date moves.
type Change struct {
	ID         string
	Categories []string // normalised; ["uncategorised"] when none
	From, To   Schedule
	Movement   Movement
	BecomesDue bool // not due at now under the current policy, due at now under the proposed one
}

// Counts are per-category (or overall) tallies of a Diff.
type Counts struct {
	Clips, Earlier, Later, Unchanged, BecomeDue int
}

// PolicyDiff is the dry-run answer to "what would this proposed policy change?".
type PolicyDiff struct {
	FromVersion, ToVersion string
	Now                    time.Time
	Total                  Counts
	ByCategory             map[string]Counts // a clip with several categories counts under each
	Changes                []Change          // clips whose date moves, sorted by ID
}

// Diff computes each clip's schedule under the current and the proposed policy and reports which deletion dates
// move earlier or later, and how many clips would become due at once (at now). It changes nothing: applying a
// policy to existing clips is a separate, audited step.
func Diff(from, to *Policy, clips []ClipFacts, now time.Time) PolicyDiff {
	d := PolicyDiff{FromVersion: from.Version(), ToVersion: to.Version(), Now: now, ByCategory: map[string]Counts{}}
	for _, c := range clips {
		a, b := from.Schedule(c.Facts), to.Schedule(c.Facts)
		mv := compareDates(a, b)
		becomes := b.Due(now) && !a.Due(now)
		cats := normaliseCategories(c.Facts.Categories)
		if len(cats) == 0 {
			cats = []string{Uncategorised}
		}
		d.Total = tally(d.Total, mv, becomes)
		for _, cat := range cats {
			d.ByCategory[cat] = tally(d.ByCategory[cat], mv, becomes)
		}
		if mv != Unchanged {
			d.Changes = append(d.Changes, Change{ID: c.ID, Categories: cats, From: a, To: b, Movement: mv, BecomesDue: becomes})
		}
	}
	sort.Slice(d.Changes, func(i, j int) bool { return d.Changes[i].ID < d.Changes[j].ID })
	return d
}

func tally(c Counts, mv Movement, becomes bool) Counts {
	c.Clips++
	switch mv {
	case MovedEarlier:
		c.Earlier++
	case MovedLater:
		c.Later++
	default:
		c.Unchanged++
	}
	if becomes {
		c.BecomeDue++
	}
	return c
}

// compareDates orders two schedules by deletion date, a missing date being the latest.
func compareDates(a, b Schedule) Movement {
	switch {
	case a.RetainUntil == nil && b.RetainUntil == nil:
		return Unchanged
	case a.RetainUntil == nil:
		return MovedEarlier
	case b.RetainUntil == nil:
		return MovedLater
	case b.RetainUntil.Before(*a.RetainUntil):
		return MovedEarlier
	case b.RetainUntil.After(*a.RetainUntil):
		return MovedLater
	}
	return Unchanged
}
