package audit

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// AnchoredLeaf is a leaf and the anchor that holds it.
type AnchoredLeaf struct {
	Leaf
	Anchor string
}

// VerifyAnchored checks a clip's trail as Verify does and, beyond that,
// against every leaf any anchor holds for the clip: each anchored entry
// must still be there with the anchored hash. A writer who recomputes a
// tail and moves the record's head, or deletes every entry and resets the
// head, passes Verify but not this. Checking every anchor, not only the
// newest, means an anchor added later cannot vouch for a rewritten past.
// A record without a head is broken too: every record is created with its
// first entry. It returns how many entries come after the newest anchored
// one (not yet anchored: checked as a chain only), or a *BrokenLink naming
// the first entry that disagrees.
func VerifyAnchored(clipID string, entries []Entry, head clip.AuditHead, anchored []AnchoredLeaf) (unanchored int, err error) {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b Entry) int { return cmp.Compare(a.Seq, b.Seq) })
	chainErr := Verify(clipID, entries, head)
	var first *BrokenLink
	if bl, ok := chainErr.(*BrokenLink); ok {
		first = bl
	} else if chainErr != nil {
		return 0, chainErr
	}
	leaves := slices.Clone(anchored)
	slices.SortFunc(leaves, func(a, b AnchoredLeaf) int { return cmp.Compare(a.Seq, b.Seq) })
	newest := 0
	for _, l := range leaves {
		newest = max(newest, l.Seq)
		var bl *BrokenLink
		switch {
		case l.Seq < 1:
			bl = &BrokenLink{ClipID: clipID, Seq: l.Seq, EntryID: EntryID(clipID, l.Seq), Reason: fmt.Sprintf("anchor %s holds an impossible seq %d", l.Anchor, l.Seq)}
		case len(entries) < l.Seq:
			n := len(entries) + 1
			bl = &BrokenLink{ClipID: clipID, Seq: n, EntryID: EntryID(clipID, n),
				Reason: fmt.Sprintf("entries %d..%d are missing: anchor %s holds entry %d (hash %s)", n, l.Seq, l.Anchor, l.Seq, l.Hash)}
		case head.Seq > 0 && l.Seq > head.Seq:
			n := head.Seq + 1
			bl = &BrokenLink{ClipID: clipID, Seq: n, EntryID: EntryID(clipID, n),
				Reason: fmt.Sprintf("the clip record's head is entry %d, but anchor %s holds entry %d: the head was moved back", head.Seq, l.Anchor, l.Seq)}
		case entries[l.Seq-1].Seq != l.Seq:
			continue // a gap before it: Verify already named it
		case entries[l.Seq-1].Hash != l.Hash:
			bl = &BrokenLink{ClipID: clipID, Seq: l.Seq, EntryID: EntryID(clipID, l.Seq),
				Reason: fmt.Sprintf("hash %s, but anchor %s holds %s: the trail was rewritten at or before this entry", entries[l.Seq-1].Hash, l.Anchor, l.Hash)}
		default:
			continue
		}
		if first == nil || bl.Seq < first.Seq {
			first = bl
		}
		break
	}
	if first == nil && head.Seq <= 0 {
		first = &BrokenLink{ClipID: clipID, Seq: 1, EntryID: EntryID(clipID, 1),
			Reason: fmt.Sprintf("the clip record has no audit head (seq %d, %d entries found): every record is created with its first entry", head.Seq, len(entries))}
	}
	if first != nil {
		return 0, first
	}
	return max(len(entries)-newest, 0), nil
}

// BeyondHead are the entries after the record's head (head.Seq > 0), in
// seq order. Verify does not judge them: a writer that appended an entry
// and crashed before moving the head leaves one (the next transition steps
// over it). One still there after an anchor window has passed is suspect:
// an interrupted write never followed by another, or a head moved back.
func BeyondHead(entries []Entry, head clip.AuditHead) []Entry {
	var out []Entry
	for _, e := range entries {
		if head.Seq > 0 && e.Seq > head.Seq {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Entry) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}
