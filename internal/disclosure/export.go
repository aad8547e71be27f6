package disclosure

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Records is what export needs of the Cosmos store (*cosmosdb.Store).
type Records interface {
	FindClip(ctx context.Context, id string) (clip.Clip, error)
	GetClip(ctx context.Context, officerID, id string) (clip.Clip, error)
	ListAudit(ctx context.Context, clipID string) ([]audit.Entry, error)
	AppendAudit(ctx context.Context, clipID string, head clip.AuditHead, e audit.Entry) (audit.Entry, clip.AuditHead, error)
	ReplaceClip(ctx context.Context, c clip.Clip) (clip.Clip, error)
}

// Blobs is what export needs of blob storage (*blobstore.Store).
type Blobs interface {
	Download(ctx context.Context, container, name, etag, versionID string, w io.Writer) (int64, error)
}

// Options are the inputs of one export.
type Options struct {
	Out         string // directory that receives <clipId>/
	Purpose     string // why (the entry's justification)
	Actor       string // who (the entry's actor; not authenticated)
	Destination string // optional label: "CPS", "defence: …"
	Officer     string // optional partition, saves a query
	// Anchors, when set, supplies the clip's anchor proof (anchor-proof.json).
	Anchors AnchorProofs
	Now     func() time.Time
}

// Result is what a finished export produced.
type Result struct {
	ClipID      string
	Dir         string
	BundleHash  string // SHA-256 of index.json
	ContentHash string // SHA-256 of content.sha256, in the "disclosed" entry
	Entry       audit.Entry
}

var clipIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// ToolVersion is the bwv module version and VCS revision of this binary.
func ToolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v += " " + s.Value
		}
		if s.Key == "vcs.modified" && s.Value == "true" {
			v += " (modified)"
		}
	}
	return v
}

// Export writes the disclosure bundle of one clip to o.Out/<id>/ and
// appends its "disclosed" entry. On any failure nothing is left at
// o.Out/<id>/ (the work happens in o.Out/.partial-<id>-<random>/, removed).
func Export(ctx context.Context, recs Records, blobs Blobs, id string, o Options) (Result, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	switch {
	case !clipIDPattern.MatchString(id):
		return Result{}, reason.Errorf(CodeInputInvalid, nil, "clip id %q is not a clip id (letters, digits, - and _)", id)
	case strings.TrimSpace(o.Purpose) == "":
		return Result{}, reason.Errorf(CodeInputInvalid, nil, "--purpose is required: why the clip is disclosed")
	case strings.TrimSpace(o.Actor) == "":
		return Result{}, reason.Errorf(CodeInputInvalid, nil, "--actor is required: who discloses it")
	case o.Out == "":
		return Result{}, reason.Errorf(CodeInputInvalid, nil, "--out is required: the directory that receives the bundle")
	}
	final := filepath.Join(o.Out, id)
	if _, err := os.Lstat(final); err == nil {
		return Result{}, reason.Errorf(CodeBundleExists, nil, "%s already exists; choose another --out or move it away", final)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Result{}, reason.Errorf(CodeWriteFailed, err, "checking %s", final)
	}

	c, err := findClip(ctx, recs, id, o.Officer)
	if err != nil {
		return Result{}, err
	}
	src, err := sourceOf(c)
	if err != nil {
		return Result{}, err
	}
	entries, err := recs.ListAudit(ctx, c.ID)
	if err != nil {
		return Result{}, storeErr(err, "listing the audit trail of %s", c.ID)
	}
	if verr := audit.Verify(c.ID, entries, c.Audit); verr != nil {
		return Result{}, reason.Errorf(CodeChainBroken, verr, "clip %s is not disclosed", c.ID)
	}
	proof, anchored, err := anchorProof(ctx, o.Anchors, c.ID, entries)
	if err != nil {
		return Result{}, err
	}
	anchoring := Anchoring{Status: AnchoringNotAvailable, ProofFile: FileAnchorProof}
	switch {
	case anchored:
		anchoring = Anchoring{Status: AnchoringAnchored, ProofFile: FileAnchorProof, Anchor: proof.Anchor.Name, AnchorHash: proof.Anchor.Hash, AnchoredSeq: proof.Leaf.Seq}
	case o.Anchors != nil:
		anchoring.Status = AnchoringNotYet
	}

	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return Result{}, reason.Errorf(CodeWriteFailed, err, "creating %s", o.Out)
	}
	partial := filepath.Join(o.Out, ".partial-"+id+"-"+randomSuffix())
	if err := os.Mkdir(partial, 0o755); err != nil {
		return Result{}, reason.Errorf(CodeWriteFailed, err, "creating %s", partial)
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(partial)
		}
	}()

	// 1. The read is recorded before the footage is read: an export that
	// fails after the download has still read it. A consulted entry, with
	// the export's actor and purpose; the disclosed entry follows it.
	read, head, err := recs.AppendAudit(ctx, c.ID, c.Audit, audit.Entry{
		Action: audit.ActionConsulted, Key: "consulted:export:" + randomSuffix(), Actor: o.Actor, ActorAuthenticated: false,
		Justification: o.Purpose, At: clip.At(now()), Details: map[string]string{DetailTool: "bwv export", DetailContent: ContentRead},
	})
	if err != nil {
		return Result{}, storeErr(err, "recording the read of %s before its content is read; nothing read", c.ID)
	}
	c.Audit = head
	if c, err = recs.ReplaceClip(ctx, c); err != nil {
		return Result{}, storeErr(err, "moving the audit head of %s to the consulted entry %s (the entry stays in the trail); nothing read", c.ID, read.ID)
	}

	// 2. The clip file, streamed while hashing.
	clipRel := rel(ClipDir, safeFileName(c.Blob.Name))
	sum, size, err := writeBlob(ctx, blobs, src, filepath.Join(partial, filepath.FromSlash(clipRel)))
	if err != nil {
		return Result{}, err
	}
	if c.Blob.Size > 0 && size != c.Blob.Size {
		return Result{}, reason.Errorf(CodeContentMismatch, nil, "clip %s: read %d bytes from %s/%s, the record says %d; nothing disclosed", c.ID, size, src.container, src.name, c.Blob.Size)
	}
	if c.SHA256.Computed != "" && !strings.EqualFold(sum, c.SHA256.Computed) {
		return Result{}, reason.Errorf(CodeContentMismatch, nil, "clip %s: SHA-256 of %s/%s is %s, the record says %s; nothing disclosed", c.ID, src.container, src.name, sum, c.SHA256.Computed)
	}

	// 3. The manifest and the list of content files it pins.
	at := clip.At(now())
	m := Manifest{
		Format: BundleFormat, ClipID: c.ID, Status: c.Status,
		Clip: ManifestClip{File: clipRel, Source: src.kind, Account: c.Blob.Account, Container: src.container, Name: src.name,
			VersionID: src.versionID, ETag: src.etag, Size: size, SHA256Declared: c.SHA256.Declared,
			SHA256Recorded: c.SHA256.Computed, SHA256Computed: sum},
		Recorded: Recorded{Start: c.RecordedStart, End: c.RecordedEnd, Officer: c.OfficerID, Device: c.DeviceID, Station: c.StationID},
		Export: ExportInfo{At: at, Tool: "bwv export", ToolVersion: ToolVersion(), Actor: o.Actor, ActorAuthenticated: false,
			Purpose: o.Purpose, Destination: o.Destination},
		Anchoring: anchoring,
		Files:     []string{FileContentSums, FileRecord, FileAuditTrail, FileVerification, FileReadme, FileSums, FileIndex},
	}
	if anchored {
		m.Files = append(m.Files, FileAnchorProof)
	}
	mb, err := writeJSON(partial, FileManifest, m)
	if err != nil {
		return Result{}, err
	}
	content := sumsText([]IndexFile{{Path: clipRel, SHA256: sum}, {Path: FileManifest, SHA256: sha256Hex(mb)}})
	if err := writeFile(partial, FileContentSums, content); err != nil {
		return Result{}, err
	}
	contentHash := sha256Hex(content)

	// 4. The audited act of disclosure, conditional on the record's head.
	details := map[string]string{DetailContentHash: contentHash, DetailClipSHA256: sum, DetailBundle: BundleFormat}
	if o.Destination != "" {
		details[DetailDestination] = o.Destination
	}
	entry, head, err := recs.AppendAudit(ctx, c.ID, c.Audit, audit.Entry{
		Action: ActionDisclosed, Key: "disclosed:" + contentHash, Actor: o.Actor, ActorAuthenticated: false,
		Justification: o.Purpose, At: at, Details: details,
	})
	if err != nil {
		return Result{}, storeErr(err, "appending the disclosed entry of %s", c.ID)
	}
	c.Audit = head
	c.UpdatedAt = clip.At(now())
	if c, err = recs.ReplaceClip(ctx, c); err != nil {
		return Result{}, storeErr(err, "moving the audit head of %s to the disclosed entry %s (the entry stays in the trail)", c.ID, entry.ID)
	}

	// 5. The record and the trail with that entry, and their check.
	entries, err = recs.ListAudit(ctx, c.ID)
	if err != nil {
		return Result{}, storeErr(err, "re-reading the audit trail of %s", c.ID)
	}
	if len(entries) > head.Seq { // written after ours: not part of this bundle
		entries = entries[:head.Seq]
	}
	ver := Verification{ClipID: c.ID, CheckedAt: clip.At(now()), Entries: len(entries), Head: c.Audit}
	if verr := audit.Verify(c.ID, entries, c.Audit); verr != nil {
		return Result{}, reason.Errorf(CodeChainBroken, verr, "clip %s after the disclosed entry", c.ID)
	}
	ver.OK = true
	if _, err := writeJSON(partial, FileRecord, c); err != nil {
		return Result{}, err
	}
	if _, err := writeJSON(partial, FileAuditTrail, entries); err != nil {
		return Result{}, err
	}
	if _, err := writeJSON(partial, FileVerification, ver); err != nil {
		return Result{}, err
	}
	if anchored {
		if _, err := writeJSON(partial, FileAnchorProof, proof); err != nil {
			return Result{}, err
		}
	}
	if err := writeFile(partial, FileReadme, readme(m, entry)); err != nil {
		return Result{}, err
	}

	// 6. The sums and the index, last; then the rename makes it a bundle.
	files, err := listFiles(partial)
	if err != nil {
		return Result{}, err
	}
	if err := writeFile(partial, FileSums, sumsText(files)); err != nil {
		return Result{}, err
	}
	if files, err = listFiles(partial); err != nil {
		return Result{}, err
	}
	ib, err := writeJSON(partial, FileIndex, Index{Format: BundleFormat, ClipID: c.ID, Files: files})
	if err != nil {
		return Result{}, err
	}
	if err := syncDir(partial); err != nil {
		return Result{}, err
	}
	if err := os.Rename(partial, final); err != nil {
		return Result{}, reason.Errorf(CodeWriteFailed, err, "moving the finished bundle to %s (the disclosed entry %s is in the trail)", final, entry.ID)
	}
	done = true
	_ = syncDir(o.Out)
	return Result{ClipID: c.ID, Dir: final, BundleHash: sha256Hex(ib), ContentHash: contentHash, Entry: entry}, nil
}

func findClip(ctx context.Context, recs Records, id, officer string) (clip.Clip, error) {
	var (
		c   clip.Clip
		err error
	)
	if officer != "" {
		c, err = recs.GetClip(ctx, strings.ToUpper(officer), id)
	} else {
		c, err = recs.FindClip(ctx, id)
	}
	if err != nil {
		if clip.IsKind(err, clip.NotFound) {
			return c, reason.Errorf(CodeClipNotFound, err, "no clip %s", id)
		}
		return c, storeErr(err, "reading clip %s", id)
	}
	return c, nil
}

// source is the blob version whose bytes are disclosed.
type source struct{ kind, container, name, etag, versionID string }

func sourceOf(c clip.Clip) (source, error) {
	switch c.Status {
	case clip.StatusVerified:
		return source{kind: "upload", container: c.Blob.Container, name: c.Blob.Name, etag: c.Blob.ETag, versionID: c.Blob.VersionID}, nil
	case clip.StatusQuarantined:
		if q := c.Quarantine; q != nil {
			return source{kind: "quarantine", container: q.Container, name: q.Name, etag: q.ETag, versionID: q.VersionID}, nil
		}
		return source{kind: "upload", container: c.Blob.Container, name: c.Blob.Name, etag: c.Blob.ETag, versionID: c.Blob.VersionID}, nil
	}
	return source{}, reason.Errorf(CodeClipNotExportable, nil, "clip %s is %s: only verified and quarantined clips have content to disclose", c.ID, c.Status)
}

func writeBlob(ctx context.Context, blobs Blobs, src source, path string) (string, int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", 0, reason.Errorf(CodeWriteFailed, err, "creating %s", filepath.Dir(path))
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return "", 0, reason.Errorf(CodeWriteFailed, err, "creating %s", path)
	}
	h := sha256.New()
	n, err := blobs.Download(ctx, src.container, src.name, src.etag, src.versionID, io.MultiWriter(f, h))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return "", n, storeErr(err, "streaming %s/%s to %s", src.container, src.name, path)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func storeErr(err error, format string, args ...any) error {
	var re *reason.Error
	if errors.As(err, &re) {
		return err
	}
	code := CodeStoreFailed
	var ce *clip.Error
	if !errors.As(err, &ce) {
		code = CodeWriteFailed
	}
	return reason.Errorf(code, err, format, args...)
}

func writeJSON(dir, name string, v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, reason.Errorf(CodeWriteFailed, err, "encoding %s", name)
	}
	b = append(b, '\n')
	return b, writeFile(dir, name, b)
}

func writeFile(dir, name string, b []byte) error {
	p := filepath.Join(dir, filepath.FromSlash(name))
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return reason.Errorf(CodeWriteFailed, err, "creating %s", p)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return reason.Errorf(CodeWriteFailed, err, "writing %s", p)
	}
	return nil
}

// listFiles hashes every file under dir except the index (streamed).
func listFiles(dir string) ([]IndexFile, error) {
	var out []IndexFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		r, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		r = filepath.ToSlash(r)
		if r == FileIndex {
			return nil
		}
		sum, n, err := hashFile(p)
		if err != nil {
			return err
		}
		out = append(out, IndexFile{Path: r, Size: n, SHA256: sum})
		return nil
	})
	if err != nil {
		return nil, reason.Errorf(CodeWriteFailed, err, "hashing the files of %s", dir)
	}
	return out, nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return reason.Errorf(CodeWriteFailed, err, "opening %s", dir)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return reason.Errorf(CodeWriteFailed, err, "syncing %s", dir)
	}
	return nil
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
