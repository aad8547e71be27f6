package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/disclosure"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
)

func init() {
	register(command{
		name:    "export",
		summary: "disclosure bundles: export clips with their record and audit trail (audited as disclosed); verify a bundle offline",
		run:     runExport,
	})
}

// Exit codes of bwv export (besides exitOK, exitError, exitUsage).
const (
	exitMismatch = 3 // export verify: the bundle does not match itself
	exitDeclined = 4 // export: a clip was not exported (unknown, not exportable, chain broken, content changed, bundle exists)
)

func exportUsage(w io.Writer) {
	fmt.Fprintln(w, `usage:
  bwv export ID... --out DIR --purpose TEXT --actor NAME [--destination LABEL] [--officer OFFICER] [--settings FILE]
      writes DIR/<ID>/ per clip: the clip file, manifest, record, audit trail, chain check, README.txt, index.json;
      appends a "disclosed" audit entry to each clip first; prints each bundle's hash (SHA-256 of its index.json)
  bwv export verify DIR [--bundle-hash SHA256]
      checks a bundle offline: every file against index.json, the clip file against the manifest, the record and
      the SHA-256 its verified entry recorded, every audit entry's hash and link, the record's audit head, the
      anchor proof; with --bundle-hash, index.json against the hash handed over; prints ok or each mismatch
exit codes: 0 ok, 1 error, 2 usage, 3 verify found a mismatch, 4 a clip was not exported (reason code printed)
docs/disclosure.md`)
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		exportUsage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "verify" {
		return exportVerify(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("bwv export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory that receives one bundle directory per clip")
	purpose := fs.String("purpose", "", "why the clips are disclosed (recorded as the entry's justification)")
	actor := fs.String("actor", "", "who discloses them (recorded as the entry's actor; not authenticated)")
	dest := fs.String("destination", "", "optional destination label, e.g. CPS or defence")
	officer := fs.String("officer", "", "the clips' officer (partition); optional, saves a query")
	settings := fs.String("settings", "", "settings of the pipeline (default: the file `make run` wrote, else local.settings.json)")
	// IDs and flags may interleave: bwv export ID... --out DIR.
	var ids []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		ids = append(ids, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	var missing []string
	for name, v := range map[string]string{"--out": *out, "--purpose": *purpose, "--actor": *actor} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if len(ids) == 0 || len(missing) > 0 {
		fmt.Fprintf(stderr, "bwv export: %s: give at least one clip id and --out, --purpose, --actor (missing: %s)\n", disclosure.CodeInputInvalid, strings.Join(missing, ", "))
		return exitUsage
	}
	target, err := localrun.LoadTarget(*settings)
	if err != nil {
		fmt.Fprintf(stderr, "bwv export: %v\n", err)
		return exitError
	}
	clients, err := localrun.Connect(target)
	if err != nil {
		fmt.Fprintf(stderr, "bwv export: %v\n", err)
		return exitError
	}
	blobs, err := blobstore.New(blobstore.Options{Endpoint: target.BlobEndpoint + "/", Account: target.Account, Key: target.Key})
	if err != nil {
		fmt.Fprintf(stderr, "bwv export: %v\n", err)
		return exitError
	}
	o := disclosure.Options{Out: *out, Purpose: *purpose, Actor: *actor, Destination: *dest, Officer: *officer,
		Anchors: &anchorProofs{blobs: blobs, container: blobstore.AnchorContainer}}
	code := exitOK
	var done []disclosure.Result
	for _, id := range ids {
		res, err := disclosure.Export(ctx, clients.Records, blobs, id, o)
		if err != nil {
			fmt.Fprintf(stderr, "bwv export: %s: %v\n", id, err)
			code = max(code, exportExit(err))
			continue
		}
		done = append(done, res)
		fmt.Fprintf(stdout, "exported %s to %s (disclosed entry %s, content %s)\n", res.ClipID, res.Dir, res.Entry.ID, res.ContentHash)
	}
	for _, res := range done {
		fmt.Fprintf(stdout, "bundle %s  sha256(index.json) = %s\n", res.Dir, res.BundleHash)
	}
	return code
}

// exportExit maps a failed export to its exit code: declined for the
// reasons that are about the clip, error for the rest.
func exportExit(err error) int {
	switch reason.CodeOf(err) {
	case disclosure.CodeInputInvalid:
		return exitUsage
	case disclosure.CodeClipNotFound, disclosure.CodeClipNotExportable, disclosure.CodeChainBroken,
		disclosure.CodeContentMismatch, disclosure.CodeBundleExists:
		return exitDeclined
	}
	return exitError
}

func exportVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bwv export verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	want := fs.String("bundle-hash", "", "the bundle hash handed over separately (sha256 of index.json): without it a bundle re-hashed throughout cannot be told from the one disclosed")
	dir, ok := parseOneArg(fs, args)
	if !ok {
		return exitUsage
	}
	if dir == "" {
		fmt.Fprintln(stderr, "usage: bwv export verify DIR [--bundle-hash SHA256]")
		return exitUsage
	}
	rep, err := disclosure.Verify(dir)
	if err != nil {
		fmt.Fprintf(stderr, "bwv export verify: %v\n", err)
		return exitError
	}
	if h := strings.ToLower(strings.TrimSpace(*want)); h != "" && h != rep.BundleHash {
		rep.Findings = append(rep.Findings, disclosure.Finding{Code: disclosure.MismatchBundleHash, File: disclosure.FileIndex, Field: "sha256",
			Message: fmt.Sprintf("SHA-256 %s, --bundle-hash (the hash handed over) is %s: this is not the bundle that was disclosed", rep.BundleHash, h)})
	}
	if !rep.OK() {
		for _, f := range rep.Findings {
			fmt.Fprintf(stdout, "MISMATCH %s\n", f)
		}
		fmt.Fprintf(stdout, "BROKEN  clip %s: %d mismatch(es) in %d files, %d audit entries; bundle sha256(index.json) = %s\n",
			rep.ClipID, len(rep.Findings), rep.Files, rep.Entries, rep.BundleHash)
		return exitMismatch
	}
	fmt.Fprintf(stdout, "ok      clip %s: %d files match index.json, clip sha256 %s, %d audit entries chain to the record's head, ends with its disclosed entry\n",
		rep.ClipID, rep.Files, rep.ClipSHA256, rep.Entries)
	switch {
	case rep.ContentSeq == 0:
		fmt.Fprintln(stdout, "WARNING no entry of the trail records the content's SHA-256 (verified or quarantined details.sha256): the clip file is tied to the record only")
	case rep.ContentAnchored:
		fmt.Fprintf(stdout, "ok      clip sha256 is the one entry %d recorded when the content was verified; an audit anchor holds that entry\n", rep.ContentSeq)
	default:
		fmt.Fprintf(stdout, "WARNING clip sha256 is the one entry %d recorded when the content was verified, but no anchor in the bundle holds that entry: checked against the trail only\n", rep.ContentSeq)
	}
	if *want == "" {
		fmt.Fprintln(stdout, "WARNING no --bundle-hash given: compare the hash below with the one handed over separately, or a bundle rebuilt throughout passes")
	} else {
		fmt.Fprintln(stdout, "ok      bundle sha256(index.json) is the --bundle-hash handed over")
	}
	fmt.Fprintf(stdout, "bundle sha256(index.json) = %s\n", rep.BundleHash)
	return exitOK
}
