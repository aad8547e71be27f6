package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/wormfake/wormfaketest"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb/cosmosdbtest"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// TestRetentionAndAuditCommands drives bwv audit verify and bwv retention
// report/recompute against the local Cosmos server and Azurite, as an
// operator would: dry runs change nothing, --apply writes audited changes,
// and a tampered audit entry fails verification naming that entry.
func TestRetentionAndAuditCommands(t *testing.T) {
	ctx := context.Background()
	ls := startLocalStores(t, ctx)
	az, st, blobs, stOpts := ls.az, ls.st, ls.blobs, ls.stOpts
	for k, v := range map[string]string{
		"BWV_RETENTION_POLICY": "",
		// Azurite behind the enforcing immutability fake: recompute protects
		// footage as the handler does.
		"BWV_BLOB_ENDPOINT": wormfaketest.Start(t, az, nil).Endpoint(), "BWV_STORAGE_ACCOUNT": az.Account, "BWV_STORAGE_KEY": az.Key, "BWV_STORAGE_REGION": "uksouth",
	} {
		t.Setenv(k, v)
	}
	now := time.Now().UTC()
	seed := func(name string, age time.Duration, cats ...string) clip.Clip {
		r, err := blobs.Client().UploadBuffer(ctx, "uploads", name, []byte(name), nil)
		if err != nil {
			t.Fatal(err)
		}
		etag := clip.NormalizeETag(string(*r.ETag))
		start := now.Add(-age).Truncate(time.Second)
		c := clip.Clip{ID: clip.ID(az.Account, "uploads", name, etag), Type: clip.DocTypeClip, OfficerID: "AB1234", RecordedStart: clip.Ptr(start), ReceivedAt: clip.At(start),
			Categories: cats, IncidentRefs: []string{}, Status: clip.StatusVerified,
			Blob: clip.BlobRef{Account: az.Account, Container: "uploads", Name: name, ETag: etag}}
		c.Retention = retention.Default().RecordFor(c)
		for _, a := range []string{audit.ActionReceived, audit.ActionVerified} {
			_, head, err := st.AppendAudit(ctx, c.ID, c.Audit, audit.Entry{Action: a, Key: a, Actor: "test", At: clip.At(start)})
			if err != nil {
				t.Fatal(err)
			}
			c.Audit = head
		}
		if c, err = st.CreateClip(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	dueNow := seed("a.mp4", 40*24*time.Hour, "non-evidential")
	evidential := seed("b.mp4", 40*24*time.Hour, "evidential")
	dueSoon := seed("c.mp4", 20*24*time.Hour, clip.Uncategorised) // as ingest records a clip without category

	cmd := cli{t: t, ctx: ctx}
	bwv, expect := cmd.run, cmd.expect

	code, out := bwv("audit", "verify", "--all")
	expect(code, out, 0, "3 chains checked, 0 broken")

	code, out = bwv("retention", "report", "--days", "0")
	expect(code, out, 0, "would delete by", ": 1\n", dueNow.ID)
	if strings.Contains(out, dueSoon.ID) || strings.Contains(out, evidential.ID) {
		t.Fatalf("report --days 0 lists a clip not due now:\n%s", out)
	}
	code, out = bwv("retention", "report", "--days", "15")
	expect(code, out, 0, ": 2\n", dueNow.ID, dueSoon.ID)

	proposed := strings.Replace(string(retention.DefaultJSON()), `"period": "P31D",
    "description": "Uncategorised`, `"period": "P10D",
    "description": "Uncategorised`, 1)
	proposed = strings.Replace(proposed, `"uk-default-2026.3"`, `"force-2026.2"`, 1)
	proposed = strings.Replace(proposed, `"minimumDwell": "P14D"`, `"minimumDwell": "P7D"`, 1) // so the 10 days decide
	if !strings.Contains(proposed, "P10D") {
		t.Fatal("test policy edit did not apply")
	}
	file := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(file, []byte(proposed), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out = bwv("retention", "report", "--days", "0", "--policy", file)
	expect(code, out, 0, "Proposed policy force-2026.2", "would become due at once: 1", dueSoon.ID, "earlier")

	code, out = bwv("retention", "recompute", "--policy", file)
	expect(code, out, 0, "dry run: nothing written", dueSoon.ID)
	if c, _ := st.GetClip(ctx, "AB1234", dueSoon.ID); c.Retention.PolicyVersion != "uk-default-2026.3" {
		t.Fatalf("dry run wrote: %+v", c.Retention)
	}
	code, out = bwv("retention", "recompute", "--policy", file, "--apply")
	expect(code, out, 2, "--apply needs --actor and --justification")

	// The policy brings one clip's date earlier (dueSoon: 31 days -> 10): --apply refuses, writing nothing, until
	// --allow-earlier names that count.
	code, out = bwv("retention", "recompute", "--policy", file)
	expect(code, out, 0, "3 clips change schedule, 1 of them brought earlier")
	for _, n := range []string{"", "0", "2"} {
		args := []string{"retention", "recompute", "--policy", file, "--apply", "--actor", "dpo", "--justification", "IM/2026/14 approved"}
		if n != "" {
			args = append(args, "--allow-earlier", n)
		}
		code, out = bwv(args...)
		expect(code, out, 1, string(clip.CodeRecomputeEarlierNotConfirmed), "--allow-earlier 1", "nothing was written")
		for _, k := range []clip.Clip{dueNow, evidential, dueSoon} {
			if c, _ := st.GetClip(ctx, "AB1234", k.ID); c.Retention.PolicyVersion != "uk-default-2026.3" || c.ETag != k.ETag {
				t.Fatalf("--allow-earlier %q: a refused recompute wrote %s: %+v", n, k.ID, c.Retention)
			}
		}
	}
	before := time.Now().UTC()
	code, out = bwv("retention", "recompute", "--policy", file, "--apply", "--actor", "dpo", "--justification", "IM/2026/14 approved", "--allow-earlier", "1")
	expect(code, out, 0, "applied to 3 (1 brought earlier", "failed 0")
	c, err := st.GetClip(ctx, "AB1234", dueSoon.ID)
	if err != nil || c.Retention.PolicyVersion != "force-2026.2" || !c.Retention.RetainUntil.Equal(c.RecordedStart.AddDate(0, 0, 10)) {
		t.Fatalf("applied: %+v %v", c.Retention, err)
	}
	// The clip brought earlier gets the release grace, requested by the operator: not due for 7 days.
	pr := c.Retention.PendingRelease
	if !pr.Active() || pr.RequestedBy != "cli:dpo" || pr.EffectiveFrom.Before(before.AddDate(0, 0, 7).Truncate(time.Millisecond)) ||
		retention.DecideClip(mustLoad(t, file), c, time.Now().UTC()).Delete {
		t.Fatalf("recomputed earlier without the release grace: %+v", pr)
	}
	if !retention.DecideClip(mustLoad(t, file), c, pr.EffectiveFrom.Time).Delete {
		t.Fatalf("not due at the end of the grace: %+v", c.Retention)
	}
	code, out = bwv("retention", "report", "--days", "0")
	expect(code, out, 0, "Pending releases", ": 1\n", dueSoon.ID, "cli:dpo", pr.EffectiveFrom.String())
	es, _ := st.ListAudit(ctx, c.ID)
	last := es[len(es)-1]
	if last.Action != audit.ActionRetentionRecalc || last.Actor != "cli:dpo" || last.Details["toPolicyVersion"] != "force-2026.2" || last.Details["fromRule"] != "default" {
		t.Fatalf("audit entry %+v", last)
	}
	tags, err := blobs.Tags(ctx, "uploads", "c.mp4")
	if err != nil || tags[clip.TagRetainUntil] != c.Retention.RetainUntil.String() {
		t.Fatalf("index tags %v %v", tags, err)
	}
	// Applying again changes nothing.
	code, out = bwv("retention", "recompute", "--policy", file, "--apply", "--actor", "dpo", "--justification", "again")
	expect(code, out, 0, "0 clips change schedule")

	code, out = bwv("audit", "verify", "--clip", evidential.ID)
	expect(code, out, 0, "ok ")
	es, _ = st.ListAudit(ctx, evidential.ID)
	victim := es[0]
	victim.Actor = "someone else"
	b, _ := json.Marshal(victim)
	if err := cosmosdbtest.Open(t, stOpts).ReplaceAuditDoc(ctx, evidential.ID, victim.ID, b); err != nil {
		t.Fatal(err)
	}
	code, out = bwv("audit", "verify", "--clip", evidential.ID, "--officer", "ab1234")
	expect(code, out, 3, "BROKEN", "entry 1 ("+victim.ID+")", "edited")
	code, out = bwv("audit", "verify", "--all")
	expect(code, out, 3, "3 chains checked, 1 broken", victim.ID)
}

func mustLoad(t *testing.T, file string) *retention.Policy {
	t.Helper()
	p, err := retention.LoadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
