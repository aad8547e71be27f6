package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/clipview"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

func init() {
	register(command{
		name:    "clip",
		summary: "show one clip: who, what, when, retention, integrity and its audit trail (recorded as consulted); --rehash re-reads the content",
		run:     runClip,
	})
}

// Exit codes of bwv clip show (besides exitOK, exitError, exitUsage).
const (
	exitIntegrity = 3 // the audit chain is broken, or --rehash found other content
	exitNoClip    = 4 // no such clip, or --rehash has nothing to compare
)

func clipUsage(w io.Writer) {
	fmt.Fprintln(w, `usage: bwv clip show ID --actor NAME --purpose TEXT [--rehash] [--officer OFFICER] [--output text|json] [--settings FILE]
  shows the clip's record (who, what, when), retention (due date, holds, pending release, review flag),
  integrity (recorded SHA-256, blob ETag/version, verified when) and audit trail with the chain's verdict.
  Every read is recorded first: a "consulted" entry with --actor and --purpose (not authenticated).
  --rehash streams the stored content again (progress on stderr) and compares it with the recorded SHA-256.
exit codes: 0 ok, 1 error, 2 usage, 3 chain broken or content differs (code printed), 4 no such clip or nothing to rehash
docs/report.md`)
}

func runClip(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		clipUsage(stdout)
		return exitOK
	}
	if len(args) == 0 || args[0] != "show" {
		clipUsage(stderr)
		return exitUsage
	}
	fs := flag.NewFlagSet("bwv clip show", flag.ContinueOnError)
	fs.SetOutput(stderr)
	actor := fs.String("actor", "", "who reads the clip (recorded as the consulted entry's actor; not authenticated)")
	purpose := fs.String("purpose", "", "why (recorded as its justification, e.g. a case or request reference)")
	rehash := fs.Bool("rehash", false, "stream the stored content again and compare its SHA-256 with the recorded one")
	officer := fs.String("officer", "", "the clip's officer (partition); optional, saves a query")
	output := fs.String("output", "text", "text or json")
	settings := fs.String("settings", "", "settings of the pipeline (default: the file `make run` wrote, else local.settings.json)")
	var ids []string
	rest := args[1:]
	for { // the id and flags may interleave: bwv clip show ID --purpose …
		if err := fs.Parse(rest); errors.Is(err, flag.ErrHelp) {
			return exitOK
		} else if err != nil {
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		ids = append(ids, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(ids) != 1 || (*output != "text" && *output != "json") {
		fmt.Fprintf(stderr, "bwv clip show: %s: give one clip id, and --output text or json\n", clipview.CodeInputInvalid)
		return exitUsage
	}
	clients, ok := connectPipeline(*settings, "bwv clip show", stderr)
	if !ok {
		return exitError
	}
	v, err := clipview.Consult(ctx, clients.Records, ids[0], clipview.Options{Officer: *officer, Actor: *actor, Purpose: *purpose, Rehash: *rehash})
	if err != nil {
		fmt.Fprintf(stderr, "bwv clip show: %s\n", clipview.Printable(err.Error()))
		return clipExit(err)
	}
	code := exitOK
	var rehashErr error
	if *rehash {
		blobs, err := blobStoreOf(clients.Target)
		if err != nil {
			fmt.Fprintf(stderr, "bwv clip show: %v\n", err)
			return exitError
		}
		p := localrun.NewProgress(stderr, "rehash "+v.Clip.ID, v.Clip.Blob.Size)
		rh, err := clipview.Rehash(ctx, blobs, v.Clip, p.Add)
		p.Done()
		if rh.SHA256 != "" {
			v.Rehash = &rh
		}
		rehashErr = err
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(v)
	} else {
		err = clipview.Print(stdout, v, time.Now())
	}
	if err != nil {
		fmt.Fprintf(stderr, "bwv clip show: %v\n", err)
		return exitError
	}
	if !v.Chain.Verified {
		fmt.Fprintf(stderr, "bwv clip show: %s: the audit chain of %s does not verify: %s\n", clipview.CodeChainBroken, clipview.Printable(v.Clip.ID), clipview.Printable(v.Chain.Reason))
		code = exitIntegrity
	}
	if rehashErr != nil {
		fmt.Fprintf(stderr, "bwv clip show: %s\n", clipview.Printable(rehashErr.Error()))
		if c := clipExit(rehashErr); code == exitOK || c == exitIntegrity {
			code = c
		}
	}
	return code
}

func clipExit(err error) int {
	switch reason.CodeOf(err) {
	case clipview.CodeInputInvalid:
		return exitUsage
	case clipview.CodeHashMismatch, clipview.CodeContentChanged, clipview.CodeChainBroken:
		return exitIntegrity
	case clipview.CodeNotFound, clipview.CodeNoContent:
		return exitNoClip
	}
	return exitError
}
