package audit

import (
	"fmt"
	"sort"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// BrokenLink names the first entry where a chain stops verifying.
type BrokenLink struct {
	ClipID  string
	Seq     int // sequence number of the first bad entry (or the missing one)
	EntryID string
	Reason  string
}

func (b *BrokenLink) Error() string {
	return fmt.Sprintf("audit chain of clip %s broken at entry %d (%s): %s", b.ClipID, b.Seq, b.EntryID, b.Reason)
}

// Verify checks one clip's chain: sequence numbers 1..n without gaps,
// each entry's hash recomputes in the form it names (legacy and v1 entries
// may mix in one chain), each prevHash equals the previous hash,
// and the last entry matches the record's head (when head.Seq > 0, so a
// truncated tail shows too). It returns nil or a *BrokenLink.
func Verify(clipID string, entries []Entry, head clip.AuditHead) error {
	sort.Slice(entries, func(i, j int) bool { return entries[i].Seq < entries[j].Seq })
	prev := ""
	for i, e := range entries {
		want := i + 1
		switch {
		case e.Seq != want:
			return &BrokenLink{ClipID: clipID, Seq: want, EntryID: EntryID(clipID, want), Reason: fmt.Sprintf("entry %d is missing (next present is %d)", want, e.Seq)}
		case e.ClipID != clipID:
			return &BrokenLink{ClipID: clipID, Seq: e.Seq, EntryID: e.ID, Reason: "entry belongs to clip " + e.ClipID}
		case e.ID != EntryID(clipID, e.Seq):
			return &BrokenLink{ClipID: clipID, Seq: e.Seq, EntryID: e.ID, Reason: "entry id does not match its sequence number"}
		case e.PrevHash != prev:
			return &BrokenLink{ClipID: clipID, Seq: e.Seq, EntryID: e.ID, Reason: "prevHash does not match the previous entry's hash"}
		case e.HashForm != FormLegacy && e.HashForm != FormV1:
			return &BrokenLink{ClipID: clipID, Seq: e.Seq, EntryID: e.ID, Reason: fmt.Sprintf("unknown hash form %d", e.HashForm)}
		case Hash(e) != e.Hash:
			return &BrokenLink{ClipID: clipID, Seq: e.Seq, EntryID: e.ID, Reason: "content does not match its hash (the entry was edited)"}
		}
		prev = e.Hash
	}
	if head.Seq > 0 {
		if len(entries) < head.Seq {
			return &BrokenLink{ClipID: clipID, Seq: len(entries) + 1, EntryID: EntryID(clipID, len(entries)+1), Reason: fmt.Sprintf("the clip record expects %d entries, found %d", head.Seq, len(entries))}
		}
		if last := entries[head.Seq-1]; last.Hash != head.Hash {
			return &BrokenLink{ClipID: clipID, Seq: last.Seq, EntryID: last.ID, Reason: "the clip record's audit head hash does not match this entry"}
		}
	}
	return nil
}
