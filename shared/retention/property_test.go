package retention

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDecideProperty generates thousands of policies (as JSON, through Parse), clips, holds, statuses and clock
// times, and checks Decide against an oracle written independently of Schedule and Period.AddTo: it must delete
// exactly the clips that are due, past their minimum dwell after receipt and past a pending release's grace,
// unheld and in a final status, and nothing else. Schedule is checked against it too: a recorded start more than
// maxDockDelay before the receipt counts from the receipt and is flagged (RECORDED_START_IMPLAUSIBLE), and a
// quarantined clip's trusted categories count besides the quarantine rule. A random share of schedules is
// then corrupted (as a stale or damaged record would be) and must never be deleted.
//
// The seed is random per run, fixed (ciRetentionSeed) under CI=true so CI runs are reproducible, and always logged;
// rerun one with RETENTION_SEED=<seed>.
func TestDecideProperty(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if os.Getenv("CI") == "true" {
		seed = ciRetentionSeed
	}
	if s := os.Getenv("RETENTION_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RETENTION_SEED=%q: %v", s, err)
		}
		seed = v
	}
	t.Logf("seed %d (rerun with RETENTION_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	policies, clipsPer, clocksPer := 2000, 8, 6
	if testing.Short() {
		policies = 300
	}
	var deleted, kept, corruptedChecked int
	for pi := 0; pi < policies; pi++ {
		gp := genPolicy(rng, pi)
		doc, _ := json.Marshal(gp.file)
		p, err := Parse(doc)
		if err != nil {
			t.Fatalf("seed %d: generated policy %d does not parse: %v\n%s", seed, pi, err, doc)
		}
		for ci := 0; ci < clipsPer; ci++ {
			f := genFacts(rng, gp)
			s := p.Schedule(f)
			wantHeld, wantUntil, wantDwellEnd, wantFlag := oracleScheduleFlagged(gp, f)
			if (s.Review != nil) != wantFlag || (wantFlag && (s.Review.Code != ReviewRecordedStartImplausible || !s.Review.Since.Equal(f.ReceivedAt))) {
				t.Fatalf("seed %d policy %d: Schedule(%+v) review %+v; oracle flagged=%v\npolicy %s", seed, pi, f, s.Review, wantFlag, doc)
			}
			if s.HeldUntilReleased != wantHeld || (s.RetainUntil == nil) != wantHeld || (!wantHeld && !s.RetainUntil.Equal(wantUntil)) {
				t.Fatalf("seed %d policy %d: Schedule(%+v) = held %v until %v; oracle held %v until %v\npolicy %s",
					seed, pi, f, s.HeldUntilReleased, fmtp(s.RetainUntil), wantHeld, wantUntil.Format(time.RFC3339), doc)
			}
			for k := 0; k < clocksPer; k++ {
				pivot := wantUntil
				if rng.IntN(3) == 0 && !wantDwellEnd.IsZero() {
					pivot = wantDwellEnd
				}
				now := genClock(rng, f.RecordedStart, pivot)
				hold := f.LegalHold || rng.IntN(6) == 0 // a hold may be set after the schedule was computed
				status := genStatus(rng, f.Quarantined)
				// Sometimes a change brought the date earlier: a pending release's grace ends near now (or the
				// record lost its time: zero).
				ds := s
				var releaseFrom *time.Time
				if rng.IntN(4) == 0 {
					r := genClock(rng, time.Time{}, now)
					if rng.IntN(20) == 0 {
						r = time.Time{}
					}
					releaseFrom, ds.ReleaseFrom = &r, &r
				}
				d := Decide(ds, hold, status, now)

				final := status == map[bool]string{true: StatusQuarantined, false: StatusVerified}[f.Quarantined]
				want := !hold && !wantHeld && final && !now.IsZero() && !now.Before(wantUntil) &&
					!f.ReceivedAt.IsZero() && !now.Before(wantDwellEnd) &&
					(releaseFrom == nil || (!releaseFrom.IsZero() && !now.Before(*releaseFrom)))
				if d.Delete != want {
					t.Fatalf("seed %d policy %d: Decide(held %v, until %s, release from %s, legal hold %v, status %q, now %s) = %+v, oracle says delete=%v\nfacts %+v\npolicy %s",
						seed, pi, s.HeldUntilReleased, fmtp(s.RetainUntil), fmtp(releaseFrom), hold, status, now.Format(time.RFC3339Nano), d, want, f, doc)
				}
				if d.Delete {
					deleted++
				} else {
					kept++
				}
				if c, name := corrupt(rng, ds, final); name != "" {
					corruptedChecked++
					if d := Decide(c, hold, status, now); d.Delete {
						t.Fatalf("seed %d policy %d: corrupted schedule (%s) %+v was deleted: %+v", seed, pi, name, c, d)
					}
				}
			}
		}
	}
	// The generator must exercise both outcomes heavily, or the test proves little.
	if deleted < policies || kept < policies {
		t.Fatalf("seed %d: weak generator: %d deletions, %d keeps", seed, deleted, kept)
	}
	t.Logf("seed %d: %d decisions (%d delete, %d keep), %d corrupted schedules refused", seed, deleted+kept, deleted, kept, corruptedChecked)
}

// --- generated policies, kept alongside their file form so the oracle never reads the parsed Policy ---

type genRule struct {
	Name              string `json:"name,omitempty"`
	Period            string `json:"period,omitempty"`
	HoldUntilReleased bool   `json:"holdUntilReleased,omitempty"`
	ReviewEvery       string `json:"reviewEvery,omitempty"`
	y, m, w, d        int
}

type genFile struct {
	Format         string    `json:"format"`
	Version        string    `json:"version"`
	MinimumDwell   string    `json:"minimumDwell,omitempty"` // "" = the format's default, two weeks
	MaxDockDelay   string    `json:"maxDockDelay,omitempty"` // "" = the format's default, two weeks
	ReleaseGrace   string    `json:"releaseGrace,omitempty"` // "" = the format's default, a week
	Default        genRule   `json:"default"`
	Quarantine     genRule   `json:"quarantine"`
	IncidentLinked genRule   `json:"incidentLinked"`
	Categories     []genRule `json:"categories"`
}

type genPolicyT struct {
	file  genFile
	dwell genRule // the minimum dwell as components (the default when the file has none)
	dock  genRule // the maximum plausible dock delay as components (the default when the file has none)
	cats  map[string]genRule
	pool  []string // names facts draw from: the policy's categories and some it does not know
}

var namePool = []string{"non-evidential", "evidential", "evidential-serious", "public-protection", "complaint",
	"training", "traffic", "custody", "a", "x-1", "stop-search", "use-of-force"}

// ciRetentionSeed is TestDecideProperty's seed under CI=true.
const ciRetentionSeed = 20260301

func genPolicy(rng *rand.Rand, i int) genPolicyT {
	gp := genPolicyT{cats: map[string]genRule{}}
	gp.file = genFile{Format: Format, Version: fmt.Sprintf("gen-%d", i)}
	gp.dwell = genRule{d: 14}
	if rng.IntN(3) != 0 {
		gp.dwell = genRuleOf(rng, false)
		gp.file.MinimumDwell = gp.dwell.Period
	}
	gp.dock = genRule{d: 14}
	if rng.IntN(3) != 0 {
		gp.dock = genRule{d: 1 + rng.IntN(365)}
		if rng.IntN(3) == 0 {
			gp.dock = genRule{m: 1 + rng.IntN(12)}
		}
		gp.dock.Period = fmt.Sprintf("P%dM%dD", gp.dock.m, gp.dock.d)
		gp.file.MaxDockDelay = gp.dock.Period
	}
	if rng.IntN(2) == 0 {
		gp.file.ReleaseGrace = fmt.Sprintf("P%dD", 1+rng.IntN(30))
	}
	gp.file.Default = genRuleOf(rng, false)
	gp.file.Quarantine = genRuleOf(rng, false)
	gp.file.IncidentLinked = genRuleOf(rng, true)
	for _, n := range namePool {
		if rng.IntN(2) == 0 {
			r := genRuleOf(rng, true)
			r.Name = n
			gp.file.Categories = append(gp.file.Categories, r)
			gp.cats[n] = r
		}
	}
	if gp.file.Categories == nil {
		gp.file.Categories = []genRule{}
	}
	gp.pool = append(gp.pool, namePool...)
	gp.pool = append(gp.pool, "unknown-thing", "uncategorised")
	return gp
}

func genRuleOf(rng *rand.Rand, mayHold bool) genRule {
	if mayHold && rng.IntN(5) == 0 {
		return genRule{HoldUntilReleased: true}
	}
	var r genRule
	for r.y+r.m+r.w+r.d == 0 {
		switch rng.IntN(4) {
		case 0: // days, the common force setting
			r.d = 1 + rng.IntN(120)
		case 1:
			r.y = rng.IntN(12)
			r.m = rng.IntN(14)
		case 2:
			r.w = rng.IntN(60)
			r.d = rng.IntN(10)
		default:
			r.y, r.m, r.w, r.d = rng.IntN(3), rng.IntN(3), rng.IntN(3), rng.IntN(40)
		}
	}
	r.Period = "P"
	for _, c := range []struct {
		n int
		u string
	}{{r.y, "Y"}, {r.m, "M"}, {r.w, "W"}, {r.d, "D"}} {
		if c.n > 0 || rng.IntN(8) == 0 { // sometimes write an explicit zero component, which is legal
			r.Period += strconv.Itoa(c.n) + c.u
		}
	}
	return r
}

func genFacts(rng *rand.Rand, gp genPolicyT) Facts {
	var f Facts
	for n := rng.IntN(4); n > 0; n-- {
		c := gp.pool[rng.IntN(len(gp.pool))]
		switch rng.IntN(6) {
		case 0:
			c = strings.ToUpper(c)
		case 1:
			c = " " + c + " "
		}
		f.Categories = append(f.Categories, c)
	}
	if rng.IntN(4) == 0 {
		f.IncidentRefs = []string{[]string{"CAD/2026/001", " ", "", "CR-1"}[rng.IntN(4)]}
	}
	f.Quarantined = rng.IntN(5) == 0
	// Categories an authenticated person set: they count for a quarantined clip too.
	for n := rng.IntN(3); n > 0 && rng.IntN(2) == 0; n-- {
		f.TrustedCategories = append(f.TrustedCategories, gp.pool[rng.IntN(len(gp.pool))])
	}
	f.LegalHold = rng.IntN(8) == 0
	if rng.IntN(50) != 0 { // a few clips have no recorded start at all
		f.RecordedStart = genTime(rng)
	}
	// Receipt: usually hours after the start, sometimes weeks or years late (a camera docked late or a clock reset),
	// sometimes before the start (a camera clock ahead), sometimes unknown.
	base := f.RecordedStart
	if base.IsZero() {
		base = genTime(rng)
	}
	switch rng.IntN(9) {
	case 8: // a camera clock reset to years before: received decades after its "recorded start"
		f.ReceivedAt = base.AddDate(1+rng.IntN(25), 0, 0)
	case 0:
		f.ReceivedAt = base.Add(time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
	case 1:
		f.ReceivedAt = base.Add(-time.Duration(rng.Int64N(int64(400 * 24 * time.Hour))))
	case 2:
		if rng.IntN(4) == 0 {
			break // unknown
		}
		fallthrough
	default:
		f.ReceivedAt = base.Add(time.Duration(rng.Int64N(int64(72 * time.Hour))))
	}
	return f
}

// genTime favours the awkward dates: month ends, leap days, DST switch days, in assorted zones.
func genTime(rng *rand.Rand) time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("BST", 3600), time.FixedZone("minus", -9*3600), time.FixedZone("odd", 5*3600+45*60)}
	y := 1995 + rng.IntN(50)
	m := time.Month(1 + rng.IntN(12))
	d := 1 + rng.IntN(31)
	switch rng.IntN(4) {
	case 0:
		m, d = 2, 28+rng.IntN(2)
	case 1:
		d = 29 + rng.IntN(3)
	}
	t := time.Date(y, m, d, rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1e9), zones[rng.IntN(len(zones))])
	return t
}

// genClock picks a time near the interesting instant (the due date, or the recorded start), a zero clock, or far off.
func genClock(rng *rand.Rand, start, until time.Time) time.Time {
	pivot := until
	if pivot.IsZero() {
		pivot = start
	}
	if pivot.IsZero() || rng.IntN(40) == 0 {
		if rng.IntN(2) == 0 {
			return time.Time{}
		}
		return genTime(rng)
	}
	offsets := []time.Duration{0, -1, 1, -time.Second, time.Second, -time.Hour, time.Hour, -24 * time.Hour, 24 * time.Hour,
		time.Duration(rng.Int64N(int64(400*24*time.Hour))) - 200*24*time.Hour}
	now := pivot.Add(offsets[rng.IntN(len(offsets))])
	return now.In(time.FixedZone("clock", (rng.IntN(27)-12)*3600))
}

func genStatus(rng *rand.Rand, quarantined bool) string {
	if rng.IntN(5) == 0 {
		return []string{StatusReceived, StatusDeleted, "", "Verified", "unknown", StatusVerified, StatusQuarantined}[rng.IntN(7)]
	}
	if quarantined {
		return StatusQuarantined
	}
	return StatusVerified
}

// corrupt damages a schedule the way a stale or hand-edited record could, in ways Decide must refuse.
// statusMatches says whether the clip's status matched its quarantine flag before the damage.
func corrupt(rng *rand.Rand, s Schedule, statusMatches bool) (Schedule, string) {
	zero := time.Time{}
	switch rng.IntN(10) {
	case 0:
		s.PolicyVersion = ""
		return s, "no policy version"
	case 1:
		s.Rule = ""
		return s, "no rule"
	case 2:
		s.CountedFrom = zero
		return s, "no recorded start"
	case 3:
		s.RetainUntil = &zero
		return s, "zero date"
	case 4:
		if !s.CountedFrom.IsZero() {
			early := s.CountedFrom.Add(-time.Duration(rng.Int64N(int64(1000 * time.Hour))))
			s.RetainUntil = &early
			return s, "date not after the recorded start"
		}
	case 5:
		if s.RetainUntil != nil {
			s.HeldUntilReleased = true
			return s, "held and dated"
		}
	case 6:
		if statusMatches {
			s.Quarantined = !s.Quarantined
			return s, "quarantine flag flipped"
		}
	case 7:
		s.RetainUntil = nil
		s.HeldUntilReleased = false
		return s, "date dropped"
	case 8:
		s.NotBefore = nil
		return s, "receipt time dropped"
	case 9:
		if s.NotBefore != nil {
			z := time.Time{}
			s.NotBefore = &z
			return s, "receipt time zero"
		}
	}
	return s, ""
}

// --- the oracle: the rules of docs/retention.md, restated without the package's code ---

// oracleSchedule gives the deletion date and the end of the minimum dwell (zero when the receipt is unknown).
func oracleSchedule(gp genPolicyT, f Facts) (held bool, until, dwellEnd time.Time) {
	held, until, dwellEnd, _ = oracleScheduleFlagged(gp, f)
	return held, until, dwellEnd
}

// oracleImplausible: a recorded start more than the maximum dock delay before the receipt (both known) is a
// camera clock reset.
func oracleImplausible(gp genPolicyT, f Facts) bool {
	return !f.RecordedStart.IsZero() && !f.ReceivedAt.IsZero() && oracleAdd(f.RecordedStart, gp.dock).Before(f.ReceivedAt)
}

// oracleScheduleFlagged is oracleSchedule and whether the clip must carry the implausible-start review flag.
func oracleScheduleFlagged(gp genPolicyT, f Facts) (held bool, until, dwellEnd time.Time, flagged bool) {
	if !f.ReceivedAt.IsZero() {
		dwellEnd = oracleAdd(f.ReceivedAt, gp.dwell)
	}
	start := f.RecordedStart
	// A clock reset: every period counts from the receipt, and a person is asked to look.
	if oracleImplausible(gp, f) {
		start, flagged = f.ReceivedAt, true
	}
	held, until = oracleRules(gp, f, start, dwellEnd)
	return held, until, dwellEnd, flagged
}

func oracleRules(gp genPolicyT, f Facts, start, dwellEnd time.Time) (held bool, until time.Time) {
	// A quarantined clip whose start is missing or later than its receipt counts from the receipt.
	if f.Quarantined && !f.ReceivedAt.IsZero() && (start.IsZero() || f.ReceivedAt.Before(start)) {
		start = f.ReceivedAt
	}
	if f.LegalHold || start.IsZero() {
		return true, time.Time{}
	}
	var rules []genRule
	// categories: the clip's own, or for a quarantined clip only those an authenticated person set (besides the
	// quarantine rule); an unknown one holds the clip.
	cats := f.Categories
	if f.Quarantined {
		rules = append(rules, gp.file.Quarantine)
		cats = f.TrustedCategories
	}
	any := false
	for _, c := range cats {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "" || c == "uncategorised" {
			continue
		}
		any = true
		r, ok := gp.cats[c]
		if !ok {
			return true, time.Time{} // unknown category: never guessed
		}
		rules = append(rules, r)
	}
	if !any && !f.Quarantined {
		rules = append(rules, gp.file.Default)
	}
	for _, ref := range f.IncidentRefs {
		if strings.TrimSpace(ref) != "" {
			rules = append(rules, gp.file.IncidentLinked)
			break
		}
	}
	for _, r := range rules {
		if r.HoldUntilReleased {
			return true, time.Time{}
		}
		if u := oracleAdd(start, r); u.After(until) {
			until = u
		}
	}
	if dwellEnd.After(until) { // never deleted before the dwell ends
		until = dwellEnd
	}
	return false, until
}

// oracleAdd steps month by month with its own leap-year rule and clamps the day, then adds whole 24-hour days.
func oracleAdd(start time.Time, r genRule) time.Time {
	t := start.UTC()
	y, m, d := t.Year(), int(t.Month()), t.Day()
	for i := 0; i < 12*r.y+r.m; i++ {
		m++
		if m == 13 {
			m, y = 1, y+1
		}
	}
	monthDays := []int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		monthDays = 29
	}
	if d > monthDays {
		d = monthDays
	}
	base := time.Date(y, time.Month(m), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	return base.Add(time.Duration(7*r.w+r.d) * 24 * time.Hour)
}
