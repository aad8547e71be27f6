package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Anchoring: every hour a timer function (AuditAnchor) takes the audit head
// (clip id, seq, hash) of every clip whose record changed since the last
// anchor, builds a Merkle tree over them and writes the anchor document,
// create-only, to a container whose immutability policy is locked in Azure.
// Each anchor carries the hash of the one before, so the anchors form a
// chain of their own. A writer with Cosmos access who recomputes an audit
// tail, or deletes a clip's entries and resets its head, can no longer make
// `bwv audit verify` say ok: the anchored head disagrees. docs/audit.md
// specifies every byte hashed here.

// Canonical-form tags: the first line of each encoding. A change of
// encoding is a new tag, never a re-interpretation.
const (
	LeafFormat   = "bwv-audit-leaf/1"
	AnchorFormat = "bwv-audit-anchor/1"
)

// AnchorTimeLayout is how anchor times are written (UTC, millisecond,
// fixed width), in the document and in its hashed form.
const AnchorTimeLayout = "2006-01-02T15:04:05.000Z"

// Leaf is one anchored audit head.
type Leaf struct {
	ClipID string `json:"clipId"`
	Seq    int    `json:"seq"`
	Hash   string `json:"hash"`
}

// LeafOf is the leaf of a clip's head.
func LeafOf(clipID string, seq int, hash string) Leaf {
	return Leaf{ClipID: clipID, Seq: seq, Hash: hash}
}

// appendField writes one length-prefixed line: name ":" len ":" value LF
// (the same line shape as the entry form 1).
func appendField(b []byte, name, v string) []byte {
	b = append(b, name...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(len(v)), 10)
	b = append(b, ':')
	b = append(b, v...)
	return append(b, '\n')
}

// Bytes is the leaf's canonical encoding:
//
//	"bwv-audit-leaf/1" LF
//	"clipId:" len ":" clipId LF
//	"seq:" len ":" decimal seq LF
//	"hash:" len ":" hash LF
func (l Leaf) Bytes() []byte {
	b := append([]byte(LeafFormat), '\n')
	b = appendField(b, "clipId", l.ClipID)
	b = appendField(b, "seq", strconv.Itoa(l.Seq))
	return appendField(b, "hash", l.Hash)
}

// TreeHash is the leaf's hash in the Merkle tree: SHA-256(0x00 || Bytes).
func (l Leaf) TreeHash() Digest { return HashLeafBytes(l.Bytes()) }

// SortLeaves orders leaves as an anchor holds them: by clip id (byte order),
// then seq.
func SortLeaves(ls []Leaf) {
	slices.SortFunc(ls, func(a, b Leaf) int {
		if c := strings.Compare(a.ClipID, b.ClipID); c != 0 {
			return c
		}
		return a.Seq - b.Seq
	})
}

// LeavesRoot is the Merkle root over leaves in the order given.
func LeavesRoot(ls []Leaf) Digest {
	hs := make([]Digest, len(ls))
	for i, l := range ls {
		hs[i] = l.TreeHash()
	}
	return MerkleRoot(hs)
}

// Anchor is one anchor document (a blob in the audit-anchors container).
type Anchor struct {
	Format string `json:"format"`
	// Seq numbers anchors from 1 with no gaps.
	Seq  int    `json:"seq"`
	Name string `json:"name"`
	// CreatedAt is when the run built the anchor.
	CreatedAt string `json:"createdAt"`
	// WindowFrom..WindowTo: records updated in this window (and a little
	// before, AnchorOverlap) were read. WindowFrom is the previous
	// anchor's WindowTo (the zero time for the first anchor).
	WindowFrom string `json:"windowFrom"`
	WindowTo   string `json:"windowTo"`
	LeafCount  int    `json:"leafCount"`
	Root       string `json:"root"`
	// PrevName and PrevHash are the previous anchor's name and Hash
	// (empty for the first).
	PrevName string `json:"prevName"`
	PrevHash string `json:"prevHash"`
	// Hash is SHA-256 over Header(): everything above. The leaves are
	// bound through Root, so a proof can carry the anchor without them.
	Hash   string `json:"hash"`
	Leaves []Leaf `json:"leaves,omitempty"`
}

// Header is the anchor's canonical encoding, the bytes Hash is over:
//
//	"bwv-audit-anchor/1" LF
//	then, as length-prefixed lines name ":" len ":" value LF, in this order:
//	seq name createdAt windowFrom windowTo leafCount root prevName prevHash
func (a Anchor) Header() []byte {
	b := append([]byte(AnchorFormat), '\n')
	b = appendField(b, "seq", strconv.Itoa(a.Seq))
	b = appendField(b, "name", a.Name)
	b = appendField(b, "createdAt", a.CreatedAt)
	b = appendField(b, "windowFrom", a.WindowFrom)
	b = appendField(b, "windowTo", a.WindowTo)
	b = appendField(b, "leafCount", strconv.Itoa(a.LeafCount))
	b = appendField(b, "root", a.Root)
	b = appendField(b, "prevName", a.PrevName)
	return appendField(b, "prevHash", a.PrevHash)
}

// ComputeHash is lower-case hex SHA-256 over Header().
func (a Anchor) ComputeHash() string {
	sum := sha256.Sum256(a.Header())
	return hex.EncodeToString(sum[:])
}

// AnchorName is the blob name of anchor seq whose window starts at from:
// the zero-padded sequence number first, so names sort in chain order
// (which is time order), then the window start. Both are fixed by the
// previous anchor, so two runs that read the same newest anchor compute
// the same name and the create-only write lets exactly one of them win:
// the chain cannot fork.
func AnchorName(seq int, from time.Time) string {
	return fmt.Sprintf("%010d-%s.json", seq, from.UTC().Format("20060102T150405.000Z"))
}

// FormatAnchorTime writes t in AnchorTimeLayout.
func FormatAnchorTime(t time.Time) string { return t.UTC().Format(AnchorTimeLayout) }

// NewAnchor builds the anchor after prev (nil: the first) over leaves
// (sorted here), for the window up to to, created at created.
func NewAnchor(prev *Anchor, leaves []Leaf, to, created time.Time) (Anchor, error) {
	a := Anchor{Format: AnchorFormat, Seq: 1, WindowFrom: FormatAnchorTime(time.Time{})}
	if prev != nil {
		from, err := time.Parse(AnchorTimeLayout, prev.WindowTo)
		if err != nil {
			return Anchor{}, fmt.Errorf("anchor %s: windowTo %q: %w", prev.Name, prev.WindowTo, err)
		}
		a.Seq, a.WindowFrom, a.PrevName, a.PrevHash = prev.Seq+1, prev.WindowTo, prev.Name, prev.Hash
		if to.Before(from) {
			to = from // a clock behind the last anchor: an empty window, never a backward one
		}
	}
	from, _ := time.Parse(AnchorTimeLayout, a.WindowFrom)
	a.Name = AnchorName(a.Seq, from)
	a.WindowTo = FormatAnchorTime(to)
	a.CreatedAt = FormatAnchorTime(created)
	a.Leaves = slices.Clone(leaves)
	SortLeaves(a.Leaves)
	a.LeafCount = len(a.Leaves)
	a.Root = LeavesRoot(a.Leaves).String()
	a.Hash = a.ComputeHash()
	return a, nil
}

// AnchorError says what is wrong with an anchor or the link to its
// predecessor. Code is stable (docs/audit.md).
type AnchorError struct {
	Name   string
	Code   string
	Reason string
}

func (e *AnchorError) Error() string {
	return fmt.Sprintf("anchor %s: %s: %s", e.Name, e.Code, e.Reason)
}

// Anchor check codes.
const (
	AnchorFormatUnknown = "ANCHOR_FORMAT_UNKNOWN"
	AnchorHashMismatch  = "ANCHOR_HASH_MISMATCH"
	AnchorRootMismatch  = "ANCHOR_ROOT_MISMATCH"
	AnchorLeavesInvalid = "ANCHOR_LEAVES_INVALID"
	AnchorNameMismatch  = "ANCHOR_NAME_MISMATCH"
	AnchorLinkBroken    = "ANCHOR_LINK_BROKEN"
)

// Check verifies an anchor on its own: its format, its name, its hash, and
// (when withLeaves) that its leaves are sorted, one per clip, as many as
// LeafCount, with Root their Merkle root.
func (a Anchor) Check(withLeaves bool) error {
	bad := func(code, f string, args ...any) error {
		return &AnchorError{Name: a.Name, Code: code, Reason: fmt.Sprintf(f, args...)}
	}
	if a.Format != AnchorFormat {
		return bad(AnchorFormatUnknown, "format %q, want %q", a.Format, AnchorFormat)
	}
	if from, err := time.Parse(AnchorTimeLayout, a.WindowFrom); err != nil || a.Name != AnchorName(a.Seq, from) {
		return bad(AnchorNameMismatch, "the name does not follow from seq %d and windowFrom %q", a.Seq, a.WindowFrom)
	}
	if got := a.ComputeHash(); got != a.Hash {
		return bad(AnchorHashMismatch, "its content hashes to %s, the document says %s", got, a.Hash)
	}
	if !withLeaves {
		return nil
	}
	if len(a.Leaves) != a.LeafCount {
		return bad(AnchorLeavesInvalid, "%d leaves, leafCount %d", len(a.Leaves), a.LeafCount)
	}
	for i := 1; i < len(a.Leaves); i++ {
		if strings.Compare(a.Leaves[i-1].ClipID, a.Leaves[i].ClipID) >= 0 {
			return bad(AnchorLeavesInvalid, "leaves %d and %d are not in clip id order or name one clip twice", i-1, i)
		}
	}
	if got := LeavesRoot(a.Leaves).String(); got != a.Root {
		return bad(AnchorRootMismatch, "the leaves give root %s, the document says %s", got, a.Root)
	}
	return nil
}

// CheckLink verifies that a follows prev (nil: a must be the first).
func CheckLink(prev *Anchor, a Anchor) error {
	bad := func(f string, args ...any) error {
		return &AnchorError{Name: a.Name, Code: AnchorLinkBroken, Reason: fmt.Sprintf(f, args...)}
	}
	if prev == nil {
		if a.Seq != 1 || a.PrevName != "" || a.PrevHash != "" {
			return bad("the oldest anchor present is seq %d after %q: earlier anchors are missing", a.Seq, a.PrevName)
		}
		return nil
	}
	switch {
	case a.Seq != prev.Seq+1:
		return bad("seq %d follows %s (seq %d): an anchor is missing", a.Seq, prev.Name, prev.Seq)
	case a.PrevName != prev.Name:
		return bad("prevName %q, but the anchor before it is %s", a.PrevName, prev.Name)
	case a.PrevHash != prev.Hash:
		return bad("prevHash %s, but %s hashes to %s", a.PrevHash, prev.Name, prev.Hash)
	case a.WindowFrom != prev.WindowTo:
		return bad("windowFrom %s, but %s ends at %s", a.WindowFrom, prev.Name, prev.WindowTo)
	}
	return nil
}
