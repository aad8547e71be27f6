package audit

import (
	"errors"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

func chain(n int) ([]Entry, clip.AuditHead) {
	var head clip.AuditHead
	var out []Entry
	for i := 0; i < n; i++ {
		e := Next("c1", head, Entry{Action: ActionReceived, Key: "k", Actor: "system", At: clip.At(time.Unix(int64(i), 0)), Details: map[string]string{"b": "2", "a": "1"}})
		out = append(out, e)
		head = Head(e)
	}
	return out, head
}

func TestVerifyIntactChain(t *testing.T) {
	es, head := chain(4)
	if err := Verify("c1", es, head); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyNamesFirstBrokenLink(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func([]Entry) []Entry
		wantSeq int
	}{
		{"edited justification", func(es []Entry) []Entry { es[1].Justification = "changed"; return es }, 2},
		{"edited and rehashed", func(es []Entry) []Entry { es[1].Actor = "mallory"; es[1].Hash = Hash(es[1]); return es }, 3},
		{"removed middle", func(es []Entry) []Entry { return append(es[:2], es[3:]...) }, 3},
		{"removed tail", func(es []Entry) []Entry { return es[:3] }, 4},
		{"edited last", func(es []Entry) []Entry { es[3].Action = ActionDeleted; return es }, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, head := chain(4)
			err := Verify("c1", tt.tamper(es), head)
			var bl *BrokenLink
			if !errors.As(err, &bl) {
				t.Fatalf("want a broken link, got %v", err)
			}
			if bl.Seq != tt.wantSeq {
				t.Fatalf("broken at %d, want %d: %v", bl.Seq, tt.wantSeq, err)
			}
		})
	}
}
