package retention

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Facts are what the policy needs to know about one clip.
type Facts struct {
	Categories    []string // empty (or only "uncategorised") = uncategorised; compared case-insensitively
	IncidentRefs  []string // any non-blank reference makes the clip incident-linked
	RecordedStart time.Time
	// ReceivedAt is when the system first recorded the clip (the record's receivedAt). The minimum dwell counts
	// from it, and a quarantined clip with no usable start counts its quarantine period from it. Zero = unknown.
	ReceivedAt  time.Time
	Quarantined bool
	LegalHold   bool
	// TrustedCategories are categories an authenticated person set (through ClipManage). They count for a
	// quarantined clip too, besides the quarantine rule (longest wins); the dock's categories do not. For a clip
	// that is not quarantined they are its Categories anyway.
	TrustedCategories []string
}

// ReviewRecordedStartImplausible is the review code of a schedule whose recorded start lies more than the policy's
// maxDockDelay before the receipt (a camera clock reset): its periods count from receipt, and a person should
// correct the recorded start.
const ReviewRecordedStartImplausible = "RECORDED_START_IMPLAUSIBLE"

// Review flags a schedule a person should look at. Code is stable; Since is when the condition was measured from
// (the receipt, for ReviewRecordedStartImplausible); Detail is a sentence.
type Review struct {
	Code   string    `json:"code"`
	Since  time.Time `json:"since"`
	Detail string    `json:"detail"`
}

// Rule names a Schedule can carry. Category rules are "category:<name>"; a category the policy does not know gives
// "unknown-category:<name>".
const (
	RuleLegalHold            = "legal-hold"
	RuleQuarantine           = "quarantine"
	RuleQuarantineReceipt    = "quarantine-from-receipt" // quarantined, no usable recorded start: counted from receipt
	RuleIncidentLinked       = "incident-linked"
	RuleDefault              = "default"
	RuleMissingRecordedStart = "missing-recorded-start"
	RuleCategoryPrefix       = "category:"
	RuleUnknownCategoryPref  = "unknown-category:"
)

// Schedule is when a clip becomes due for deletion under one policy version, and why. It is stored on the clip
// record; it changes only when the facts change (reclassification, incident link, hold) or when a person applies a
// new policy through the audited recompute step.
type Schedule struct {
	PolicyVersion     string     `json:"policyVersion"`
	Rule              string     `json:"rule"`                  // the rule that decided
	CountedFrom       time.Time  `json:"countedFrom"`           // the recorded start (the receipt under quarantine-from-receipt), UTC
	RetainUntil       *time.Time `json:"retainUntil,omitempty"` // nil = no automatic deletion date; never before NotBefore
	ReviewDate        *time.Time `json:"reviewDate,omitempty"`  // first review, if the deciding rule has one
	HeldUntilReleased bool       `json:"heldUntilReleased"`     // kept until a person releases it (also under legal hold)
	Quarantined       bool       `json:"quarantined"`           // computed for a quarantined clip
	// NotBefore is the end of the minimum dwell: receivedAt + the policy's minimumDwell. Decide keeps the clip
	// before it, and when it is nil (receipt time unknown). The clip record does not store it: callers deciding on
	// a stored schedule fill it from the record's receivedAt and the policy they run with (WithReceipt).
	NotBefore *time.Time `json:"notBefore,omitempty"`
	// Review, when set, asks a person to look at the clip (e.g. an implausible recorded start). It never makes a
	// clip due sooner.
	Review *Review `json:"review,omitempty"`
	// ReleaseFrom is the end of a pending release's grace: a change brought the deletion earlier, and Decide keeps
	// the clip before this time whatever RetainUntil says. The record stores it as retention.pendingRelease;
	// ScheduleOf restores it. A zero value (a damaged record) keeps the clip.
	ReleaseFrom *time.Time `json:"releaseFrom,omitempty"`
}

// Due reports whether the schedule has reached its deletion date at now. It ignores holds and status: use Decide
// for the sweep's question.
func (s Schedule) Due(now time.Time) bool {
	return !s.HeldUntilReleased && s.RetainUntil != nil && !now.IsZero() && !now.Before(*s.RetainUntil)
}

// WithReceipt returns s with NotBefore set from receivedAt and p's minimum dwell. Callers that decide on a stored
// schedule use it, since the record stores the receipt time, not the dwell's end.
func (s Schedule) WithReceipt(p *Policy, receivedAt time.Time) Schedule {
	s.NotBefore = p.NotBefore(receivedAt)
	return s
}

// Schedule computes the clip's schedule:
//   - a recorded start more than maxDockDelay before the receipt is implausible (a camera clock reset): every
//     period counts from the receipt instead, and the schedule carries a Review (ReviewRecordedStartImplausible);
//     a quarantined clip's rule is then "quarantine-from-receipt";
//   - a legal hold overrides everything: no date, held until released;
//   - a quarantined clip whose recorded start is missing, or later than its receipt (a camera clock running
//     ahead: footage is recorded before it is docked), counts from its receipt instead (rule
//     "quarantine-from-receipt"), so it is not held for ever;
//   - otherwise a zero recorded start gives no date (rule "missing-recorded-start"): nothing can be counted from
//     it. Ingest quarantines such a clip, so this is a record a person edited;
//   - otherwise the applicable rules are the quarantine rule (for a quarantined clip, instead of its categories,
//     which are not trusted, but with its TrustedCategories: those an authenticated person set) or each category's rule (the default rule when there is none), plus the
//     incident-linked rule when the clip carries a reference; a category the policy does not know is held until
//     released, never guessed;
//   - of these the longest wins: held-until-released beats any date, a later date beats an earlier one, and ties go
//     to the first rule name in sort order. The winning rule also gives the review date;
//   - a date is never before receivedAt + minimumDwell (NotBefore): a clip whose recorded start is far in the past
//     (a camera clock reset, a camera docked weeks late) stays long enough for a person to categorise it. The rule
//     name stays the winning rule's. An unknown receipt time gives no NotBefore, and Decide keeps the clip.
func (p *Policy) Schedule(f Facts) Schedule {
	s := Schedule{PolicyVersion: p.version, Quarantined: f.Quarantined, NotBefore: p.NotBefore(f.ReceivedAt)}
	start, quarantineRule := f.RecordedStart, RuleQuarantine
	if p.implausibleStart(f) {
		// A camera clock reset: the recorded start cannot be trusted to count from. The receipt is a time this
		// system saw, so every period counts from it, and a person is asked to correct the start.
		start, quarantineRule = f.ReceivedAt, RuleQuarantineReceipt
		s.Review = &Review{Code: ReviewRecordedStartImplausible, Since: f.ReceivedAt.UTC(), Detail: fmt.Sprintf(
			"recorded start %s is more than %s (maxDockDelay) before receipt %s: periods count from receipt; correct the recorded start",
			f.RecordedStart.UTC().Format(time.RFC3339), p.maxDockDelay, f.ReceivedAt.UTC().Format(time.RFC3339))}
	}
	if f.LegalHold {
		s.Rule = RuleLegalHold
		s.HeldUntilReleased = true
		if !start.IsZero() {
			s.CountedFrom = start.UTC()
		}
		return s
	}
	if f.Quarantined && !f.ReceivedAt.IsZero() && (start.IsZero() || start.After(f.ReceivedAt)) {
		start, quarantineRule = f.ReceivedAt, RuleQuarantineReceipt
	}
	if start.IsZero() {
		s.Rule = RuleMissingRecordedStart
		s.HeldUntilReleased = true
		return s
	}
	start = start.UTC()
	s.CountedFrom = start

	type candidate struct {
		name string
		rule Rule
	}
	var cands []candidate
	addCategories := func(cats []string) {
		for _, c := range cats {
			if r, ok := p.categories[c]; ok {
				cands = append(cands, candidate{RuleCategoryPrefix + c, r})
			} else {
				cands = append(cands, candidate{RuleUnknownCategoryPref + c, Rule{HoldUntilReleased: true}})
			}
		}
	}
	if f.Quarantined {
		// The dock's categories are not trusted; those an authenticated person set are, and the longest wins.
		cands = append(cands, candidate{quarantineRule, p.quarantine})
		addCategories(normaliseCategories(f.TrustedCategories))
	} else {
		cats := normaliseCategories(f.Categories)
		if len(cats) == 0 {
			cands = append(cands, candidate{RuleDefault, p.def})
		}
		addCategories(cats)
	}
	if hasIncidentRef(f.IncidentRefs) {
		cands = append(cands, candidate{RuleIncidentLinked, p.incidentLinked})
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].name < cands[j].name })

	best := -1
	var bestUntil time.Time
	for i, c := range cands {
		switch {
		case best < 0:
		case cands[best].rule.HoldUntilReleased:
			continue
		case c.rule.HoldUntilReleased:
		case c.rule.Period.AddTo(start).After(bestUntil):
		default:
			continue
		}
		best = i
		if !c.rule.HoldUntilReleased {
			bestUntil = c.rule.Period.AddTo(start)
		}
	}
	win := cands[best]
	s.Rule = win.name
	if win.rule.HoldUntilReleased {
		s.HeldUntilReleased = true
	} else {
		u := bestUntil
		if s.NotBefore != nil && s.NotBefore.After(u) {
			u = *s.NotBefore
		}
		s.RetainUntil = &u
	}
	if !win.rule.ReviewEvery.IsZero() {
		r := win.rule.ReviewEvery.AddTo(start)
		s.ReviewDate = &r
	}
	return s
}

// implausibleStart reports whether f's recorded start lies more than maxDockDelay before its receipt. Both must be
// known; a start after the receipt is a clock running ahead, handled for quarantined clips above (ingest
// quarantines clips recorded in the future).
func (p *Policy) implausibleStart(f Facts) bool {
	if f.RecordedStart.IsZero() || f.ReceivedAt.IsZero() {
		return false
	}
	return p.maxDockDelay.AddTo(f.RecordedStart.UTC()).Before(f.ReceivedAt.UTC())
}

// normaliseCategories lower-cases, trims, drops blanks and "uncategorised", and removes duplicates.
func normaliseCategories(in []string) []string {
	var out []string
	for _, c := range in {
		c = normaliseCategory(c)
		if c == "" || c == Uncategorised || contains(out, c) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func hasIncidentRef(refs []string) bool {
	for _, r := range refs {
		if strings.TrimSpace(r) != "" {
			return true
		}
	}
	return false
}
