package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/atomicfile"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/internal/report"
)

func init() {
	register(command{
		name:    "report",
		summary: "one self-contained HTML page for a day: clips per day and station, rejections, deletions due, holds, releases, poison and dead letters",
		run:     runReport,
	})
}

func reportUsage(w io.Writer) {
	fmt.Fprintln(w, `usage: bwv report [--day YYYY-MM-DD] --out FILE.html [--settings FILE] [--dead-letter-container NAME]
  writes one HTML page (inline CSS and SVG, no script, nothing fetched) of the day D (default today, UTC):
  clips per day and station over the 30 days to D, rejections by reason, deletions due in the 7 days after D,
  legal holds, held-until-released, pending releases, review flags, verify and poison queue depths, dead letters.
exit codes: 0 written, 1 could not read or write (reason code printed), 2 usage. docs/report.md`)
}

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		reportUsage(stdout)
		return exitOK
	}
	fs := flag.NewFlagSet("bwv report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	day := fs.String("day", "", "the report's UTC day, YYYY-MM-DD (default today)")
	out := fs.String("out", "", "the HTML file to write")
	settings := fs.String("settings", "", "settings of the pipeline (default: the file `make run` wrote, else local.settings.json)")
	deadLetter := fs.String("dead-letter-container", localrun.DeadLetterContainer, "container of Event Grid's dead letters")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return exitOK
	} else if err != nil {
		return exitUsage
	}
	now := time.Now().UTC()
	d := now
	if *day != "" {
		var err error
		if d, err = time.Parse(time.DateOnly, *day); err != nil {
			fmt.Fprintf(stderr, "bwv report: %s: --day %q: a UTC day, YYYY-MM-DD\n", report.CodeDayInvalid, *day)
			return exitUsage
		}
	}
	if fs.NArg() > 0 || strings.TrimSpace(*out) == "" {
		fmt.Fprintln(stderr, "bwv report: give --out FILE.html and no other arguments")
		reportUsage(stderr)
		return exitUsage
	}
	clients, ok := connectPipeline(*settings, "bwv report", stderr)
	if !ok {
		return exitError
	}
	store := report.StorageOf(clients)
	store.DeadLetterContainer = *deadLetter
	data, err := report.Gather(ctx, clients.Records, store, d, now)
	if err != nil {
		fmt.Fprintf(stderr, "bwv report: %v\n", err)
		return exitError
	}
	data.Source = clients.Target.Source
	var page bytes.Buffer
	if err := report.Render(&page, data); err != nil {
		fmt.Fprintf(stderr, "bwv report: %v\n", reason.Errorf(report.CodeWriteFailed, err, "rendering the page"))
		return exitError
	}
	if err := atomicfile.Write(*out, page.Bytes(), 0o644); err != nil {
		fmt.Fprintf(stderr, "bwv report: %v\n", reason.Errorf(report.CodeWriteFailed, err, "writing %s", *out))
		return exitError
	}
	fmt.Fprintf(stdout, "wrote %s (%s): %d clips recorded in the 30 days to %s, %d rejected, %d due by %s and %d in the 7 days after, %d on legal hold, %d poison messages, %d dead letters not replayed\n",
		*out, localrun.MiB(int64(page.Len())), sumRecorded(data), report.DayKey(data.Day), data.RejectedClips, data.DueByDay, report.DayKey(data.Day), sumDue(data),
		data.LegalHolds, data.Storage.PoisonMessages, data.Storage.DeadLetters-data.Storage.DeadLettersReplayed)
	return exitOK
}

func sumRecorded(d report.Data) int {
	n := 0
	for _, m := range d.Recorded {
		for _, v := range m {
			n += v
		}
	}
	return n
}

func sumDue(d report.Data) int {
	n := 0
	for _, v := range d.Due {
		n += v
	}
	return n
}
