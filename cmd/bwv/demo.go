package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
)

func init() {
	register(command{name: "demo", summary: "upload generated sample clips to the running pipeline and check every outcome (exit 1 on any surprise)", run: runDemo})
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	settings := fs.String("settings", "", "settings of the running pipeline (default: the file `make run` wrote, else local.settings.json)")
	largeMiB := fs.Int("large-mib", 256, "size of the large sample clip in MiB (uploaded in blocks); 0 leaves it out")
	smallKiB := fs.Int("small-kib", 256, "size of the other sample clips in KiB")
	timeout := fs.Duration("timeout", 3*time.Minute, "how long to wait for each outcome")
	prefix := fs.String("prefix", "", "blob name prefix (default demo/<time>-<random>/)")
	asJSON := fs.Bool("json", false, "print the outcomes as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *largeMiB < 0 || *smallKiB <= 0 {
		fmt.Fprintf(stderr, "bwv demo: %s: unexpected arguments or sizes\n", localrun.CodeInputInvalid)
		return 2
	}
	target, err := localrun.LoadTarget(*settings)
	if err != nil {
		fmt.Fprintf(stderr, "bwv demo: %v\n", err)
		return 1
	}
	clients, err := localrun.Connect(target)
	if err != nil {
		fmt.Fprintf(stderr, "bwv demo: %v\n", err)
		return 1
	}
	samples := localrun.Samples(localrun.SampleOptions{Prefix: *prefix, SmallBytes: int64(*smallKiB) << 10, LargeBytes: int64(*largeMiB) << 20})
	fmt.Fprintf(stderr, "bwv demo: uploading %d sample clips to %s/%s and waiting for their outcomes\n", len(samples), target.BlobEndpoint, target.UploadContainer)
	out := localrun.RunSamples(ctx, clients, samples, *timeout, func(s localrun.Sample) *localrun.Progress {
		if s.Size < 32<<20 {
			return nil
		}
		return localrun.NewProgress(stderr, "uploading "+s.Case, s.Size)
	})
	localrun.SortOutcomes(out)
	ok := localrun.AllOK(out)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct {
			OK       bool               `json:"ok"`
			Outcomes []localrun.Outcome `json:"outcomes"`
		}{ok, out})
	} else {
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CASE\tSIZE\tAPI\tEXPECTED\tGOT\tREASONS\tUPLOAD\tTO FINAL\tRESULT")
		for _, o := range out {
			res := "ok"
			if !o.OK {
				res = "FAIL: " + o.Problem
			}
			reasons := make([]string, len(o.Reasons))
			for i, r := range o.Reasons {
				reasons[i] = string(r)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.2fs\t%.2fs\t%s\n", o.Case, localrun.MiB(o.Size), o.API, o.Want, dash(string(o.Got)),
				dash(strings.Join(reasons, ",")), o.UploadTook.Seconds(), o.Latency.Seconds(), res)
		}
		_ = tw.Flush()
		if len(out) > 0 {
			fmt.Fprintf(stdout, "\nclips are under %s/%s; see them with `bwv status`.\n", target.UploadContainer, strings.TrimSuffix(out[0].Blob, out[0].Case+".mp4"))
		}
	}
	if !ok {
		fmt.Fprintln(stderr, "bwv demo: some outcomes differ from the expected ones")
		return 1
	}
	return 0
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
