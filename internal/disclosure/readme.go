package disclosure

import (
	"fmt"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
)

// readme is README.txt: for a person with a shell and no bwv.
func readme(m Manifest, disclosed audit.Entry) []byte {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("DISCLOSURE BUNDLE (%s)", BundleFormat)
	p("")
	p("Clip %s, recorded by officer %s on device %s (station %s).", m.ClipID, m.Recorded.Officer, m.Recorded.Device, m.Recorded.Station)
	p("Exported %s by %s with %s %s.", m.Export.At.UTC().Format("2006-01-02T15:04:05.000Z"), m.Export.Actor, m.Export.Tool, m.Export.ToolVersion)
	p("Purpose: %s", m.Export.Purpose)
	if m.Export.Destination != "" {
		p("Destination: %s", m.Export.Destination)
	}
	p("")
	p("FILES")
	p("  %-24s the footage: the recorded blob version (%s %s/%s), byte for byte", m.Clip.File, m.Clip.Source, m.Clip.Container, m.Clip.Name)
	p("  %-24s what was disclosed: blob version, size, SHA-256 (declared by the dock, recorded", FileManifest)
	p("  %-24s at verification, computed at export), recording times, officer, device, station,", "")
	p("  %-24s who exported it, when and why", "")
	p("  %-24s sha256sum list of the footage and the manifest; its own SHA-256 is the", FileContentSums)
	p("  %-24s contentHash of the \"disclosed\" audit entry", "")
	p("  %-24s the clip's record as the store holds it after the disclosure", FileRecord)
	p("  %-24s every audit entry of the clip, oldest first, as stored (hash-chained)", FileAuditTrail)
	p("  %-24s the result of checking that chain at export", FileVerification)
	p("  %-24s sha256sum list of every file above and this README", FileSums)
	p("  %-24s every file with its size and SHA-256; the SHA-256 of index.json is the", FileIndex)
	p("  %-24s BUNDLE HASH that pins the whole bundle", "")
	if m.Anchoring.Status == AnchoringAnchored {
		p("  %-24s proof that entry %d of the trail was in audit anchor %s", FileAnchorProof, m.Anchoring.AnchoredSeq, m.Anchoring.Anchor)
		p("  %-24s (bwv audit check-proof anchor-proof.json --entries audit-trail.json)", "")
	} else {
		p("  %-24s absent: anchoring %s", FileAnchorProof, m.Anchoring.Status)
	}
	p("")
	p("CHECK BY HAND (in this directory)")
	p("  1. sha256sum index.json            -> must equal the bundle hash you were given separately")
	p("  2. sha256sum -c SHA256SUMS         -> every line OK; then check SHA256SUMS itself and every")
	p("     size against index.json (its \"path\", \"size\", \"sha256\" members; stat -c %%s FILE)")
	p("  3. sha256sum %s  -> equals sha256Computed and sha256Recorded in manifest.json", m.Clip.File)
	p("  4. sha256sum content.sha256        -> equals details.contentHash of the last audit entry")
	p("     in audit-trail.json (action \"disclosed\", entry %s)", disclosed.ID)
	p("  5. the audit trail: each entry's prevHash is the previous entry's hash, seq runs 1..n, and")
	p("     record.json's audit.seq/audit.hash are the last entry's seq/hash. Each entry's hash is the")
	p("     SHA-256 of its canonical form (docs/schema.md of bwv-ingest, \"Canonical forms\"); recomputing")
	p("     it needs a short program, or the tool below.")
	p("")
	p("CHECK WITH THE TOOL (offline)")
	p("  bwv export verify .                -> \"ok\" and exit 0, or exit 3 naming each mismatch")
	p("")
	p("The \"disclosed\" entry's actor is the name given to bwv export (--actor); it was not")
	p("authenticated (the tool uses the store key). Anchoring (docs/audit.md of bwv-ingest):")
	p("%s. The anchor proof's anchor.hash can be compared with the anchor blob in the", m.Anchoring.Status)
	p("force's locked audit-anchors container (its anchorUrl); entries after the anchored one")
	p("were written after that anchor.")
	return []byte(b.String())
}
