package audit

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The offline proof check (CheckProof, CheckProofEntries) is meant to be
// read and re-implemented outside the force: this package, and so the
// check, needs nothing but the standard library and shared/clip (itself
// standard library only).
func TestAuditNeedsOnlyTheStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var got []string
	for _, l := range strings.Fields(string(out)) {
		got = append(got, l)
	}
	slices.Sort(got)
	want := []string{"github.com/bwv-ingest/bwv-ingest/shared/audit", "github.com/bwv-ingest/bwv-ingest/shared/clip"}
	if !slices.Equal(got, want) {
		t.Fatalf("shared/audit depends on %v; want only %v and the standard library", got, want)
	}
}
