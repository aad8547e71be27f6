package functions

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

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// Every read is logged: GET /api/clips/{id}?purpose=… appends a
// "consulted" entry (who, authenticated, the purpose as justification,
// when) through the same audited append as a change, and answers with the
// trail that includes it.

const (
	maxPurpose = 256
	// maxConsultAttempts bounds the retries of a consultation that lost a
	// race with another writer of the same clip.
	maxConsultAttempts = 5
)

// purposeOf validates ?purpose=: 1–256 printable characters.
func purposeOf(req funchost.HTTPRequest) (string, error) {
	p := strings.TrimSpace(req.QueryValue("purpose"))
	switch {
	case p == "":
		return "", clip.Errorf(clip.Invalid, clip.CodePurposeRequired,
			"every read is logged with its purpose: add ?purpose=… (1-%d characters, e.g. a case or request reference)", maxPurpose)
	case utf8.RuneCountInString(p) > maxPurpose || !utf8.ValidString(p) || strings.ContainsFunc(p, func(r rune) bool { return !unicode.IsPrint(r) }):
		return "", clip.Errorf(clip.Invalid, clip.CodePurposeInvalid, "the purpose must be 1-%d printable characters", maxPurpose)
	}
	return p, nil
}

// consultClip records the read and answers with the record and its trail.
// The entry's key is fixed for this request, so a retry after a lost race
// never logs the read twice: an entry with this key already in the chain
// (a concurrent writer chained after it) ends the loop, and one left just
// after the head is adopted by AppendAudit.
func (a *App) consultClip(ctx context.Context, req funchost.HTTPRequest, id string, who caller, purpose string) (ManageResponse, string, error) {
	key := "consulted:" + nonce()
	e := audit.Entry{Action: audit.ActionConsulted, Key: key, Actor: who.Name, ActorAuthenticated: who.Authenticated,
		Justification: purpose, At: clip.At(a.now())}
	var lost error
	for attempt := range maxConsultAttempts {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
		}
		c, err := a.lookup(ctx, req, id)
		if err != nil {
			return ManageResponse{}, "", err
		}
		entries, err := a.Records.ListAudit(ctx, c.ID)
		if err != nil {
			return ManageResponse{}, "", err
		}
		if slices.ContainsFunc(entries, func(x audit.Entry) bool { return x.Key == key && x.Seq <= c.Audit.Seq }) {
			return a.readAnswer(c, entries)
		}
		_, head, err := a.Records.AppendAudit(ctx, c.ID, c.Audit, e)
		if err == nil {
			c.Audit = head
			c, err = a.Records.ReplaceClip(ctx, c)
		}
		if err == nil {
			funchost.Logger(ctx).Info("clip consulted", "actor", who.Name, "purpose", purpose)
			if entries, err = a.Records.ListAudit(ctx, c.ID); err != nil {
				return ManageResponse{}, "", err
			}
			return a.readAnswer(c, entries)
		}
		if !clip.IsKind(err, clip.Conflict) {
			return ManageResponse{}, "", err
		}
		lost = err
	}
	return ManageResponse{}, "", clip.Errorf(clip.Transient, clip.CodeConcurrentUpdate, "clip %s kept changing while the read was being logged (%d attempts): %v", id, maxConsultAttempts, lost)
}

// readAnswer is the answer to a read: the record, its trail, and whether
// the chain verifies as a chain. It is not checked against the audit
// anchors (reading every anchor per GET would cost more than the read):
// bwv audit verify --clip does that (docs/audit.md, docs/runbook.md).
func (a *App) readAnswer(c clip.Clip, entries []audit.Entry) (ManageResponse, string, error) {
	st := &ChainStatus{Verified: true}
	if err := audit.Verify(c.ID, slices.Clone(entries), c.Audit); err != nil {
		var bl *audit.BrokenLink
		if !errors.As(err, &bl) {
			return ManageResponse{}, "", err
		}
		st = &ChainStatus{BrokenAt: bl.Seq, EntryID: bl.EntryID, Reason: bl.Reason}
	}
	return ManageResponse{Clip: c, ETag: c.ETag, Audit: entries, AuditChain: st}, c.ETag, nil
}

func nonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
