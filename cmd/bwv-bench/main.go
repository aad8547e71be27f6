// Command bwv-bench is `make bench`: it measures the handler on the local
// services and prints one table of figures against their limits, and
// writes it as JSON (docs/performance.md).
//
//	bwv-bench --handler .local/bin/bwv-handler [--json .local/bench.json]
//
// Sizes come from BWV_BENCH_* (internal/bench.Config). It exits 1 when a
// step fails and 0 otherwise, even when a figure misses its target: the
// figures are reported, never asserted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/bwv-ingest/bwv-ingest/internal/bench"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
)

func main() {
	root := localrun.RepoRoot()
	handler := flag.String("handler", filepath.Join(root, ".local", "bin", "bwv-handler"), "the built bwv-handler binary")
	out := flag.String("json", filepath.Join(root, ".local", "bench.json"), "where the JSON report goes")
	work := flag.String("work", filepath.Join(root, ".local", "bench"), "Azurite's on-disk data (emptied first)")
	flag.Parse()
	cfg, err := bench.ConfigFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bwv-bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Run(ctx, bench.Options{Root: root, HandlerPath: *handler, WorkDir: *work, Config: cfg, Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bwv-bench:", err)
		os.Exit(1)
	}
	rep.Print(os.Stdout)
	if err := rep.WriteJSON(*out); err != nil {
		fmt.Fprintln(os.Stderr, "bwv-bench:", err)
		os.Exit(1)
	}
	fmt.Printf("written %s; %d of %d judged figures missed their target\n", *out, len(rep.Failed()), judgedCount(rep))
}

func judgedCount(r *bench.Report) int {
	n := 0
	for _, row := range r.Rows {
		if row.Pass != nil {
			n++
		}
	}
	return n
}
