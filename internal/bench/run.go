package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// startLimit is the handler's start-to-ready limit.
const startLimit = 50 * time.Millisecond

// Options are one run's inputs.
type Options struct {
	Root        string // repository root: host.json, functions/, tools/
	HandlerPath string // the built bwv-handler binary
	WorkDir     string // Azurite's on-disk data and the pipeline's files; emptied first
	Config      Config
	Progress    io.Writer // one line per step; nil = none
}

// Run measures every row in one run and returns the report. Services run
// on free loopback ports and are stopped (by PID) before it returns.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	rep := &Report{Started: time.Now().UTC(), Machine: describeMachine(), Settings: o.Config}
	if err := os.RemoveAll(o.WorkDir); err != nil {
		return nil, failf(err, "emptying %s", o.WorkDir)
	}
	step := func(what string, f func() error) error {
		fmt.Fprintf(o.Progress, "bench: %s…\n", what)
		t0, rows := time.Now(), len(rep.Rows)
		err := f()
		fmt.Fprintf(o.Progress, "bench: %s: %.1f s\n", what, time.Since(t0).Seconds())
		for _, row := range rep.Rows[rows:] {
			fmt.Fprintf(o.Progress, "bench:   %s: %s %s\n", row.What, num(row.Value), row.Unit)
		}
		return err
	}
	tools := filepath.Join(o.Root, "tools")
	var s *services
	err := step("starting Azurite (on disk) and the local Cosmos server", func() (err error) {
		s, err = startServices(ctx, tools, filepath.Join(o.WorkDir, "azurite"))
		return err
	})
	if err != nil {
		return nil, err
	}
	defer s.stop()
	c := o.Config
	steps := []struct {
		what string
		f    func() error
	}{
		{"handler start to ready", func() error { return startRows(s, c, o.HandlerPath, rep) }},
		{fmt.Sprintf("verification of %v MiB clips", c.VerifyMiB), func() error { return verifyRows(ctx, s, c, o.HandlerPath, rep) }},
		{fmt.Sprintf("ingest of %d new clips", c.IngestClips), func() error { return ingestRows(ctx, s, c, o.HandlerPath, rep) }},
		{fmt.Sprintf("sweep of %d due clips", c.SweepClips), func() error { return sweepRows(ctx, s, c, tools, o.HandlerPath, rep) }},
		{fmt.Sprintf("pipeline latency at %v concurrent uploads", c.LatencyLevels), func() error {
			return latencyRows(ctx, o.Root, filepath.Join(o.WorkDir, "pipeline"), c, o.HandlerPath, rep)
		}},
	}
	for _, st := range steps {
		if err := step(st.what, st.f); err != nil {
			return nil, err
		}
	}
	rep.Seconds = time.Since(rep.Started).Seconds()
	return rep, nil
}

// startRows starts the handler StartRuns times (against running services:
// it reads its settings, checks the Cosmos account's region, bootstraps
// the database idempotently and listens) and reports the median time
// from exec to its ready line.
func startRows(s *services, c Config, bin string, r *Report) error {
	var took []time.Duration
	for range c.StartRuns {
		h, err := startHandler(bin, s.handlerSettings(c, false))
		if err != nil {
			return err
		}
		took = append(took, h.ReadyIn)
		h.stop()
	}
	slices.Sort(took)
	r.add(Row{ID: "start_ms", What: fmt.Sprintf("handler start to ready, median of %d (max %.0f ms)", len(took), ms(took[len(took)-1])),
		Value: ms(percentile(took, 0.5)), Unit: "ms", Limit: ms(startLimit), LimitWhat: "limit", Direction: AtMost, Target: 1})
	return nil
}
