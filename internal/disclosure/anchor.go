package disclosure

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
)

// Anchoring statuses of manifest.json.
const (
	// AnchoringAnchored: anchor-proof.json proves an entry of the trail
	// was in an audit anchor (docs/audit.md); entries after it were
	// written after that anchor.
	AnchoringAnchored = "anchored"
	// AnchoringNotYet: no anchor held the clip at export (anchors are
	// written hourly); there is no anchor-proof.json.
	AnchoringNotYet = "not yet anchored"
)

// MismatchAnchorProof: anchor-proof.json does not check, does not match
// the trail, or the manifest and the file disagree about it.
const MismatchAnchorProof = "ANCHOR_PROOF_MISMATCH"

// AnchorProofs finds the proof of a clip's newest anchored head. ok is
// false when no anchor holds the clip yet.
type AnchorProofs interface {
	AnchorProof(ctx context.Context, clipID string) (p audit.Proof, ok bool, err error)
}

// anchorProof returns the clip's proof checked against its trail, or ok
// false when the clip is not yet anchored (or no AnchorProofs is given).
// A proof that does not check, or a trail that disagrees with its anchor,
// refuses the export: the store's trail was rewritten.
func anchorProof(ctx context.Context, src AnchorProofs, clipID string, entries []audit.Entry) (audit.Proof, bool, error) {
	if src == nil {
		return audit.Proof{}, false, nil
	}
	p, ok, err := src.AnchorProof(ctx, clipID)
	if err != nil || !ok {
		if err != nil {
			err = storeErr(err, "reading the audit anchors for %s", clipID)
		}
		return audit.Proof{}, false, err
	}
	if err := audit.CheckProof(p); err != nil {
		return audit.Proof{}, false, reason.Errorf(CodeChainBroken, err, "clip %s: its anchor proof does not check; nothing disclosed", clipID)
	}
	if _, err := audit.CheckProofEntries(p, entries); err != nil {
		return audit.Proof{}, false, reason.Errorf(CodeChainBroken, err, "clip %s: its trail disagrees with anchor %s; nothing disclosed", clipID, p.Anchor.Name)
	}
	return p, true, nil
}

// checkAnchorProof is the offline check of anchor-proof.json: the manifest
// and the file agree on whether there is one; the proof checks on its own
// (leaf, path, root, anchor hash); it is the bundle's clip; and the
// bundle's trail holds the anchored entry with the anchored hash.
func checkAnchorProof(dir string, m Manifest, clipID string, entries []audit.Entry, okT bool, indexed map[string]IndexFile, add func(Finding)) {
	bad := func(field, msg string, args ...any) {
		add(Finding{Code: MismatchAnchorProof, File: FileAnchorProof, Field: field, Message: fmt.Sprintf(msg, args...)})
	}
	_, listed := indexed[FileAnchorProof]
	switch {
	case m.Anchoring.Status == AnchoringAnchored && !listed:
		bad("", "manifest.json anchoring.status is %q but the bundle has no indexed %s", AnchoringAnchored, FileAnchorProof)
		return
	case m.Anchoring.Status != AnchoringAnchored && listed:
		bad("", "present, but manifest.json anchoring.status is %q", m.Anchoring.Status)
		return
	case !listed:
		return
	}
	b, err := os.ReadFile(filepath.Join(dir, FileAnchorProof))
	if err != nil {
		return // FILE_MISSING already says so
	}
	var p audit.Proof
	if err := json.Unmarshal(b, &p); err != nil {
		add(Finding{Code: MismatchFileInvalid, File: FileAnchorProof, Message: "not valid JSON: " + err.Error()})
		return
	}
	if err := audit.CheckProof(p); err != nil {
		field := ""
		if pe, ok := err.(*audit.ProofError); ok {
			field = pe.Field
		}
		bad(field, "%v", err)
		return
	}
	if p.Leaf.ClipID != clipID {
		bad("leaf.clipId", "the proof is for clip %s, the bundle is clip %s", p.Leaf.ClipID, clipID)
		return
	}
	if m.Anchoring.Anchor != p.Anchor.Name || m.Anchoring.AnchorHash != p.Anchor.Hash || m.Anchoring.AnchoredSeq != p.Leaf.Seq {
		add(Finding{Code: MismatchManifest, File: FileManifest, Field: "anchoring", Message: fmt.Sprintf("anchor %s (%s) seq %d, the proof says %s (%s) seq %d",
			m.Anchoring.Anchor, m.Anchoring.AnchorHash, m.Anchoring.AnchoredSeq, p.Anchor.Name, p.Anchor.Hash, p.Leaf.Seq)})
	}
	if !okT {
		return
	}
	if _, err := audit.CheckProofEntries(p, entries); err != nil {
		seq := p.Leaf.Seq
		add(Finding{Code: MismatchAnchorProof, File: FileAuditTrail, Seq: seq, EntryID: audit.EntryID(clipID, seq), Field: "hash", Message: err.Error()})
	}
}
