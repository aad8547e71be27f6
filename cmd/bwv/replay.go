package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
)

func init() {
	register(command{name: "replay", summary: "replay the verify poison queue (poison) or Event Grid dead letters (deadletter), idempotently; --dry-run lists", run: runReplay})
}

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "poison" && args[0] != "deadletter") {
		fmt.Fprintln(stderr, "usage: bwv replay poison|deadletter [--dry-run] [--max N] [--json] [--settings FILE]")
		return 2
	}
	what := args[0]
	fs := flag.NewFlagSet("replay "+what, flag.ContinueOnError)
	fs.SetOutput(stderr)
	settings := fs.String("settings", "", "settings of the running pipeline (default: the file `make run` wrote, else local.settings.json)")
	dry := fs.Bool("dry-run", false, "list what would be replayed; change nothing")
	max := fs.Int("max", 1000, "replay at most this many messages or dead-letter blobs")
	container := fs.String("container", "eventgrid-deadletter", "deadletter: the dead-letter container")
	function := fs.String("function", "ClipIngest", "deadletter: the Event Grid function to deliver to")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *max <= 0 {
		fmt.Fprintln(stderr, "bwv replay: unexpected arguments, or --max not positive")
		return 2
	}
	target, err := localrun.LoadTarget(*settings)
	if err != nil {
		fmt.Fprintf(stderr, "bwv replay: %v\n", err)
		return 1
	}
	clients, err := localrun.Connect(target)
	if err != nil {
		fmt.Fprintf(stderr, "bwv replay: %v\n", err)
		return 1
	}
	o := localrun.ReplayOptions{DryRun: *dry, Max: *max, DeadLetterContainer: *container, Function: *function}
	var rep localrun.ReplayReport
	if what == "poison" {
		rep, err = localrun.ReplayPoison(ctx, clients, o)
	} else {
		rep, err = localrun.ReplayDeadLetters(ctx, clients, o)
	}
	if *asJSON {
		_ = json.NewEncoder(stdout).Encode(rep)
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SOURCE\tABOUT\tOUTCOME\tERROR")
		for _, it := range rep.Items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", it.Source, it.About, it.Outcome, it.Error)
		}
		_ = tw.Flush()
		fmt.Fprintf(stdout, "%d item(s)%s\n", len(rep.Items), map[bool]string{true: " (dry run: nothing changed)", false: ""}[rep.DryRun])
		if rep.Waiting > len(rep.Items) {
			fmt.Fprintf(stdout, "about %d messages are waiting; a dry run can show only the first %d (a queue peek's limit): a replay moves up to --max\n", rep.Waiting, len(rep.Items))
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "bwv replay: %v\n", err)
		return 1
	}
	return 0
}
