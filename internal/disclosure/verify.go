package disclosure

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// MismatchFileInvalid: a file the check needs is not valid JSON (or text
// of its format).
const MismatchFileInvalid = "FILE_INVALID"

// Finding is one thing in a bundle that does not match.
type Finding struct {
	Code    string `json:"code"`
	File    string `json:"file"`
	Seq     int    `json:"seq,omitempty"`     // audit entry, when the finding is about one
	EntryID string `json:"entryId,omitempty"` // audit entry id
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (f Finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", f.Code, f.File)
	if f.EntryID != "" || f.Seq != 0 {
		fmt.Fprintf(&b, " entry %d (%s)", f.Seq, f.EntryID)
	}
	if f.Field != "" {
		fmt.Fprintf(&b, " field %s", f.Field)
	}
	return b.String() + ": " + f.Message
}

// Report is the outcome of Verify.
type Report struct {
	ClipID     string
	BundleHash string // SHA-256 of index.json as found
	Files      int
	Entries    int
	ClipSHA256 string
	// ContentSeq is the trail entry whose details.sha256 the clip file was
	// checked against (every verified or quarantined entry recording the
	// content's SHA-256 is; this is the last at or before the anchored
	// entry when there is one); 0 when no entry records it.
	ContentSeq int
	// ContentAnchored says an audit anchor holds ContentSeq (it is at or
	// before anchor-proof.json's anchored entry): a bundle re-hashed around
	// other content cannot keep that entry and pass.
	ContentAnchored bool
	Findings        []Finding
}

// OK says nothing mismatched.
func (r Report) OK() bool { return len(r.Findings) == 0 }

// Verify checks the bundle in dir offline. It returns an error (code
// BUNDLE_UNREADABLE) only when the index cannot be read; every mismatch is
// a Finding, all of them, not only the first.
func Verify(dir string) (Report, error) {
	var r Report
	add := func(f Finding) { r.Findings = append(r.Findings, f) }
	ib, err := os.ReadFile(filepath.Join(dir, FileIndex))
	if err != nil {
		return r, reason.Errorf(CodeBundleUnreadable, err, "%s has no readable %s; is it a disclosure bundle?", dir, FileIndex)
	}
	r.BundleHash = sha256Hex(ib)
	var idx Index
	if err := json.Unmarshal(ib, &idx); err != nil {
		return r, reason.Errorf(CodeBundleUnreadable, err, "%s is not valid JSON", FileIndex)
	}
	if idx.Format != BundleFormat {
		return r, reason.Errorf(CodeBundleUnreadable, nil, "%s: format %q, this tool reads %q", FileIndex, idx.Format, BundleFormat)
	}
	r.ClipID = idx.ClipID

	// 1. Every indexed file: present, its size, its SHA-256.
	actual := map[string]string{} // path → SHA-256 as found
	indexed := map[string]IndexFile{}
	for _, f := range idx.Files {
		if !localPath(f.Path) || f.Path == FileIndex {
			add(Finding{Code: MismatchFileInvalid, File: FileIndex, Field: "files.path", Message: fmt.Sprintf("path %q is not a file inside the bundle", f.Path)})
			continue
		}
		indexed[f.Path] = f
		sum, n, err := hashFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			add(Finding{Code: MismatchFileMissing, File: f.Path, Message: "listed in index.json but cannot be read: " + err.Error()})
			continue
		}
		actual[f.Path] = sum
		if n != f.Size {
			add(Finding{Code: MismatchFileSize, File: f.Path, Field: "size", Message: fmt.Sprintf("%d bytes, index.json says %d", n, f.Size)})
		}
		if sum != f.SHA256 {
			add(Finding{Code: MismatchFileHash, File: f.Path, Field: "sha256", Message: fmt.Sprintf("SHA-256 %s, index.json says %s", sum, f.SHA256)})
		}
	}
	r.Files = len(indexed)
	// 2. Nothing unlisted.
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rp, rerr := filepath.Rel(dir, p)
		if rerr != nil {
			return nil
		}
		rp = filepath.ToSlash(rp)
		if _, ok := indexed[rp]; !ok && rp != FileIndex {
			add(Finding{Code: MismatchFileNotIndexed, File: rp, Message: "present in the bundle but not listed in index.json"})
		}
		return nil
	})
	// 3. SHA256SUMS agrees with the index.
	checkSums(dir, FileSums, indexed, func(p string) bool { return p != FileSums }, add)

	// 4. Manifest, record and clip file.
	var m Manifest
	var c clip.Clip
	var entries []audit.Entry
	var ver Verification
	okM := readJSON(dir, FileManifest, &m, add)
	okC := readJSON(dir, FileRecord, &c, add)
	okT := readJSON(dir, FileAuditTrail, &entries, add)
	okV := readJSON(dir, FileVerification, &ver, add)
	if okM {
		checkManifest(m, c, okC, idx, indexed, actual, add)
		r.ClipSHA256 = actual[m.Clip.File]
		checkSums(dir, FileContentSums, indexed, func(p string) bool { return p == m.Clip.File || p == FileManifest }, add)
	}
	// 5. The trail: every hash, every link, the head.
	if okT {
		r.Entries = len(entries)
		checkTrail(idx.ClipID, entries, c, okC, add)
		checkDisclosed(dir, entries, r.ClipSHA256, add)
	}
	if okM {
		checkAnchorProof(dir, m, idx.ClipID, entries, okT, indexed, add)
	}
	if okT && okM {
		anchoredSeq := 0
		if m.Anchoring.Status == AnchoringAnchored {
			anchoredSeq = m.Anchoring.AnchoredSeq
		}
		r.ContentSeq = checkContentEntries(entries, m.Clip.File, r.ClipSHA256, anchoredSeq, add)
		r.ContentAnchored = r.ContentSeq > 0 && r.ContentSeq <= anchoredSeq
	}
	if okV && okC {
		if !ver.OK || ver.ClipID != c.ID || ver.Head != c.Audit || (okT && ver.Entries != len(entries)) {
			add(Finding{Code: MismatchVerificationLog, File: FileVerification, Message: fmt.Sprintf("says ok=%v, clip %s, %d entries, head %d/%s; the bundle has clip %s, %d entries, head %d/%s",
				ver.OK, ver.ClipID, ver.Entries, ver.Head.Seq, ver.Head.Hash, c.ID, len(entries), c.Audit.Seq, c.Audit.Hash)})
		}
	}
	sort.SliceStable(r.Findings, func(i, j int) bool { return r.Findings[i].File < r.Findings[j].File })
	return r, nil
}

func localPath(p string) bool {
	return p != "" && !strings.HasPrefix(p, "/") && !strings.Contains(p, "\\") && path.Clean(p) == p && p != "." && !strings.HasPrefix(p, "../")
}

func readJSON(dir, name string, v any, add func(Finding)) bool {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			add(Finding{Code: MismatchFileMissing, File: name, Message: "missing"})
		} else {
			add(Finding{Code: MismatchFileInvalid, File: name, Message: err.Error()})
		}
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		add(Finding{Code: MismatchFileInvalid, File: name, Message: "not valid JSON: " + err.Error()})
		return false
	}
	return true
}

// checkSums compares a sha256sum-format file with the index: exactly the
// files want selects, with their indexed hashes.
func checkSums(dir, name string, indexed map[string]IndexFile, want func(string) bool, add func(Finding)) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		add(Finding{Code: MismatchFileMissing, File: name, Message: "missing"})
		return
	}
	sums, err := parseSums(b)
	if err != nil {
		add(Finding{Code: MismatchFileInvalid, File: name, Message: err.Error()})
		return
	}
	for p, f := range indexed {
		if !want(p) {
			continue
		}
		if s, ok := sums[p]; !ok {
			add(Finding{Code: MismatchSums, File: name, Field: p, Message: "does not list " + p})
		} else if s != f.SHA256 {
			add(Finding{Code: MismatchSums, File: name, Field: p, Message: fmt.Sprintf("lists %s for %s, index.json says %s", s, p, f.SHA256)})
		}
	}
	for p := range sums {
		if _, ok := indexed[p]; !ok || !want(p) {
			add(Finding{Code: MismatchSums, File: name, Field: p, Message: "lists " + p + ", which it should not"})
		}
	}
}

func checkManifest(m Manifest, c clip.Clip, okC bool, idx Index, indexed map[string]IndexFile, actual map[string]string, add func(Finding)) {
	mm := func(field, msg string, args ...any) {
		add(Finding{Code: MismatchManifest, File: FileManifest, Field: field, Message: fmt.Sprintf(msg, args...)})
	}
	if m.Format != BundleFormat {
		mm("format", "%q, the index says %q", m.Format, BundleFormat)
	}
	if m.ClipID != idx.ClipID {
		mm("clipId", "%s, index.json says %s", m.ClipID, idx.ClipID)
	}
	f, ok := indexed[m.Clip.File]
	if !ok || !strings.HasPrefix(m.Clip.File, ClipDir+"/") {
		mm("clip.file", "%q is not a clip file listed in index.json", m.Clip.File)
		return
	}
	sum := actual[m.Clip.File]
	if sum != "" && sum != m.Clip.SHA256Computed {
		add(Finding{Code: MismatchClipHash, File: m.Clip.File, Field: "sha256", Message: fmt.Sprintf("SHA-256 %s, manifest.json clip.sha256Computed says %s", sum, m.Clip.SHA256Computed)})
	}
	if f.Size != m.Clip.Size {
		add(Finding{Code: MismatchClipSize, File: m.Clip.File, Field: "size", Message: fmt.Sprintf("%d bytes, manifest.json clip.size says %d", f.Size, m.Clip.Size)})
	}
	if !okC {
		return
	}
	rec := func(field, msg string, args ...any) {
		add(Finding{Code: MismatchManifest, File: FileRecord, Field: field, Message: fmt.Sprintf(msg, args...)})
	}
	if c.ID != m.ClipID {
		rec("id", "%s, manifest.json says %s", c.ID, m.ClipID)
	}
	if c.SHA256.Computed != m.Clip.SHA256Recorded {
		rec("sha256.computed", "%q, manifest.json clip.sha256Recorded says %q", c.SHA256.Computed, m.Clip.SHA256Recorded)
	}
	if c.SHA256.Computed != "" && sum != "" && !strings.EqualFold(c.SHA256.Computed, sum) {
		add(Finding{Code: MismatchClipHash, File: m.Clip.File, Field: "sha256", Message: fmt.Sprintf("SHA-256 %s, record.json sha256.computed says %s", sum, c.SHA256.Computed)})
	}
	if c.SHA256.Declared != m.Clip.SHA256Declared {
		rec("sha256.declared", "%q, manifest.json clip.sha256Declared says %q", c.SHA256.Declared, m.Clip.SHA256Declared)
	}
	if c.Blob.Size > 0 && c.Blob.Size != f.Size {
		add(Finding{Code: MismatchClipSize, File: m.Clip.File, Field: "size", Message: fmt.Sprintf("%d bytes, record.json blob.size says %d", f.Size, c.Blob.Size)})
	}
	if c.OfficerID != m.Recorded.Officer || c.DeviceID != m.Recorded.Device || c.StationID != m.Recorded.Station {
		rec("officerId/deviceId/stationId", "%s/%s/%s, manifest.json recorded says %s/%s/%s", c.OfficerID, c.DeviceID, c.StationID, m.Recorded.Officer, m.Recorded.Device, m.Recorded.Station)
	}
}

// checkTrail recomputes every entry's hash in the form it names and checks
// every link and the record's head; each finding names the entry and field.
func checkTrail(clipID string, entries []audit.Entry, c clip.Clip, okC bool, add func(Finding)) {
	bad := func(e audit.Entry, code, field, msg string, args ...any) {
		add(Finding{Code: code, File: FileAuditTrail, Seq: e.Seq, EntryID: e.ID, Field: field, Message: fmt.Sprintf(msg, args...)})
	}
	if okC {
		clipID = c.ID
	}
	prev := ""
	for i, e := range entries {
		if e.Seq != i+1 {
			bad(e, MismatchEntryLink, "seq", "entry at position %d has seq %d", i+1, e.Seq)
		}
		if e.ID != audit.EntryID(clipID, e.Seq) {
			bad(e, MismatchEntryLink, "id", "id %q, expected %q", e.ID, audit.EntryID(clipID, e.Seq))
		}
		if e.ClipID != clipID {
			bad(e, MismatchEntryLink, "clipId", "clipId %s, the bundle is of clip %s", e.ClipID, clipID)
		}
		if e.PrevHash != prev {
			bad(e, MismatchEntryLink, "prevHash", "%q, the previous entry's hash is %q", e.PrevHash, prev)
		}
		if _, err := audit.Canonical(e); err != nil {
			bad(e, MismatchEntryHash, "hashForm", "%v", err)
		} else if h := audit.Hash(e); h != e.Hash {
			bad(e, MismatchEntryHash, "hash", "recomputed %s (form %d), stored %s: the entry was changed", h, e.HashForm, e.Hash)
		}
		prev = e.Hash
	}
	if !okC {
		return
	}
	head := func(field, msg string, args ...any) {
		add(Finding{Code: MismatchHead, File: FileRecord, Field: field, Message: fmt.Sprintf(msg, args...)})
	}
	if len(entries) == 0 {
		head("audit", "the record's audit head is %d/%s, the trail is empty", c.Audit.Seq, c.Audit.Hash)
		return
	}
	last := entries[len(entries)-1]
	if c.Audit.Seq != last.Seq {
		head("audit.seq", "%d, the last entry of audit-trail.json is %d (%s)", c.Audit.Seq, last.Seq, last.ID)
	}
	if c.Audit.Hash != last.Hash {
		head("audit.hash", "%s, the last entry of audit-trail.json (%s) has %s", c.Audit.Hash, last.ID, last.Hash)
	}
	// shared/audit's own check, as a second opinion: it must agree.
	if err := audit.Verify(clipID, append([]audit.Entry(nil), entries...), c.Audit); err != nil {
		var bl *audit.BrokenLink
		if errors.As(err, &bl) {
			add(Finding{Code: MismatchEntryLink, File: FileAuditTrail, Seq: bl.Seq, EntryID: bl.EntryID, Field: "chain", Message: bl.Reason})
		}
	}
}

// checkDisclosed: the last entry is the disclosure this bundle records, and
// it pins content.sha256 and the clip file.
func checkDisclosed(dir string, entries []audit.Entry, clipSum string, add func(Finding)) {
	if len(entries) == 0 {
		return
	}
	last := entries[len(entries)-1]
	bad := func(field, msg string, args ...any) {
		add(Finding{Code: MismatchDisclosed, File: FileAuditTrail, Seq: last.Seq, EntryID: last.ID, Field: field, Message: fmt.Sprintf(msg, args...)})
	}
	if last.Action != ActionDisclosed {
		bad("action", "the last entry is %q, not %q: the bundle does not end with its disclosure", last.Action, ActionDisclosed)
		return
	}
	if sum, _, err := hashFile(filepath.Join(dir, FileContentSums)); err == nil && sum != last.Details[DetailContentHash] {
		bad("details.contentHash", "%s, the SHA-256 of %s is %s", last.Details[DetailContentHash], FileContentSums, sum)
	}
	if clipSum != "" && clipSum != last.Details[DetailClipSHA256] {
		bad("details.clipSha256", "%s, the clip file's SHA-256 is %s", last.Details[DetailClipSHA256], clipSum)
	}
}

// checkContentEntries ties the clip file to the trail: every verified or
// quarantined entry that recorded the content's SHA-256 (details.sha256,
// written by ClipVerify when it hashed the stored blob) must name the clip
// file's SHA-256. Those entries are in the anchors, so a bundle whose clip
// was swapped and whose manifest, record, sums, index and disclosed entry
// were recomputed to match still shows here. It returns the entry checked
// against: the last such at or before anchoredSeq (or the last of all when
// nothing is anchored), else the first after it; 0 when there is none.
func checkContentEntries(entries []audit.Entry, clipFile, clipSum string, anchoredSeq int, add func(Finding)) int {
	seq := 0
	for _, e := range entries {
		sum := e.Details[DetailContentSHA256]
		if (e.Action != audit.ActionVerified && e.Action != audit.ActionQuarantined) || sum == "" {
			continue
		}
		if clipSum != "" && !strings.EqualFold(sum, clipSum) {
			add(Finding{Code: MismatchClipHash, File: FileAuditTrail, Seq: e.Seq, EntryID: e.ID, Field: "details." + DetailContentSHA256,
				Message: fmt.Sprintf("entry %d (%s) recorded the stored content's SHA-256 as %s; %s hashes to %s", e.Seq, e.Action, sum, clipFile, clipSum)})
		}
		if seq == 0 || anchoredSeq == 0 || e.Seq <= anchoredSeq {
			seq = e.Seq
		}
	}
	return seq
}
