package residencygate_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/residencygate"
	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
)

// toolchain finds the binary and the azurerm plugin directory: environment,
// then the env file scripts/toolchain.sh writes. Missing: fail on CI, skip
// elsewhere.
func toolchain(t *testing.T) (bin, pluginDir string) {
	t.Helper()
	bin, pluginDir = os.Getenv("BWV_TF_BIN"), os.Getenv("BWV_TF_PLUGIN_DIR")
	cache := os.Getenv("BWV_CACHE_DIR")
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, ".cache", "bwv-ingest")
		}
	}
	if b, err := os.ReadFile(filepath.Join(cache, "toolchain.env")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "BWV_TF_BIN="); ok && bin == "" {
				bin = v
			}
			if v, ok := strings.CutPrefix(line, "BWV_TF_PLUGIN_DIR="); ok && pluginDir == "" {
				pluginDir = v
			}
		}
	}
	if bin == "" {
		bin, _ = exec.LookPath("tofu")
	}
	if bin == "" || pluginDir == "" {
		msg := "no tofu/terraform or no azurerm plugin directory: run scripts/toolchain.sh"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin, pluginDir
}

func regionLike(k string) bool {
	switch k {
	case "location", "region", "locations", "regions":
		return true
	}
	return strings.HasSuffix(k, "_location") || strings.HasSuffix(k, "_region")
}

// Every region-like attribute the real azurerm schema computes (unknown in a
// plan that creates the resource) for the resource types the module uses is
// one the gate can derive — otherwise the gate would refuse our own plan.
func TestGateDerivesEveryComputedRegionOfTheModule(t *testing.T) {
	bin, pluginDir := toolchain(t)
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(moduleDir, "*.tf"))
	used := map[string]bool{}
	re := regexp.MustCompile(`resource "(azurerm_[a-z_]+)"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	tf, err := tfexec.NewTerraform(dir, bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := tf.Init(ctx, tfexec.Backend(false), tfexec.PluginDir(pluginDir)); err != nil {
		t.Fatal(err)
	}
	schemas, err := tf.ProvidersSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var azurerm *tfjson.ProviderSchema
	for name, s := range schemas.Schemas {
		if strings.HasSuffix(name, "hashicorp/azurerm") {
			azurerm = s
		}
	}
	if azurerm == nil {
		t.Fatal("azurerm schema not found")
	}

	types := make([]string, 0, len(used))
	for typ := range used {
		types = append(types, typ)
	}
	sort.Strings(types)
	computed := 0
	for _, typ := range types {
		rs := azurerm.ResourceSchemas[typ]
		if rs == nil {
			t.Errorf("%s: not in the azurerm schema", typ)
			continue
		}
		for name, a := range rs.Block.Attributes {
			if !regionLike(name) || !a.Computed || a.Optional || a.Required {
				continue
			}
			computed++
			plan := syntheticCreate(typ, name)
			ev := residencygate.CheckPlan(plan, residencygate.Policy{})
			for _, f := range ev.Findings {
				t.Errorf("%s.%s is computed by azurerm, and the gate refuses it when unknown: %+v", typ, name, f)
			}
		}
	}
	t.Logf("%d resource types, %d computed region attributes checked", len(types), computed)
}

// syntheticCreate is a plan creating one resource in uksouth (geo-redundant
// where that applies) with attr unknown, as a real plan shows it.
func syntheticCreate(typ, attr string) *tfjson.Plan {
	raw := map[string]any{
		"format_version": "1.2",
		"resource_changes": []any{map[string]any{
			"address": typ + ".x", "mode": "managed", "type": typ, "name": "x",
			"change": map[string]any{
				"actions":       []string{"create"},
				"before":        nil,
				"after":         map[string]any{"location": "uksouth", "account_replication_type": "GZRS"},
				"after_unknown": map[string]any{"id": true, attr: true},
			},
		}},
	}
	b, _ := json.Marshal(raw)
	var p tfjson.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		panic(err)
	}
	return &p
}
