package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/disclosure"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// TestExportDisclosureBundle drives bwv export and bwv export verify against
// Azurite and the local Cosmos server: a verified and a quarantined clip
// export and verify offline; the disclosed entry is in Cosmos and the chain
// still verifies; one changed byte of the clip file, one changed audit
// entry, or a changed manifest fails verify naming it; an unknown clip id
// fails with its code and leaves no bundle.
func TestExportDisclosureBundle(t *testing.T) {
	ctx := context.Background()
	ls := startLocalStores(t, ctx)
	az, cs, st, blobs := ls.az, ls.cs, ls.st, ls.blobs
	settings := filepath.Join(t.TempDir(), "local.settings.json")
	if err := localrun.WriteSettings(settings, map[string]string{
		"AzureWebJobsStorage": az.ConnectionString, "BWV_COSMOS_ENDPOINT": cs.Endpoint, "BWV_COSMOS_KEY": cs.Key,
	}, 0); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	seed := func(name string, size int, quarantined bool) clip.Clip {
		t.Helper()
		content := make([]byte, size)
		_, _ = rand.Read(content)
		sum := sha256.Sum256(content)
		r, err := blobs.Client().UploadBuffer(ctx, "uploads", name, content, nil)
		if err != nil {
			t.Fatal(err)
		}
		etag := clip.NormalizeETag(string(*r.ETag))
		c := clip.Clip{ID: clip.ID(az.Account, "uploads", name, etag), Type: clip.DocTypeClip, OfficerID: "AB1234", DeviceID: "CAM-0042", StationID: "STN-07",
			RecordedStart: clip.Ptr(start), RecordedEnd: clip.Ptr(start.Add(5 * time.Minute)), ReceivedAt: clip.At(start),
			Categories: []string{"evidential"}, IncidentRefs: []string{}, Status: clip.StatusVerified,
			Blob:   clip.BlobRef{Account: az.Account, Container: "uploads", Name: name, ETag: etag, Size: int64(size)},
			SHA256: clip.Hashes{Declared: hex.EncodeToString(sum[:]), Computed: hex.EncodeToString(sum[:])}}
		actions := []string{audit.ActionReceived, audit.ActionVerified}
		if quarantined {
			q, err := blobs.Move(ctx, "uploads", name, etag, "quarantine", blobstore.QuarantineName(c.ID, name))
			if err != nil {
				t.Fatal(err)
			}
			c.Status, c.Quarantine = clip.StatusQuarantined, &q
			c.SHA256.Declared = strings.Repeat("0", 64) // the dock's hash did not match
			actions = []string{audit.ActionReceived, audit.ActionQuarantined, audit.ActionMovedToQuarantine}
		}
		for _, a := range actions {
			_, head, err := st.AppendAudit(ctx, c.ID, c.Audit, audit.Entry{Action: a, Key: a, Actor: "system:test", At: clip.At(start)})
			if err != nil {
				t.Fatal(err)
			}
			c.Audit = head
		}
		if c, err = st.CreateClip(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	verified := seed("2026/03/01/AB1234/clip-1.mp4", 3<<20+17, false)
	quarantined := seed("2026/03/01/AB1234/clip-2.mp4", 70_001, true)

	cmd := cli{t: t, ctx: ctx}
	bwv, expect := cmd.run, cmd.expect

	outDir := t.TempDir()
	code, out := bwv("export", verified.ID, quarantined.ID, "--out", outDir, "--purpose", "MG6 disclosure, case 01YX1234526",
		"--actor", "DC 4471 Smith", "--destination", "CPS", "--settings", settings)
	expect(code, out, 0, "exported "+verified.ID, "exported "+quarantined.ID, "sha256(index.json) = ")
	bundle := filepath.Join(outDir, verified.ID)
	expectNoPartial(t, outDir)
	for _, c := range []clip.Clip{verified, quarantined} {
		code, out = bwv("export", "verify", filepath.Join(outDir, c.ID))
		expect(code, out, 0, "ok      clip "+c.ID)
	}
	if _, err := os.Stat(filepath.Join(bundle, disclosure.FileAnchorProof)); !os.IsNotExist(err) {
		t.Fatalf("%s exists in this version: %v", disclosure.FileAnchorProof, err)
	}
	var m disclosure.Manifest
	readBundleJSON(t, bundle, disclosure.FileManifest, &m)
	if m.Clip.SHA256Computed != verified.SHA256.Computed || m.Clip.Size != verified.Blob.Size || m.Anchoring.Status != disclosure.AnchoringNotYet ||
		m.Export.Actor != "DC 4471 Smith" || m.Export.ActorAuthenticated || m.Recorded.Device != "CAM-0042" {
		t.Fatalf("manifest: %+v", m)
	}
	var qm disclosure.Manifest
	readBundleJSON(t, filepath.Join(outDir, quarantined.ID), disclosure.FileManifest, &qm)
	if qm.Clip.Source != "quarantine" || qm.Clip.Container != "quarantine" {
		t.Fatalf("quarantined clip exported from %s %s/%s, want its quarantine copy", qm.Clip.Source, qm.Clip.Container, qm.Clip.Name)
	}

	// The disclosed entry is in Cosmos, the record's head moved to it, and
	// the chain still verifies.
	entries, err := st.ListAudit(ctx, verified.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := entries[len(entries)-1]
	if read := entries[len(entries)-2]; read.Action != audit.ActionConsulted || read.Details[disclosure.DetailContent] != disclosure.ContentRead ||
		read.Details[disclosure.DetailTool] != "bwv export" || read.Actor != "DC 4471 Smith" {
		t.Fatalf("the read before the download: %+v", read)
	}
	if len(entries) != 4 || last.Action != disclosure.ActionDisclosed || last.Actor != "DC 4471 Smith" || last.ActorAuthenticated ||
		last.Justification != "MG6 disclosure, case 01YX1234526" || last.Details[disclosure.DetailDestination] != "CPS" || last.Details[disclosure.DetailContentHash] == "" {
		t.Fatalf("trail after export: %+v", entries)
	}
	rec, err := st.GetClip(ctx, verified.OfficerID, verified.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Audit != audit.Head(last) {
		t.Fatalf("record head %+v, want %+v", rec.Audit, audit.Head(last))
	}
	code, out = bwv("audit", "verify", "--all")
	expect(code, out, 0, "2 chains checked, 0 broken")

	clipFile := filepath.FromSlash(m.Clip.File)
	tampered := func(name string, edit func(dir string)) string {
		t.Helper()
		dir := filepath.Join(t.TempDir(), name)
		copyDir(t, bundle, dir)
		edit(dir)
		return dir
	}
	// One byte of the clip file.
	dir := tampered("clip-byte", func(dir string) {
		flipByte(t, filepath.Join(dir, clipFile), 1<<20+3)
	})
	code, out = bwv("export", "verify", dir)
	expect(code, out, 3, "FILE_HASH_MISMATCH "+m.Clip.File+" field sha256", "CLIP_HASH_MISMATCH "+m.Clip.File,
		"DISCLOSED_ENTRY_MISMATCH audit-trail.json entry 4 ("+verified.ID+":000004) field details.clipSha256")

	// One audit entry, edited in the bundle; and the same edit with the
	// index and sums rewritten to match: the entry's own hash still names it.
	editEntry := func(dir string) {
		var raw []map[string]any
		readBundleJSON(t, dir, disclosure.FileAuditTrail, &raw)
		raw[1]["actor"] = "someone else"
		writeBundleJSON(t, dir, disclosure.FileAuditTrail, raw)
	}
	dir = tampered("entry", editEntry)
	code, out = bwv("export", "verify", dir)
	expect(code, out, 3, "FILE_HASH_MISMATCH audit-trail.json", "ENTRY_HASH_MISMATCH audit-trail.json entry 2 ("+verified.ID+":000002) field hash")
	dir = tampered("entry-reindexed", func(dir string) { editEntry(dir); reindex(t, dir) })
	code, out = bwv("export", "verify", dir)
	expect(code, out, 3, "ENTRY_HASH_MISMATCH audit-trail.json entry 2 ("+verified.ID+":000002) field hash")
	if strings.Contains(out, "FILE_HASH_MISMATCH") {
		t.Fatalf("reindexed bundle still fails the file check, so the entry check is not what was tested:\n%s", out)
	}
	// A link: entry 3's prevHash.
	dir = tampered("link", func(dir string) {
		var es []audit.Entry
		readBundleJSON(t, dir, disclosure.FileAuditTrail, &es)
		es[2].PrevHash = strings.Repeat("a", 64)
		writeBundleJSON(t, dir, disclosure.FileAuditTrail, es)
		reindex(t, dir)
	})
	code, out = bwv("export", "verify", dir)
	expect(code, out, 3, "ENTRY_LINK_BROKEN audit-trail.json entry 3 ("+verified.ID+":000003) field prevHash")

	// The manifest.
	dir = tampered("manifest", func(dir string) {
		p := filepath.Join(dir, disclosure.FileManifest)
		b, _ := os.ReadFile(p)
		os.WriteFile(p, bytes.Replace(b, []byte("CAM-0042"), []byte("CAM-0043"), 1), 0o644)
	})
	code, out = bwv("export", "verify", dir)
	expect(code, out, 3, "FILE_HASH_MISMATCH manifest.json field sha256")
	dir = tampered("manifest-reindexed", func(dir string) {
		p := filepath.Join(dir, disclosure.FileManifest)
		b, _ := os.ReadFile(p)
		os.WriteFile(p, bytes.Replace(b, []byte("CAM-0042"), []byte("CAM-0043"), 1), 0o644)
		reindex(t, dir)
	})
	code, out = bwv("export", "verify", dir)
	expect(code, out, 3, "SUMS_MISMATCH content.sha256 field manifest.json", "MANIFEST_MISMATCH record.json field officerId/deviceId/stationId")

	// The record's head.
	dir = tampered("head", func(dir string) {
		var c clip.Clip
		readBundleJSON(t, dir, disclosure.FileRecord, &c)
		c.Audit.Seq = 2
		writeBundleJSON(t, dir, disclosure.FileRecord, c)
		reindex(t, dir)
	})
	code, out = bwv("export", "verify", dir)
	expect(code, out, 3, "AUDIT_HEAD_MISMATCH record.json field audit.seq")

	// An unknown clip: a code, no bundle, no partial directory.
	empty := t.TempDir()
	code, out = bwv("export", strings.Repeat("0", 40), "--out", empty, "--purpose", "p", "--actor", "a", "--settings", settings)
	expect(code, out, 4, "CLIP_NOT_FOUND")
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Fatalf("a refused export left %v", ents)
	}
	// The same clip again into the same directory: refused, nothing appended.
	code, out = bwv("export", verified.ID, "--out", outDir, "--purpose", "p", "--actor", "a", "--settings", settings)
	expect(code, out, 4, "BUNDLE_EXISTS")
	if again, _ := st.ListAudit(ctx, verified.ID); len(again) != len(entries) {
		t.Fatalf("a refused export appended: %d entries", len(again))
	}
	code, out = bwv("export", verified.ID, "--out", outDir, "--actor", "a", "--settings", settings)
	expect(code, out, 2, "INPUT_INVALID", "--purpose")
	code, out = bwv("export", "verify", empty)
	expect(code, out, 1, "BUNDLE_UNREADABLE")
}

func expectNoPartial(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".partial-") {
			t.Fatalf("partial bundle left behind: %s", e.Name())
		}
	}
}

func readBundleJSON(t *testing.T, dir, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func writeBundleJSON(t *testing.T, dir, name string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x01
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, r), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, r), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// reindex rewrites SHA256SUMS and index.json to match the files as they
// are: a forger who rewrote the index too (the bundle hash then differs
// from the one handed over, but verify must still name the edit).
func reindex(t *testing.T, dir string) {
	t.Helper()
	var idx disclosure.Index
	readBundleJSON(t, dir, disclosure.FileIndex, &idx)
	sumOf := func(p string) (string, int64) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(b)
		return hex.EncodeToString(s[:]), int64(len(b))
	}
	var sums strings.Builder
	for i, f := range idx.Files {
		if f.Path == disclosure.FileSums {
			continue
		}
		idx.Files[i].SHA256, idx.Files[i].Size = sumOf(f.Path)
	}
	for _, f := range idx.Files {
		if f.Path != disclosure.FileSums {
			sums.WriteString(f.SHA256 + "  " + f.Path + "\n")
		}
	}
	if err := os.WriteFile(filepath.Join(dir, disclosure.FileSums), []byte(sums.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, f := range idx.Files {
		if f.Path == disclosure.FileSums {
			idx.Files[i].SHA256, idx.Files[i].Size = sumOf(f.Path)
		}
	}
	writeBundleJSON(t, dir, disclosure.FileIndex, idx)
}
