// Package audit defines the audit trail of a clip: one entry per state
// change (received, verified, quarantined, reclassified, hold set/cleared,
// deleted…), each carrying the hash of the previous entry of the same clip,
// so that editing or removing any entry breaks the chain visibly
// (DPA 2018 s.62 logging).
package audit

import (
	"fmt"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// DocType marks audit entries in the audit container.
const DocType = "audit"

// Actions recorded in the trail. Stable: analysts filter on them.
const (
	ActionReceived          = "received"
	ActionVerified          = "verified"
	ActionQuarantined       = "quarantined"
	ActionRefused           = "refused"
	ActionTamperDetected    = "tamper-detected"
	ActionReclassified      = "reclassified"
	ActionIncidentLinked    = "incident-linked"
	ActionIncidentUnlinked  = "incident-unlinked"
	ActionHoldSet           = "legal-hold-set"
	ActionHoldCleared       = "legal-hold-cleared"
	ActionRetentionRecalc   = "retention-recomputed"
	ActionDeleted           = "deleted"
	ActionVerifyBlobMissing = "verify-blob-missing"
	ActionMovedToQuarantine = "moved-to-quarantine"
)

// Entry is one audit document (container audit, partition /clipId).
type Entry struct {
	ID     string `json:"id"`
	ClipID string `json:"clipId"`
	Type   string `json:"type"`
	Seq    int    `json:"seq"`
	Action string `json:"action"`
	// Key identifies the transition, so a retry after a crash recognises
	// the entry it already wrote instead of appending a second one.
	Key                string            `json:"key"`
	Actor              string            `json:"actor"`
	ActorAuthenticated bool              `json:"actorAuthenticated"`
	Justification      string            `json:"justification"`
	At                 clip.Time         `json:"at"`
	Details            map[string]string `json:"details,omitempty"`
	PrevHash           string            `json:"prevHash"`
	Hash               string            `json:"hash"`
	// HashForm names the canonical form Hash was computed over (FormV1 for
	// every entry Next writes). Absent in Cosmos, i.e. 0, is FormLegacy:
	// entries written before forms existed.
	HashForm int `json:"hashForm,omitempty"`
}

// EntryID is the document id of entry seq of a clip. Sequence numbers are
// zero-padded so ids sort in chain order.
func EntryID(clipID string, seq int) string { return fmt.Sprintf("%s:%06d", clipID, seq) }

// Next builds the entry that follows head (the clip's current AuditHead)
// and seals it with its hash.
func Next(clipID string, head clip.AuditHead, e Entry) Entry {
	e.ClipID = clipID
	e.Type = DocType
	e.Seq = head.Seq + 1
	e.ID = EntryID(clipID, e.Seq)
	e.PrevHash = head.Hash
	e.HashForm = FormCurrent
	e.Hash = ""
	e.Hash = Hash(e)
	return e
}

// Head returns the AuditHead that entry e leaves behind.
func Head(e Entry) clip.AuditHead { return clip.AuditHead{Seq: e.Seq, Hash: e.Hash} }
