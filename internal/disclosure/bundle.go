package disclosure

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Bundle layout: fixed names, so a person and the tool find the same files.
const (
	// BundleFormat names this layout; a change of layout is a new format.
	BundleFormat = "bwv-disclosure-bundle/1"

	FileIndex        = "index.json"       // every other file: path, size, SHA-256; its hash is the bundle hash
	FileSums         = "SHA256SUMS"       // the same files except index.json, for `sha256sum -c`
	FileReadme       = "README.txt"       // what each file is and how to check it by hand
	FileManifest     = "manifest.json"    // what was disclosed, by whom and why
	FileContentSums  = "content.sha256"   // clip file(s) and manifest; its hash is in the "disclosed" entry
	FileRecord       = "record.json"      // the clip record, after the "disclosed" entry
	FileAuditTrail   = "audit-trail.json" // every audit entry of the clip, in chain order
	FileVerification = "audit-verification.json"
	// FileAnchorProof is the one-clip anchor proof (docs/audit.md): present
	// when an audit anchor held the clip at export; the manifest says so.
	FileAnchorProof = "anchor-proof.json"
	// ClipDir holds the clip file(s).
	ClipDir = "clip"
)

// AnchoringNotAvailable is the manifest's anchoring status when the export
// was not given the audit anchors (AnchoringAnchored, AnchoringNotYet: anchor.go).
const AnchoringNotAvailable = "not checked: no audit anchors given to the export"

// ActionDisclosed is the audit action export appends.
const ActionDisclosed = audit.ActionDisclosed

// Details keys of the "disclosed" entry.
const (
	DetailContentHash = "contentHash" // SHA-256 of content.sha256
	DetailDestination = "destination"
	DetailBundle      = "bundleFormat"
	DetailClipSHA256  = "clipSha256"
)

// Details keys of the consulted entry an export (and bwv clip show)
// records before it reads the footage.
const (
	DetailTool    = "tool"    // the tool that read: "bwv export", "bwv clip show"
	DetailContent = "content" // ContentRead when the stored footage itself was read
	ContentRead   = "read"
)

// DetailContentSHA256 is the details key of a verified or quarantined
// entry that holds the SHA-256 ClipVerify computed of the stored blob.
const DetailContentSHA256 = "sha256"

// Index is index.json.
type Index struct {
	Format string      `json:"format"`
	ClipID string      `json:"clipId"`
	Files  []IndexFile `json:"files"`
}

// IndexFile is one file of the bundle.
type IndexFile struct {
	Path   string `json:"path"` // slash-separated, relative to the bundle
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Manifest is manifest.json.
type Manifest struct {
	Format    string       `json:"format"`
	ClipID    string       `json:"clipId"`
	Status    clip.Status  `json:"status"`
	Clip      ManifestClip `json:"clip"`
	Recorded  Recorded     `json:"recorded"`
	Export    ExportInfo   `json:"export"`
	Anchoring Anchoring    `json:"anchoring"`
	Files     []string     `json:"files"` // the other files of the bundle, for a person
}

// ManifestClip describes the clip file and the blob version it came from.
type ManifestClip struct {
	File string `json:"file"`
	// Source is "upload" (the recorded blob version) or "quarantine" (the
	// quarantine copy of a quarantined clip).
	Source         string `json:"source"`
	Account        string `json:"account"`
	Container      string `json:"container"`
	Name           string `json:"name"`
	VersionID      string `json:"versionId,omitempty"`
	ETag           string `json:"etag"`
	Size           int64  `json:"size"`
	SHA256Declared string `json:"sha256Declared"`
	SHA256Recorded string `json:"sha256Recorded"` // the record's computed hash (ClipVerify)
	SHA256Computed string `json:"sha256Computed"` // computed while writing the file
}

// Recorded is what the dock said about the recording.
type Recorded struct {
	Start   *clip.Time `json:"start"`
	End     *clip.Time `json:"end"`
	Officer string     `json:"officer"`
	Device  string     `json:"device"`
	Station string     `json:"station"`
}

// ExportInfo says when, with what, by whom and why.
type ExportInfo struct {
	At                 clip.Time `json:"at"`
	Tool               string    `json:"tool"`
	ToolVersion        string    `json:"toolVersion"`
	Actor              string    `json:"actor"`
	ActorAuthenticated bool      `json:"actorAuthenticated"`
	Purpose            string    `json:"purpose"`
	Destination        string    `json:"destination,omitempty"`
}

// Anchoring says whether the trail was anchored at export and where the
// proof is (FileAnchorProof): the anchor's blob name and hash and the
// anchored entry's seq, when Status is AnchoringAnchored.
type Anchoring struct {
	Status      string `json:"status"`
	ProofFile   string `json:"proofFile"`
	Anchor      string `json:"anchor,omitempty"`
	AnchorHash  string `json:"anchorHash,omitempty"`
	AnchoredSeq int    `json:"anchoredSeq,omitempty"`
}

// Verification is audit-verification.json: the chain check at export.
type Verification struct {
	ClipID     string            `json:"clipId"`
	CheckedAt  clip.Time         `json:"checkedAt"`
	OK         bool              `json:"ok"`
	Entries    int               `json:"entries"`
	Head       clip.AuditHead    `json:"head"`
	BrokenLink *audit.BrokenLink `json:"brokenLink,omitempty"`
}

// hashFile streams a file through SHA-256.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// sumsText is sha256sum's format ("<hex>  <path>" LF), sorted by path.
func sumsText(files []IndexFile) []byte {
	fs := append([]IndexFile(nil), files...)
	sort.Slice(fs, func(i, j int) bool { return fs[i].Path < fs[j].Path })
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s  %s\n", f.SHA256, f.Path)
	}
	return []byte(b.String())
}

// parseSums reads sha256sum's format.
func parseSums(b []byte) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" {
			continue
		}
		sum, path, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 {
			return nil, fmt.Errorf("line %d is not \"<sha256>  <path>\"", i+1)
		}
		out[path] = sum
	}
	return out, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// safeFileName makes a blob's base name a plain file name.
func safeFileName(name string) string {
	base := name
	if i := strings.LastIndex(base, "/"); i >= 0 {
		base = base[i+1:]
	}
	base = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, base)
	base = strings.TrimLeft(base, ".")
	if base == "" {
		base = "clip.bin"
	}
	return base
}

func rel(parts ...string) string { return filepath.ToSlash(filepath.Join(parts...)) }
