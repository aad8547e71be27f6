package functions_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// interleavingBlobs is a fake: the real adapter (through the enforcing
// fake) with a hook that runs a second writer just before the first
// legal-hold clear reaches Storage, an interleaving no real service can
// be asked for. While that writer runs, its reads of the protection after
// the first fail (its post-write sync "crashes").
type interleavingBlobs struct {
	*blobstore.Store
	mu      sync.Mutex
	onClear func()
	inB     bool
	bReads  int
}

func (b *interleavingBlobs) SetLegalHold(ctx context.Context, container, name, versionID string, hold bool) error {
	b.mu.Lock()
	f := b.onClear
	if !hold {
		b.onClear = nil
	}
	b.mu.Unlock()
	if !hold && f != nil {
		f()
	}
	return b.Store.SetLegalHold(ctx, container, name, versionID, hold)
}

func (b *interleavingBlobs) ProtectionOf(ctx context.Context, container, name, versionID string) (clip.Protection, error) {
	b.mu.Lock()
	crash := false
	if b.inB {
		b.bReads++
		crash = b.bReads > 1
	}
	b.mu.Unlock()
	if crash {
		return clip.Protection{}, errFakeCrash
	}
	return b.Store.ProtectionOf(ctx, container, name, versionID)
}

// Two ClipManage writers interleaved: A clears a hold and, after its
// record write, lowers Storage's protection; between A's last look and its
// clear reaching Storage, B sets the hold again (B's protectFirst sees the
// hold still in place and does nothing) and crashes before its own sync.
// A's relaxation must not leave the held record without a legal hold and
// with a shortened policy: it re-reads the record after lowering and puts
// the protection of the newer record back.
func TestRelaxationAfterAConcurrentHoldRestoresTheHold(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "worm/race.mp4", seedSpec{officer: "WX1", start: e.now.AddDate(0, 0, -2), categories: []string{"non-evidential"}, status: clip.StatusVerified, hold: true})
	e.sweep(functions.SweepOptions{RunID: "race-setup"}) // the held record's hold and horizon policy onto the blob
	if got := e.protectionOf(c); !got.LegalHold || got.Until == nil {
		t.Fatalf("setup: want the blob held with a policy, got %+v", got)
	}
	post := func(action string) manageAnswer {
		return e.h.manage(t, manageCall{method: "POST", id: c.ID, action: action, headers: map[string]string{"If-Match": `"` + e.get(c).ETag + `"`},
			body: functions.ManageRequest{Justification: "court order 12/2026", Actor: "dc-worm"}})
	}
	b := &interleavingBlobs{Store: e.blobs}
	bStatus := 0
	b.onClear = func() {
		b.mu.Lock()
		b.inB = true
		b.mu.Unlock()
		bStatus = post(functions.ActionSetLegalHold).status
		b.mu.Lock()
		b.inB = false
		b.mu.Unlock()
	}
	e.app.Blobs = b

	if a := post(functions.ActionClearLegalHold); a.status != 200 {
		t.Fatalf("A's clear: %d %s", a.status, a.body)
	}
	if bStatus != 200 || b.bReads < 2 {
		t.Fatalf("setup: B's set-legal-hold answered %d with %d protection reads; want it written and its sync crashed", bStatus, b.bReads)
	}
	rec := e.get(c)
	got := e.protectionOf(c)
	if !rec.Retention.LegalHold {
		t.Fatal("setup: B's hold is not the record's last state")
	}
	horizon := e.now.Add(90 * 24 * time.Hour)
	if !got.LegalHold || got.Until == nil || got.Until.Before(horizon) {
		t.Fatalf("the record is held but Storage has %+v; want the legal hold and a policy until the horizon %s", got, horizon)
	}
}
