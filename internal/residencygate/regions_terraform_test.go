package residencygate_test

// The UK region set is stated once in Go (residency.UKRegions, residency.UKPair)
// and once in Terraform (local.allowed_locations, local.region_pair in
// infra/terraform/locals.tf). These tests fail when the two statements
// differ, or when a .tf file of the module restates the set as a literal
// instead of using the local.

import (
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/bwv-ingest/bwv-ingest/shared/residency"
)

func TestTerraformUKRegionsEqualGo(t *testing.T) {
	m := loadModule(t, moduleDir)
	locals := m.ctx.Variables["local"]

	if !locals.Type().HasAttribute("allowed_locations") {
		t.Fatal("infra/terraform/locals.tf has no local.allowed_locations (a literal list of regions)")
	}
	var tf []string
	for it := locals.GetAttr("allowed_locations").ElementIterator(); it.Next(); {
		_, v := it.Element()
		if v.Type() != cty.String {
			t.Fatalf("local.allowed_locations holds a %s, want region names", v.Type().FriendlyName())
		}
		tf = append(tf, v.AsString())
	}
	goSet := slices.Clone(residency.UKRegions)
	sort.Strings(tf)
	sort.Strings(goSet)
	if !slices.Equal(tf, goSet) {
		t.Errorf("local.allowed_locations (infra/terraform/locals.tf) = %v, residency.UKRegions (shared/residency) = %v: "+
			"the UK set is one rule; change both together", tf, goSet)
	}

	if !locals.Type().HasAttribute("region_pair") {
		t.Fatal("infra/terraform/locals.tf has no local.region_pair")
	}
	tfPairs := map[string]string{}
	for it := locals.GetAttr("region_pair").ElementIterator(); it.Next(); {
		k, v := it.Element()
		tfPairs[k.AsString()] = v.AsString()
	}
	goPairs := map[string]string{}
	for _, r := range residency.UKRegions {
		if p, ok := residency.UKPair(r); ok {
			goPairs[r] = p
		}
	}
	if len(tfPairs) != len(goPairs) {
		t.Errorf("local.region_pair = %v, residency.UKPair over residency.UKRegions = %v", tfPairs, goPairs)
	}
	for r, p := range goPairs {
		if tfPairs[r] != p {
			t.Errorf("local.region_pair[%q] = %q, residency.UKPair(%q) = %q", r, tfPairs[r], r, p)
		}
	}
}

// No .tf file of the module lists UK regions as a literal list (e.g.
// contains(["uksouth", "ukwest"], var.location)) except the one declaration,
// local.allowed_locations: every validation and precondition uses the local.
func TestTerraformStatesUKRegionsOnce(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(moduleDir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s: %v", moduleDir, err)
	}
	p := hclparse.NewParser()
	declarations := 0
	for _, f := range files {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", f, diags.Error())
		}
		body := file.Body.(*hclsyntax.Body)
		var declaration hclsyntax.Expression
		if filepath.Base(f) == "locals.tf" {
			for _, b := range body.Blocks {
				if a, ok := b.Body.Attributes["allowed_locations"]; b.Type == "locals" && ok {
					declaration = a.Expr
				}
			}
		}
		hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
			tup, ok := n.(*hclsyntax.TupleConsExpr)
			if !ok || !listsUKRegion(tup) {
				return nil
			}
			if declaration != nil && tup == declaration {
				declarations++
				return nil
			}
			rng := tup.Range()
			t.Errorf("%s:%d: a literal list of UK regions; use local.allowed_locations (locals.tf) instead", filepath.Base(f), rng.Start.Line)
			return nil
		})
	}
	if declarations != 1 {
		t.Errorf("local.allowed_locations declared as a literal list %d times in locals.tf, want once", declarations)
	}
}

// listsUKRegion: a tuple with a literal string element naming a UK region.
func listsUKRegion(tup *hclsyntax.TupleConsExpr) bool {
	for _, e := range tup.Exprs {
		v, diags := e.Value(nil)
		if diags.HasErrors() || !v.IsWhollyKnown() || v.Type() != cty.String {
			continue
		}
		if slices.Contains(residency.UKRegions, residency.Normalize(v.AsString())) {
			return true
		}
	}
	return false
}
