package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
)

// Codes of bwv audit proof / check-proof besides audit.Proof* (stable).
const (
	codeProofUnreadable = "PROOF_UNREADABLE"
	codeNotAnchored     = "CLIP_NOT_ANCHORED"
	codeAnchorsBroken   = "ANCHOR_CHAIN_BROKEN"
)

// runAuditProof writes the one-clip proof: the clip's leaf, Merkle path
// and anchor for the newest anchor that holds it and every earlier one
// (docs/audit.md). With --trail the trail is checked against all of them
// first; a trail that disagrees is refused and nothing is written.
func runAuditProof(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bwv audit proof", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "file to write the proof to (must not exist)")
	trail := fs.String("trail", "", "also write the clip's audit entries to this file, for check-proof --entries")
	headers := fs.String("headers", "", "also write the headers of every anchor after the proof's, for check-proof --published --headers")
	anchorsContainer := fs.String("anchors-container", blobstore.AnchorContainer, "the container of audit anchors")
	settings := fs.String("settings", "", "read the handler's settings from this local.settings.json instead of the environment")
	id, ok := parseOneArg(fs, args)
	if !ok {
		return exitUsage
	}
	if id == "" || *out == "" {
		fmt.Fprintln(stderr, "usage: bwv audit proof CLIP --out proof.json [--trail trail.json] [--headers headers.json]")
		return exitUsage
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "bwv audit proof:", err); return exitError }
	lookup, err := settingsLookup(*settings)
	if err != nil {
		return fail(err)
	}
	blobs, err := openAnchorBlobs(lookup)
	if err != nil {
		return fail(err)
	}
	src := &anchorProofs{blobs: blobs, container: *anchorsContainer}
	p, ok, err := src.AnchorProof(ctx, id)
	var broken errAnchorsBroken
	switch {
	case errors.As(err, &broken):
		fmt.Fprintf(stderr, "bwv audit proof: %v\n", err)
		return exitBroken
	case err != nil:
		return fail(err)
	case !ok:
		fmt.Fprintf(stderr, "bwv audit proof: %s: no anchor holds clip %s yet (the AuditAnchor function runs hourly)\n", codeNotAnchored, id)
		return exitBroken
	}
	var entries []audit.Entry
	if *trail != "" {
		st, err := openCosmos(lookup)
		if err != nil {
			return fail(err)
		}
		if entries, err = st.ListAudit(ctx, id); err != nil {
			return fail(err)
		}
		// The trail must agree with every anchor that held the clip: a
		// later anchor of a rewritten trail vouches for nothing.
		if _, err := audit.CheckProofEntries(p, entries); err != nil {
			fmt.Fprintf(stdout, "BROKEN  clip %s: %v; no proof written\n", id, err)
			return exitBroken
		}
	}
	if err := writeNewJSON(*out, p); err != nil {
		return fail(err)
	}
	if *headers != "" {
		hs := src.ix.headersAfter(p.Anchor.Name)
		if hs == nil {
			hs = []audit.Anchor{}
		}
		if err := writeNewJSON(*headers, hs); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "headers %s: %d anchors after %s\n", *headers, len(hs), p.Anchor.Name)
	}
	if *trail != "" {
		if err := writeNewJSON(*trail, entries); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "trail   %s: %d entries of clip %s\n", *trail, len(entries), id)
	}
	printProof(stdout, p)
	fmt.Fprintf(stdout, "proof   %s\n", *out)
	return exitOK
}

func printProof(w io.Writer, p audit.Proof) {
	for _, in := range p.Earlier {
		fmt.Fprintf(w, "earlier anchor %s seq %d holds entry %d hash %s\n", in.Anchor.Name, in.Anchor.Seq, in.Leaf.Seq, in.Leaf.Hash)
	}
	fmt.Fprintf(w, "leaf    clip %s seq %d hash %s (leaf hash %s)\n", p.Leaf.ClipID, p.Leaf.Seq, p.Leaf.Hash, p.LeafHash)
	fmt.Fprintf(w, "path    index %d of %d leaves, %d hashes: %s\n", p.Index, p.TreeSize, len(p.Path), strings.Join(p.Path, " "))
	fmt.Fprintf(w, "anchor  %s seq %d root %s hash %s (window %s .. %s)\n", p.Anchor.Name, p.Anchor.Seq, p.Anchor.Root, p.Anchor.Hash, p.Anchor.WindowFrom, p.Anchor.WindowTo)
	fmt.Fprintf(w, "url     %s\n", p.AnchorURL)
}

// runAuditCheckProof checks a proof offline: nothing but SHA-256, no
// network, no settings.
func runAuditCheckProof(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bwv audit check-proof", flag.ContinueOnError)
	fs.SetOutput(stderr)
	entriesFile := fs.String("entries", "", "the clip's audit entries (a JSON array: bwv audit proof --trail, or a bundle's audit-trail.json)")
	published := fs.String("published", "", "an anchor hash the force published: the proof's anchor must be it or lead to it through --headers")
	headersFile := fs.String("headers", "", "anchor headers after the proof's anchor (a JSON array: bwv audit proof --headers), for --published")
	file, ok := parseOneArg(fs, args)
	if !ok {
		return exitUsage
	}
	if file == "" {
		fmt.Fprintln(stderr, "usage: bwv audit check-proof proof.json [--entries trail.json] [--published HASH [--headers headers.json]]")
		return exitUsage
	}
	var p audit.Proof
	if err := readStrictJSON(file, &p); err != nil {
		fmt.Fprintf(stderr, "bwv audit check-proof: %s: %v\n", codeProofUnreadable, err)
		return exitError
	}
	if err := audit.CheckProof(p); err != nil {
		fmt.Fprintf(stdout, "BROKEN  %s %v\n", file, err)
		return exitBroken
	}
	printProof(stdout, p)
	fmt.Fprintf(stdout, "ok      %s: clip %s entry %d is in anchor %s (root %s); compare that anchor's hash with the blob at the url\n",
		file, p.Leaf.ClipID, p.Leaf.Seq, p.Anchor.Name, p.Anchor.Root)
	if *published != "" {
		var hs []audit.Anchor
		if *headersFile != "" {
			if err := readStrictJSON(*headersFile, &hs); err != nil {
				fmt.Fprintf(stderr, "bwv audit check-proof: %s: %v\n", codeProofUnreadable, err)
				return exitError
			}
		}
		if err := audit.CheckPublished(p, hs, strings.ToLower(strings.TrimSpace(*published))); err != nil {
			fmt.Fprintf(stdout, "BROKEN  %s %v\n", file, err)
			return exitBroken
		}
		fmt.Fprintf(stdout, "ok      %s: anchor %s is in the chain of the published hash %s\n", file, p.Anchor.Name, *published)
	} else if *headersFile != "" {
		fmt.Fprintln(stderr, "bwv audit check-proof: --headers needs --published")
		return exitUsage
	}
	if *entriesFile == "" {
		return exitOK
	}
	var entries []audit.Entry
	if err := readStrictJSON(*entriesFile, &entries); err != nil {
		fmt.Fprintf(stderr, "bwv audit check-proof: %s: %v\n", codeProofUnreadable, err)
		return exitError
	}
	unanchored, err := audit.CheckProofEntries(p, entries)
	if err != nil {
		fmt.Fprintf(stdout, "BROKEN  %s %v\n", *entriesFile, err)
		return exitBroken
	}
	fmt.Fprintf(stdout, "ok      %s: %d entries chain unbroken; entry %d matches the newest anchor and every earlier one (%d); %d after it not yet anchored\n",
		*entriesFile, len(entries), p.Leaf.Seq, len(p.Earlier), unanchored)
	return exitOK
}

// parseOneArg parses flags around exactly one positional argument (before
// or after the flags). ok is false when the flags do not parse; the
// argument is "" when there is none or more than one.
func parseOneArg(fs *flag.FlagSet, args []string) (arg string, ok bool) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		arg, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	switch {
	case arg == "" && fs.NArg() == 1:
		arg = fs.Arg(0)
	case fs.NArg() > 0:
		arg = ""
	}
	return arg, true
}

// readStrictJSON decodes one JSON value from file, refusing unknown fields
// and trailing data.
func readStrictJSON(file string, v any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if dec.More() {
		return fmt.Errorf("%s: data after the JSON value", file)
	}
	return nil
}

// writeNewJSON writes v as indented JSON to a file that must not exist.
func writeNewJSON(file string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; not overwritten", file)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
