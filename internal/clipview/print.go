package clipview

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Print writes v for a person: who, what, when; retention; integrity; the
// audit trail and its verdict. now dates "in N days".
func Print(w io.Writer, v View, now time.Time) error {
	c := v.Clip
	bw := bufio.NewWriter(w)
	// Every value is made printable: the record and the trail hold text
	// from uploads and from anyone who can write to Cosmos, and a terminal
	// obeys escape codes.
	line := func(k, format string, args ...any) {
		fmt.Fprintf(bw, "%s\n", Field(k, Printable(fmt.Sprintf(format, args...))))
	}
	section := func(name string) { fmt.Fprintf(bw, "\n%s\n", strings.ToUpper(name)) }

	line("clip", "%s", c.ID)
	line("status", "%s", c.Status)
	for _, r := range c.Reasons {
		fmt.Fprintf(bw, "%s%s\n", strings.Repeat(" ", fieldWidth+3), Printable(fmt.Sprintf("%s: %s", r.Code, r.Message)))
	}

	section("who, what, when")
	line("officer", "%s", c.OfficerID)
	line("device", "%s", dash(c.DeviceID))
	line("station", "%s", dash(c.StationID))
	line("recorded", "%s to %s", at(c.RecordedStart), at(c.RecordedEnd))
	line("received", "%s", c.ReceivedAt)
	line("categories", "%s", dash(strings.Join(c.Categories, ", ")))
	if c.CategoriesSetBy != "" {
		line("", "set by %s", c.CategoriesSetBy)
	}
	line("incidents", "%s", dash(strings.Join(c.IncidentRefs, ", ")))
	if c.Location != nil {
		line("location", "%.5f, %.5f", c.Location.Latitude, c.Location.Longitude)
	}
	line("blob", "%s/%s/%s (%d bytes)", c.Blob.Account, c.Blob.Container, c.Blob.Name, c.Blob.Size)
	if c.Tamper != nil {
		line("TAMPER", "a second version was written under this name; first record %s (ETag %s), detected %s", c.Tamper.FirstClipID, c.Tamper.FirstETag, c.Tamper.DetectedAt)
	}
	if len(c.OverwrittenBy) > 0 {
		line("overwritten", "later versions under this name: %s", strings.Join(c.OverwrittenBy, ", "))
	}

	section("retention")
	r := c.Retention
	line("rule", "%s (policy %s%s)", dash(r.Rule), dash(r.PolicyVersion), map[bool]string{true: ", quarantine rule", false: ""}[r.Quarantined])
	line("counted from", "%s", at(r.CountedFrom))
	due := at(r.RetainUntil)
	if r.RetainUntil != nil && c.Status != clip.StatusDeleted {
		due += " (" + inDays(r.RetainUntil.Time, now) + ")"
	}
	if r.LegalHold || r.HeldUntilReleased {
		due += "; not deleted while held"
	}
	line("deletion due", "%s", due)
	if r.ReviewDate != nil {
		line("review date", "%s", r.ReviewDate)
	}
	line("legal hold", "%s", yesNo(r.LegalHold))
	line("held until released", "%s", yesNo(r.HeldUntilReleased))
	switch p := r.PendingRelease; {
	case p == nil:
		line("pending release", "none")
	case p.Active():
		line("pending release", "%s → %s asked by %s at %s; not deleted before %s", p.FromRule, p.ToRule, p.RequestedBy, p.RequestedAt, p.EffectiveFrom)
	default:
		line("pending release", "cancelled by %s at %s (was %s → %s asked by %s)", p.CancelledBy, at(p.CancelledAt), p.FromRule, p.ToRule, p.RequestedBy)
	}
	if rv := r.Review; rv != nil {
		line("review flag", "%s since %s: %s", rv.Code, rv.Since, rv.Detail)
	} else {
		line("review flag", "none")
	}
	if d := c.Deletion; d != nil {
		line("deleted", "%s by %s (sweep run %s, rule %s); content SHA-256 was %s", d.DeletedAt, d.Actor, d.SweepRunID, d.Rule, d.SHA256)
	}

	section("integrity")
	line("recorded SHA-256", "%s", dash(c.SHA256.Computed))
	dock := dash(c.SHA256.Declared)
	if c.SHA256.Declared != "" && c.SHA256.Computed != "" {
		dock += map[bool]string{true: " (matches)", false: " (DIFFERS from the recorded SHA-256)"}[strings.EqualFold(c.SHA256.Declared, c.SHA256.Computed)]
	}
	line("dock's SHA-256", "%s", dock)
	line("blob ETag", "%s", dash(c.Blob.ETag))
	line("blob version", "%s", dash(c.Blob.VersionID))
	line("verified at", "%s", at(c.VerifiedAt))
	if q := c.Quarantine; q != nil {
		line("content now in", "%s/%s (ETag %s%s)", q.Container, q.Name, dash(q.ETag), map[bool]string{true: "", false: "; the upload was left in place"}[q.SourceDeleted])
	}
	if rh := v.Rehash; rh != nil {
		verdict := "MISMATCH"
		if rh.Match {
			verdict = "matches the recorded SHA-256"
		}
		line("rehash", "%s: %d bytes of %s %s/%s hash to %s", verdict, rh.Bytes, rh.Source, rh.Container, rh.Name, rh.SHA256)
	}

	section("audit trail")
	if v.Chain.Verified {
		line("chain", "verified as a chain: %d entries, head %d (not checked against the audit anchors: bwv audit verify --clip %s)", len(v.Audit), c.Audit.Seq, c.ID)
	} else if v.Chain.EntryID != "" {
		line("chain", "BROKEN at entry %d (%s): %s", v.Chain.BrokenAt, v.Chain.EntryID, v.Chain.Reason)
	} else {
		line("chain", "BROKEN: %s", v.Chain.Reason)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tAT\tACTION\tWHO\tWHY")
	for _, e := range v.Audit {
		who := e.Actor
		if !e.ActorAuthenticated && !strings.HasPrefix(who, "system:") {
			who += " (not authenticated)"
		}
		why := e.Justification
		if e.ID == v.Consulted.ID {
			why += "  ← this consultation"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", e.Seq, Printable(e.At.String()), Printable(e.Action), Printable(dash(who)), Printable(dash(why)))
	}
	return tw.Flush()
}

// Printable is s with every rune a terminal could act on (control
// characters, escape sequences' ESC, bidirectional overrides and other
// format characters, tabs and newlines) written as a Go escape (\x1b,
// \u202e, \t), and invalid UTF-8 bytes as \xNN. Printable text is
// returned as it is.
func Printable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, notPrintable) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case notPrintable(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func notPrintable(r rune) bool { return !unicode.IsPrint(r) }

// fieldWidth is the width of the names in Print's "name value" lines.
const fieldWidth = 20

// Field is one "name value" line of Print (without the newline).
func Field(name, value string) string { return fmt.Sprintf("  %-*s %s", fieldWidth, name, value) }

func at(t *clip.Time) string {
	if t == nil {
		return "-"
	}
	return t.String()
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func inDays(t, now time.Time) string {
	d := int(t.Sub(now).Hours() / 24)
	switch {
	case t.Before(now):
		return fmt.Sprintf("%d days ago", -d)
	case d == 0:
		return "within a day"
	}
	return fmt.Sprintf("in %d days", d)
}
