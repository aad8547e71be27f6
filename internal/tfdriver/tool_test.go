package tfdriver_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/internal/tfdriver"
)

func TestFindToolReportsMissingBinary(t *testing.T) {
	_, err := tfdriver.FindTool(context.Background(), filepath.Join(t.TempDir(), "tofu"))
	if reason.CodeOf(err) != tfdriver.CodeToolMissing {
		t.Fatalf("FindTool(missing) = %v, want code %s", err, tfdriver.CodeToolMissing)
	}
}
