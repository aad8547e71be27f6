package audit

import (
	"fmt"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// ProofFormat is the format tag of a one-clip proof.
const ProofFormat = "bwv-audit-proof/1"

// Proof shows that one clip's audit head was in an anchor: the leaf, its
// index and Merkle path, and the anchor without its other leaves. It needs
// nothing but SHA-256 to check (CheckProof), so someone outside the force
// can check it offline and compare the anchor with the blob AnchorURL names.
type Proof struct {
	Format    string   `json:"format"`
	Leaf      Leaf     `json:"leaf"`
	LeafHash  string   `json:"leafHash"`
	Index     int      `json:"index"`
	TreeSize  int      `json:"treeSize"`
	Path      []string `json:"path"`
	Anchor    Anchor   `json:"anchor"`
	AnchorURL string   `json:"anchorUrl"`
}

// NewProof builds the proof of clipID's leaf in a (which must hold its
// leaves). ok is false when a has no leaf for the clip.
func NewProof(a Anchor, clipID, anchorURL string) (p Proof, ok bool) {
	index := -1
	hs := make([]Digest, len(a.Leaves))
	for i, l := range a.Leaves {
		hs[i] = l.TreeHash()
		if l.ClipID == clipID {
			index = i
		}
	}
	if index < 0 {
		return Proof{}, false
	}
	path, _ := MerklePath(hs, index)
	p = Proof{Format: ProofFormat, Leaf: a.Leaves[index], LeafHash: hs[index].String(), Index: index, TreeSize: len(hs), AnchorURL: anchorURL}
	for _, d := range path {
		p.Path = append(p.Path, d.String())
	}
	p.Anchor = a
	p.Anchor.Leaves = nil
	return p, true
}

// Proof check codes: stable (docs/audit.md).
const (
	ProofFormatUnknown   = "PROOF_FORMAT_UNKNOWN"
	ProofLeafMismatch    = "PROOF_LEAF_MISMATCH"
	ProofPathInvalid     = "PROOF_PATH_INVALID"
	ProofRootMismatch    = "PROOF_ROOT_MISMATCH"
	ProofAnchorInvalid   = "PROOF_ANCHOR_INVALID"
	ProofEntriesBroken   = "PROOF_ENTRIES_BROKEN"
	ProofEntriesMismatch = "PROOF_ENTRIES_MISMATCH"
)

// ProofError names what a proof check found, with the field it is in.
type ProofError struct {
	Code   string
	Field  string
	Reason string
}

func (e *ProofError) Error() string { return fmt.Sprintf("%s field %s: %s", e.Code, e.Field, e.Reason) }

// CheckProof verifies a proof on its own: the leaf hashes to leafHash, the
// path from it reaches the anchor's root, and the anchor's hash is right.
// What it cannot know offline is that the anchor is the one in the locked
// container: compare anchor.hash with the blob at anchorUrl (docs/audit.md).
func CheckProof(p Proof) error {
	bad := func(code, field, f string, args ...any) error {
		return &ProofError{Code: code, Field: field, Reason: fmt.Sprintf(f, args...)}
	}
	if p.Format != ProofFormat {
		return bad(ProofFormatUnknown, "format", "%q, want %q", p.Format, ProofFormat)
	}
	leaf := p.Leaf.TreeHash()
	if leaf.String() != p.LeafHash {
		return bad(ProofLeafMismatch, "leafHash", "the leaf (clip %s, seq %d, hash %s) hashes to %s, the proof says %s", p.Leaf.ClipID, p.Leaf.Seq, p.Leaf.Hash, leaf, p.LeafHash)
	}
	if p.TreeSize != p.Anchor.LeafCount {
		return bad(ProofPathInvalid, "treeSize", "%d, but the anchor has %d leaves", p.TreeSize, p.Anchor.LeafCount)
	}
	path := make([]Digest, len(p.Path))
	for i, s := range p.Path {
		d, err := ParseDigest(s)
		if err != nil {
			return bad(ProofPathInvalid, fmt.Sprintf("path[%d]", i), "%v", err)
		}
		path[i] = d
	}
	root, err := RootFromPath(leaf, p.Index, p.TreeSize, path)
	if err != nil {
		return bad(ProofPathInvalid, "path", "%d hashes cannot lead from index %d to the root of %d leaves", len(path), p.Index, p.TreeSize)
	}
	if root.String() != p.Anchor.Root {
		return bad(ProofRootMismatch, "anchor.root", "the path gives root %s, the anchor says %s", root, p.Anchor.Root)
	}
	if err := p.Anchor.Check(false); err != nil {
		return bad(ProofAnchorInvalid, "anchor", "%v", err)
	}
	return nil
}

// CheckProofEntries checks a clip's audit trail (entries in any order)
// against a proof already checked by CheckProof: the entries form an
// unbroken chain, and entry leaf.seq has the anchored hash. It returns how
// many entries come after the anchored one (not yet anchored: not a
// failure).
func CheckProofEntries(p Proof, entries []Entry) (unanchored int, err error) {
	if err := Verify(p.Leaf.ClipID, entries, clip.AuditHead{}); err != nil {
		return 0, &ProofError{Code: ProofEntriesBroken, Field: "entries", Reason: err.Error()}
	}
	if len(entries) < p.Leaf.Seq {
		return 0, &ProofError{Code: ProofEntriesMismatch, Field: "entries", Reason: fmt.Sprintf("the anchor holds entry %d of clip %s, the trail has %d entries", p.Leaf.Seq, p.Leaf.ClipID, len(entries))}
	}
	// Verify sorted entries by seq, 1..n without gaps.
	if got := entries[p.Leaf.Seq-1]; got.Hash != p.Leaf.Hash {
		return 0, &ProofError{Code: ProofEntriesMismatch, Field: fmt.Sprintf("entries[seq %d].hash", p.Leaf.Seq),
			Reason: fmt.Sprintf("entry %d (%s) has hash %s, the anchor holds %s", got.Seq, got.ID, got.Hash, p.Leaf.Hash)}
	}
	return len(entries) - p.Leaf.Seq, nil
}
