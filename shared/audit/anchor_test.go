package audit

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// goldenLeaves and the values below are the test vector docs/audit.md
// walks through: a change to the leaf or anchor encoding shows here.
func goldenLeaves() []Leaf {
	return []Leaf{
		{ClipID: "c2", Seq: 3, Hash: strings.Repeat("b", 64)},
		{ClipID: "c1", Seq: 12, Hash: strings.Repeat("a", 64)},
		{ClipID: "c3", Seq: 1, Hash: strings.Repeat("c", 64)},
	}
}

const (
	goldenLeafBytes = "bwv-audit-leaf/1\nclipId:2:c1\nseq:2:12\nhash:64:" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" + "\n"
)

var goldenTime = time.Date(2026, 12, 2, 5, 5, 0, 0, time.UTC)

func TestLeafEncodingGolden(t *testing.T) {
	l := goldenLeaves()[1]
	if got := string(l.Bytes()); got != goldenLeafBytes {
		t.Fatalf("leaf bytes\n got %q\nwant %q", got, goldenLeafBytes)
	}
	want := sha256.Sum256(append([]byte{0}, goldenLeafBytes...))
	if l.TreeHash() != Digest(want) {
		t.Fatal("leaf tree hash is not SHA-256(0x00 || leaf bytes)")
	}
}

func TestNewAnchorChainsAndChecks(t *testing.T) {
	first, err := NewAnchor(nil, goldenLeaves(), goldenTime, goldenTime)
	if err != nil {
		t.Fatal(err)
	}
	if first.Seq != 1 || first.Name != "0000000001-00010101T000000.000Z.json" || first.LeafCount != 3 || first.Leaves[0].ClipID != "c1" {
		t.Fatalf("first anchor %+v", first)
	}
	// Sorted leaves c1, c2, c3: root = H(1 || H(1 || L(c1) || L(c2)) || L(c3)).
	ls := first.Leaves
	want := HashNode(HashNode(ls[0].TreeHash(), ls[1].TreeHash()), ls[2].TreeHash())
	if first.Root != want.String() {
		t.Fatalf("root %s, want %s", first.Root, want)
	}
	// The worked example of docs/audit.md ("Checking by hand"), computed
	// there with printf, xxd and sha256sum.
	if first.Leaves[0].TreeHash().String() != "94bedc60e26c90585cbb6179ec13341046ae4050601bec28002b46942771fe3b" ||
		first.Root != "197390ffd08e38f15347e2805526e5c3e29f5e39e0effbff14db1e1833796a3f" ||
		first.Hash != "44163bcca8e0d30a4624253515a159c4bb23f9c20690db4b5ea4e6d767187f5d" {
		t.Fatalf("docs/audit.md's worked example changed: leaf %s root %s hash %s", first.Leaves[0].TreeHash(), first.Root, first.Hash)
	}
	if err := first.Check(true); err != nil {
		t.Fatal(err)
	}
	if err := CheckLink(nil, first); err != nil {
		t.Fatal(err)
	}
	second, err := NewAnchor(&first, []Leaf{{ClipID: "c1", Seq: 13, Hash: strings.Repeat("d", 64)}}, goldenTime.Add(time.Hour), goldenTime.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if second.Seq != 2 || second.PrevHash != first.Hash || second.PrevName != first.Name || second.WindowFrom != first.WindowTo ||
		second.Name != "0000000002-20261202T050500.000Z.json" {
		t.Fatalf("second anchor %+v", second)
	}
	if err := CheckLink(&first, second); err != nil {
		t.Fatal(err)
	}
	if second.Name <= first.Name {
		t.Fatal("anchor names must sort in chain order")
	}

	tampers := []struct {
		name string
		edit func(*Anchor)
		code string
	}{
		{"root", func(a *Anchor) { a.Root = strings.Repeat("0", 64) }, AnchorHashMismatch},
		{"leaf", func(a *Anchor) { a.Leaves[1].Seq = 4 }, AnchorRootMismatch},
		{"leaf dropped", func(a *Anchor) { a.Leaves = a.Leaves[:2] }, AnchorLeavesInvalid},
		{"leaf order", func(a *Anchor) { a.Leaves[0], a.Leaves[1] = a.Leaves[1], a.Leaves[0] }, AnchorLeavesInvalid},
		{"window", func(a *Anchor) { a.WindowTo = "2026-12-02T06:00:00.000Z" }, AnchorHashMismatch},
		{"name", func(a *Anchor) { a.Name = "0000000009-00010101T000000.000Z.json" }, AnchorNameMismatch},
		{"format", func(a *Anchor) { a.Format = "bwv-audit-anchor/2" }, AnchorFormatUnknown},
	}
	for _, tt := range tampers {
		t.Run(tt.name, func(t *testing.T) {
			a := first
			a.Leaves = append([]Leaf(nil), first.Leaves...)
			tt.edit(&a)
			var ae *AnchorError
			if err := a.Check(true); !errors.As(err, &ae) || ae.Code != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}
	// Links: a missing anchor in the middle, a forged predecessor hash.
	third, _ := NewAnchor(&second, goldenLeaves(), goldenTime.Add(2*time.Hour), goldenTime.Add(2*time.Hour))
	var ae *AnchorError
	if err := CheckLink(&first, third); !errors.As(err, &ae) || ae.Code != AnchorLinkBroken {
		t.Fatalf("a gap in the chain: %v", err)
	}
	forged := second
	forged.PrevHash = strings.Repeat("e", 64)
	forged.Hash = forged.ComputeHash()
	if err := CheckLink(&first, forged); !errors.As(err, &ae) || ae.Code != AnchorLinkBroken {
		t.Fatalf("a forged predecessor hash: %v", err)
	}
	if err := CheckLink(nil, second); err == nil {
		t.Fatal("a chain starting at seq 2 checks")
	}
}

func TestProofChecksAndFailsOnOneByte(t *testing.T) {
	es, head := chain(5)
	leaves := []Leaf{LeafOf("c1", head.Seq, head.Hash)}
	for _, id := range []string{"a0", "b0", "d0", "e0", "f0", "g0"} {
		leaves = append(leaves, LeafOf(id, 1, strings.Repeat("1", 64)))
	}
	an, err := NewAnchor(nil, leaves, goldenTime, goldenTime)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := NewProof([]Anchor{an}, "c1", func(n string) string { return "http://127.0.0.1/acct/audit-anchors/" + n })
	if !ok {
		t.Fatal("no proof for an anchored clip")
	}
	if p.Anchor.Leaves != nil || len(p.Path) != 3 || p.TreeSize != 7 {
		t.Fatalf("proof %+v", p)
	}
	if err := CheckProof(p); err != nil {
		t.Fatal(err)
	}
	if n, err := CheckProofEntries(p, es); err != nil || n != 0 {
		t.Fatalf("entries: %d %v", n, err)
	}
	more := append(append([]Entry(nil), es...), Next("c1", head, Entry{Action: ActionHoldSet, Key: "k6", Actor: "x", At: clip.At(goldenTime)}))
	if n, err := CheckProofEntries(p, more); err != nil || n != 1 {
		t.Fatalf("one entry after the anchor: %d %v", n, err)
	}
	if _, ok := NewProof([]Anchor{an}, "zz", func(string) string { return "" }); ok {
		t.Fatal("a proof for a clip the anchor does not hold")
	}

	flip := func(s string) string { // one hex digit changed
		b := []byte(s)
		if b[7] == '0' {
			b[7] = '1'
		} else {
			b[7] = '0'
		}
		return string(b)
	}
	cases := []struct {
		name string
		edit func(*Proof)
		code string
	}{
		{"leaf hash", func(p *Proof) { p.Leaf.Hash = flip(p.Leaf.Hash) }, ProofLeafMismatch},
		{"leaf seq", func(p *Proof) { p.Leaf.Seq++ }, ProofLeafMismatch},
		{"leaf and leafHash", func(p *Proof) { p.Leaf.Hash = flip(p.Leaf.Hash); p.LeafHash = p.Leaf.TreeHash().String() }, ProofRootMismatch},
		{"path", func(p *Proof) { p.Path[1] = flip(p.Path[1]) }, ProofRootMismatch},
		{"path short", func(p *Proof) { p.Path = p.Path[:2] }, ProofPathInvalid},
		{"index", func(p *Proof) { p.Index = (p.Index + 1) % p.TreeSize }, ProofRootMismatch},
		{"root", func(p *Proof) { p.Anchor.Root = flip(p.Anchor.Root) }, ProofRootMismatch},
		{"anchor", func(p *Proof) { p.Anchor.WindowTo = "2027-01-01T00:00:00.000Z" }, ProofAnchorInvalid},
		{"format", func(p *Proof) { p.Format = "x" }, ProofFormatUnknown},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			q := p
			q.Path = append([]string(nil), p.Path...)
			tt.edit(&q)
			var pe *ProofError
			if err := CheckProof(q); !errors.As(err, &pe) || pe.Code != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}
	// The trail: a recomputed tail (every hash valid) no longer matches.
	rewritten := append([]Entry(nil), es[:3]...)
	h := Head(rewritten[2])
	for i := 3; i < 5; i++ {
		e := Next("c1", h, Entry{Action: ActionReceived, Key: "k", Actor: "mallory", At: es[i].At})
		rewritten = append(rewritten, e)
		h = Head(e)
	}
	var pe *ProofError
	if _, err := CheckProofEntries(p, rewritten); !errors.As(err, &pe) || pe.Code != ProofEntriesMismatch || !strings.Contains(pe.Field, "seq 5") {
		t.Fatalf("rewritten tail: %v", err)
	}
	if _, err := CheckProofEntries(p, es[:4]); !errors.As(err, &pe) || pe.Code != ProofEntriesMismatch {
		t.Fatalf("truncated trail: %v", err)
	}
	if _, err := CheckProofEntries(p, nil); !errors.As(err, &pe) || pe.Code != ProofEntriesMismatch {
		t.Fatalf("no trail: %v", err)
	}
}

func TestVerifyAnchoredCatchesRewriteAndReset(t *testing.T) {
	es, head := chain(4)
	anchored := []AnchoredLeaf{{Leaf: LeafOf("c1", 2, es[1].Hash), Anchor: "a1"}, {Leaf: LeafOf("c1", 3, es[2].Hash), Anchor: "a2"}}
	if n, err := VerifyAnchored("c1", es, head, anchored); err != nil || n != 1 {
		t.Fatalf("intact: %d not yet anchored, %v", n, err)
	}
	// Recompute the tail from entry 2 with a new head: Verify alone says ok.
	rewritten := append([]Entry(nil), es[:1]...)
	h := Head(es[0])
	for i := 1; i < 4; i++ {
		e := Next("c1", h, Entry{Action: ActionReceived, Key: "k", Actor: "mallory", At: es[i].At})
		rewritten, h = append(rewritten, e), Head(e)
	}
	if err := Verify("c1", rewritten, h); err != nil {
		t.Fatalf("the rewrite is not a consistent chain, so it tests nothing: %v", err)
	}
	var bl *BrokenLink
	if _, err := VerifyAnchored("c1", rewritten, h, anchored); !errors.As(err, &bl) || bl.Seq != 2 || !strings.Contains(bl.Reason, "a1") {
		t.Fatalf("rewritten tail: %v", err)
	}
	// Every entry deleted and the head reset.
	if _, err := VerifyAnchored("c1", nil, clip.AuditHead{}, anchored); !errors.As(err, &bl) || bl.Seq != 1 || !strings.Contains(bl.Reason, "missing") {
		t.Fatalf("deleted trail: %v", err)
	}
	// No anchor yet: a record without a head is broken, a chain is checked as a chain.
	if _, err := VerifyAnchored("c1", nil, clip.AuditHead{}, nil); !errors.As(err, &bl) || bl.Seq != 1 {
		t.Fatalf("record without head: %v", err)
	}
	if n, err := VerifyAnchored("c1", es, head, nil); err != nil || n != 4 {
		t.Fatalf("unanchored chain: %d %v", n, err)
	}
}

// A later anchor of a rewritten trail must not vouch for it: the proof
// carries every anchor that held the clip, and the earlier one holds the
// original hash.
func TestProofEveryAnchorVouches(t *testing.T) {
	es, head := chain(3)
	other := LeafOf("b0", 1, strings.Repeat("1", 64))
	a1, err := NewAnchor(nil, []Leaf{LeafOf("c1", head.Seq, head.Hash), other}, goldenTime, goldenTime)
	if err != nil {
		t.Fatal(err)
	}
	// Entries 2..3 recomputed (a consistent chain), the head moved, and the
	// next anchor holds the forged head.
	forged := append([]Entry(nil), es[:1]...)
	h := Head(es[0])
	for i := 1; i < 3; i++ {
		e := Next("c1", h, Entry{Action: ActionReceived, Key: "k", Actor: "mallory", At: es[i].At})
		forged, h = append(forged, e), Head(e)
	}
	a2, err := NewAnchor(&a1, []Leaf{LeafOf("c1", h.Seq, h.Hash)}, goldenTime.Add(time.Hour), goldenTime.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	url := func(n string) string { return "http://127.0.0.1/acct/audit-anchors/" + n }
	p, ok := NewProof([]Anchor{a1, a2}, "c1", url)
	if !ok || len(p.Earlier) != 1 || p.Anchor.Name != a2.Name || p.Earlier[0].Anchor.Name != a1.Name {
		t.Fatalf("proof %+v", p)
	}
	if err := CheckProof(p); err != nil {
		t.Fatal(err)
	}
	var pe *ProofError
	if _, err := CheckProofEntries(p, forged); !errors.As(err, &pe) || pe.Code != ProofEntriesMismatch || !strings.Contains(pe.Reason, a1.Name) {
		t.Fatalf("forged past vouched for by a later anchor: %v", err)
	}
	// Dropping the earlier inclusion is what a proof of the newest anchor
	// alone was: it cannot see the rewrite (why every anchor is carried).
	newestOnly := p
	newestOnly.Earlier = nil
	if _, err := CheckProofEntries(newestOnly, forged); err != nil {
		t.Fatalf("the newest anchor alone should agree with the forged trail (else this test shows nothing): %v", err)
	}
	// Earlier inclusions out of chain order, or of another clip, are refused.
	swapped := Proof{Format: ProofFormat, Inclusion: p.Earlier[0], Earlier: []Inclusion{p.Inclusion}}
	if err := CheckProof(swapped); !errors.As(err, &pe) || pe.Code != ProofAnchorInvalid {
		t.Fatalf("out of order: %v", err)
	}
	p2, _ := NewProof([]Anchor{a1}, "b0", url)
	mixed := p
	mixed.Earlier = []Inclusion{p2.Inclusion}
	if err := CheckProof(mixed); !errors.As(err, &pe) || pe.Code != ProofLeafMismatch {
		t.Fatalf("another clip's inclusion: %v", err)
	}
}

// A crafted leaf seq below 1 is refused, never an index out of range.
func TestProofLeafSeqBelowOne(t *testing.T) {
	es, _ := chain(2)
	for _, seq := range []int{0, -1, -1 << 40} {
		l := LeafOf("c1", seq, es[0].Hash)
		a, err := NewAnchor(nil, []Leaf{l}, goldenTime, goldenTime)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := NewProof([]Anchor{a}, "c1", func(string) string { return "" })
		var pe *ProofError
		if err := CheckProof(p); !errors.As(err, &pe) || pe.Code != ProofLeafMismatch || pe.Field != "leaf.seq" {
			t.Fatalf("seq %d: %v", seq, err)
		}
		if _, err := CheckProofEntries(p, es); !errors.As(err, &pe) || pe.Code != ProofLeafMismatch {
			t.Fatalf("seq %d entries: %v", seq, err)
		}
	}
}

func FuzzCheckProofEntries(f *testing.F) {
	es, head := chain(3)
	f.Add(head.Seq, 0, 3)
	f.Add(0, 0, 3)
	f.Add(-5, 1, 1)
	f.Fuzz(func(t *testing.T, seq, index, n int) {
		n = max(0, min(n, len(es)))
		a, err := NewAnchor(nil, []Leaf{LeafOf("c1", seq, head.Hash)}, goldenTime, goldenTime)
		if err != nil {
			return
		}
		p, _ := NewProof([]Anchor{a}, "c1", func(string) string { return "" })
		p.Index = index
		if CheckProof(p) == nil && seq < 1 {
			t.Fatalf("seq %d accepted", seq)
		}
		_, _ = CheckProofEntries(p, es[:n]) // must not panic
	})
}

// A head moved back below an anchored entry is broken even though every
// entry is still there; entries after the head are reported, not judged.
func TestVerifyAnchoredHeadMovedBack(t *testing.T) {
	es, head := chain(3)
	anchored := []AnchoredLeaf{{Leaf: LeafOf("c1", 3, head.Hash), Anchor: "a1"}}
	back := Head(es[1])
	if err := Verify("c1", es, back); err != nil {
		t.Fatalf("Verify judges entries after the head (it should not): %v", err)
	}
	var bl *BrokenLink
	if _, err := VerifyAnchored("c1", es, back, anchored); !errors.As(err, &bl) || bl.Seq != 3 || !strings.Contains(bl.Reason, "moved back") {
		t.Fatalf("head moved back below anchored entry 3: %v", err)
	}
	if got := BeyondHead(es, back); len(got) != 1 || got[0].Seq != 3 {
		t.Fatalf("beyond the head: %+v", got)
	}
	if got := BeyondHead(es, head); len(got) != 0 {
		t.Fatalf("nothing is beyond the real head: %+v", got)
	}
}

// A proof is tied to a published hash directly or through the headers in
// between; a header that does not link, or a chain that never reaches the
// published hash, is refused.
func TestCheckPublished(t *testing.T) {
	l := LeafOf("c1", 1, strings.Repeat("a", 64))
	a1, _ := NewAnchor(nil, []Leaf{l}, goldenTime, goldenTime)
	a2, _ := NewAnchor(&a1, []Leaf{LeafOf("c2", 1, strings.Repeat("b", 64))}, goldenTime.Add(time.Hour), goldenTime.Add(time.Hour))
	a3, _ := NewAnchor(&a2, []Leaf{LeafOf("c3", 1, strings.Repeat("c", 64))}, goldenTime.Add(2*time.Hour), goldenTime.Add(2*time.Hour))
	p, _ := NewProof([]Anchor{a1}, "c1", func(string) string { return "" })
	header := func(a Anchor) Anchor { a.Leaves = nil; return a }
	if err := CheckPublished(p, nil, a1.Hash); err != nil {
		t.Fatal(err)
	}
	if err := CheckPublished(p, []Anchor{header(a2), header(a3)}, a3.Hash); err != nil {
		t.Fatal(err)
	}
	var pe *ProofError
	if err := CheckPublished(p, []Anchor{header(a3)}, a3.Hash); !errors.As(err, &pe) || pe.Code != ProofNotPublished || pe.Field != "headers[0]" {
		t.Fatalf("a skipped header: %v", err)
	}
	forged := header(a2)
	forged.PrevHash = strings.Repeat("0", 64)
	forged.Hash = forged.ComputeHash()
	if err := CheckPublished(p, []Anchor{forged}, forged.Hash); !errors.As(err, &pe) || pe.Code != ProofNotPublished {
		t.Fatalf("a header not linked to the proof's anchor: %v", err)
	}
	if err := CheckPublished(p, []Anchor{header(a2)}, a3.Hash); !errors.As(err, &pe) || pe.Code != ProofNotPublished || pe.Field != "anchor.hash" {
		t.Fatalf("never reaching the published hash: %v", err)
	}
}
