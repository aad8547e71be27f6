package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

func init() {
	register(command{
		name:    "retention",
		summary: "retention dry runs and the audited policy step: report (what the sweep deletes next, what a policy changes), recompute",
		run:     runRetention,
	})
}

func retentionUsage(w io.Writer) {
	fmt.Fprintln(w, `usage:
  bwv retention report --days N [--policy FILE] [--limit N]
      clips the sweep would delete within N days (from their stored schedules); with --policy, also what the
      proposed policy file would change: clips whose deletion date moves earlier or later, counts by category;
      always the pending releases (a change brought a date earlier): who asked, when, when each takes effect
  bwv retention recompute --policy FILE [--apply --actor NAME --justification TEXT [--allow-earlier N]] [--limit N]
      apply a new policy to existing clips: a dry run unless --apply; with --apply each changed clip gets an
      audit entry "retention-recomputed" naming the old and new policy version, rule and dates. --apply refuses
      (RECOMPUTE_EARLIER_NOT_CONFIRMED, nothing written) when it would bring clips' deletion dates earlier unless
      --allow-earlier N names the dry run's count; those clips get a pending release (the policy's releaseGrace)

settings: BWV_COSMOS_ENDPOINT, BWV_COSMOS_KEY, BWV_COSMOS_DATABASE, BWV_COSMOS_CLIPS_CONTAINER,
BWV_COSMOS_AUDIT_CONTAINER, BWV_RETENTION_POLICY (the policy in force; empty = built-in default); recompute --apply
also BWV_BLOB_ENDPOINT, BWV_STORAGE_ACCOUNT, BWV_STORAGE_REGION, BWV_STORAGE_KEY (to update blob index tags).
exit codes: 0 ok, 1 error, 2 usage`)
}

func runRetention(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		retentionUsage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	switch args[0] {
	case "report":
		return retentionReport(ctx, args[1:], stdout, stderr)
	case "recompute":
		return retentionRecompute(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "bwv retention: unknown subcommand %q\n\n", args[0])
	retentionUsage(stderr)
	return exitUsage
}

// policyInForce is the policy the handler runs with: BWV_RETENTION_POLICY or
// the built-in default.
func policyInForce(lookup func(string) (string, bool)) (*retention.Policy, error) {
	if path, ok := lookup("BWV_RETENTION_POLICY"); ok && strings.TrimSpace(path) != "" {
		p, err := retention.LoadFile(strings.TrimSpace(path))
		if err != nil {
			return nil, fmt.Errorf("setting BWV_RETENTION_POLICY: %w", err)
		}
		return p, nil
	}
	return retention.Default(), nil
}

func retentionReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bwv retention report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	days := fs.Int("days", -1, "look ahead this many days (0 = due now)")
	proposed := fs.String("policy", "", "a proposed policy file to compare with the policy in force")
	limit := fs.Int("limit", 200, "list at most this many clips per section (counts are always complete)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *days < 0 || *days > 36600 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "bwv retention report: --days N is required (0 to 36600)")
		return exitUsage
	}
	current, err := policyInForce(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(stderr, "bwv retention report:", err)
		return exitError
	}
	var next *retention.Policy
	if *proposed != "" {
		if next, err = retention.LoadFile(*proposed); err != nil {
			fmt.Fprintln(stderr, "bwv retention report:", err)
			return exitError
		}
	}
	st, err := openCosmos(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(stderr, "bwv retention report:", err)
		return exitError
	}
	now := time.Now().UTC()
	horizon := now.AddDate(0, 0, *days)

	type dueClip struct {
		c      clip.Clip
		dueNow bool
	}
	var due []dueClip
	var pending []clip.Clip
	var facts []retention.ClipFacts
	byCat := map[string]int{}
	err = scanClips(ctx, st, func(c clip.Clip) error {
		if c.Status == clip.StatusDeleted || c.Status == clip.StatusRefused {
			return nil
		}
		if c.Retention.PendingRelease.Active() {
			pending = append(pending, c)
		}
		d := retention.DecideClip(current, c, horizon)
		if d.Delete {
			due = append(due, dueClip{c: c, dueNow: retention.DecideClip(current, c, now).Delete})
			for _, cat := range categoriesOf(c) {
				byCat[cat]++
			}
		}
		facts = append(facts, retention.ClipFacts{ID: c.ID, Facts: retention.FactsOf(c)})
		return nil
	})
	if err != nil {
		fmt.Fprintln(stderr, "bwv retention report:", err)
		return exitError
	}
	sort.Slice(due, func(i, j int) bool { return due[i].c.Retention.RetainUntil.Before(due[j].c.Retention.RetainUntil.Time) })
	fmt.Fprintf(stdout, "Policy in force: %s. Clips the sweep would delete by %s (%d days): %d\n", current.Version(), horizon.Format(clip.TimeLayout), *days, len(due))
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIP\tOFFICER\tDUE\tRULE\tCATEGORIES\tSTATUS\t")
	for i, d := range due {
		if i >= *limit {
			fmt.Fprintf(tw, "… %d more\t\t\t\t\t\t\n", len(due)-*limit)
			break
		}
		when := d.c.Retention.RetainUntil.String()
		if d.dueNow {
			when += " (due now)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", d.c.ID, d.c.OfficerID, when, d.c.Retention.Rule, strings.Join(categoriesOf(d.c), " "), d.c.Status)
	}
	tw.Flush()
	printCounts(stdout, "By category (a clip with several counts under each):", byCat)
	printPendingReleases(stdout, pending, now, *limit)

	if next == nil {
		return exitOK
	}
	diff := retention.Diff(current, next, facts, now)
	fmt.Fprintf(stdout, "\nProposed policy %s against %s, over %d clips (not deleted or refused):\n", diff.ToVersion, diff.FromVersion, diff.Total.Clips)
	fmt.Fprintf(stdout, "  deletion date earlier: %d, later: %d, unchanged: %d; would become due at once: %d\n",
		diff.Total.Earlier, diff.Total.Later, diff.Total.Unchanged, diff.Total.BecomeDue)
	tw = tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CATEGORY\tCLIPS\tEARLIER\tLATER\tUNCHANGED\tBECOME DUE\t")
	cats := make([]string, 0, len(diff.ByCategory))
	for c := range diff.ByCategory {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		n := diff.ByCategory[c]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", c, n.Clips, n.Earlier, n.Later, n.Unchanged, n.BecomeDue)
	}
	tw.Flush()
	if len(diff.Changes) > 0 {
		fmt.Fprintln(stdout, "\nClips whose deletion date moves:")
		tw = tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIP\tMOVES\tFROM\tTO\tBECOMES DUE\t")
		for i, ch := range diff.Changes {
			if i >= *limit {
				fmt.Fprintf(tw, "… %d more\t\t\t\t\t\n", len(diff.Changes)-*limit)
				break
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t\n", ch.ID, ch.Movement, scheduleText(ch.From), scheduleText(ch.To), ch.BecomesDue)
		}
		tw.Flush()
	}
	fmt.Fprintln(stdout, "\nNothing was changed. Existing clips move to a new policy only through 'bwv retention recompute --apply'.")
	return exitOK
}

// printPendingReleases lists the clips a change brought earlier whose
// release grace is recorded: who asked, when, and when it takes effect
// (the sweep keeps the clip until then).
func printPendingReleases(w io.Writer, pending []clip.Clip, now time.Time, limit int) {
	sort.Slice(pending, func(i, j int) bool {
		return pending[i].Retention.PendingRelease.EffectiveFrom.Before(pending[j].Retention.PendingRelease.EffectiveFrom.Time)
	})
	fmt.Fprintf(w, "\nPending releases (a change brought the deletion date earlier; the clip is kept until the release takes effect): %d\n", len(pending))
	if len(pending) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIP\tOFFICER\tREQUESTED BY\tREQUESTED AT\tTAKES EFFECT\tFROM RULE\tTO RULE\t")
	for i, c := range pending {
		if i >= limit {
			fmt.Fprintf(tw, "… %d more\t\t\t\t\t\t\t\n", len(pending)-limit)
			break
		}
		pr := c.Retention.PendingRelease
		when := pr.EffectiveFrom.String()
		if !now.Before(pr.EffectiveFrom.Time) {
			when += " (in effect)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.ID, c.OfficerID, pr.RequestedBy, pr.RequestedAt.String(), when, pr.FromRule, pr.ToRule)
	}
	tw.Flush()
}

func categoriesOf(c clip.Clip) []string {
	if len(c.Categories) == 0 {
		return []string{clip.Uncategorised}
	}
	return c.Categories
}

func printCounts(w io.Writer, title string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	fmt.Fprintln(w, title)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-24s %d\n", k, m[k])
	}
}

func scheduleText(s retention.Schedule) string {
	if s.RetainUntil == nil {
		return "held (" + s.Rule + ")"
	}
	return s.RetainUntil.UTC().Format(clip.TimeLayout) + " (" + s.Rule + ")"
}

func retentionText(r clip.Retention) string {
	until := "held"
	if r.RetainUntil != nil {
		until = r.RetainUntil.String()
	}
	return fmt.Sprintf("%s %s [%s]", until, r.Rule, r.PolicyVersion)
}
