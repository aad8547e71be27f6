package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// The Merkle tree over an anchor's leaves is RFC 6962's (section 2.1,
// also RFC 9162 section 2.1): a leaf is hashed as SHA-256(0x00 || leaf
// bytes) and an interior node as SHA-256(0x01 || left || right), so a leaf
// can never be passed off as a node (the second-preimage trick the prefix
// bytes prevent). A tree of n > 1 leaves splits at k, the largest power of
// two smaller than n; an odd leaf is never duplicated. The root of no
// leaves is SHA-256 of nothing. docs/audit.md gives the same rules for a
// reader who re-implements the check.
const (
	leafPrefix = 0x00
	nodePrefix = 0x01
)

// Digest is one SHA-256 value in the tree.
type Digest [sha256.Size]byte

func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// ParseDigest reads a lower- or upper-case hex SHA-256 value.
func ParseDigest(s string) (Digest, error) {
	var d Digest
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(d) {
		return d, fmt.Errorf("%q is not a hex SHA-256 value (64 hex digits)", s)
	}
	copy(d[:], b)
	return d, nil
}

// HashLeafBytes is the tree hash of one leaf's bytes: SHA-256(0x00 || b).
func HashLeafBytes(b []byte) Digest {
	h := sha256.New()
	h.Write([]byte{leafPrefix})
	h.Write(b)
	var d Digest
	h.Sum(d[:0])
	return d
}

// HashNode is the tree hash of an interior node: SHA-256(0x01 || l || r).
func HashNode(l, r Digest) Digest {
	h := sha256.New()
	h.Write([]byte{nodePrefix})
	h.Write(l[:])
	h.Write(r[:])
	var d Digest
	h.Sum(d[:0])
	return d
}

// split is k: the largest power of two smaller than n (n >= 2).
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// MerkleRoot is the root over leaf hashes in their order.
func MerkleRoot(leaves []Digest) Digest {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return leaves[0]
	}
	k := split(len(leaves))
	return HashNode(MerkleRoot(leaves[:k]), MerkleRoot(leaves[k:]))
}

// MerklePath is the audit path of leaf index among leaves: the sibling
// hashes from the leaf up to the root (RFC 6962 PATH(m, D[n])).
func MerklePath(leaves []Digest, index int) ([]Digest, error) {
	if index < 0 || index >= len(leaves) {
		return nil, fmt.Errorf("leaf index %d out of range (tree of %d leaves)", index, len(leaves))
	}
	return merklePath(leaves, index), nil
}

func merklePath(leaves []Digest, m int) []Digest {
	if len(leaves) <= 1 {
		return nil
	}
	k := split(len(leaves))
	if m < k {
		return append(merklePath(leaves[:k], m), MerkleRoot(leaves[k:]))
	}
	return append(merklePath(leaves[k:], m-k), MerkleRoot(leaves[:k]))
}

// ErrPathInvalid: an audit path of the wrong length for its index and tree
// size.
var ErrPathInvalid = errors.New("the Merkle path does not fit the leaf index and tree size")

// RootFromPath recomputes the root from a leaf hash, its index, the tree
// size and its audit path (RFC 9162 section 2.1.3.2). The caller compares
// the result with the anchored root.
func RootFromPath(leaf Digest, index, size int, path []Digest) (Digest, error) {
	if index < 0 || index >= size {
		return Digest{}, ErrPathInvalid
	}
	fn, sn := index, size-1
	r := leaf
	for _, p := range path {
		if sn == 0 {
			return Digest{}, ErrPathInvalid
		}
		if fn&1 == 1 || fn == sn {
			r = HashNode(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = HashNode(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return Digest{}, ErrPathInvalid
	}
	return r, nil
}
