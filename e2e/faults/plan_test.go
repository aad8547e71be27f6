package faults

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// kind is what an upload is, and so what its record must end as.
type kind string

const (
	kindValid      kind = "valid"       // verified
	kindDue        kind = "due"         // verified, then made due: deleted unless a hold was set
	kindBadMeta    kind = "bad-meta"    // quarantined DEVICE_ID_INVALID
	kindWrongHash  kind = "wrong-hash"  // quarantined HASH_MISMATCH
	kindInjNote    kind = "inj-note"    // verified; an injection string in free metadata, stored literally
	kindInjStation kind = "inj-station" // quarantined STATION_ID_INVALID: the contract refuses it
)

// injections are metadata values built to break a query, a page or a log
// line. The log one carries a backslash and "n", not a newline: a newline
// cannot travel in an HTTP header (blob metadata), which the suite also
// checks.
var injections = []string{
	`' OR 1=1 --`,
	`"; DROP TABLE clips; --`,
	`{"$ne":null}`,
	`<script>alert(1)</script>`,
	`\n{"level":"ERROR","msg":"forged by metadata"}`,
}

// largeSize is a "large" clip for a CI run: more than one 2 MiB block, so
// it is staged and committed with PutBlockList and hashed in ranges.
const largeSize = 5 << 20

// item is one planned upload and what the oracle learns about it.
type item struct {
	i         int
	kind      kind
	name      string
	officer   string
	size      int
	injection string
	incident  string
	res       localrun.UploadResult
	uploaded  atomic.Bool // set after res, by the uploader
	// Retention (kindDue): docked in the past; whether a hold is wanted,
	// and then cleared; the definitive answers.
	wantHold, wantClear bool
	docked              bool
	hold, clear         string // "", answeredDone or answeredDeleted
}

// plan draws the uploads from seed: which kind, which are large.
func plan(n int, seed uint64) []*item {
	rng := rand.New(rand.NewPCG(seed, 0x243f6a8885a308d3))
	items := make([]*item, n)
	for i := range items {
		it := &item{i: i, officer: fmt.Sprintf("FLT%02d", i%16), size: 16<<10 + rng.IntN(48<<10)}
		switch x := rng.Float64(); {
		case i < len(injections):
			it.kind, it.injection = kindInjNote, injections[i]
		case i < 2*len(injections):
			it.kind, it.injection = kindInjStation, injections[i-len(injections)]
		case x < 0.15:
			it.kind = kindDue
			it.wantHold = rng.Float64() < 0.4
			it.wantClear = it.wantHold && rng.Float64() < 0.5
		case x < 0.25:
			it.kind = kindBadMeta
		case x < 0.35:
			it.kind = kindWrongHash
		default:
			it.kind = kindValid
			if rng.Float64() < 0.04 {
				it.size = largeSize
			}
		}
		if it.kind == kindInjNote {
			it.incident = fmt.Sprintf("INJ/%04d", i)
		}
		it.name = fmt.Sprintf("faults/%04d-%s.mp4", i, it.kind)
		items[i] = it
	}
	return items
}

// metadata is the dock's metadata for the item (without sha256).
func (it *item) metadata(now time.Time) map[string]string {
	start := now.Add(-time.Duration(it.i%50+10) * time.Minute).UTC().Truncate(time.Second)
	if it.kind == kindDue {
		start = now.Add(-32 * 24 * time.Hour).UTC().Truncate(time.Second)
	}
	m := map[string]string{
		clip.KeyOfficerID:     it.officer,
		clip.KeyDeviceID:      "CAM-F01",
		clip.KeyRecordedStart: start.Format(time.RFC3339),
		clip.KeyRecordedEnd:   start.Add(5 * time.Minute).Format(time.RFC3339),
	}
	switch it.kind {
	case kindDue:
		m[clip.KeyCategory] = "non-evidential"
	case kindBadMeta:
		m[clip.KeyDeviceID] = "CAM 01!"
	case kindInjNote:
		m["notes"] = it.injection
		m[clip.KeyIncidentRef] = it.incident
	case kindInjStation:
		m[clip.KeyStationID] = it.injection
	}
	return m
}

// content is the item's bytes, fixed by its index.
func (it *item) content() []byte {
	b := make([]byte, it.size)
	x := uint64(it.i)*0x9e3779b97f4a7c15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// wrongHash is a well-formed hash of other bytes.
func (it *item) wrongHash() string {
	h := sha256.Sum256([]byte(it.name))
	return hex.EncodeToString(h[:])
}

// want is the final status, and the reason code a quarantined record must
// carry.
func (it *item) want() (clip.Status, clip.Code) {
	switch it.kind {
	case kindBadMeta:
		return clip.StatusQuarantined, clip.CodeDeviceIDInvalid
	case kindWrongHash:
		return clip.StatusQuarantined, clip.CodeHashMismatch
	case kindInjStation:
		return clip.StatusQuarantined, clip.CodeStationIDInvalid
	case kindDue:
		if !it.docked || it.hold == answeredDone {
			return clip.StatusVerified, "" // never made due, or held (and, if cleared, inside the release grace): kept
		}
		return clip.StatusDeleted, ""
	}
	return clip.StatusVerified, ""
}
