package audit

import (
	"crypto/sha256"
	"fmt"
	"testing"
)

// refRoot is RFC 6962's MTH written from the RFC text over raw leaf data,
// independently of MerkleRoot: the oracle for the tests below.
func refRoot(data [][]byte) [32]byte {
	switch len(data) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, data[0]...))
	}
	k := 1
	for k*2 < len(data) {
		k *= 2
	}
	l, r := refRoot(data[:k]), refRoot(data[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

func leafData(n int) ([][]byte, []Digest) {
	var data [][]byte
	var hs []Digest
	for i := range n {
		d := []byte(fmt.Sprintf("leaf %d", i))
		data = append(data, d)
		hs = append(hs, HashLeafBytes(d))
	}
	return data, hs
}

func TestMerkleRootMatchesRFC6962(t *testing.T) {
	for n := 0; n <= 33; n++ {
		data, hs := leafData(n)
		if got, want := MerkleRoot(hs), refRoot(data); got != Digest(want) {
			t.Errorf("n=%d: root %s, want %x", n, got, want)
		}
	}
}

// The published RFC 6962 empty-tree root, and a one-leaf tree is the leaf
// hash itself (0x00-prefixed), never the raw data's hash.
func TestMerkleRootSmallTrees(t *testing.T) {
	if got := MerkleRoot(nil).String(); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("empty root %s", got)
	}
	one := HashLeafBytes([]byte("x"))
	if MerkleRoot([]Digest{one}) != one || one == Digest(sha256.Sum256([]byte("x"))) {
		t.Fatal("one-leaf root must be the domain-separated leaf hash")
	}
}

func TestMerklePathForEveryIndex(t *testing.T) {
	for n := 1; n <= 33; n++ {
		_, hs := leafData(n)
		root := MerkleRoot(hs)
		for i := range n {
			path, err := MerklePath(hs, i)
			if err != nil {
				t.Fatal(err)
			}
			got, err := RootFromPath(hs[i], i, n, path)
			if err != nil || got != root {
				t.Fatalf("n=%d i=%d: root %s err %v, want %s", n, i, got, err, root)
			}
			// Another index, a shorter or longer path, another leaf: refused or another root.
			if n > 1 {
				if got, err := RootFromPath(hs[i], (i+1)%n, n, path); err == nil && got == root {
					t.Fatalf("n=%d i=%d: the path verifies at index %d too", n, i, (i+1)%n)
				}
				if got, _ := RootFromPath(hs[(i+1)%n], i, n, path); got == root {
					t.Fatalf("n=%d i=%d: another leaf verifies", n, i)
				}
				if _, err := RootFromPath(hs[i], i, n, path[:len(path)-1]); err == nil {
					t.Fatalf("n=%d i=%d: a truncated path was accepted", n, i)
				}
			}
			if _, err := RootFromPath(hs[i], i, n, append(path, root)); err == nil {
				t.Fatalf("n=%d i=%d: a path with an extra hash was accepted", n, i)
			}
		}
	}
	if _, err := MerklePath(nil, 0); err == nil {
		t.Fatal("a path in an empty tree")
	}
}

// A node's two children, presented as one leaf, do not give the node's
// hash: the 0x00/0x01 prefixes separate the two.
func TestMerkleSecondPreimage(t *testing.T) {
	_, hs := leafData(2)
	root := MerkleRoot(hs)
	forged := HashLeafBytes(append(hs[0][:], hs[1][:]...))
	if forged == root {
		t.Fatal("an interior node's preimage is accepted as a leaf")
	}
}
