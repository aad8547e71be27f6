package clip

import (
	"encoding/json"
	"testing"
	"time"
)

func TestIDIsDeterministicPerVersion(t *testing.T) {
	a := ID("DevStoreAccount1", "uploads", "2026/03/01/x.mp4", `"0x8DC1"`)
	b := ID("devstoreaccount1", "uploads", "2026/03/01/x.mp4", "0x8DC1")
	if a != b {
		t.Fatalf("quoted and unquoted ETags, or account case, gave different ids: %s %s", a, b)
	}
	if ID("devstoreaccount1", "uploads", "2026/03/01/x.mp4", "0x8DC2") == a {
		t.Fatal("a new version must get a new id")
	}
	if ID("devstoreaccount1", "uploads", "a\x00b", "e") == ID("devstoreaccount1", "uploads\x00a", "b", "e") {
		t.Fatal("field boundaries must be unambiguous")
	}
	if NameKey("devstoreaccount1", "uploads", "x") == NameKey("devstoreaccount1", "uploads", "y") {
		t.Fatal("name keys collide")
	}
}

func TestSequencerLess(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"00000000000004420000000000028963", "00000000000004420000000000028964", true},
		{"00000000000004420000000000028964", "00000000000004420000000000028963", false},
		{"5", "00000000000000000000000000000010", true},
		{"0000000000000010", "9", false},
		{"same", "same", false},
	}
	for _, tt := range tests {
		if got := SequencerLess(tt.a, tt.b); got != tt.want {
			t.Errorf("SequencerLess(%q,%q)=%v", tt.a, tt.b, got)
		}
	}
}

func TestTimeIsFixedWidthUTC(t *testing.T) {
	a := At(time.Date(2026, 3, 1, 14, 0, 0, 0, time.FixedZone("BST", 3600)))
	b := At(time.Date(2026, 3, 1, 13, 0, 0, 120_000_000, time.UTC))
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != `"2026-03-01T13:00:00.000Z"` || string(jb) != `"2026-03-01T13:00:00.120Z"` {
		t.Fatalf("got %s and %s", ja, jb)
	}
	if !(string(ja) < string(jb)) {
		t.Fatal("string order must follow time order")
	}
	var back Time
	if err := json.Unmarshal(jb, &back); err != nil || !back.Equal(b.Time) {
		t.Fatalf("round trip: %v %v", back, err)
	}
}

func TestOutcomeTable(t *testing.T) {
	if OutcomeOf(Errorf(Invalid, CodeEventMalformed, "x")).Retry {
		t.Error("invalid input must not be retried")
	}
	if !OutcomeOf(Errorf(Transient, CodeStorageUnavailable, "x")).Retry {
		t.Error("transient faults must be retried")
	}
	if !OutcomeOf(json.Unmarshal([]byte("{"), new(int))).Retry {
		t.Error("unknown errors default to retry")
	}
	err := Wrap(Transient, Errorf(NotFound, CodeClipNotFound, "gone"), "reading")
	if CodeOf(err) != "" || KindOf(err) != Transient {
		t.Errorf("outer error must win: %v %v", CodeOf(err), KindOf(err))
	}
}
