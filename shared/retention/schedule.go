package retention

import (
	"sort"
	"strings"
	"time"
)

// Facts are what the policy needs to know about one clip.
type Facts struct {
	Categories    []string // empty (or only "uncategorised") = uncategorised; compared case-insensitively
	IncidentRefs  []string // any non-blank reference makes the clip incident-linked
	RecordedStart time.Time
	Quarantined   bool
	LegalHold     bool
}

// Rule names a Schedule can carry. Category rules are "category:<name>"; a category the policy does not know gives
// "unknown-category:<name>".
const (
	RuleLegalHold            = "legal-hold"
	RuleQuarantine           = "quarantine"
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
	CountedFrom       time.Time  `json:"countedFrom"`           // the recorded start, UTC
	RetainUntil       *time.Time `json:"retainUntil,omitempty"` // nil = no automatic deletion date
	ReviewDate        *time.Time `json:"reviewDate,omitempty"`  // first review, if the deciding rule has one
	HeldUntilReleased bool       `json:"heldUntilReleased"`     // kept until a person releases it (also under legal hold)
	Quarantined       bool       `json:"quarantined"`           // computed for a quarantined clip
}

// Due reports whether the schedule has reached its deletion date at now. It ignores holds and status: use Decide
// for the sweep's question.
func (s Schedule) Due(now time.Time) bool {
	return !s.HeldUntilReleased && s.RetainUntil != nil && !now.IsZero() && !now.Before(*s.RetainUntil)
}

// Schedule computes the clip's schedule:
//   - a legal hold overrides everything: no date, held until released;
//   - a zero recorded start gives no date (rule "missing-recorded-start"): nothing can be counted from it;
//   - otherwise the applicable rules are the quarantine rule (for a quarantined clip, instead of its categories,
//     which are not trusted) or each category's rule (the default rule when there is none), plus the
//     incident-linked rule when the clip carries a reference; a category the policy does not know is held until
//     released, never guessed;
//   - of these the longest wins: held-until-released beats any date, a later date beats an earlier one, and ties go
//     to the first rule name in sort order. The winning rule also gives the review date.
func (p *Policy) Schedule(f Facts) Schedule {
	s := Schedule{PolicyVersion: p.version, Quarantined: f.Quarantined}
	if f.LegalHold {
		s.Rule = RuleLegalHold
		s.HeldUntilReleased = true
		if !f.RecordedStart.IsZero() {
			s.CountedFrom = f.RecordedStart.UTC()
		}
		return s
	}
	if f.RecordedStart.IsZero() {
		s.Rule = RuleMissingRecordedStart
		s.HeldUntilReleased = true
		return s
	}
	start := f.RecordedStart.UTC()
	s.CountedFrom = start

	type candidate struct {
		name string
		rule Rule
	}
	var cands []candidate
	if f.Quarantined {
		cands = append(cands, candidate{RuleQuarantine, p.quarantine})
	} else {
		cats := normaliseCategories(f.Categories)
		if len(cats) == 0 {
			cands = append(cands, candidate{RuleDefault, p.def})
		}
		for _, c := range cats {
			if r, ok := p.categories[c]; ok {
				cands = append(cands, candidate{RuleCategoryPrefix + c, r})
			} else {
				cands = append(cands, candidate{RuleUnknownCategoryPref + c, Rule{HoldUntilReleased: true}})
			}
		}
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
		s.RetainUntil = &u
	}
	if !win.rule.ReviewEvery.IsZero() {
		r := win.rule.ReviewEvery.AddTo(start)
		s.ReviewDate = &r
	}
	return s
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
