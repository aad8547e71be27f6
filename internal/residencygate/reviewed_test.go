package residencygate_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/residencygate"
)

// The gate's reviewed types are exactly the managed resource types
// infra/terraform (module and example) uses, plus terraform_data: a type the
// module starts to use fails here until someone reviews it for the gate, and
// a type it stops using leaves the list.
func TestReviewedTypesAreTheModuleTypes(t *testing.T) {
	used := map[string]bool{"terraform_data": true}
	re := regexp.MustCompile(`(?m)^resource\s+"([a-z0-9_]+)"`)
	for _, dir := range []string{moduleDir, filepath.Join(moduleDir, "examples", "default")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
		if len(files) == 0 {
			t.Fatalf("no .tf files in %s", dir)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = true
			}
		}
	}
	var want []string
	for typ := range used {
		want = append(want, typ)
	}
	sort.Strings(want)
	got := residencygate.ReviewedResourceTypes()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("reviewed types:\n got %v\nwant %v (the module's types): review a new type for the gate before adding it", got, want)
	}
}
