package clipview

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Print names every retention and integrity state a person must see: a
// pending and a cancelled release, a review flag, a tamper signal, a
// quarantine copy left beside its upload, a deletion, a broken chain, and
// who was not authenticated.
func TestPrintStates(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	c := clip.Clip{ID: "c1", OfficerID: "AB1234", Status: clip.StatusQuarantined,
		Reasons:    []clip.Reason{{Code: "HASH_MISMATCH", Message: "the dock's SHA-256 differs"}},
		SHA256:     clip.Hashes{Declared: strings.Repeat("0", 64), Computed: strings.Repeat("a", 64)},
		Tamper:     &clip.Tamper{FirstClipID: "c0", FirstETag: "0x1", DetectedAt: clip.At(now)},
		Quarantine: &clip.QuarantineRef{Container: "quarantine", Name: "c1/x.mp4", ETag: "0x2", SourceDeleted: false},
		Retention: clip.Retention{Rule: "quarantine", RetainUntil: clip.Ptr(now.AddDate(0, 0, -3)), HeldUntilReleased: true,
			PendingRelease: &clip.PendingRelease{RequestedBy: "DS Jones", RequestedAt: clip.At(now), EffectiveFrom: clip.At(now.AddDate(0, 0, 7)), FromRule: "evidential", ToRule: "default"},
			Review:         &clip.RetentionReview{Code: "RECORDED_START_IMPLAUSIBLE", Since: clip.At(now), Detail: "camera clock"}},
		Audit: clip.AuditHead{Seq: 2}}
	v := View{Clip: c, Audit: []audit.Entry{{ID: "c1:000001", Seq: 1, Action: "received", Actor: "system:ClipIngest"},
		{ID: "c1:000002", Seq: 2, Action: "consulted", Actor: "DC 1", Justification: "case 7"}},
		Consulted: audit.Entry{ID: "c1:000002"}, Chain: Chain{Reason: "the record's head names entry 3, the trail ends at 2"}}
	var b bytes.Buffer
	if err := Print(&b, v, now); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"HASH_MISMATCH: the dock's SHA-256 differs", "(3 days ago); not deleted while held",
		Field("pending release", "evidential → default asked by DS Jones at 2026-03-10T12:00:00.000Z; not deleted before 2026-03-17T12:00:00.000Z"),
		Field("review flag", "RECORDED_START_IMPLAUSIBLE since 2026-03-10T12:00:00.000Z: camera clock"),
		Field("TAMPER", "a second version was written under this name; first record c0"),
		"(DIFFERS from the recorded SHA-256)", "quarantine/c1/x.mp4 (ETag 0x2; the upload was left in place)",
		Field("chain", "BROKEN: the record's head names entry 3"), "DC 1 (not authenticated)", "case 7  ← this consultation",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "system:ClipIngest (not authenticated)") {
		t.Errorf("a system actor marked not authenticated:\n%s", out)
	}

	c.Status, c.Retention.PendingRelease.CancelledBy, c.Retention.PendingRelease.CancelledAt = clip.StatusDeleted, "DI Patel", clip.Ptr(now)
	c.Deletion = &clip.Deletion{SweepRunID: "run-9", Rule: "default", DeletedAt: clip.At(now), SHA256: strings.Repeat("a", 64), Actor: "system:RetentionSweep"}
	b.Reset()
	if err := Print(&b, View{Clip: c, Chain: Chain{Verified: true}}, now); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{Field("pending release", "cancelled by DI Patel at 2026-03-10T12:00:00.000Z"),
		Field("deleted", "2026-03-10T12:00:00.000Z by system:RetentionSweep (sweep run run-9, rule default)")} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "days ago") {
		t.Errorf("a deleted clip's due date counted from now:\n%s", b.String())
	}
}

// Text from the record and the trail cannot drive the terminal: escape
// codes, bidirectional overrides, tabs, newlines and invalid UTF-8 in any
// field are shown escaped, and nothing else changes.
func TestPrintEscapesControlCharacters(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	const esc = "\x1b]0;owned\x07\x1b[2J"
	c := clip.Clip{ID: "c1", OfficerID: "AB1234", Status: clip.StatusVerified, DeviceID: "DEV" + esc, StationID: "ST\u202eX",
		Categories: []string{"evidential" + esc}, IncidentRefs: []string{"INC\n  forged line"},
		Reasons: []clip.Reason{{Code: "X", Message: "m\r\x1b[1A"}}, Audit: clip.AuditHead{Seq: 1}}
	v := View{Clip: c, Audit: []audit.Entry{{ID: "c1:000001", Seq: 1, Action: "consulted", Actor: "DC\x1b[31m 1",
		Justification: "why\tcol\xff"}}, Chain: Chain{Verified: true}}
	var b bytes.Buffer
	if err := Print(&b, v, now); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\r\u202e\t\xff") || strings.Contains(out, "\n  forged line") {
		t.Fatalf("control characters reach the terminal:\n%q", out)
	}
	for _, want := range []string{`DEV\x1b]0;owned\a\x1b[2J`, `ST\u202eX`, `INC\n  forged line`, `m\r\x1b[1A`, `DC\x1b[31m 1`, `why\tcol\xff`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got := Printable("DC 4471 Smith — café"); got != "DC 4471 Smith — café" {
		t.Errorf("printable text changed: %q", got)
	}
}
