package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/internal/devhost"
	"github.com/bwv-ingest/bwv-ingest/internal/wormfake/wormfaketest"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// Deletion-safety tests of the sweep (review findings 2-7). They run on
// the real adapters, Azurite and the local Cosmos server, like sweep_test.go.

// logCapture collects the JSON log lines the sweep writes through the
// default logger (RunSweep called outside an invocation logs there).
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// lines returns the captured lines with the given level and code.
func (l *logCapture) lines(level, code string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(l.buf.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		if m["level"] == level && m["code"] == code {
			out = append(out, m)
		}
	}
	return out
}

func captureLogs(t *testing.T) *logCapture {
	c := &logCapture{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(c, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return c
}

// Finding 3: a host clock far from the real services' must not delete
// anything. Here the sweep talks to the real local Cosmos server (no fake
// server clock), and the test clock runs 3 days fast, then 10 minutes slow:
// both runs are refused with SWEEP_CLOCK_SKEW and the due clip stays. With
// the clock right, the same clip is deleted, so the refusal is the clock's.
func TestSweepRefusesASkewedClock(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	logs := captureLogs(t)
	e.app.Records = e.records // the real ServerTime
	real := time.Now().UTC()
	c := e.seed(p, "skew/due.mp4", seedSpec{officer: "SK1", start: real.AddDate(0, 0, -40), categories: []string{"non-evidential"}, status: clip.StatusVerified})

	for _, off := range []time.Duration{72 * time.Hour, -10 * time.Minute} {
		e.setClock(time.Now().Add(off))
		rep, err := e.app.RunSweep(context.Background(), functions.SweepOptions{RunID: "skew"})
		if err == nil || clip.CodeOf(err) != functions.SweepClockSkew || rep.Aborted != functions.SweepClockSkew {
			t.Fatalf("clock %s off: err %v, aborted %q; want %s", off, err, rep.Aborted, functions.SweepClockSkew)
		}
		if rep.Examined != 0 || rep.ServerTime == nil {
			t.Errorf("clock %s off: examined %d, server time %v; want 0 and the database's time", off, rep.Examined, rep.ServerTime)
		}
		if got := e.get(c); got.Status != clip.StatusVerified || !e.exists(c) {
			t.Fatalf("clock %s off: the clip was touched: status %s, blob %v", off, got.Status, e.exists(c))
		}
	}
	if n := len(logs.lines("ERROR", string(functions.SweepClockSkew))); n != 2 {
		t.Errorf("%d error lines with code %s, want 2:\n%s", n, functions.SweepClockSkew, logs.buf.String())
	}

	// A clock within the allowed skew runs.
	e.setClock(time.Now().Add(2 * time.Minute))
	rep := e.sweep(functions.SweepOptions{RunID: "skew-ok"})
	if got := e.get(c); got.Status != clip.StatusDeleted || rep.Deleted() != 1 {
		t.Fatalf("clock 2 minutes fast (allowed 5): status %s, report %+v; want the due clip deleted", got.Status, rep)
	}
}

// errFakeClockRead is a fake outage of the one read the clock check makes.
var errFakeClockRead = clip.Errorf(clip.Transient, clip.CodeCosmosUnavailable, "fake: the database did not answer")

type failingServerClock struct{ fakeServerClockRecords }

func (failingServerClock) ServerTime(context.Context) (time.Time, error) {
	return time.Time{}, errFakeClockRead
}

// Finding 3: when the database's time cannot be read the run is refused
// too (SWEEP_CLOCK_UNCHECKED): no clock check, no deletion.
func TestSweepRefusesAnUncheckedClock(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "unchecked/due.mp4", seedSpec{officer: "UC1", start: e.now.AddDate(0, 0, -40), categories: []string{"non-evidential"}, status: clip.StatusVerified})
	e.app.Records = failingServerClock{e.clocked}
	rep, err := e.app.RunSweep(context.Background(), functions.SweepOptions{})
	if !errors.Is(err, errFakeClockRead) || clip.CodeOf(err) != functions.SweepClockUnchecked || rep.Aborted != functions.SweepClockUnchecked {
		t.Fatalf("err %v, aborted %q; want %s wrapping the read error", err, rep.Aborted, functions.SweepClockUnchecked)
	}
	if got := e.get(c); got.Status != clip.StatusVerified || !e.exists(c) {
		t.Fatalf("the clip was touched: %s", got.Status)
	}
}

// Finding 2: a clip recorded long ago but received yesterday is kept for
// the minimum dwell (14 days in the default policy), even when its stored
// schedule predates the dwell and says it is long overdue (the sweep
// checks the dwell itself, from the record's receivedAt); it goes at the
// dwell's end. A clip whose schedule includes the dwell is not even a
// candidate before then.
func TestSweepKeepsALateDockedClipForTheMinimumDwell(t *testing.T) {
	// A policy under which docking 35 days late is plausible (maxDockDelay 60 days), so the dwell, not the
	// clock-reset rule, is what keeps these clips (TestClockReset* cover that rule).
	p, err := retention.Parse([]byte(strings.Replace(string(retention.DefaultJSON()), `"maxDockDelay": "P14D"`, `"maxDockDelay": "P60D"`, 1)))
	if err != nil || p.MaxDockDelay().String() != "P60D" {
		t.Fatalf("test policy: %v", err)
	}
	e := newRetEnv(t, p)
	received := e.now.Add(-24 * time.Hour)
	reset := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // a camera whose clock was reset
	legacy := e.seed(p, "dwell/legacy.mp4", seedSpec{officer: "DW1", start: reset, received: received, legacy: true,
		categories: []string{"non-evidential"}, status: clip.StatusVerified})
	current := e.seed(p, "dwell/current.mp4", seedSpec{officer: "DW1", start: e.now.AddDate(0, 0, -35), received: received,
		categories: []string{"non-evidential"}, status: clip.StatusVerified})
	if u := legacy.Retention.RetainUntil; u == nil || !u.Before(e.now) {
		t.Fatalf("test setup: the legacy schedule must be overdue: %+v", legacy.Retention)
	}
	dwellEnd := received.AddDate(0, 0, 14)
	if u := current.Retention.RetainUntil; u == nil || !u.Equal(dwellEnd) {
		t.Fatalf("a clip docked 35 days after recording: retainUntil %v, want the dwell's end %s", u, dwellEnd)
	}

	rep := e.sweep(functions.SweepOptions{RunID: "dwell-1"})
	for _, c := range []clip.Clip{legacy, current} {
		if got := e.get(c); got.Status != clip.StatusVerified || !e.exists(c) {
			t.Fatalf("%s deleted one day after it was received: status %s", c.Blob.Name, got.Status)
		}
	}
	if rep.Outcomes[retention.DecisionMinDwell] != 1 || rep.Deleted() != 0 {
		t.Fatalf("outcomes %v; want the legacy clip kept with %s", rep.Outcomes, retention.DecisionMinDwell)
	}

	e.setClock(dwellEnd.Add(-time.Second))
	if rep := e.sweep(functions.SweepOptions{RunID: "dwell-2"}); rep.Deleted() != 0 {
		t.Fatalf("a second before the dwell ends: %+v", rep.Outcomes)
	}
	e.setClock(dwellEnd)
	rep = e.sweep(functions.SweepOptions{RunID: "dwell-3"})
	for _, c := range []clip.Clip{legacy, current} {
		if got := e.get(c); got.Status != clip.StatusDeleted || e.exists(c) {
			t.Errorf("%s at the dwell's end: status %s, blob %v; want deleted", c.Blob.Name, got.Status, e.exists(c))
		}
	}
}

// Finding 5: a quarantined clip with no recorded start counts its
// quarantine period (1 year in the default policy) from its receipt and is
// deleted then, instead of being held for ever.
func TestSweepDeletesAQuarantinedClipWithoutAStart(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	received := e.now.AddDate(-1, 0, -1)
	c := e.seed(p, "nostart/q.mp4", seedSpec{officer: "NS1", start: received, status: clip.StatusQuarantined, quarantined: true})
	c.RecordedStart = nil // as ingest records a clip whose recordedstart is missing or unreadable
	c.Retention = p.RecordFor(c)
	c, err := e.records.ReplaceClip(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if c.Retention.Rule != retention.RuleQuarantineReceipt || c.Retention.RetainUntil == nil {
		t.Fatalf("schedule %+v; want rule %s with a date", c.Retention, retention.RuleQuarantineReceipt)
	}
	e.sweep(functions.SweepOptions{})
	if got := e.get(c); got.Status != clip.StatusDeleted || got.Deletion == nil || got.Deletion.Rule != retention.RuleQuarantineReceipt || e.exists(c) {
		t.Fatalf("quarantined clip without a start, a year and a day after receipt: status %s, deletion %+v", got.Status, got.Deletion)
	}
}

// Finding 4 (sweep side): clips that come back every run until a person
// looks (a blob changed under a due clip, a tombstone whose blob changed)
// must not use up the run's clip budget, or they would stop every other
// deletion for good. With MaxClips 3, five changed blobs and one stuck
// tombstone ahead of three due clips, one run deletes the three and
// reports the six, at error level.
func TestSweepStuckClipsDoNotUseTheBudget(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	logs := captureLogs(t)
	ctx := context.Background()
	spec := seedSpec{officer: "ST1", start: e.now.AddDate(0, 0, -40), categories: []string{"non-evidential"}, status: clip.StatusVerified}

	// A tombstone whose blob changed before its content was deleted.
	pending := e.seed(p, "stuck/pending.mp4", spec)
	f := &fault{op: "ReplaceClip", n: 1, after: true}
	e.app.Records = faultInjectingRecords{e.clocked, f}
	e.sweep(functions.SweepOptions{})
	e.app.Records = e.clocked
	if _, err := e.blobs.Client().UploadBuffer(ctx, "uploads", "stuck/pending.mp4", []byte("a new upload under the same name"), nil); err != nil {
		t.Fatal(err)
	}
	var changed []clip.Clip
	for i := range 5 {
		name := fmt.Sprintf("stuck/changed-%d.mp4", i)
		changed = append(changed, e.seed(p, name, spec))
		if _, err := e.blobs.Client().UploadBuffer(ctx, "uploads", name, []byte("overwritten"), nil); err != nil {
			t.Fatal(err)
		}
	}
	var due []clip.Clip
	for i := range 3 {
		due = append(due, e.seed(p, fmt.Sprintf("stuck/due-%d.mp4", i), spec))
	}

	for run := range 2 { // and again: they are still stuck, and still do not count
		rep := e.sweep(functions.SweepOptions{RunID: fmt.Sprintf("stuck-%d", run), MaxClips: 3})
		if rep.Outcomes[functions.SweepBlobChanged] != 5 || rep.Outcomes[functions.SweepTombstoneConflict] != 1 || rep.Stuck != 6 || len(rep.StuckClips) != 6 {
			t.Fatalf("run %d: outcomes %v, stuck %d %v; want 5 %s, 1 %s", run, rep.Outcomes, rep.Stuck, rep.StuckClips, functions.SweepBlobChanged, functions.SweepTombstoneConflict)
		}
		if run == 0 && (rep.Deleted() != 3 || rep.Truncated) {
			t.Fatalf("run 0: %d deleted, truncated %v; want the 3 due clips deleted in one run", rep.Deleted(), rep.Truncated)
		}
	}
	for _, c := range due {
		if got := e.get(c); got.Status != clip.StatusDeleted {
			t.Errorf("due clip %s: %s", c.Blob.Name, got.Status)
		}
	}
	for _, c := range append(changed, pending) {
		if !e.exists(c) {
			t.Errorf("%s: the blob now under the name was deleted", c.Blob.Name)
		}
	}
	if n := len(logs.lines("ERROR", string(functions.SweepNeedsAttention))); n != 2 {
		t.Errorf("%d error lines %s, want one per run", n, functions.SweepNeedsAttention)
	}

	// Their own bound keeps a run short however many there are.
	rep := e.sweep(functions.SweepOptions{RunID: "stuck-bound", MaxStuck: 2})
	if !rep.Truncated || rep.Stuck != 2 {
		t.Errorf("MaxStuck 2: truncated %v, stuck %d", rep.Truncated, rep.Stuck)
	}
}

// Finding 6: a run cut short by its bounds says so at error level with a
// stable code (it is a backlog building up, which someone must see).
func TestSweepTruncationIsAnError(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	logs := captureLogs(t)
	for i := range 3 {
		e.seed(p, fmt.Sprintf("trunc/%d.mp4", i), seedSpec{officer: "TR9", start: e.now.AddDate(0, 0, -40), categories: []string{"non-evidential"}, status: clip.StatusVerified})
	}
	rep := e.sweep(functions.SweepOptions{MaxClips: 2})
	if !rep.Truncated || rep.Deleted() != 2 {
		t.Fatalf("MaxClips 2 with 3 due: truncated %v, deleted %d", rep.Truncated, rep.Deleted())
	}
	lines := logs.lines("ERROR", string(functions.SweepTruncated))
	if len(lines) != 1 || lines[0]["max_clips"] != float64(2) {
		t.Fatalf("error lines with code %s: %v\n%s", functions.SweepTruncated, lines, logs.buf.String())
	}
	if rep := e.sweep(functions.SweepOptions{MaxClips: 2}); rep.Truncated || rep.Deleted() != 1 {
		t.Fatalf("the next run: truncated %v, deleted %d; want the last one, not truncated", rep.Truncated, rep.Deleted())
	}
	if n := len(logs.lines("ERROR", string(functions.SweepTruncated))); n != 1 {
		t.Errorf("a run that finished logged %s", functions.SweepTruncated)
	}
}

// The sweep must keep up with a force's footage: a backlog that grows
// without end is footage kept past its date. The timer schedule, read as
// the host reads it (UTC, on a UK DST change day), times the default run
// budget must cover twice the ~200,000 clips a day of a force of ~22,000
// cameras, and runs must not overlap: each fire at least the run's time
// budget plus a minute after the previous one. (An hourly schedule gave
// 48,000 a day, found by the benchmark's estimate.)
func TestSweepCapacityCoversAForce(t *testing.T) {
	raw, err := os.ReadFile("RetentionSweep/function.json")
	if err != nil {
		t.Fatal(err)
	}
	var fj struct {
		Bindings []struct {
			Type, Schedule string
			RunOnStartup   bool
		}
	}
	if err := json.Unmarshal(raw, &fj); err != nil || len(fj.Bindings) != 1 || fj.Bindings[0].Type != "timerTrigger" {
		t.Fatalf("RetentionSweep/function.json: %v %s", err, raw)
	}
	s, err := devhost.ParseNCrontab(fj.Bindings[0].Schedule)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC) // a DST change day in the UK: the schedule is UTC
	n, minGap := 0, 24*time.Hour
	prev := time.Time{}
	for at := s.Next(day.Add(-time.Nanosecond)); at.Before(day.AddDate(0, 0, 1)); at = s.Next(at) {
		n++
		if !prev.IsZero() && at.Sub(prev) < minGap {
			minGap = at.Sub(prev)
		}
		prev = at
	}
	const forcePerDay = 200_000
	if capacity := n * functions.SweepDefaultMaxClips; capacity < 2*forcePerDay {
		t.Errorf("schedule %q fires %d times a day: %d clips a day at %d a run, want at least %d", fj.Bindings[0].Schedule, n, capacity, functions.SweepDefaultMaxClips, 2*forcePerDay)
	}
	if minGap < functions.SweepDefaultMaxDuration+time.Minute {
		t.Errorf("schedule %q fires %v apart; a run may take %v: want at least a minute more", fj.Bindings[0].Schedule, minGap, functions.SweepDefaultMaxDuration)
	}
	if fj.Bindings[0].RunOnStartup {
		t.Error("the sweep must not run on every host start")
	}
}

// dockedAt rewrites a clip's record as if its camera had been docked at
// at: receivedAt, and the schedule ingest would then have computed under
// the default policy. Tests of old footage need it: a clip uploaded now is
// kept for the minimum dwell after its receipt, whatever its recorded start.
func (e *env) dockedAt(officer, id string, at time.Time) {
	e.t.Helper()
	c := e.clip(officer, id)
	c.ReceivedAt = clip.At(at)
	c.Retention = retention.Default().RecordFor(c)
	c, err := e.records.ReplaceClip(context.Background(), c)
	if err != nil {
		e.t.Fatal(err)
	}
	e.agedProtection(c)
}

// agedProtection ages Storage's policy with the record (wormfaketest.AgePolicy).
func (e *env) agedProtection(c clip.Clip) {
	e.t.Helper()
	wormfaketest.AgePolicy(e.t, e.blobs.ServiceClient().NewContainerClient(c.Blob.Container).NewBlobClient(c.Blob.Name), c)
}

// graceEnded moves the record's pending release into the past, as if its
// grace had run out (the handler binary runs on the real clock).
func (e *env) graceEnded(officer, id string) {
	e.t.Helper()
	c := e.clip(officer, id)
	if !c.Retention.PendingRelease.Active() {
		e.t.Fatalf("no pending release on %s", id)
	}
	c.Retention.PendingRelease.EffectiveFrom = clip.At(time.Now().Add(-time.Second))
	c, err := e.records.ReplaceClip(context.Background(), c)
	if err != nil {
		e.t.Fatal(err)
	}
	e.agedProtection(c)
}

// Quarantined clips whose content ClipVerify never moved come back every
// run until a person replays their message (SKIP_QUARANTINE_MOVE_PENDING):
// like the other clips that need a person, they count against MaxStuck,
// not MaxClips, so a few of them cannot stop due clips being deleted.
func TestSweepMovePendingDoesNotUseTheBudget(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	old := e.now.AddDate(-2, 0, 0) // past the quarantine period
	for i := range 4 {
		e.seed(p, fmt.Sprintf("pending-move/%d.mp4", i), seedSpec{officer: "MP1", start: old, status: clip.StatusQuarantined, categories: []string{"uncategorised"}})
	}
	var due []clip.Clip
	for i := range 2 {
		due = append(due, e.seed(p, fmt.Sprintf("pending-move/due-%d.mp4", i), seedSpec{officer: "MP1", start: e.now.AddDate(0, 0, -40), categories: []string{"non-evidential"}, status: clip.StatusVerified}))
	}
	rep := e.sweep(functions.SweepOptions{RunID: "move-pending", MaxClips: 2})
	if rep.Outcomes[functions.SweepMovePending] != 4 || rep.Stuck != 4 {
		t.Fatalf("outcomes %v, stuck %d; want 4 %s counted as stuck", rep.Outcomes, rep.Stuck, functions.SweepMovePending)
	}
	if rep.Deleted() != 2 || rep.Truncated {
		t.Fatalf("%d deleted, truncated %v; want both due clips deleted in one run with MaxClips 2", rep.Deleted(), rep.Truncated)
	}
	for _, c := range due {
		if got := e.get(c); got.Status != clip.StatusDeleted {
			t.Errorf("due clip %s: %s", c.Blob.Name, got.Status)
		}
	}
}
