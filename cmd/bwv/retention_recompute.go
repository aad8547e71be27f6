package main

// bwv retention recompute: the audited way a policy change reaches stored clips.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/config"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

func retentionRecompute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bwv retention recompute", flag.ContinueOnError)
	fs.SetOutput(stderr)
	policyFile := fs.String("policy", "", "the policy file to apply (required; deploy the same file as BWV_RETENTION_POLICY)")
	apply := fs.Bool("apply", false, "write the changes (default: dry run)")
	actor := fs.String("actor", "", "who applies the policy (recorded in each audit entry; required with --apply)")
	justification := fs.String("justification", "", "why, e.g. the DPO approval reference (required with --apply)")
	allowEarlier := fs.Int("allow-earlier", -1, "with --apply: the number of clips the dry run says are brought earlier (required when it is not 0)")
	limit := fs.Int("limit", 200, "list at most this many changed clips")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *policyFile == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "bwv retention recompute: --policy FILE is required")
		return exitUsage
	}
	if *apply && (strings.TrimSpace(*actor) == "" || strings.TrimSpace(*justification) == "") {
		fmt.Fprintln(stderr, "bwv retention recompute: --apply needs --actor and --justification (they go into every audit entry)")
		return exitUsage
	}
	if *allowEarlier < -1 {
		fmt.Fprintln(stderr, "bwv retention recompute: --allow-earlier N takes the dry run's count of clips brought earlier (0 or more)")
		return exitUsage
	}
	p, err := retention.LoadFile(*policyFile)
	if err != nil {
		fmt.Fprintln(stderr, "bwv retention recompute:", err)
		return exitError
	}
	st, err := openCosmos(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(stderr, "bwv retention recompute:", err)
		return exitError
	}
	app := &functions.App{Records: st, Policy: p}
	who := functions.ResolvedActor{Name: "cli:" + strings.TrimSpace(*actor), Authenticated: false}
	now := time.Now().UTC()

	// The dry run, always first: what changes, and how many clips are
	// brought earlier. --apply writes only when --allow-earlier confirms
	// that count.
	changed, earlier, dueNow := 0, 0, 0
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIP\tOFFICER\tFROM\tTO\tEARLIER\tDUE NOW\t")
	err = scanClips(ctx, st, func(c clip.Clip) error {
		if c.Status == clip.StatusDeleted || c.Status == clip.StatusRefused {
			return nil
		}
		next := app.ProposedRetention(c, who.Name)
		if !functions.RetentionChanges(c, next) {
			return nil
		}
		changed++
		e := app.RecomputeBringsEarlier(c)
		if e {
			earlier++
		}
		proposed := c
		proposed.Retention = next
		due := retention.DecideClip(p, proposed, now).Delete
		if due {
			dueNow++
		}
		if changed <= *limit {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%v\t\n", c.ID, c.OfficerID, retentionText(c.Retention), retentionText(next), e, due)
		}
		return nil
	})
	tw.Flush()
	if err != nil {
		fmt.Fprintln(stderr, "bwv retention recompute:", err)
		return exitError
	}
	fmt.Fprintf(stdout, "Policy %s: %d clips change schedule, %d of them brought earlier (each kept at least until now + the release grace %s), %d due at once (the next sweep deletes them)\n",
		p.Version(), changed, earlier, p.ReleaseGrace(), dueNow)
	if !*apply {
		fmt.Fprintln(stdout, "dry run: nothing written")
		return exitOK
	}
	if earlier > 0 && *allowEarlier != earlier {
		fmt.Fprintf(stderr, "bwv retention recompute: %s: this policy brings %d clips' deletion dates earlier; nothing was written. Read the dry run and confirm with --allow-earlier %d\n",
			clip.CodeRecomputeEarlierNotConfirmed, earlier, earlier)
		return exitError
	}
	// The release grace is counted from this machine's clock: a slow clock
	// would shorten it (or end it at once). Refuse to write when it is more
	// than the sweep's tolerance from the database's clock.
	if server, err := st.ServerTime(ctx); err != nil {
		fmt.Fprintf(stderr, "bwv retention recompute: %s: cannot read the database's clock to check this machine's; nothing was written: %v\n", clip.CodeRecomputeClockUnchecked, err)
		return exitError
	} else if skew := time.Since(server); skew > 5*time.Minute || skew < -5*time.Minute {
		fmt.Fprintf(stderr, "bwv retention recompute: %s: this machine's clock is %s from the database's; the release grace would be wrong; nothing was written\n", clip.CodeRecomputeClockSkew, skew.Round(time.Second))
		return exitError
	}
	blobs, cfg, cfgErr := openBlobs(os.LookupEnv)
	if cfgErr != nil {
		fmt.Fprintln(stderr, "bwv retention recompute:", cfgErr)
		return exitError
	}
	// Storage protection follows the handler's settings: policies extended
	// before each write, lowered after it only for clips brought earlier.
	app.Blobs, app.Config.ImmutabilityOff, app.Config.HoldHorizon = blobs, cfg.ImmutabilityOff, cfg.HoldHorizon
	allowed := max(*allowEarlier, 0)
	applied, failed, broughtEarlier, synced := 0, 0, 0, 0
	// mayWrite refuses a clip brought earlier beyond the confirmed count
	// (records changed since the dry run).
	mayWrite := func(c clip.Clip) error {
		if !app.RecomputeBringsEarlier(c) {
			return nil
		}
		if broughtEarlier >= allowed {
			return clip.Errorf(clip.Refused, clip.CodeRecomputeEarlierChanged,
				"bringing this clip earlier was not confirmed (--allow-earlier %d already used); run the dry run again", allowed)
		}
		broughtEarlier++
		return nil
	}
	err = scanClips(ctx, st, func(c clip.Clip) error {
		if c.Status == clip.StatusDeleted || c.Status == clip.StatusRefused {
			return nil
		}
		if !functions.RetentionChanges(c, app.ProposedRetention(c, who.Name)) {
			// The record stays as it is; its content's protection and tags
			// are brought up to it (extend only): the backfill after an
			// upgrade, the repair of a failed sync.
			if _, _, err := app.RecomputeRetention(ctx, c, who, *justification); err != nil {
				failed++
				fmt.Fprintf(stderr, "clip %s: Storage protection not brought up to the record: %v\n", c.ID, err)
				return nil
			}
			synced++
			return nil
		}
		_, _, err := recomputeOne(ctx, app, st, c, who, *justification, mayWrite)
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "clip %s: %v\n", c.ID, err)
			if !clip.IsKind(err, clip.Conflict) && !clip.IsKind(err, clip.Refused) {
				return err
			}
			return nil
		}
		applied++
		return nil
	})
	fmt.Fprintf(stdout, "applied to %d (%d brought earlier, each with a pending release requested by %s), failed %d\n", applied, broughtEarlier, who.Name, failed)
	fmt.Fprintf(stdout, "unchanged %d: their Storage protection and index tags brought up to their records\n", synced)
	if err != nil {
		fmt.Fprintln(stderr, "bwv retention recompute:", err)
		return exitError
	}
	if failed > 0 {
		return exitError
	}
	return exitOK
}

// recomputeOne applies the policy to one clip, re-reading it once if it
// changed between the scan and the write. mayWrite is asked about the
// clip as it is written.
func recomputeOne(ctx context.Context, app *functions.App, st *cosmosdb.Store, c clip.Clip, who functions.ResolvedActor, justification string, mayWrite func(clip.Clip) error) (clip.Clip, bool, error) {
	if err := mayWrite(c); err != nil {
		return c, false, err
	}
	rec, ok, err := app.RecomputeRetention(ctx, c, who, justification)
	if clip.IsKind(err, clip.Conflict) {
		fresh, gerr := st.GetClip(ctx, c.OfficerID, c.ID)
		if gerr != nil {
			return c, false, errors.Join(err, gerr)
		}
		if app.RecomputeBringsEarlier(fresh) && !app.RecomputeBringsEarlier(c) {
			if err := mayWrite(fresh); err != nil {
				return c, false, err
			}
		}
		return app.RecomputeRetention(ctx, fresh, who, justification)
	}
	return rec, ok, err
}

// openBlobs reads the storage settings the handler uses, for index tags
// and Storage protection.
func openBlobs(lookup func(string) (string, bool)) (*blobstore.Store, config.Config, error) {
	// The handler's config reader validates the same settings; the port
	// is the only handler-only setting it requires.
	cfg, err := config.FromEnv(func(name string) (string, bool) {
		if name == "FUNCTIONS_CUSTOMHANDLER_PORT" {
			return "7071", true
		}
		return lookup(name)
	})
	if err != nil {
		return nil, cfg, err
	}
	st, err := blobstore.New(blobstore.Options{Endpoint: cfg.BlobEndpoint, Account: cfg.StorageAccount, Key: cfg.StorageKey})
	return st, cfg, err
}
