package faults

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/bwv-ingest/bwv-ingest/internal/faultproxy"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/internal/wormfake/wormfaketest"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// settings of one run, from the environment.
type settings struct {
	uploads int
	rate    float64
	seed    uint64
	kills   int
	load    time.Duration // how long the faulted phase may take
	settle  time.Duration // how long recovery may take once the faults stop
}

func readSettings(t *testing.T) settings {
	t.Helper()
	s := settings{uploads: 150, rate: 0.2, seed: uint64(time.Now().UnixNano())}
	if os.Getenv("CI") == "true" {
		s.seed = 20261202
	}
	if v := os.Getenv("FAULTS_UPLOADS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 20 || n > 100000 {
			t.Fatalf("FAULTS_UPLOADS=%q: want a whole number from 20 to 100000", v)
		}
		s.uploads = n
	}
	if v := os.Getenv("FAULTS_RATE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 0.9 {
			t.Fatalf("FAULTS_RATE=%q: want a fraction from 0 to 0.9", v)
		}
		s.rate = f
	}
	if v := os.Getenv("FAULTS_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			t.Fatalf("FAULTS_SEED=%q: want a positive whole number", v)
		}
		s.seed = n
	}
	s.kills = max(3, s.uploads/100)
	s.load = 2*time.Minute + time.Duration(s.uploads)*300*time.Millisecond
	s.settle = 2*time.Minute + time.Duration(s.uploads)*100*time.Millisecond
	// Within go test's -timeout, with 2 min left for the final sweeps and
	// the checks: a run that does not converge fails with its findings.
	if d, ok := t.Deadline(); ok {
		if room := time.Until(d) - 2*time.Minute; s.load+s.settle > room {
			s.load, s.settle = room*2/3, room/3
		}
	}
	return s
}

// TestNothingIsLostUnderFaults is the fault suite (docs/reliability.md).
func TestNothingIsLostUnderFaults(t *testing.T) {
	cfg := readSettings(t)
	rates, err := faultproxy.WithTotal(cfg.rate)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("faults: seed=%d (rerun with FAULTS_SEED=%d) uploads=%d rate=%.2f\n", cfg.seed, cfg.seed, cfg.uploads, cfg.rate)
	t.Logf("seed %d; rerun with FAULTS_SEED=%d FAULTS_UPLOADS=%d FAULTS_RATE=%g", cfg.seed, cfg.seed, cfg.uploads, cfg.rate)
	began := time.Now()
	r := startRig(t, rates, cfg.seed)
	ctx := context.Background()
	items := plan(cfg.uploads, cfg.seed)
	r.faults(t, true)
	faultsOn := time.Now()

	var wg sync.WaitGroup
	stop := make(chan struct{})
	var kills, sweeps atomic.Int64

	// The dock: uploads straight to Azurite (the dock's network is not
	// under test), six at a time.
	work := make(chan *item)
	var uploading sync.WaitGroup
	for range 6 {
		uploading.Add(1)
		go func() {
			defer uploading.Done()
			for it := range work {
				if err := upload(ctx, r.direct, it); err != nil {
					t.Errorf("upload %s: %v", it.name, err)
					continue
				}
				it.uploaded.Store(true)
			}
		}()
	}
	go func() {
		for _, it := range items {
			work <- it
		}
		close(work)
	}()

	// The killer: SIGKILL the handler at seeded random moments; the host
	// must restart it.
	killRng := rand.New(rand.NewPCG(cfg.seed, 0x13198a2e03707344))
	var killsDone atomic.Bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer killsDone.Store(true)
		for kills.Load() < int64(cfg.kills) { // a moment the handler is down (restarting) does not count
			select {
			case <-stop:
				return
			case <-time.After(3*time.Second + time.Duration(killRng.Int64N(int64(9*time.Second)))):
			}
			if pid := r.p.Host.HandlerPID(); pid > 0 && syscall.Kill(pid, syscall.SIGKILL) == nil {
				kills.Add(1)
			}
		}
	}()

	// The sweeper: a manual RetentionSweep every 3 s, under faults.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(3 * time.Second):
			}
			if r.sweep() != "" {
				sweeps.Add(1)
			}
		}
	}()

	// Retention: each "due" clip, once verified, is made due (as if
	// docked an hour after recording, 32 days ago); some get a legal hold
	// through ClipManage at once, racing the sweeps, and some of those a
	// release.
	var retentionDone atomic.Bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer retentionDone.Store(true)
		for {
			pending := 0
			for _, it := range items {
				if it.kind != kindDue {
					continue
				}
				if !it.uploaded.Load() || !it.docked {
					pending++
					if it.uploaded.Load() {
						it.docked = dock(ctx, r.direct, r.worm, it)
					}
					if !it.docked {
						continue
					}
				}
				if it.wantHold && it.hold == "" {
					a, err := r.changeUntilAnswered(it.res.ClipID, "set-legal-hold", "DPO Faults", "civil claim, fault suite", 2*time.Minute)
					if err != nil {
						t.Errorf("legal hold on %s: %v", it.name, err)
						it.wantHold = false
						continue
					}
					it.hold = a
				}
				if it.wantClear && it.hold == answeredDone && it.clear == "" {
					a, err := r.changeUntilAnswered(it.res.ClipID, "clear-legal-hold", "DPO Faults", "claim withdrawn, fault suite", 2*time.Minute)
					if err != nil {
						t.Errorf("clearing the hold on %s: %v", it.name, err)
						it.wantClear = false
						continue
					}
					it.clear = a
				}
			}
			if pending == 0 {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
		}
	}()

	// The faulted phase lasts until every upload is in and final, every
	// hold answered, every kill done and the late duplicates of the last
	// uploads delivered (DuplicateWindow), or cfg.load.
	uploading.Wait()
	uploadsDone := time.Since(faultsOn)
	lateDone := time.Now().Add(duplicateWindow + 5*time.Second)
	deadline := time.Now().Add(cfg.load)
	for time.Now().Before(deadline) {
		left, _ := r.unfinished(ctx, items)
		if left == 0 && retentionDone.Load() && killsDone.Load() && time.Now().After(lateDone) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	close(stop)
	wg.Wait()
	r.faults(t, false)
	loaded := time.Since(faultsOn)
	leftUnderFaults, _ := r.unfinished(ctx, items)

	// Recovery with the faults gone, as an operator would: replay the
	// poison queue and the dead letters until every clip is final.
	poisoned, deadLettered := 0, 0
	settleBy := time.Now().Add(cfg.settle)
	for {
		rep, err := localrun.ReplayPoison(ctx, r.direct, localrun.ReplayOptions{})
		if err != nil {
			t.Logf("replay poison: %v", err)
		}
		poisoned += replayed(rep)
		rep, err = localrun.ReplayDeadLetters(ctx, r.direct, localrun.ReplayOptions{})
		if err != nil {
			t.Logf("replay dead letters: %v", err)
		}
		deadLettered += replayed(rep)
		left, which := r.unfinished(ctx, items)
		if left == 0 {
			break
		}
		if time.Now().After(settleBy) {
			t.Errorf("%d clips not final %s after the faults stopped, e.g. %s", left, cfg.settle, which)
			break
		}
		time.Sleep(2 * time.Second)
	}
	// Two sweeps without faults: the first deletes what is due and unheld
	// and was not deleted under faults, the second finishes any deletion
	// left half-done.
	for range 2 {
		if ok, line := r.sweepAndWait(2 * time.Minute); !ok {
			t.Errorf("final RetentionSweep: %s", line)
		}
	}

	// Every poisoned message was replayed and finished: none is left.
	if props, err := r.direct.Queues.NewQueueClient(r.direct.Target.PoisonQueue()).GetProperties(ctx, nil); err != nil ||
		props.ApproximateMessagesCount == nil || *props.ApproximateMessagesCount != 0 {
		t.Errorf("poison queue after recovery: %v messages (%v); want none", props.ApproximateMessagesCount, err)
	}
	sum := r.check(t, ctx, items)
	sum.poisoned = poisoned
	hostLog, handlerLog := r.hostLog.String(), r.handlerLog.String()
	sum.panics = countPanics(hostLog) + countPanics(handlerLog)
	if sum.panics > 0 {
		t.Errorf("%d handler panics in the logs", sum.panics)
	}
	r.checkLogs(t, hostLog+"\n"+handlerLog)
	r.checkInjections(t, ctx, items)
	if starts := r.p.Host.HandlerStarts(); int64(starts) < kills.Load()+1 {
		t.Errorf("handler started %d times after %d kills; the host must restart it each time", starts, kills.Load())
	}
	if kills.Load() == 0 {
		t.Error("the handler was never killed: the run proved nothing about crashes")
	}

	line := fmt.Sprintf("faults: uploads=%d verified=%d quarantined=%d lost=%d duplicated=%d wrongly_deleted=%d poisoned=%d panics=%d",
		len(items), sum.verified, sum.quarantined, sum.lost, sum.duplicated, sum.wronglyDeleted, sum.poisoned, sum.panics)
	detail := fmt.Sprintf("faults: seed=%d rate=%.2f deleted=%d kept_by_late_hold=%d held=%d released=%d wrong_state=%d broken_chains=%d dead_lettered=%d "+
		"kills=%d handler_starts=%d sweeps=%d unfinished_when_faults_stopped=%d uploads_in=%s faulted_phase=%s total=%s",
		cfg.seed, cfg.rate, sum.deleted, sum.keptByLateHold, sum.held, sum.released, sum.wrongState, sum.brokenChains, deadLettered,
		kills.Load(), r.p.Host.HandlerStarts(), sweeps.Load(), leftUnderFaults,
		uploadsDone.Round(time.Second), loaded.Round(time.Second), time.Since(began).Round(time.Second))
	fmt.Println(line)
	fmt.Println(detail)
	fmt.Println("faults: handler exits " + handlerExits(hostLog))
	fmt.Printf("faults: storage %s\nfaults: cosmos %s\nfaults: tcp %s\n", r.blob.Summary(), r.cosmos.Summary(), r.blob.TCP.Describe())
	t.Log(line)
	t.Log(detail)
	if sum.lost+sum.duplicated+sum.wronglyDeleted+sum.wrongState+sum.brokenChains > 0 {
		t.Errorf("the pipeline lost, duplicated, wrongly deleted or misjudged clips, or broke a chain: %s", line)
	}
	if hp := r.blob.Counts(); len(hp) == 0 {
		t.Error("no HTTP fault was injected into Storage traffic: the run proved nothing")
	}
	if cp := r.cosmos.Counts(); len(cp) == 0 {
		t.Error("no HTTP fault was injected into Cosmos traffic: the run proved nothing")
	}
}

// handlerExits tallies the host's "handler exited" lines by exit status:
// every one should be a kill of ours.
func handlerExits(log string) string {
	count := map[string]int{}
	for _, l := range strings.Split(log, "\n") {
		if !strings.Contains(l, "handler exited; restarting") {
			continue
		}
		exit := "?"
		if i := strings.Index(l, "exit="); i >= 0 {
			exit = l[i+len("exit="):]
			if j := strings.Index(exit, " restart_in="); j >= 0 {
				exit = exit[:j]
			}
		}
		count[strings.Trim(exit, `"`)]++
	}
	if n := strings.Count(log, "handler restart failed"); n > 0 {
		count["restart failed (then retried)"] = n
	}
	parts := []string{}
	for k, v := range count {
		parts = append(parts, fmt.Sprintf("%q×%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func replayed(rep localrun.ReplayReport) int {
	n := 0
	for _, it := range rep.Items {
		if it.Outcome == localrun.OutcomeReplayed {
			n++
		}
	}
	return n
}

// upload sends one planned clip as a dock does.
func upload(ctx context.Context, c *localrun.Clients, it *item) error {
	o := localrun.UploadOptions{BlockSize: 2 << 20, SingleShotMax: 4 << 20}
	if it.kind == kindWrongHash {
		o.DeclaredSHA256 = it.wrongHash()
	}
	b := it.content()
	res, err := localrun.Upload(ctx, c, c.Target.UploadContainer, it.name, bytes.NewReader(b), int64(len(b)), it.metadata(time.Now()), o)
	it.res = res
	return err
}

// dock rewrites a verified clip's record as if its camera had been docked
// an hour after recording (32 days ago), with the schedule ingest would
// then have given it under the built-in policy: it is due. This is the
// suite's clock: the handler checks its own clock against the database's,
// so time is moved in the records, not in the handler. If-Match, so a
// change by the pipeline in between is never overwritten. Storage's
// immutability policy (the enforcing fake's, reached through worm) is aged
// with the record, after its write: until then the sweep finds the content
// protected and keeps it (SWEEP_REFUSED_IMMUTABLE), never deletes early.
func dock(ctx context.Context, c, worm *localrun.Clients, it *item) bool {
	rec, err := c.Records.GetClip(ctx, it.res.Partition, it.res.ClipID)
	if err != nil || rec.Status != clip.StatusVerified || rec.RecordedStart == nil {
		return false
	}
	rec.ReceivedAt = clip.At(rec.RecordedStart.Add(time.Hour))
	rec.Retention = retention.Default().RecordFor(rec)
	if rec, err = c.Records.ReplaceClip(ctx, rec); err != nil {
		return false
	}
	bc := worm.Blobs.ServiceClient().NewContainerClient(rec.Blob.Container).NewBlobClient(rec.Blob.Name)
	return wormfaketest.AgePolicyContext(ctx, bc, rec) == nil
}

// unfinished counts uploads whose record is missing or not final.
func (r *rig) unfinished(ctx context.Context, items []*item) (int, string) {
	n, example := 0, ""
	for _, it := range items {
		if !it.uploaded.Load() {
			n++
			continue
		}
		rec, err := r.direct.Records.GetClip(ctx, it.res.Partition, it.res.ClipID)
		if err != nil || !localrun.Final(rec) {
			n++
			if example == "" {
				example = fmt.Sprintf("%s (%s %v)", it.name, rec.Status, err)
			}
		}
	}
	return n, example
}

type summary struct {
	verified, quarantined, deleted, held, released int
	lost, duplicated, wronglyDeleted, wrongState   int
	brokenChains, poisoned, panics                 int
	// keptByLateHold: the sweep committed a clip's deletion (its
	// tombstone) while a hold request was on its way; the request's legal
	// hold reached Storage first (protection first) and its record write
	// then lost to the tombstone (409 CLIP_DELETED). Storage keeps the
	// footage under that hold and the sweep reports SWEEP_REFUSED_LEGAL_HOLD
	// every run until a person decides (docs/runbook.md): kept, not lost,
	// and not a wrong deletion.
	keptByLateHold int
}

// check reads every record straight from Cosmos and judges each upload.
func (r *rig) check(t *testing.T, ctx context.Context, items []*item) summary {
	t.Helper()
	byName := map[string][]clip.Clip{}
	cont := ""
	for {
		p, err := r.direct.Records.ScanClips(ctx, 200, cont)
		if err != nil {
			t.Fatalf("scanning clips: %v", err)
		}
		for _, c := range p.Items {
			byName[c.Blob.Name] = append(byName[c.Blob.Name], c)
		}
		if cont = p.Continuation; cont == "" {
			break
		}
	}
	var s summary
	report := func(counter *int, format string, args ...any) {
		*counter++
		if *counter <= 10 {
			t.Errorf(format, args...)
		}
	}
	for _, it := range items {
		recs := byName[it.name]
		if !it.uploaded.Load() || len(recs) == 0 {
			report(&s.lost, "%s: no record", it.name)
			continue
		}
		if len(recs) > 1 {
			report(&s.duplicated, "%s: %d records", it.name, len(recs))
		}
		c := recs[0]
		entries, err := r.direct.Records.ListAudit(ctx, c.ID)
		if err != nil {
			t.Fatalf("audit of %s: %v", c.ID, err)
		}
		ingests := 0
		for _, e := range entries {
			if strings.HasPrefix(e.Key, "ingest:") {
				ingests++
			}
		}
		if ingests != 1 {
			report(&s.duplicated, "%s: %d ingest entries in its audit chain, want 1", it.name, ingests)
		}
		if err := audit.Verify(c.ID, entries, c.Audit); err != nil {
			report(&s.brokenChains, "%s: audit chain: %v", it.name, err)
		}
		if !localrun.Final(c) {
			report(&s.lost, "%s: still %s after recovery", it.name, c.Status)
			continue
		}
		want, code := it.want()
		switch c.Status {
		case clip.StatusVerified:
			s.verified++
		case clip.StatusQuarantined:
			s.quarantined++
		case clip.StatusDeleted:
			s.deleted++
		}
		if c.Retention.LegalHold {
			s.held++
		}
		if it.clear == answeredDone {
			s.released++
		}
		if c.Status == clip.StatusDeleted && want != clip.StatusDeleted {
			report(&s.wronglyDeleted, "%s: DELETED, but it was %s (hold %q, docked %v)", it.name, whyKept(it), it.hold, it.docked)
			continue
		}
		if c.Status != want || (code != "" && !slices.Contains(codes(c), code)) {
			report(&s.wrongState, "%s: %s %v, want %s %s", it.name, c.Status, codes(c), want, code)
			continue
		}
		switch {
		case want == clip.StatusDeleted:
			if c.Deletion != nil && c.DeletedAt == nil && it.hold == answeredDeleted && r.blobLegalHold(t, ctx, it.name) {
				s.keptByLateHold++
				continue
			}
			if c.Deletion == nil || c.DeletedAt == nil || r.blobExists(t, ctx, it.name) {
				report(&s.wrongState, "%s: tombstone without a certificate or confirmed deletion, or the blob is still there (certificate %v, confirmed %v, hold answer %q, blob legal hold %v)",
					it.name, c.Deletion != nil, c.DeletedAt != nil, it.hold, r.blobLegalHold(t, ctx, it.name))
			}
		case want == clip.StatusVerified:
			if !r.blobExists(t, ctx, it.name) {
				report(&s.wrongState, "%s: verified record, but its blob is gone from uploads", it.name)
			}
			if it.hold == answeredDone && it.clear != answeredDone && !c.Retention.LegalHold {
				report(&s.wrongState, "%s: hold answered 200, but the record is not on hold", it.name)
			}
			if it.clear == answeredDone && !c.Retention.PendingRelease.Active() {
				report(&s.wrongState, "%s: release answered 200, but the record has no pending release", it.name)
			}
		}
	}
	return s
}

func whyKept(it *item) string {
	switch {
	case it.kind != kindDue:
		return "never due"
	case !it.docked:
		return "not made due"
	default:
		return "on legal hold"
	}
}

func codes(c clip.Clip) []clip.Code {
	var out []clip.Code
	for _, r := range c.Reasons {
		out = append(out, r.Code)
	}
	return out
}

// blobLegalHold reports whether the upload name exists and carries a legal
// hold, as Storage (the immutability fake) reports it.
func (r *rig) blobLegalHold(t *testing.T, ctx context.Context, name string) bool {
	t.Helper()
	p, err := r.worm.Blobs.ServiceClient().NewContainerClient(r.worm.Target.UploadContainer).NewBlobClient(name).GetProperties(ctx, nil)
	switch {
	case err == nil:
		return p.LegalHold != nil && *p.LegalHold
	case bloberror.HasCode(err, bloberror.BlobNotFound):
		return false
	}
	t.Fatalf("blob %s: %v", name, err)
	return false
}

func (r *rig) blobExists(t *testing.T, ctx context.Context, name string) bool {
	t.Helper()
	_, err := r.direct.Blobs.ServiceClient().NewContainerClient(r.direct.Target.UploadContainer).NewBlobClient(name).GetProperties(ctx, nil)
	switch {
	case err == nil:
		return true
	case bloberror.HasCode(err, bloberror.BlobNotFound):
		return false
	}
	t.Fatalf("blob %s: %v", name, err)
	return false
}

// countPanics counts recovered panics (funchost logs "panic in function")
// and runtime crashes ("panic: " at a line start, "goroutine N [running]").
func countPanics(log string) int {
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "panic in function") || strings.HasPrefix(strings.TrimSpace(l), "panic: ") {
			n++
		}
	}
	return n
}

var secretPatterns = regexp.MustCompile(`(?i)(sig=[A-Za-z0-9%/+]{8,}|AccountKey=[^;\s]{8,}|Bearer ey[A-Za-z0-9_-]{8,})`)

// checkLogs: no secret in the host's or the handler's logs of the run,
// neither the values used nor anything shaped like one; and no log line
// forged by a metadata value.
func (r *rig) checkLogs(t *testing.T, logs string) {
	t.Helper()
	names := make([]string, 0, len(r.secrets))
	for name := range r.secrets {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if v := r.secrets[name]; v != "" && strings.Contains(logs, v) {
			t.Errorf("the logs contain the %s", name)
		}
	}
	if m := secretPatterns.FindAllString(logs, 3); len(m) > 0 {
		for i := range m {
			m[i] = m[i][:min(len(m[i]), 14)] + "…"
		}
		t.Errorf("the logs contain secret-shaped text: %v", m)
	}
	for _, l := range strings.Split(logs, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, `{"level":"ERROR","msg":"forged`) || strings.HasPrefix(l, `level=ERROR msg="forged`) ||
			strings.HasPrefix(l, `ERROR forged`) {
			t.Errorf("a metadata value forged a log line: %s", l)
		}
	}
}

// checkInjections: free metadata is stored literally and read back equal;
// the incident search finds each such clip by its exact reference and
// nothing else; searching by an injection string finds nothing; a station
// id carrying one is refused with its reason code (checked in check); a
// real newline cannot even be sent as metadata.
func (r *rig) checkInjections(t *testing.T, ctx context.Context, items []*item) {
	t.Helper()
	search := func(s cosmosdb.Search) ([]clip.Clip, error) {
		var out []clip.Clip
		cont := ""
		for {
			p, err := r.direct.Records.Search(ctx, s, 100, cont)
			if err != nil {
				return out, err
			}
			out = append(out, p.Items...)
			if cont = p.Continuation; cont == "" {
				return out, nil
			}
		}
	}
	for _, it := range items {
		switch it.kind {
		case kindInjNote:
			rec, err := r.direct.Records.GetClip(ctx, it.res.Partition, it.res.ClipID)
			if err != nil {
				t.Errorf("%s: %v", it.name, err)
				continue
			}
			if got := rec.Metadata["notes"]; got != it.injection {
				t.Errorf("%s: notes stored as %q, want %q literally", it.name, got, it.injection)
			}
			found, err := search(cosmosdb.SearchIncident(it.incident))
			if err != nil || len(found) != 1 || found[0].ID != it.res.ClipID {
				t.Errorf("incident search %q: %d clips (%v); want exactly %s", it.incident, len(found), err, it.res.ClipID)
			}
			found, err = search(cosmosdb.SearchIncident(it.injection))
			if len(found) != 0 {
				t.Errorf("incident search by %q returned %d clips (%v); want none", it.injection, len(found), err)
			}
		case kindInjStation:
			found, err := search(cosmosdb.SearchStation(it.injection, time.Now()))
			if len(found) != 0 {
				t.Errorf("station search by %q returned %d clips (%v); want none", it.injection, len(found), err)
			}
		}
	}
	nl := &item{i: 99999, kind: kindInjNote, name: "faults/newline.mp4", officer: "FLT00", size: 1024, injection: "a\n{\"level\":\"ERROR\"}"}
	if err := upload(ctx, r.direct, nl); err == nil {
		t.Error("metadata with a newline was accepted by the client; a dock could then forge log lines")
	} else if !strings.Contains(err.Error(), "invalid header field value") {
		t.Errorf("metadata with a newline: %v; want the HTTP client's refusal of the header", err)
	}
}
