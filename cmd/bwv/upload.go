package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

func init() {
	register(command{name: "upload", summary: "upload a clip with dock metadata to the running local pipeline (streamed SHA-256, block upload)", run: runUpload})
}

// parseInterleaved parses flags that may come before or after positional
// arguments (bwv upload FILE --officer … and bwv upload --officer … FILE).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runUpload(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bwv upload FILE --officer ID --device ID --start RFC3339 [--end RFC3339 | --duration D] [flags]")
		fs.PrintDefaults()
	}
	settings := fs.String("settings", "", "settings of the running pipeline (default: the file `make run` wrote, else local.settings.json)")
	officer := fs.String("officer", "", "officer collar or payroll number (metadata officerid; required)")
	device := fs.String("device", "", "camera serial (metadata deviceid; required)")
	start := fs.String("start", "", "recording start, RFC 3339 with zone (required)")
	end := fs.String("end", "", "recording end, RFC 3339 with zone (default: start + --duration)")
	duration := fs.Duration("duration", 10*time.Minute, "recording length when --end is not given")
	category := fs.String("category", "", "comma-separated retention categories (e.g. evidential)")
	incident := fs.String("incident", "", "comma-separated incident / CAD / crime references")
	station := fs.String("station", "", "station id")
	lat := fs.String("lat", "", "latitude in decimal degrees (with --lon)")
	lon := fs.String("lon", "", "longitude in decimal degrees (with --lat)")
	name := fs.String("name", "", "blob name (default <device>/<start>_<file name>)")
	blockMiB := fs.Int("block-mib", 8, "block size for block uploads, MiB")
	conc := fs.Int("concurrency", 4, "blocks uploaded at once")
	progress := fs.String("progress", "auto", "progress bar on stderr: auto (files of 32 MiB and more), always, never")
	wait := fs.Bool("wait", false, "wait until the pipeline has verified or quarantined the clip, and print the outcome")
	timeout := fs.Duration("timeout", 5*time.Minute, "with --wait: how long to wait")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	fail := func(code reason.Code, format string, a ...any) int {
		fmt.Fprintf(stderr, "bwv upload: %s: %s\n", code, fmt.Sprintf(format, a...))
		return 2
	}
	if len(pos) != 1 {
		return fail(localrun.CodeInputInvalid, "give exactly one FILE (got %d)", len(pos))
	}
	var missing []string
	for flagName, v := range map[string]string{"--officer": *officer, "--device": *device, "--start": *start} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, flagName)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fail(localrun.CodeInputInvalid, "missing %s (the pipeline quarantines clips without them)", strings.Join(missing, ", "))
	}
	info := localrun.ClipInfo{OfficerID: *officer, DeviceID: *device, StationID: *station,
		Categories: splitList(*category), Incidents: splitList(*incident)}
	if info.Start, err = time.Parse(time.RFC3339, *start); err != nil {
		return fail(localrun.CodeInputInvalid, "--start %q is not RFC 3339 with a zone (e.g. 2026-01-02T10:00:00Z)", *start)
	}
	if *end != "" {
		if info.End, err = time.Parse(time.RFC3339, *end); err != nil {
			return fail(localrun.CodeInputInvalid, "--end %q is not RFC 3339 with a zone", *end)
		}
	} else {
		info.End = info.Start.Add(*duration)
	}
	for _, c := range []struct {
		flag, v string
		dst     **float64
	}{{"--lat", *lat, &info.Latitude}, {"--lon", *lon, &info.Longitude}} {
		if c.v == "" {
			continue
		}
		f, err := strconv.ParseFloat(c.v, 64)
		if err != nil {
			return fail(localrun.CodeInputInvalid, "%s %q is not a decimal number", c.flag, c.v)
		}
		*c.dst = &f
	}

	path := pos[0]
	f, err := os.Open(path)
	if err != nil {
		return fail(localrun.CodeInputInvalid, "%v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return fail(localrun.CodeInputInvalid, "%s is not a regular file", path)
	}
	if *name == "" {
		*name = fmt.Sprintf("%s/%s_%s", info.DeviceID, info.Start.UTC().Format("20060102T150405Z"), filepath.Base(path))
	}
	meta := info.Metadata()
	if _, reasons := localrun.Precheck(meta, st.Size(), time.Now()); len(reasons) > 0 {
		fmt.Fprintln(stderr, "warning: the pipeline will quarantine this clip:")
		for _, r := range reasons {
			fmt.Fprintf(stderr, "  %s (%s): %s\n", r.Code, r.Field, r.Message)
		}
	}

	target, err := localrun.LoadTarget(*settings)
	if err != nil {
		fmt.Fprintf(stderr, "bwv upload: %v\n", err)
		return 1
	}
	clients, err := localrun.Connect(target)
	if err != nil {
		fmt.Fprintf(stderr, "bwv upload: %v\n", err)
		return 1
	}
	opts := localrun.UploadOptions{BlockSize: int64(*blockMiB) << 20, Concurrency: *conc}
	if *progress == "always" || (*progress == "auto" && st.Size() >= 32<<20) {
		opts.Progress = localrun.NewProgress(stderr, "uploading "+filepath.Base(path), st.Size())
	}
	res, err := localrun.Upload(ctx, clients, target.UploadContainer, *name, f, st.Size(), meta, opts)
	opts.Progress.Done()
	if err != nil {
		fmt.Fprintf(stderr, "bwv upload: %v\n", err)
		return 1
	}
	out := struct {
		localrun.UploadResult
		Status  string   `json:"status,omitempty"`
		Reasons []string `json:"reasons,omitempty"`
		Latency int64    `json:"uploadToFinalMs,omitempty"`
	}{UploadResult: res}
	code := 0
	if *wait {
		wctx, cancel := context.WithTimeout(ctx, *timeout)
		rec, _, err := localrun.WaitFinal(wctx, clients, res.Partition, res.ClipID, 0)
		cancel()
		out.Status = string(rec.Status)
		for _, r := range rec.Reasons {
			out.Reasons = append(out.Reasons, string(r.Code))
		}
		if err != nil {
			fmt.Fprintf(stderr, "bwv upload: %v\n", err)
			code = 1
		} else {
			out.Latency = localrun.Latency(res.Committed, rec).Milliseconds()
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
		return code
	}
	fmt.Fprintf(stdout, "uploaded %s/%s (%s, %s, %.1fs)\n", res.Container, res.Name, localrun.MiB(res.Size), res.API, res.Took.Seconds())
	fmt.Fprintf(stdout, "  sha256   %s\n", res.SHA256)
	fmt.Fprintf(stdout, "  clip id  %s (officer partition %s)\n", res.ClipID, res.Partition)
	if out.Status != "" {
		fmt.Fprintf(stdout, "  outcome  %s %s (%.1fs after upload)\n", out.Status, strings.Join(out.Reasons, ","), float64(out.Latency)/1000)
	}
	fmt.Fprintf(stdout, "  follow   bwv status   or   curl -H 'x-functions-key: %s' -H \"Authorization: Bearer $TOKEN\" \"%s/api/clips/%s?purpose=<why>\"   (TOKEN from bwv token --name NAME --roles BWV.Clips.Read)\n",
		target.FunctionKey, target.HostURL, res.ClipID)
	return code
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
