package retention

import (
	"sort"
	"strings"
	"time"
)

// Uncategorised is the category of a clip that carries none; the policy's "default" rule applies to it.
const Uncategorised = "uncategorised"

// Rule is how long one kind of footage is kept. Exactly one of Period and HoldUntilReleased is set.
type Rule struct {
	Period            Period // counted from the recorded start
	HoldUntilReleased bool   // kept until a person releases it; no automatic deletion date
	ReviewEvery       Period // optional MoPI-style review interval, counted from the recorded start; zero = none
	Description       string
}

// Policy is a validated, immutable retention policy. Build one with Parse, LoadFile or Default.
type Policy struct {
	version        string
	description    string
	def            Rule
	quarantine     Rule
	incidentLinked Rule
	categories     map[string]Rule
	names          []string // sorted
	minimumDwell   Period   // never zero: the file's "minimumDwell" or defaultMinimumDwell
	maxDockDelay   Period   // never zero: the file's "maxDockDelay" or defaultMaxDockDelay
	releaseGrace   Period   // never zero: the file's "releaseGrace" or defaultReleaseGrace
}

// Version is the policy's version string, recorded on every clip schedule and deletion certificate.
func (p *Policy) Version() string { return p.version }

// Description is the free-text description from the policy file.
func (p *Policy) Description() string { return p.description }

// Known reports whether category is one a clip may carry under this policy. Comparison ignores case and
// surrounding spaces. "uncategorised" is always known: it names the "default" rule.
func (p *Policy) Known(category string) bool {
	c := normaliseCategory(category)
	if c == Uncategorised {
		return true
	}
	_, ok := p.categories[c]
	return ok
}

// Categories lists the categories a clip may carry, lower-case and sorted, including "uncategorised".
func (p *Policy) Categories() []string {
	out := make([]string, 0, len(p.names)+1)
	out = append(out, p.names...)
	out = append(out, Uncategorised)
	sort.Strings(out)
	return out
}

// CategoryRule returns the rule of a category ("uncategorised" gives the default rule).
func (p *Policy) CategoryRule(category string) (Rule, bool) {
	c := normaliseCategory(category)
	if c == Uncategorised {
		return p.def, true
	}
	r, ok := p.categories[c]
	return r, ok
}

// DefaultRule applies to clips without a category.
func (p *Policy) DefaultRule() Rule { return p.def }

// QuarantineRule applies to quarantined clips instead of their categories.
func (p *Policy) QuarantineRule() Rule { return p.quarantine }

// MinimumDwell is how long every clip is kept after it was received, whatever its recorded start says.
func (p *Policy) MinimumDwell() Period { return p.minimumDwell }

// NotBefore is the earliest time a clip received at receivedAt may be deleted under this policy: receivedAt plus
// the minimum dwell, in UTC. A zero receivedAt gives nil: with no receipt time the dwell cannot be checked, and
// Decide keeps the clip.
func (p *Policy) NotBefore(receivedAt time.Time) *time.Time {
	if receivedAt.IsZero() {
		return nil
	}
	t := p.minimumDwell.AddTo(receivedAt)
	return &t
}

// MaxDockDelay is the longest plausible time between a clip's recorded start and its receipt. A recorded start
// earlier than receivedAt - MaxDockDelay is implausible (a camera clock reset): its periods count from receipt and
// its schedule carries a review flag (ReviewRecordedStartImplausible).
func (p *Policy) MaxDockDelay() Period { return p.maxDockDelay }

// ReleaseGrace is how long a change that brings a clip's deletion earlier (a hold cleared, an incident unlinked, a
// shorter category, a recompute) waits before it can make the clip due: never before now + ReleaseGrace.
func (p *Policy) ReleaseGrace() Period { return p.releaseGrace }

// ReleaseFrom is the earliest time a change made at now may make a clip due: now + ReleaseGrace, in UTC.
func (p *Policy) ReleaseFrom(now time.Time) time.Time { return p.releaseGrace.AddTo(now.UTC()) }

// IncidentLinkedRule applies, besides the categories, to clips that carry an incident reference.
func (p *Policy) IncidentLinkedRule() Rule { return p.incidentLinked }

func normaliseCategory(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}
