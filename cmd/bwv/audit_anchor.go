package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
)

// anchorIndex is every anchor in the container, checked, and the leaves
// they hold by clip.
type anchorIndex struct {
	loaded    bool
	container string
	count     int
	newest    *audit.Anchor
	byName    map[string]audit.Anchor
	ordered   []audit.Anchor // the anchors that check, in chain order
	leaves    map[string][]audit.AnchoredLeaf
	broken    error // the first problem of the anchor chain itself
}

// loadAnchors reads and checks every anchor: each on its own (format,
// name, hash, leaves and root) and each against its predecessor (seq,
// prevName, prevHash, window). An anchor that fails its own check
// contributes no leaves; a broken link is reported and its leaves still
// count (they were anchored; the chain around them is what is wrong).
func loadAnchors(ctx context.Context, blobs *blobstore.Store, cont string) (anchorIndex, error) {
	ix := anchorIndex{loaded: true, container: cont, byName: map[string]audit.Anchor{}, leaves: map[string][]audit.AnchoredLeaf{}}
	stored, err := blobs.Anchors(ctx, cont)
	if err != nil {
		return ix, err
	}
	var prev *audit.Anchor
	for _, sa := range stored {
		name, a := sa.Blob, sa.Anchor
		ix.count++
		if a.Name != name {
			ix.fail(&audit.AnchorError{Name: name, Code: audit.AnchorNameMismatch, Reason: fmt.Sprintf("the blob holds an anchor named %q", a.Name)})
			continue
		}
		if err := a.Check(true); err != nil {
			ix.fail(err)
			continue
		}
		if err := audit.CheckLink(prev, a); err != nil {
			ix.fail(err)
		}
		for _, l := range a.Leaves {
			ix.leaves[l.ClipID] = append(ix.leaves[l.ClipID], audit.AnchoredLeaf{Leaf: l, Anchor: a.Name})
		}
		ix.byName[a.Name] = a
		ix.ordered = append(ix.ordered, a)
		prev = &a
	}
	ix.newest = prev
	return ix, nil
}

func (ix *anchorIndex) fail(err error) {
	if ix.broken == nil {
		ix.broken = err
	}
}

// clipIDs are the clips any anchor holds, sorted.
func (ix anchorIndex) clipIDs() []string {
	ids := make([]string, 0, len(ix.leaves))
	for id := range ix.leaves {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// holding are the anchors that hold clipID, in chain order.
func (ix anchorIndex) holding(clipID string) []audit.Anchor {
	var as []audit.Anchor
	for _, l := range ix.leaves[clipID] { // appended in chain order
		if a, ok := ix.byName[l.Anchor]; ok && (len(as) == 0 || as[len(as)-1].Name != a.Name) {
			as = append(as, a)
		}
	}
	return as
}

// headersAfter are the headers (no leaves) of every anchor after the one
// named, in chain order: what ties a proof to a hash published later.
func (ix anchorIndex) headersAfter(name string) []audit.Anchor {
	var out []audit.Anchor
	after := false
	for _, a := range ix.ordered {
		if after {
			a.Leaves = nil
			out = append(out, a)
		}
		after = after || a.Name == name
	}
	return out
}

func (ix anchorIndex) report(w io.Writer) {
	switch {
	case !ix.loaded:
		fmt.Fprintln(w, "WARNING anchors not checked (--chain-only): a recomputed tail or a reset trail would pass")
		return
	case ix.count == 0:
		fmt.Fprintf(w, "anchors: none yet in %s: every chain is checked as a chain only (not yet anchored)\n", ix.container)
	case ix.newest == nil:
		fmt.Fprintf(w, "anchors: %d in %s, none checks\n", ix.count, ix.container)
	default:
		fmt.Fprintf(w, "anchors: %d in %s, newest %s (seq %d, up to %s)\n", ix.count, ix.container, ix.newest.Name, ix.newest.Seq, ix.newest.WindowTo)
	}
	if ix.broken != nil {
		fmt.Fprintf(w, "BROKEN  anchor chain: %v\n", ix.broken)
	} else if ix.count > 0 {
		fmt.Fprintln(w, "ok      anchor chain: every anchor checks and links to its predecessor's hash")
	}
}

// settingsLookup is where bwv audit reads the handler's settings: the
// environment, or with --settings the Values of a local.settings.json
// (the file `make run` writes) and nothing else.
func settingsLookup(file string) (func(string) (string, bool), error) {
	if file == "" {
		return os.LookupEnv, nil
	}
	values, _, err := localrun.ReadSettings(file)
	if err != nil {
		return nil, err
	}
	return func(name string) (string, bool) { v, ok := values[name]; return v, ok }, nil
}

// openAnchorBlobs opens the storage account that holds the anchors, from
// the handler's settings (BWV_BLOB_ENDPOINT, BWV_STORAGE_ACCOUNT and, for
// shared-key access, BWV_STORAGE_KEY; without a key, the default Azure
// credential).
func openAnchorBlobs(lookup func(string) (string, bool)) (*blobstore.Store, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	endpoint, account, key := get("BWV_BLOB_ENDPOINT"), get("BWV_STORAGE_ACCOUNT"), get("BWV_STORAGE_KEY")
	if endpoint == "" {
		return nil, errors.New("setting BWV_BLOB_ENDPOINT is required to read the audit anchors (or pass --chain-only, which cannot see a rewritten tail)")
	}
	if key != "" && account == "" {
		return nil, errors.New("setting BWV_STORAGE_ACCOUNT is required with BWV_STORAGE_KEY")
	}
	return blobstore.New(blobstore.Options{Endpoint: endpoint, Account: account, Key: key})
}

// anchorProofs builds one-clip proofs (every anchor that holds the clip)
// from the anchors in a container
// (read and checked once, on first use); bwv audit proof and bwv export
// use it. A broken anchor chain is an error: no proof is built on it.
type anchorProofs struct {
	blobs     *blobstore.Store
	container string
	ix        *anchorIndex
}

// errAnchorsBroken wraps the anchor chain's first problem.
type errAnchorsBroken struct{ err error }

func (e errAnchorsBroken) Error() string { return codeAnchorsBroken + ": " + e.err.Error() }
func (e errAnchorsBroken) Unwrap() error { return e.err }

func (s *anchorProofs) AnchorProof(ctx context.Context, clipID string) (audit.Proof, bool, error) {
	if s.ix == nil {
		ix, err := loadAnchors(ctx, s.blobs, s.container)
		if err != nil {
			return audit.Proof{}, false, err
		}
		s.ix = &ix
	}
	if s.ix.broken != nil {
		return audit.Proof{}, false, errAnchorsBroken{s.ix.broken}
	}
	p, ok := audit.NewProof(s.ix.holding(clipID), clipID, func(name string) string { return s.blobs.URL(s.container, name) })
	return p, ok, nil
}
