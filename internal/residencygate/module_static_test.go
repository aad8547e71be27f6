package residencygate_test

// Static checks of infra/terraform with hcl/v2: properties that must hold by
// construction, checked without any binary or provider.

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/bwv-ingest/bwv-ingest/internal/residencygate"
	"github.com/bwv-ingest/bwv-ingest/shared/residency"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

const moduleDir = "../../infra/terraform"

type module struct {
	bodies []*hclsyntax.Body
	ctx    *hcl.EvalContext
}

func loadModule(t *testing.T, dir string) *module {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s: %v", dir, err)
	}
	sort.Strings(files)
	p := hclparse.NewParser()
	m := &module{}
	for _, f := range files {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", f, diags.Error())
		}
		m.bodies = append(m.bodies, file.Body.(*hclsyntax.Body))
	}

	// var.* from defaults; variables without a default get a plausible value.
	vars := map[string]cty.Value{}
	for _, b := range m.blocks("variable") {
		val := cty.StringVal("bwv-test")
		if a, ok := b.Body.Attributes["default"]; ok {
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() {
				t.Fatalf("variable %s default: %s", b.Labels[0], diags.Error())
			}
			val = v
		}
		vars[b.Labels[0]] = val
	}
	m.ctx = &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}, Functions: functions()}

	// local.*: evaluate what can be evaluated from variables and other locals
	// (locals that need resource attributes stay out).
	locals := map[string]cty.Value{}
	for pass := 0; pass < 5; pass++ {
		m.ctx.Variables["local"] = cty.ObjectVal(locals)
		for _, b := range m.blocks("locals") {
			for name, a := range b.Body.Attributes {
				if _, done := locals[name]; done {
					continue
				}
				if v, diags := a.Expr.Value(m.ctx); !diags.HasErrors() && v.IsWhollyKnown() {
					locals[name] = v
				}
			}
		}
	}
	m.ctx.Variables["local"] = cty.ObjectVal(locals)
	return m
}

func (m *module) blocks(typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range m.bodies {
		for _, blk := range b.Blocks {
			if blk.Type == typ {
				out = append(out, blk)
			}
		}
	}
	return out
}

func functions() map[string]function.Function {
	return map[string]function.Function{
		"coalesce": stdlib.CoalesceFunc,
		"replace":  stdlib.ReplaceFunc,
		"merge":    stdlib.MergeFunc,
		"join":     stdlib.JoinFunc,
		"lookup":   stdlib.LookupFunc,
		"contains": stdlib.ContainsFunc,
		"tostring": stdlib.MakeToFunc(cty.String),
	}
}

// ukRegions is residency.UKRegions as a set.
var ukRegions = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range residency.UKRegions {
		m[r] = true
	}
	return m
}()

// globalByDesign: the types the gate allows in "global" (residencygate.GlobalByDesignTypes).
var globalByDesign = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range residencygate.GlobalByDesignTypes() {
		m[t] = true
	}
	return m
}()

// Every location in the module resolves, under the variable defaults, to a UK
// region — including every Cosmos geo_location — or is "global" on a type the
// gate allows as global by design.
func TestModuleEveryLocationIsUK(t *testing.T) {
	m := loadModule(t, moduleDir)
	checked := 0
	for _, r := range m.blocks("resource") {
		addr := r.Labels[0] + "." + r.Labels[1]
		if a, ok := r.Body.Attributes["location"]; ok {
			v, diags := a.Expr.Value(m.ctx)
			if diags.HasErrors() || !v.IsWhollyKnown() || v.Type() != cty.String {
				t.Errorf("%s: location must resolve from variables and locals: %s", addr, diags.Error())
				continue
			}
			if !ukRegions[v.AsString()] && !(v.AsString() == "global" && globalByDesign[r.Labels[0]]) {
				t.Errorf("%s: location %q is not a UK region", addr, v.AsString())
			}
			checked++
		}
		for _, d := range r.Body.Blocks {
			if d.Type != "dynamic" || !strings.HasSuffix(d.Labels[0], "location") {
				continue
			}
			forEach, diags := d.Body.Attributes["for_each"].Expr.Value(m.ctx)
			if diags.HasErrors() || !forEach.IsWhollyKnown() {
				t.Errorf("%s: dynamic %s for_each must resolve: %s", addr, d.Labels[0], diags.Error())
				continue
			}
			content := d.Body.Blocks[0].Body
			for it := forEach.ElementIterator(); it.Next(); {
				k, v := it.Element()
				ctx := m.ctx.NewChild()
				ctx.Variables = map[string]cty.Value{d.Labels[0]: cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
				loc, diags := content.Attributes["location"].Expr.Value(ctx)
				if diags.HasErrors() || !ukRegions[loc.AsString()] {
					t.Errorf("%s: %s[%s].location = %#v (%s), want a UK region", addr, d.Labels[0], k.GoString(), loc, diags.Error())
				}
				checked++
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d locations checked: the module's resources were not found", checked)
	}
}

// terraform-provider-azurerm#25123 guard, by construction: no Cosmos container
// sets default_ttl, every data store has prevent_destroy, and every container
// has a postcondition on default_ttl.
func TestModuleCosmosAndDataStoresAreGuarded(t *testing.T) {
	m := loadModule(t, moduleDir)
	guarded := map[string]bool{"azurerm_storage_account": true, "azurerm_cosmosdb_account": true,
		"azurerm_cosmosdb_sql_database": true, "azurerm_cosmosdb_sql_container": true}
	containers := 0
	for _, r := range m.blocks("resource") {
		typ, addr := r.Labels[0], r.Labels[0]+"."+r.Labels[1]
		if !guarded[typ] {
			continue
		}
		var lifecycle *hclsyntax.Block
		for _, b := range r.Body.Blocks {
			if b.Type == "lifecycle" {
				lifecycle = b
			}
		}
		if lifecycle == nil {
			t.Errorf("%s: no lifecycle block (prevent_destroy)", addr)
			continue
		}
		pd, ok := lifecycle.Body.Attributes["prevent_destroy"]
		if v, _ := exprValue(pd, ok); v != cty.True {
			t.Errorf("%s: prevent_destroy must be true", addr)
		}
		if typ != "azurerm_cosmosdb_sql_container" {
			continue
		}
		containers++
		if _, set := r.Body.Attributes["default_ttl"]; set {
			t.Errorf("%s: default_ttl is set: records would expire (#25123 guard)", addr)
		}
		var ttlCheck bool
		for _, b := range lifecycle.Body.Blocks {
			if b.Type != "postcondition" {
				continue
			}
			for _, tr := range b.Body.Attributes["condition"].Expr.Variables() {
				if strings.Contains(traversalString(tr), "default_ttl") {
					ttlCheck = true
				}
			}
		}
		if !ttlCheck {
			t.Errorf("%s: no postcondition on default_ttl", addr)
		}
	}
	if containers != 2 {
		t.Errorf("found %d Cosmos containers, want clips and audit", containers)
	}
}

// The Event Grid subscription delivers to the ClipIngest function, named
// literally so the residency gate can trace the endpoint to the app alone.
func TestModuleEventSubscriptionTargetsClipIngest(t *testing.T) {
	m := loadModule(t, moduleDir)
	for _, r := range m.blocks("resource") {
		if r.Labels[0] != "azurerm_eventgrid_system_topic_event_subscription" {
			continue
		}
		for _, b := range r.Body.Blocks {
			if b.Type != "azure_function_endpoint" {
				continue
			}
			tmpl, ok := b.Body.Attributes["function_id"].Expr.(*hclsyntax.TemplateExpr)
			if !ok || len(tmpl.Parts) != 2 {
				t.Fatalf("function_id must be \"${<function app>.id}/functions/ClipIngest\"")
			}
			app := traversalString(tmpl.Parts[0].Variables()[0])
			lit, _ := tmpl.Parts[1].Value(nil)
			if app != "azurerm_function_app_flex_consumption.this.id" || lit.AsString() != "/functions/ClipIngest" {
				t.Errorf("function_id parts: %q, %q", app, lit.AsString())
			}
			return
		}
	}
	t.Fatal("no azure_function_endpoint in an event subscription")
}

// Every endpoint the Function App writes to is known at plan time (built
// from account names), so the residency gate can check it: app settings are
// one expression in plan JSON, and a value known only after apply is refused.
func TestModuleFunctionAppEndpointsAreKnownAtPlan(t *testing.T) {
	m := loadModule(t, moduleDir)
	local := m.ctx.Variables["local"]
	want := map[string]string{
		"storage_blob_endpoint":       "https://stbwvtest.blob.core.windows.net/",
		"host_storage_blob_endpoint":  "https://stbwvtesthost.blob.core.windows.net/",
		"host_storage_queue_endpoint": "https://stbwvtesthost.queue.core.windows.net/",
		"cosmos_endpoint":             "https://cosmos-bwv-test.documents.azure.com:443/",
	}
	for name, w := range want {
		if !local.Type().HasAttribute(name) {
			t.Errorf("local.%s does not evaluate from variables", name)
			continue
		}
		if got := local.GetAttr(name); got != cty.StringVal(w) {
			t.Errorf("local.%s = %#v, want %q", name, got, w)
		}
	}
	for _, b := range m.blocks("locals") {
		a, ok := b.Body.Attributes["app_settings"]
		if !ok {
			continue
		}
		obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr)
		if !ok {
			t.Fatal("local.app_settings must be an object literal")
		}
		for _, item := range obj.Items {
			key, _ := item.KeyExpr.Value(nil)
			name := key.AsString()
			if !strings.HasSuffix(name, "ServiceUri") && !strings.HasSuffix(name, "_ENDPOINT") {
				continue
			}
			for _, tr := range item.ValueExpr.Variables() {
				if root := tr.RootName(); root != "var" && root != "local" {
					t.Errorf("app setting %s reads %s, known only after apply", name, traversalString(tr))
				}
			}
		}
		return
	}
	t.Fatal("no local.app_settings")
}

func exprValue(a *hclsyntax.Attribute, ok bool) (cty.Value, hcl.Diagnostics) {
	if !ok {
		return cty.NilVal, nil
	}
	return a.Expr.Value(nil)
}

func traversalString(tr hcl.Traversal) string {
	var b strings.Builder
	for i, s := range tr {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			if i > 0 {
				b.WriteString(".")
			}
			b.WriteString(s.Name)
		}
	}
	return b.String()
}

// longest_footage_retention_days (the Locked period of audit-anchors, when
// previous versions may go, how long access logs are kept) covers the
// longest dated period of the built-in retention policy, counted from the
// blob's creation: a period runs from the recorded start (before the upload)
// or, after a camera clock reset, from the receipt.
func TestModuleLongestRetentionCoversTheDefaultPolicy(t *testing.T) {
	m := loadModule(t, moduleDir)
	v := m.ctx.Variables["var"].GetAttr("longest_footage_retention_days")
	days, _ := v.AsBigFloat().Int64()
	p := retention.Default()
	rules := []retention.Rule{p.DefaultRule(), p.QuarantineRule(), p.IncidentLinkedRule()}
	for _, c := range p.Categories() {
		r, _ := p.CategoryRule(c)
		rules = append(rules, r)
	}
	longest, dated := 0.0, 0
	// starts around leap days give the most days for a period in years
	for _, start := range []time.Time{time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 2, 28, 0, 0, 0, 0, time.UTC), time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)} {
		for _, r := range rules {
			if r.HoldUntilReleased || r.Period.IsZero() {
				continue
			}
			dated++
			if d := r.Period.AddTo(start).Sub(start).Hours() / 24; d > longest {
				longest = d
			}
		}
	}
	if dated == 0 {
		t.Fatal("no dated rule in the default policy")
	}
	if float64(days) < longest {
		t.Errorf("longest_footage_retention_days defaults to %d, but the default policy keeps footage up to %.0f days", days, longest)
	}
	if float64(days) > longest+2 {
		t.Errorf("longest_footage_retention_days defaults to %d, well beyond the default policy's longest period (%.0f days): update the default and its docs together", days, longest)
	}
}
