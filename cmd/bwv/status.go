package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
)

func init() {
	register(command{name: "status", summary: "operator's view of the running pipeline: recent clips and states, queue depth, poison count, host state", run: runStatus})
}

func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	settings := fs.String("settings", "", "settings of the running pipeline (default: the file `make run` wrote, else local.settings.json)")
	limit := fs.Int("limit", 20, "clips listed")
	since := fs.Duration("since", 24*time.Hour, "list clips updated within this window")
	watch := fs.Duration("watch", 0, "refresh every interval until Ctrl-C (0 = once)")
	asJSON := fs.Bool("json", false, "print as JSON")
	pageSize := fs.Int("page-size", 100, "clips per Cosmos query page (pages are followed by continuation token)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	target, err := localrun.LoadTarget(*settings)
	if err != nil {
		fmt.Fprintf(stderr, "bwv status: %v\n", err)
		return 1
	}
	clients, err := localrun.Connect(target)
	if err != nil {
		fmt.Fprintf(stderr, "bwv status: %v\n", err)
		return 1
	}
	for {
		st := localrun.ReadStatus(ctx, clients, localrun.StatusOptions{Limit: *limit, Since: *since, PageSize: int32(*pageSize)})
		if *asJSON {
			_ = json.NewEncoder(stdout).Encode(st)
		} else {
			if *watch > 0 {
				fmt.Fprint(stdout, "\033[H\033[2J")
			}
			printStatus(stdout, target, st, *since)
		}
		if *watch <= 0 {
			if len(st.Errors) > 0 {
				return 1
			}
			return 0
		}
		select {
		case <-ctx.Done():
			return 0
		case <-time.After(*watch):
		}
	}
}

func printStatus(w io.Writer, t localrun.Target, st localrun.Status, since time.Duration) {
	fmt.Fprintf(w, "bwv-ingest local pipeline — %s\n\n", st.At.Format(time.RFC3339))
	if st.Host.Reachable {
		fmt.Fprintf(w, "host      %s at %s, handler pid %d (started %d×)\n", st.Host.State, t.HostURL, st.Host.HandlerPID, st.Host.HandlerStarts)
		names := make([]string, 0, len(st.Host.Functions))
		for n := range st.Host.Functions {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			f := st.Host.Functions[n]
			fmt.Fprintf(w, "          %-16s succeeded %d  failed %d  poisoned %d\n", n, f.Succeeded, f.Failed, f.Poisoned)
		}
	} else {
		fmt.Fprintf(w, "host      not reachable at %s\n", t.HostURL)
	}
	for _, q := range st.Queues {
		label := "waiting"
		if q.Poison {
			label = "POISONED (need an operator; docs/local-run.md)"
			if q.Messages == 0 {
				label = "poisoned"
			}
		}
		fmt.Fprintf(w, "queue     %-20s %d %s\n", q.Name, q.Messages, label)
		for _, n := range q.Names {
			fmt.Fprintf(w, "            %s\n", n)
		}
	}
	var counts []string
	for _, s := range []string{"received", "verified", "quarantined", "refused", "deleted"} {
		if n := st.Counts[s]; n > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", s, n))
		}
	}
	fmt.Fprintf(w, "clips     %d updated in the last %s: %s\n\n", st.Scanned, since, dash(strings.Join(counts, ", ")))
	if len(st.Clips) > 0 {
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "UPDATED\tSTATUS\tOFFICER\tSIZE\tBLOB\tREASONS\tCLIP ID")
		for _, c := range st.Clips {
			reasons := make([]string, len(c.Reasons))
			for i, r := range c.Reasons {
				reasons[i] = string(r)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.UpdatedAt.Local().Format("15:04:05"), c.Status, c.Officer, localrun.MiB(c.Size),
				c.Blob, dash(strings.Join(reasons, ",")), c.ID)
		}
		_ = tw.Flush()
	}
	for _, e := range st.Errors {
		fmt.Fprintf(w, "\nerror: %s\n", e)
	}
}
