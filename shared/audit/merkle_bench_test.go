package audit

import (
	"fmt"
	"strings"
	"testing"
)

func benchLeaves(n int) []Leaf {
	ls := make([]Leaf, n)
	for i := range ls {
		ls[i] = LeafOf(fmt.Sprintf("c%040d", i), i%50+1, strings.Repeat("a", 64))
	}
	return ls
}

// BenchmarkNewAnchor: building an anchor (sort, leaf hashes, root, hash)
// over a busy hour's heads.
func BenchmarkNewAnchor10k(b *testing.B) {
	ls := benchLeaves(10_000)
	for b.Loop() {
		if _, err := NewAnchor(nil, ls, goldenTime, goldenTime); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProofCheck: the offline check of one proof from a 10k-leaf anchor.
func BenchmarkProofCheck10k(b *testing.B) {
	a, _ := NewAnchor(nil, benchLeaves(10_000), goldenTime, goldenTime)
	p, _ := NewProof([]Anchor{a}, a.Leaves[4321].ClipID, func(string) string { return "" })
	for b.Loop() {
		if err := CheckProof(p); err != nil {
			b.Fatal(err)
		}
	}
}
