package clipview

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bwv-ingest/bwv-ingest/internal/disclosure"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Reason codes of bwv clip show (docs/report.md lists them).
const (
	// CodeInputInvalid: no clip id, no --actor or --purpose, or one that is
	// too long or not printable.
	CodeInputInvalid reason.Code = "CLIP_INPUT_INVALID"
	// CodeNotFound: no clip record has that id (in that officer's partition).
	CodeNotFound reason.Code = "CLIP_NOT_FOUND"
	// CodeReadFailed: Cosmos DB could not be read.
	CodeReadFailed reason.Code = "CLIP_READ_FAILED"
	// CodeConsultNotRecorded: the consulted entry could not be appended;
	// nothing is shown.
	CodeConsultNotRecorded reason.Code = "CLIP_CONSULT_NOT_RECORDED"
	// CodeChainBroken: the clip's audit chain does not verify (shown with
	// the first broken link).
	CodeChainBroken reason.Code = "CLIP_CHAIN_BROKEN"
	// CodeHashMismatch: --rehash read content whose SHA-256 (or size)
	// differs from the recorded one.
	CodeHashMismatch reason.Code = "CLIP_HASH_MISMATCH"
	// CodeContentChanged: --rehash found the stored blob changed (another
	// ETag) or gone since it was recorded.
	CodeContentChanged reason.Code = "CLIP_CONTENT_CHANGED"
	// CodeNoContent: --rehash has nothing to compare: the clip has no
	// content (received, refused, deleted) or no recorded SHA-256 yet.
	CodeNoContent reason.Code = "CLIP_NO_CONTENT"
)

// ToolDetail names the tool in the consulted entry's details.
const ToolDetail = disclosure.DetailTool

// RehashDetail is "true" in the consulted entry's details when the read
// streams the stored footage again (--rehash); the entry then also says
// content: read (disclosure.DetailContent).
const RehashDetail = "rehash"

// maxText bounds --actor and --purpose (ClipManage's bound for ?purpose=).
const maxText = 256

// maxAttempts bounds the retries of a consultation that lost a race with
// another writer of the same clip.
const maxAttempts = 5

// Records is what clip show needs of the Cosmos store (*cosmosdb.Store):
// the same as an export.
type Records = disclosure.Records

// Options are the inputs of one consultation.
type Options struct {
	Officer string // optional partition, saves a query
	Actor   string // who (not authenticated)
	Purpose string // why (the entry's justification)
	// Rehash records that the footage itself will be read (--rehash).
	Rehash bool
	Now    func() time.Time
}

// View is a consulted clip: its record, its trail (with the consulted
// entry), and whether the chain verifies.
type View struct {
	Clip      clip.Clip     `json:"clip"`
	Audit     []audit.Entry `json:"audit"`
	Consulted audit.Entry   `json:"consulted"`
	Chain     Chain         `json:"auditChain"`
	Rehash    *Rehashed     `json:"rehash,omitempty"`
}

// Chain is the verdict on the audit chain as a chain (sequence, hashes,
// links, the record's head). It is not checked against the audit anchors
// (AnchorsChecked is always false): a trail recomputed and re-headed by
// someone with Cosmos access passes here; bwv audit verify --clip checks
// the anchors (docs/audit.md).
type Chain struct {
	Verified       bool   `json:"verified"`
	AnchorsChecked bool   `json:"anchorsChecked"`
	BrokenAt       int    `json:"brokenAt,omitempty"`
	EntryID        string `json:"entryId,omitempty"`
	Reason         string `json:"reason,omitempty"`
}

func checkText(name, v string) error {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return reason.Errorf(CodeInputInvalid, nil, "--%s is required: every read of a clip is recorded with who read it and why", name)
	case utf8.RuneCountInString(v) > maxText || !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }):
		return reason.Errorf(CodeInputInvalid, nil, "--%s must be 1-%d printable characters", name, maxText)
	}
	return nil
}

// Consult records the read of clip id and returns what to show. The
// entry's key is fixed for this call, so a retry after a lost race never
// records the read twice.
func Consult(ctx context.Context, recs Records, id string, o Options) (View, error) {
	if strings.TrimSpace(id) == "" || len(id) > 256 || strings.ContainsFunc(id, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) {
		return View{}, reason.Errorf(CodeInputInvalid, nil, "clip id %q is not a clip id", id)
	}
	for name, v := range map[string]string{"actor": o.Actor, "purpose": o.Purpose} {
		if err := checkText(name, v); err != nil {
			return View{}, err
		}
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	key := "consulted:" + nonce()
	e := audit.Entry{Action: audit.ActionConsulted, Key: key, Actor: strings.TrimSpace(o.Actor), ActorAuthenticated: false,
		Justification: strings.TrimSpace(o.Purpose), At: clip.At(now()), Details: map[string]string{ToolDetail: "bwv clip show"}}
	if o.Rehash {
		e.Details[RehashDetail], e.Details[disclosure.DetailContent] = "true", disclosure.ContentRead
	}
	var lost error
	for attempt := range maxAttempts {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
		}
		c, err := find(ctx, recs, id, o.Officer)
		if err != nil {
			return View{}, err
		}
		entries, err := recs.ListAudit(ctx, c.ID)
		if err != nil {
			return View{}, reason.Errorf(CodeReadFailed, err, "listing the audit trail of %s", c.ID)
		}
		if i := slices.IndexFunc(entries, func(x audit.Entry) bool { return x.Key == key && x.Seq <= c.Audit.Seq }); i >= 0 {
			return viewOf(c, entries, entries[i]), nil // recorded by an earlier attempt
		}
		got, head, err := recs.AppendAudit(ctx, c.ID, c.Audit, e)
		if err == nil {
			c.Audit = head
			c, err = recs.ReplaceClip(ctx, c)
		}
		if err == nil {
			if entries, err = recs.ListAudit(ctx, c.ID); err != nil {
				return View{}, reason.Errorf(CodeReadFailed, err, "re-reading the audit trail of %s", c.ID)
			}
			return viewOf(c, entries, got), nil
		}
		if !clip.IsKind(err, clip.Conflict) {
			return View{}, reason.Errorf(CodeConsultNotRecorded, err, "recording the consultation of %s; nothing is shown", c.ID)
		}
		lost = err
	}
	return View{}, reason.Errorf(CodeConsultNotRecorded, lost, "clip %s kept changing while the consultation was being recorded (%d attempts); nothing is shown", id, maxAttempts)
}

func find(ctx context.Context, recs Records, id, officer string) (clip.Clip, error) {
	var (
		c   clip.Clip
		err error
	)
	if officer != "" {
		c, err = recs.GetClip(ctx, strings.ToUpper(strings.TrimSpace(officer)), id)
	} else {
		c, err = recs.FindClip(ctx, id)
	}
	switch {
	case clip.IsKind(err, clip.NotFound):
		return c, reason.Errorf(CodeNotFound, err, "no clip %s", id)
	case err != nil:
		return c, reason.Errorf(CodeReadFailed, err, "reading clip %s", id)
	}
	return c, nil
}

func viewOf(c clip.Clip, entries []audit.Entry, consulted audit.Entry) View {
	v := View{Clip: c, Audit: entries, Consulted: consulted, Chain: Chain{Verified: true}}
	if err := audit.Verify(c.ID, slices.Clone(entries), c.Audit); err != nil {
		var bl *audit.BrokenLink
		v.Chain = Chain{Reason: err.Error()}
		if errors.As(err, &bl) {
			v.Chain = Chain{BrokenAt: bl.Seq, EntryID: bl.EntryID, Reason: bl.Reason}
		}
	}
	return v
}

func nonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
