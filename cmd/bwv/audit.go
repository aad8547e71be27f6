package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

func init() {
	register(command{
		name:    "audit",
		summary: "verify audit trails against their chains and the anchors (--clip/--all); one-clip anchor proofs (proof, check-proof)",
		run:     runAudit,
	})
}

// exitBroken: a check ran and found a broken audit chain.
const exitBroken = 3

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "verify":
			return runAuditVerify(ctx, args[1:], stdout, stderr)
		case "proof":
			return runAuditProof(ctx, args[1:], stdout, stderr)
		case "check-proof":
			return runAuditCheckProof(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintln(stderr, "usage: bwv audit verify (--clip ID [--officer OFFICER] | --all) [--chain-only] [--settings FILE]")
	fmt.Fprintln(stderr, "       bwv audit proof CLIP --out proof.json [--trail trail.json] [--headers headers.json]")
	fmt.Fprintln(stderr, "       bwv audit check-proof proof.json [--entries trail.json] [--published HASH [--headers headers.json]]")
	fmt.Fprintln(stderr, "exit codes: 0 every check passed, 1 error, 2 usage, 3 a chain, anchor or proof is broken")
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		return exitOK
	}
	return exitUsage
}

func runAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bwv audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("clip", "", "clip id to verify")
	officer := fs.String("officer", "", "the clip's officer (partition); optional, saves a query")
	all := fs.Bool("all", false, "verify every clip's chain")
	chainOnly := fs.Bool("chain-only", false, "check chains without the anchors (a rewritten tail then passes): only where storage cannot be reached")
	anchorsContainer := fs.String("anchors-container", blobstore.AnchorContainer, "the container of audit anchors")
	settings := fs.String("settings", "", "read the handler's settings from this local.settings.json instead of the environment")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	lookup, err := settingsLookup(*settings)
	if err != nil {
		fmt.Fprintln(stderr, "bwv audit verify:", err)
		return exitError
	}
	if (*id == "") == !*all || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "bwv audit verify: give exactly one of --clip ID or --all")
		return exitUsage
	}
	st, err := openCosmos(lookup)
	if err != nil {
		fmt.Fprintln(stderr, "bwv audit verify:", err)
		return exitError
	}
	var ix anchorIndex
	if !*chainOnly {
		blobs, err := openAnchorBlobs(lookup)
		if err != nil {
			fmt.Fprintln(stderr, "bwv audit verify:", err)
			return exitError
		}
		if ix, err = loadAnchors(ctx, blobs, *anchorsContainer); err != nil {
			fmt.Fprintln(stderr, "bwv audit verify:", err)
			return exitError
		}
	}
	// The verdicts come first (scripts read the first line); the anchor
	// chain's status after them.
	if *id != "" {
		var c clip.Clip
		if *officer != "" {
			c, err = st.GetClip(ctx, strings.ToUpper(*officer), *id)
		} else {
			c, err = st.FindClip(ctx, *id)
		}
		if clip.IsKind(err, clip.NotFound) && len(ix.leaves[*id]) > 0 {
			c, err = clip.Clip{ID: *id, OfficerID: "?"}, nil // anchored, record gone: the check below says so
		}
		if err != nil {
			fmt.Fprintln(stderr, "bwv audit verify:", err)
			return exitError
		}
		var written time.Time
		if ix.newest != nil && c.OfficerID != "?" {
			h, err := st.GetHeadRef(ctx, c.OfficerID, c.ID)
			if err != nil {
				fmt.Fprintln(stderr, "bwv audit verify:", err)
				return exitError
			}
			if h.Audit == c.Audit {
				written = h.Changed()
			}
		}
		broken, _, err := verifyChain(ctx, st, c, written, ix, stdout)
		if err != nil {
			fmt.Fprintln(stderr, "bwv audit verify:", err)
			return exitError
		}
		ix.report(stdout)
		if broken || ix.broken != nil {
			return exitBroken
		}
		return exitOK
	}
	checked, broken, pending := 0, 0, 0
	seen := map[string]bool{}
	written := map[string]cosmosdb.HeadRef{} // officer/id → head and when Cosmos last wrote the record (_ts)
	if ix.newest != nil {
		if err := st.AuditHeadsChangedSince(ctx, time.Time{}, 500, func(rs []cosmosdb.HeadRef) error {
			for _, r := range rs {
				written[r.OfficerID+"/"+r.ID] = r
			}
			return nil
		}); err != nil {
			fmt.Fprintln(stderr, "bwv audit verify:", err)
			return exitError
		}
	}
	check := func(c clip.Clip) error {
		checked++
		seen[c.ID] = true
		var at time.Time // only when the head read with _ts is the one checked (no write in between)
		if r, ok := written[c.OfficerID+"/"+c.ID]; ok && r.Audit == c.Audit {
			at = r.Changed()
		}
		b, p, err := verifyChain(ctx, st, c, at, ix, io.Discard)
		if b {
			broken++
			_, _, _ = verifyChain(ctx, st, c, at, ix, stdout)
		}
		if p {
			pending++
		}
		return err
	}
	err = scanClips(ctx, st, check)
	// Clips an anchor holds whose record is gone: a deleted record is
	// broken, not absent (tombstones keep their record).
	for _, cid := range ix.clipIDs() {
		if err != nil || seen[cid] {
			continue
		}
		err = check(clip.Clip{ID: cid, OfficerID: "? (record missing)"})
	}
	ix.report(stdout)
	if ix.loaded {
		fmt.Fprintf(stdout, "%d chains checked, %d broken, %d with entries not yet anchored\n", checked, broken, pending)
	} else {
		fmt.Fprintf(stdout, "%d chains checked, %d broken\n", checked, broken)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bwv audit verify:", err)
		return exitError
	}
	if broken > 0 || ix.broken != nil {
		return exitBroken
	}
	return exitOK
}

// verifyChain checks one clip's chain, against the anchors in ix, and
// prints the verdict. pending: the chain verifies and has entries no
// anchor holds yet.
func verifyChain(ctx context.Context, st *cosmosdb.Store, c clip.Clip, written time.Time, ix anchorIndex, w io.Writer) (broken, pending bool, err error) {
	entries, err := st.ListAudit(ctx, c.ID)
	if err != nil {
		return false, false, err
	}
	var unanchored int
	var verr error
	if ix.loaded {
		unanchored, verr = audit.VerifyAnchored(c.ID, entries, c.Audit, ix.leaves[c.ID])
		if verr == nil {
			verr = ix.missedHead(c, written)
		}
	} else {
		verr = audit.Verify(c.ID, entries, c.Audit)
	}
	var bl *audit.BrokenLink
	switch {
	case verr == nil:
		note := ""
		switch {
		case !ix.loaded:
		case unanchored == len(entries):
			note = ", not yet anchored"
		case unanchored > 0:
			note = fmt.Sprintf(", anchored to entry %d, %d not yet anchored", len(entries)-unanchored, unanchored)
		default:
			note = ", anchored"
		}
		note += beyondHeadNote(entries, c, ix)
		fmt.Fprintf(w, "ok      %s (officer %s): %d entries, head %d%s\n", c.ID, c.OfficerID, len(entries), c.Audit.Seq, note)
		return false, ix.loaded && unanchored > 0, nil
	case errors.As(verr, &bl):
		fmt.Fprintf(w, "BROKEN  %s (officer %s): first broken link is entry %d (%s): %s\n", c.ID, c.OfficerID, bl.Seq, bl.EntryID, bl.Reason)
		return true, false, nil
	}
	return false, false, verr
}

// missedHead is a *audit.BrokenLink when the record's head is in no
// anchor although Cosmos wrote the record (written, its _ts) before the
// newest anchor's window closed, less the overlap the anchor run reads
// again: the run read it and should have anchored it, so the anchors were
// tampered with or the run is faulty. A zero written is not checked.
func (ix anchorIndex) missedHead(c clip.Clip, written time.Time) error {
	if ix.newest == nil || written.IsZero() || c.Audit.Seq <= 0 {
		return nil
	}
	end, err := time.Parse(audit.AnchorTimeLayout, ix.newest.WindowTo)
	if err != nil || !written.Before(end.Add(-functions.AnchorOverlap)) {
		return nil
	}
	for _, l := range ix.leaves[c.ID] {
		if l.Seq == c.Audit.Seq && l.Hash == c.Audit.Hash {
			return nil
		}
	}
	return &audit.BrokenLink{ClipID: c.ID, Seq: c.Audit.Seq, EntryID: audit.EntryID(c.ID, c.Audit.Seq),
		Reason: fmt.Sprintf("the record's head (entry %d) is in no anchor, but Cosmos wrote the record at %s, before anchor %s closed (%s): it should have been anchored",
			c.Audit.Seq, written.Format(audit.AnchorTimeLayout), ix.newest.Name, ix.newest.WindowTo)}
}

// beyondHeadNote describes entries after the record's head: an interrupted
// write (an entry appended, the head never moved), which the next
// transition steps over, or a head moved back. One written before the
// newest anchor's window closed (less the overlap the anchor run reads
// again) has outlived an anchor run and is marked SUSPECT.
func beyondHeadNote(entries []audit.Entry, c clip.Clip, ix anchorIndex) string {
	after := audit.BeyondHead(entries, c.Audit)
	if len(after) == 0 {
		return ""
	}
	note := fmt.Sprintf("; %d entries after the head (from entry %d, %s)", len(after), after[0].Seq, after[0].At)
	if ix.newest != nil {
		end, err := time.Parse(audit.AnchorTimeLayout, ix.newest.WindowTo)
		if err == nil && after[0].At.Before(end.Add(-functions.AnchorOverlap)) {
			note += fmt.Sprintf(": SUSPECT, written before anchor %s closed: an interrupted write never followed by another, or the head moved back", ix.newest.Name)
		}
	}
	return note
}

// scanClips calls f for every clip record, paging through the container.
func scanClips(ctx context.Context, st *cosmosdb.Store, f func(clip.Clip) error) error {
	cont := ""
	for {
		p, err := st.ScanClips(ctx, 200, cont)
		if err != nil {
			return err
		}
		for _, c := range p.Items {
			if err := f(c); err != nil {
				return err
			}
		}
		if cont = p.Continuation; cont == "" {
			return nil
		}
	}
}

// openCosmos reads the Cosmos settings the handler uses (docs/architecture.md)
// and returns the store. Without BWV_COSMOS_KEY it uses the default Azure
// credential (az login, managed identity).
func openCosmos(lookup func(string) (string, bool)) (*cosmosdb.Store, error) {
	get := func(name, def string) string {
		if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	endpoint := get("BWV_COSMOS_ENDPOINT", "")
	if endpoint == "" {
		return nil, errors.New("setting BWV_COSMOS_ENDPOINT is required (the Cosmos account endpoint, e.g. http://127.0.0.1:8081/ locally)")
	}
	return cosmosdb.New(cosmosdb.Options{Endpoint: endpoint, Key: get("BWV_COSMOS_KEY", ""), Database: get("BWV_COSMOS_DATABASE", "bwv"),
		Clips: get("BWV_COSMOS_CLIPS_CONTAINER", "clips"), Audit: get("BWV_COSMOS_AUDIT_CONTAINER", "audit")})
}
