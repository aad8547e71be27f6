package clip

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// NormalizeETag strips the quotes Azure sometimes puts around an ETag, so
// the event's ETag and GetProperties' ETag compare equal.
func NormalizeETag(etag string) string {
	return strings.Trim(strings.TrimSpace(etag), `"`)
}

// ID is the deterministic clip id for one blob version: duplicates of the
// same event collapse onto one record, and a new version gets a new id.
func ID(account, container, name, etag string) string {
	return "c" + digest(strings.ToLower(account), container, name, NormalizeETag(etag))
}

// NameKey is the deterministic key of a blob name (all its versions).
func NameKey(account, container, name string) string {
	return "n" + digest(strings.ToLower(account), container, name)
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		// Length-prefixed, so no choice of names can make two different
		// tuples hash alike.
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:40]
}

// SequencerLess reports whether Event Grid sequencer a is older than b.
// Azure's sequencers are fixed-width hex strings compared as strings; a
// shorter one is compared as if left-padded with zeros.
func SequencerLess(a, b string) bool {
	if len(a) != len(b) {
		n := max(len(a), len(b))
		a = strings.Repeat("0", n-len(a)) + a
		b = strings.Repeat("0", n-len(b)) + b
	}
	return a < b
}
