package audit

import (
	"fmt"
	"slices"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// ProofFormat is the format tag of a one-clip proof. /2 carries every
// anchor that holds the clip (earlier), not only the newest.
const ProofFormat = "bwv-audit-proof/2"

// Inclusion shows that one clip's audit head was in one anchor: the leaf,
// its index and Merkle path, and the anchor without its other leaves.
type Inclusion struct {
	Leaf      Leaf     `json:"leaf"`
	LeafHash  string   `json:"leafHash"`
	Index     int      `json:"index"`
	TreeSize  int      `json:"treeSize"`
	Path      []string `json:"path"`
	Anchor    Anchor   `json:"anchor"`
	AnchorURL string   `json:"anchorUrl"`
}

// Proof shows that one clip's audit heads were in anchors: the newest
// anchor that holds the clip (the fields of Inclusion, at the top level)
// and every earlier one (Earlier, oldest first). Every inclusion is
// checked against the trail, so a later anchor of a rewritten trail cannot
// vouch for it: the earlier anchors hold the original hashes. It needs
// nothing but SHA-256 to check (CheckProof), so someone outside the force
// can check it offline; that the anchors are the ones in the locked
// container needs that container (docs/audit.md).
type Proof struct {
	Format string `json:"format"`
	Inclusion
	Earlier []Inclusion `json:"earlier,omitempty"`
}

// inclusionOf is clipID's inclusion in a (which must hold its leaves).
func inclusionOf(a Anchor, clipID, anchorURL string) (Inclusion, bool) {
	index := -1
	hs := make([]Digest, len(a.Leaves))
	for i, l := range a.Leaves {
		hs[i] = l.TreeHash()
		if l.ClipID == clipID {
			index = i
		}
	}
	if index < 0 {
		return Inclusion{}, false
	}
	path, _ := MerklePath(hs, index)
	in := Inclusion{Leaf: a.Leaves[index], LeafHash: hs[index].String(), Index: index, TreeSize: len(hs), AnchorURL: anchorURL}
	for _, d := range path {
		in.Path = append(in.Path, d.String())
	}
	in.Anchor = a
	in.Anchor.Leaves = nil
	return in, true
}

// NewProof builds the proof of clipID from anchors (in chain order, each
// with its leaves): the newest anchor that holds the clip, and every
// earlier one that does. url names an anchor's blob. ok is false when no
// anchor holds the clip.
func NewProof(anchors []Anchor, clipID string, url func(name string) string) (p Proof, ok bool) {
	var ins []Inclusion
	for _, a := range anchors {
		if in, ok := inclusionOf(a, clipID, url(a.Name)); ok {
			ins = append(ins, in)
		}
	}
	if len(ins) == 0 {
		return Proof{}, false
	}
	p = Proof{Format: ProofFormat, Inclusion: ins[len(ins)-1]}
	if len(ins) > 1 {
		p.Earlier = ins[:len(ins)-1]
	}
	return p, true
}

// Inclusions are the proof's inclusions, oldest first (the newest last).
func (p Proof) Inclusions() []Inclusion {
	return append(append([]Inclusion(nil), p.Earlier...), p.Inclusion)
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

// CheckProof verifies a proof on its own: for every inclusion, the leaf
// is the proof's clip with a seq of at least 1 and hashes to leafHash, the
// path from it reaches the anchor's root, and the anchor's hash is right;
// the earlier inclusions come in chain order (anchor seq rising, leaf seq
// not falling) before the newest. What it cannot know offline is that the
// anchors are the ones in the locked container, or that no later anchor
// holds the clip: that needs the container (docs/audit.md).
func CheckProof(p Proof) error {
	bad := func(code, field, f string, args ...any) error {
		return &ProofError{Code: code, Field: field, Reason: fmt.Sprintf(f, args...)}
	}
	if p.Format != ProofFormat {
		return bad(ProofFormatUnknown, "format", "%q, want %q", p.Format, ProofFormat)
	}
	ins := p.Inclusions()
	for i, in := range ins {
		field := ""
		if i < len(p.Earlier) {
			field = fmt.Sprintf("earlier[%d].", i)
		}
		if err := checkInclusion(in, field); err != nil {
			return err
		}
		if in.Leaf.ClipID != p.Leaf.ClipID {
			return bad(ProofLeafMismatch, field+"leaf.clipId", "%q, the proof is for clip %q", in.Leaf.ClipID, p.Leaf.ClipID)
		}
		if i > 0 {
			before := ins[i-1]
			if in.Anchor.Seq <= before.Anchor.Seq {
				return bad(ProofAnchorInvalid, field+"anchor.seq", "%d does not come after the previous inclusion's anchor seq %d", in.Anchor.Seq, before.Anchor.Seq)
			}
			if in.Leaf.Seq < before.Leaf.Seq {
				return bad(ProofLeafMismatch, field+"leaf.seq", "%d, but an earlier anchor holds entry %d: a trail never shrinks", in.Leaf.Seq, before.Leaf.Seq)
			}
		}
	}
	return nil
}

// checkInclusion checks one inclusion on its own; field prefixes the
// field names it reports.
func checkInclusion(in Inclusion, field string) error {
	bad := func(code, f, msg string, args ...any) error {
		return &ProofError{Code: code, Field: field + f, Reason: fmt.Sprintf(msg, args...)}
	}
	if in.Leaf.Seq < 1 {
		return bad(ProofLeafMismatch, "leaf.seq", "%d: an anchored entry's seq is at least 1", in.Leaf.Seq)
	}
	leaf := in.Leaf.TreeHash()
	if leaf.String() != in.LeafHash {
		return bad(ProofLeafMismatch, "leafHash", "the leaf (clip %s, seq %d, hash %s) hashes to %s, the proof says %s", in.Leaf.ClipID, in.Leaf.Seq, in.Leaf.Hash, leaf, in.LeafHash)
	}
	if in.TreeSize != in.Anchor.LeafCount {
		return bad(ProofPathInvalid, "treeSize", "%d, but the anchor has %d leaves", in.TreeSize, in.Anchor.LeafCount)
	}
	path := make([]Digest, len(in.Path))
	for i, s := range in.Path {
		d, err := ParseDigest(s)
		if err != nil {
			return bad(ProofPathInvalid, fmt.Sprintf("path[%d]", i), "%v", err)
		}
		path[i] = d
	}
	root, err := RootFromPath(leaf, in.Index, in.TreeSize, path)
	if err != nil {
		return bad(ProofPathInvalid, "path", "%d hashes cannot lead from index %d to the root of %d leaves", len(path), in.Index, in.TreeSize)
	}
	if root.String() != in.Anchor.Root {
		return bad(ProofRootMismatch, "anchor.root", "the path gives root %s, the anchor says %s", root, in.Anchor.Root)
	}
	if err := in.Anchor.Check(false); err != nil {
		return bad(ProofAnchorInvalid, "anchor", "%v", err)
	}
	return nil
}

// CheckProofEntries checks a clip's audit trail (entries in any order)
// against a proof already checked by CheckProof: the entries form an
// unbroken chain, and for every inclusion (every anchor that held the
// clip, not only the newest) entry leaf.seq has the anchored hash. It
// returns how many entries come after the newest anchored one (not yet
// anchored: not a failure).
func CheckProofEntries(p Proof, entries []Entry) (unanchored int, err error) {
	entries = slices.Clone(entries)
	if err := Verify(p.Leaf.ClipID, entries, clip.AuditHead{}); err != nil {
		return 0, &ProofError{Code: ProofEntriesBroken, Field: "entries", Reason: err.Error()}
	}
	for _, in := range p.Inclusions() {
		if in.Leaf.Seq < 1 {
			return 0, &ProofError{Code: ProofLeafMismatch, Field: "leaf.seq", Reason: fmt.Sprintf("%d: an anchored entry's seq is at least 1", in.Leaf.Seq)}
		}
		if len(entries) < in.Leaf.Seq {
			return 0, &ProofError{Code: ProofEntriesMismatch, Field: "entries", Reason: fmt.Sprintf("anchor %s holds entry %d of clip %s, the trail has %d entries", in.Anchor.Name, in.Leaf.Seq, in.Leaf.ClipID, len(entries))}
		}
		// Verify sorted entries by seq, 1..n without gaps.
		if got := entries[in.Leaf.Seq-1]; got.Hash != in.Leaf.Hash {
			return 0, &ProofError{Code: ProofEntriesMismatch, Field: fmt.Sprintf("entries[seq %d].hash", in.Leaf.Seq),
				Reason: fmt.Sprintf("entry %d (%s) has hash %s, anchor %s holds %s: the trail was rewritten at or before this entry", got.Seq, got.ID, got.Hash, in.Anchor.Name, in.Leaf.Hash)}
		}
	}
	return len(entries) - p.Leaf.Seq, nil
}

// ProofNotPublished: the anchor chain from the proof's anchor does not
// reach the published hash.
const ProofNotPublished = "PROOF_NOT_PUBLISHED"

// CheckPublished ties a proof's newest anchor to a hash the force
// published: either it is that anchor's hash, or headers (anchor headers,
// leaves not needed, in chain order from the one after the proof's
// anchor) each check on their own, each links to the one before (seq,
// prevName, prevHash, windowFrom), and one of them has the published
// hash. A proof checked by CheckProof and tied this way is in the anchor
// chain the force vouched for; it says nothing about anchors after the
// published one.
func CheckPublished(p Proof, headers []Anchor, published string) error {
	if p.Anchor.Hash == published {
		return nil
	}
	prev := p.Anchor
	for i, h := range headers {
		if err := h.Check(false); err != nil {
			return &ProofError{Code: ProofNotPublished, Field: fmt.Sprintf("headers[%d]", i), Reason: err.Error()}
		}
		if err := CheckLink(&prev, h); err != nil {
			return &ProofError{Code: ProofNotPublished, Field: fmt.Sprintf("headers[%d]", i), Reason: err.Error()}
		}
		if h.Hash == published {
			return nil
		}
		prev = h
	}
	return &ProofError{Code: ProofNotPublished, Field: "anchor.hash",
		Reason: fmt.Sprintf("neither anchor %s nor the %d headers after it has the published hash %s", p.Anchor.Name, len(headers), published)}
}
