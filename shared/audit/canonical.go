package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Hash forms: how an entry's hashed bytes are built. The form an entry was
// sealed under is stored on it (hashForm), so a change of encoding is a new
// form and never re-interprets an entry already written. docs/schema.md
// (the audit section) specifies every form byte by byte.
const (
	// FormLegacy (0, stored as an absent hashForm) is the form of every
	// entry written before forms existed: SHA-256 over Go's encoding/json
	// of the entry as it was then (legacyEntryV0), hash empty.
	FormLegacy = 0
	// FormV1 is an explicit text encoding of a fixed list of fields
	// (canonicalV1); fields added to Entry later are not hashed by it.
	FormV1 = 1
	// FormCurrent is the form Next seals new entries with.
	FormCurrent = FormV1
)

// v1Tag is the first line of a form-1 encoding.
const v1Tag = "bwv-audit-entry/1"

// legacyTimeLayout is clip.TimeLayout as it was when form 0 was frozen;
// copied so that a change to clip.TimeLayout cannot change form 0.
const legacyTimeLayout = "2006-01-02T15:04:05.000Z"

// v1TimeLayout is the time layout of form 1 (UTC, millisecond, fixed width).
const v1TimeLayout = "2006-01-02T15:04:05.000Z"

// UnknownFormError reports an entry whose hashForm this code does not know.
type UnknownFormError struct{ Form int }

func (e *UnknownFormError) Error() string {
	return fmt.Sprintf("audit: unknown hash form %d (known: %d, %d)", e.Form, FormLegacy, FormV1)
}

// Canonical returns the bytes an entry's hash is computed over, in the form
// named by e.HashForm. e.Hash is never part of them.
func Canonical(e Entry) ([]byte, error) {
	switch e.HashForm {
	case FormLegacy:
		return canonicalLegacy(e), nil
	case FormV1:
		return canonicalV1(e), nil
	default:
		return nil, &UnknownFormError{Form: e.HashForm}
	}
}

// Hash computes the hash of an entry: lower-case hex SHA-256 over
// Canonical(e). It returns "" for an unknown form, which matches no stored
// hash (Verify names the form instead).
func Hash(e Entry) string {
	b, err := Canonical(e)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonicalV1 is form 1:
//
//	"bwv-audit-entry/1" LF
//	then for each hashed field, in this order:
//	  id clipId type seq action key actor actorAuthenticated
//	  justification at details prevHash
//	a line  <name> ":" <decimal byte length of value> ":" <value> LF
//
// seq is base-10 (a leading "-" if negative), actorAuthenticated is "true"
// or "false", at is UTC in v1TimeLayout (the zero time gives
// "0001-01-01T00:00:00.000Z"). details is written as the line
// "details:" <number of pairs> LF, then per pair in ascending byte order of
// key, "k:" <len> ":" <key> LF "v:" <len> ":" <value> LF; a nil and an empty
// map are the same (0 pairs). Strings are their bytes as stored, unescaped.
func canonicalV1(e Entry) []byte {
	var b []byte
	b = append(b, v1Tag...)
	b = append(b, '\n')
	field := func(name, v string) {
		b = append(b, name...)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
		b = append(b, '\n')
	}
	field("id", e.ID)
	field("clipId", e.ClipID)
	field("type", e.Type)
	field("seq", strconv.Itoa(e.Seq))
	field("action", e.Action)
	field("key", e.Key)
	field("actor", e.Actor)
	field("actorAuthenticated", strconv.FormatBool(e.ActorAuthenticated))
	field("justification", e.Justification)
	field("at", e.At.UTC().Format(v1TimeLayout))
	keys := make([]string, 0, len(e.Details))
	for k := range e.Details {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, "details:"...)
	b = strconv.AppendInt(b, int64(len(keys)), 10)
	b = append(b, '\n')
	for _, k := range keys {
		field("k", k)
		field("v", e.Details[k])
	}
	field("prevHash", e.PrevHash)
	return b
}

// legacyEntryV0 is Entry exactly as it was when form 0 was the only form
// (commit f2db6a0), frozen: do not edit it. Form 0 is encoding/json of this
// struct, so adding a field to Entry cannot change a form-0 hash.
type legacyEntryV0 struct {
	ID                 string            `json:"id"`
	ClipID             string            `json:"clipId"`
	Type               string            `json:"type"`
	Seq                int               `json:"seq"`
	Action             string            `json:"action"`
	Key                string            `json:"key"`
	Actor              string            `json:"actor"`
	ActorAuthenticated bool              `json:"actorAuthenticated"`
	Justification      string            `json:"justification"`
	At                 legacyTimeV0      `json:"at"`
	Details            map[string]string `json:"details,omitempty"`
	PrevHash           string            `json:"prevHash"`
	Hash               string            `json:"hash"`
}

// legacyTimeV0 marshals as clip.Time did when form 0 was frozen.
type legacyTimeV0 struct{ time.Time }

func (t legacyTimeV0) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(legacyTimeLayout) + `"`), nil
}

func canonicalLegacy(e Entry) []byte {
	b, err := json.Marshal(legacyEntryV0{
		ID: e.ID, ClipID: e.ClipID, Type: e.Type, Seq: e.Seq, Action: e.Action, Key: e.Key,
		Actor: e.Actor, ActorAuthenticated: e.ActorAuthenticated, Justification: e.Justification,
		At: legacyTimeV0{e.At.Time}, Details: e.Details, PrevHash: e.PrevHash, Hash: "",
	})
	if err != nil {
		panic("audit: entry cannot be encoded: " + err.Error()) // only plain types: cannot happen
	}
	return b
}
