package residencygate_test

// Holes a reviewer proved in the residency gate (issue 5 follow-up), each as a
// small plan fed to CheckPlan. Every case here passed the gate before the fix.

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/internal/residencygate"
	tfjson "github.com/hashicorp/terraform-json"
)

const (
	sub       = "/subscriptions/11111111-1111-1111-1111-111111111111"
	rgShared  = sub + "/resourceGroups/rg-shared"
	rgBwv     = sub + "/resourceGroups/rg-bwv"
	lawWeu    = rgShared + "/providers/Microsoft.OperationalInsights/workspaces/law-weu"
	lawUK     = rgBwv + "/providers/Microsoft.OperationalInsights/workspaces/law-bwv"
	funcAppID = rgBwv + "/providers/Microsoft.Web/sites/func-bwv"
)

// change is one resource change of a test plan; exprs are its configuration
// expressions as show -json writes them (attribute -> {"references": [...]}).
type change struct {
	addr        string
	after       map[string]any
	unknown     map[string]any
	exprs       map[string]any
	provisioner string // a provisioner block of this type in its configuration
}

// existing is one resource of the prior state (managed or data).
type existing struct {
	addr   string
	values map[string]any
}

func refs(rs ...string) map[string]any { return map[string]any{"references": rs} }

// testPlan builds plan JSON the way show -json lays it out and parses it with
// terraform-json, as the gate reads real plans.
func testPlan(t *testing.T, changes []change, prior []existing) *tfjson.Plan {
	t.Helper()
	split := func(addr string) (mode, typ, name string) {
		mode = "managed"
		if strings.HasPrefix(addr, "data.") {
			mode, addr = "data", strings.TrimPrefix(addr, "data.")
		}
		parts := strings.SplitN(addr, ".", 2)
		name = parts[1]
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		return mode, parts[0], name
	}
	var rcs, cfg []any
	for _, c := range changes {
		mode, typ, name := split(c.addr)
		unknown := map[string]any{"id": true}
		for k, v := range c.unknown {
			unknown[k] = v
		}
		rcs = append(rcs, map[string]any{
			"address": c.addr, "mode": mode, "type": typ, "name": name,
			"change": map[string]any{"actions": []string{"create"}, "before": nil, "after": c.after, "after_unknown": unknown},
		})
		if c.exprs != nil || c.provisioner != "" {
			base := c.addr
			if i := strings.IndexByte(base, '['); i >= 0 {
				base = base[:i]
			}
			cr := map[string]any{"address": base, "mode": mode, "type": typ, "name": name, "expressions": c.exprs}
			if c.provisioner != "" {
				cr["provisioners"] = []any{map[string]any{"type": c.provisioner, "expressions": map[string]any{"command": map[string]any{"constant_value": "az storage blob copy start …"}}}}
			}
			cfg = append(cfg, cr)
		}
	}
	var prs []any
	for _, e := range prior {
		mode, typ, name := split(e.addr)
		prs = append(prs, map[string]any{"address": e.addr, "mode": mode, "type": typ, "name": name, "values": e.values})
	}
	raw := map[string]any{
		"format_version":   "1.2",
		"resource_changes": rcs,
		"configuration":    map[string]any{"root_module": map[string]any{"resources": cfg}},
	}
	if prs != nil {
		raw["prior_state"] = map[string]any{"format_version": "1.0", "values": map[string]any{"root_module": map[string]any{"resources": prs}}}
	}
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	var p tfjson.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// sinkOf returns the evidence of one sink attribute of one resource.
func sinkOf(t *testing.T, ev *residencygate.Evidence, addr, attr string) residencygate.SinkUse {
	t.Helper()
	for _, r := range ev.Resources {
		if r.Address != addr {
			continue
		}
		for _, s := range r.Sinks {
			if s.Attribute == attr {
				return s
			}
		}
		t.Fatalf("%s has no sink %s: %+v", addr, attr, r.Sinks)
	}
	t.Fatalf("no resource %s in the evidence", addr)
	return residencygate.SinkUse{}
}

func hasFinding(ev *residencygate.Evidence, addr, attr string, why residencygate.Reason) bool {
	for _, f := range ev.Findings {
		if f.Address == addr && f.Attribute == attr && f.Reason == why {
			return true
		}
	}
	return false
}

var ukWorkspace = change{addr: "azurerm_log_analytics_workspace.this",
	after: map[string]any{"name": "law-bwv", "location": "uksouth"}}

// Fix 1: a known sink ID is never located through its resource group or
// subscription — only through itself or a parent resource it is a child of.
func TestGateDoesNotLocateSinksThroughTheirResourceGroup(t *testing.T) {
	prior := []existing{
		{"data.azurerm_resource_group.shared", map[string]any{"id": rgShared, "name": "rg-shared", "location": "uksouth"}},
		{"data.azurerm_subscription.this", map[string]any{"id": sub}},
		{"azurerm_function_app_flex_consumption.this", map[string]any{"id": funcAppID, "name": "func-bwv", "location": "uksouth"}},
		{"azurerm_log_analytics_workspace.this", map[string]any{"id": lawUK, "name": "law-bwv", "location": "uksouth"}},
	}
	tests := []struct {
		name, attr, value string
		want              string
	}{
		{"workspace in a UK resource group", "log_analytics_workspace_id", lawWeu, "unresolved"},
		{"workspace in a UK subscription", "log_analytics_workspace_id", sub + "/resourceGroups/rg-other/providers/Microsoft.OperationalInsights/workspaces/x", "unresolved"},
		{"extension resource under a located resource", "log_analytics_workspace_id", lawUK + "/providers/Microsoft.OperationalInsights/workspaces/law-weu", "unresolved"},
		{"dot-dot path under a located resource", "log_analytics_workspace_id", lawUK + "/../law-weu", "unresolved"},
		{"the located workspace itself", "log_analytics_workspace_id", lawUK, "allowed"},
		{"a child of a located resource", "storage_account_id", funcAppID + "/functions/ClipIngest", "allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlan(t, []change{{addr: "azurerm_monitor_diagnostic_setting.x",
				after: map[string]any{"name": "d", "target_resource_id": funcAppID, tt.attr: tt.value}}}, prior)
			ev := residencygate.CheckPlan(p, residencygate.Policy{})
			if got := sinkOf(t, ev, "azurerm_monitor_diagnostic_setting.x", tt.attr); got.Status != tt.want {
				t.Errorf("sink %s = %+v, want status %s", tt.value, got, tt.want)
			}
			if tt.want == "unresolved" && !hasFinding(ev, "azurerm_monitor_diagnostic_setting.x", tt.attr, residencygate.ReasonSinkUnresolved) {
				t.Errorf("no sink-unresolved finding: %+v", ev.Findings)
			}
		})
	}
}

// Fix 2: a sink unknown at plan time is cleared only when its expression is
// exactly a reference to one located resource's id: no var, local, module or
// data reference, no second resource, no other attribute.
func TestGateUnknownSinkNeedsAnExactReference(t *testing.T) {
	tests := []struct {
		name string
		refs []string
		want string
	}{
		{"list with a variable", []string{"var.central_rg", "azurerm_log_analytics_workspace.this.id", "azurerm_log_analytics_workspace.this"}, "unresolved"},
		{"replace with a variable", []string{"azurerm_log_analytics_workspace.this.id", "azurerm_log_analytics_workspace.this", "var.central_rg"}, "unresolved"},
		{"a local", []string{"local.workspace_id"}, "unresolved"},
		{"a module output", []string{"module.logs.workspace_id", "module.logs"}, "unresolved"},
		{"a data source", []string{"data.azurerm_log_analytics_workspace.central.id", "data.azurerm_log_analytics_workspace.central"}, "unresolved"},
		{"each.value", []string{"each.value"}, "unresolved"},
		{"two resources", []string{"azurerm_log_analytics_workspace.this.id", "azurerm_log_analytics_workspace.this", "azurerm_storage_account.this.name", "azurerm_storage_account.this"}, "unresolved"},
		{"another attribute", []string{"azurerm_log_analytics_workspace.this.workspace_id", "azurerm_log_analytics_workspace.this"}, "unresolved"},
		{"no reference", nil, "unresolved"},
		{"exactly the workspace id", []string{"azurerm_log_analytics_workspace.this.id", "azurerm_log_analytics_workspace.this"}, "allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlan(t, []change{ukWorkspace,
				{addr: "azurerm_storage_account.this", after: map[string]any{"name": "stbwv", "location": "uksouth", "account_replication_type": "LRS"}},
				{addr: "azurerm_monitor_diagnostic_setting.x", after: map[string]any{"name": "d"},
					unknown: map[string]any{"log_analytics_workspace_id": true, "target_resource_id": true},
					exprs:   map[string]any{"log_analytics_workspace_id": refs(tt.refs...)}},
			}, nil)
			ev := residencygate.CheckPlan(p, residencygate.Policy{})
			got := sinkOf(t, ev, "azurerm_monitor_diagnostic_setting.x", "log_analytics_workspace_id")
			if got.Status != tt.want {
				t.Errorf("refs %q: sink %+v, want %s", tt.refs, got, tt.want)
			}
			if tt.want == "allowed" && !ev.Passed {
				t.Errorf("exact reference refused: %+v", ev.Findings)
			}
		})
	}
}

// Fix 3: an unknown location is refused, whatever resource its expression
// happens to mention.
func TestGateRefusesAnUnknownLocationWhateverItReferences(t *testing.T) {
	p := testPlan(t, []change{
		{addr: "azurerm_resource_group.this", after: map[string]any{"name": "rg-bwv", "location": "uksouth"}},
		{addr: "azurerm_log_analytics_workspace.dr", after: map[string]any{"name": "law-dr"},
			unknown: map[string]any{"location": true},
			exprs:   map[string]any{"location": refs("var.dr_region_of", "azurerm_resource_group.this.id", "azurerm_resource_group.this")}},
	}, nil)
	ev := residencygate.CheckPlan(p, residencygate.Policy{})
	if !hasFinding(ev, "azurerm_log_analytics_workspace.dr", "location", residencygate.ReasonRegionUnknown) {
		t.Fatalf("lookup(var.dr_region_of, rg.id, \"westeurope\") passed: %+v", ev.Findings)
	}
}

// Fix 4a: managed resource types outside the reviewed allowlist are refused;
// template deployments are refused outright, and so are provisioners.
func TestGateRefusesUnreviewedResourceTypes(t *testing.T) {
	p := testPlan(t, []change{
		{addr: "azurerm_logic_app_action_http.export", after: map[string]any{"name": "export", "method": "POST", "uri": "https://collector.example.com/clips"}},
		{addr: "azurerm_resource_group_template_deployment.x", after: map[string]any{"name": "x", "resource_group_name": "rg-bwv", "deployment_mode": "Incremental"}},
		{addr: "azapi_resource.x", after: map[string]any{"name": "x", "type": "Microsoft.Storage/storageAccounts@2023-01-01"}},
		ukWorkspace,
		{addr: "azurerm_storage_container.x", after: map[string]any{"name": "x"}, provisioner: "local-exec"},
	}, nil)
	if !hasFinding(ev0(t, p), "azurerm_storage_container.x", "provisioner", residencygate.ReasonProvisioner) {
		t.Errorf("a local-exec provisioner passed the gate")
	}
	ev := residencygate.CheckPlan(p, residencygate.Policy{})
	for _, want := range []struct {
		addr string
		why  residencygate.Reason
	}{
		{"azurerm_logic_app_action_http.export", residencygate.ReasonTypeNotReviewed},
		{"azapi_resource.x", residencygate.ReasonTypeNotReviewed},
		{"azurerm_resource_group_template_deployment.x", residencygate.ReasonTemplateDeployment},
	} {
		if !hasFinding(ev, want.addr, "(resource)", want.why) {
			t.Errorf("%s not refused with %s: %+v", want.addr, want.why, ev.Findings)
		}
	}
	for _, f := range ev.Findings {
		if f.Address == "azurerm_log_analytics_workspace.this" {
			t.Errorf("a reviewed type was refused: %+v", f)
		}
	}
	for _, typ := range []string{"azurerm_storage_account", "azurerm_function_app_flex_consumption", "azurerm_monitor_diagnostic_setting"} {
		found := false
		for _, r := range residencygate.ReviewedResourceTypes() {
			found = found || r == typ
		}
		if !found {
			t.Errorf("module type %s missing from the reviewed list", typ)
		}
	}
}

func ev0(t *testing.T, p *tfjson.Plan) *residencygate.Evidence {
	t.Helper()
	return residencygate.CheckPlan(p, residencygate.Policy{})
}

// Fix 4b: the Function App's telemetry, host storage and deployment storage,
// data collection rule destinations and action-group webhooks are sinks.
func TestGateChecksFunctionAppAndMonitorSinks(t *testing.T) {
	const fn = "azurerm_function_app_flex_consumption.this"
	ukConn := "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://uksouth-1.in.applicationinsights.azure.com/;LiveEndpoint=https://uksouth.livediagnostics.monitor.azure.com/;ApplicationId=x"
	euConn := "InstrumentationKey=00000000-0000-0000-0000-000000000002;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/"
	prior := []existing{
		{"data.azurerm_storage_account.eu", map[string]any{"id": rgShared + "/providers/Microsoft.Storage/storageAccounts/steu", "name": "steu", "location": "westeurope"}},
		{"data.azurerm_cosmosdb_account.eu", map[string]any{"id": rgShared + "/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-eu", "name": "cosmos-eu", "location": "westeurope"}},
	}
	base := func() []change {
		return []change{
			ukWorkspace,
			{addr: "azurerm_application_insights.this", after: map[string]any{"name": "appi-bwv", "location": "uksouth"},
				unknown: map[string]any{"connection_string": true, "instrumentation_key": true}},
			{addr: "azurerm_storage_account.this", after: map[string]any{"name": "stbwv", "location": "uksouth", "account_replication_type": "LRS"}},
		}
	}
	app := func(after, unknown, exprs map[string]any) change {
		a := map[string]any{"name": "func-bwv", "location": "uksouth",
			"storage_container_endpoint": "https://stbwv.blob.core.windows.net/function-releases"}
		for k, v := range after {
			a[k] = v
		}
		return change{addr: fn, after: a, unknown: unknown, exprs: exprs}
	}
	tests := []struct {
		name   string
		change change
		attr   string
		want   string // sink status
	}{
		{"App Insights connection string in West Europe",
			app(map[string]any{"site_config": []any{map[string]any{"application_insights_connection_string": euConn}}}, nil, nil),
			"site_config.0.application_insights_connection_string", "refused"},
		{"App Insights connection string in UK South",
			app(map[string]any{"site_config": []any{map[string]any{"application_insights_connection_string": ukConn}}}, nil, nil),
			"site_config.0.application_insights_connection_string", "allowed"},
		{"App Insights connection string with the global endpoint",
			app(map[string]any{"site_config": []any{map[string]any{"application_insights_connection_string": "InstrumentationKey=00000000-0000-0000-0000-000000000001"}}}, nil, nil),
			"site_config.0.application_insights_connection_string", "unresolved"},
		{"App Insights connection string unknown, exactly the module's App Insights",
			app(map[string]any{"site_config": []any{map[string]any{}}}, map[string]any{"site_config": []any{map[string]any{"application_insights_connection_string": true}}},
				map[string]any{"site_config": []any{map[string]any{"application_insights_connection_string": refs("azurerm_application_insights.this.connection_string", "azurerm_application_insights.this")}}}),
			"site_config.0.application_insights_connection_string", "allowed"},
		{"App Insights connection string unknown, through a variable",
			app(map[string]any{"site_config": []any{map[string]any{}}}, map[string]any{"site_config": []any{map[string]any{"application_insights_connection_string": true}}},
				map[string]any{"site_config": []any{map[string]any{"application_insights_connection_string": refs("var.appi_connection_string")}}}),
			"site_config.0.application_insights_connection_string", "unresolved"},
		{"App Insights key not traceable to an App Insights resource",
			app(map[string]any{"site_config": []any{map[string]any{"application_insights_key": "00000000-0000-0000-0000-000000000009"}}}, nil, nil),
			"site_config.0.application_insights_key", "unresolved"},
		{"APPLICATIONINSIGHTS_CONNECTION_STRING app setting in West Europe",
			app(map[string]any{"app_settings": map[string]any{"APPLICATIONINSIGHTS_CONNECTION_STRING": euConn}}, nil, nil),
			"app_settings.APPLICATIONINSIGHTS_CONNECTION_STRING", "refused"},
		{"host storage blob URI on a West Europe account",
			app(map[string]any{"app_settings": map[string]any{"AzureWebJobsStorage__blobServiceUri": "https://steu.blob.core.windows.net/"}}, nil, nil),
			"app_settings.AzureWebJobsStorage__blobServiceUri", "refused"},
		{"host storage blob URI on an account the plan does not show",
			app(map[string]any{"app_settings": map[string]any{"AzureWebJobsStorage__queueServiceUri": "https://stelsewhere.queue.core.windows.net/"}}, nil, nil),
			"app_settings.AzureWebJobsStorage__queueServiceUri", "unresolved"},
		{"host storage blob URI on the plan's UK account",
			app(map[string]any{"app_settings": map[string]any{"AzureWebJobsStorage__blobServiceUri": "https://stbwv.blob.core.windows.net/"}}, nil, nil),
			"app_settings.AzureWebJobsStorage__blobServiceUri", "allowed"},
		{"host storage account name of a West Europe account",
			app(map[string]any{"app_settings": map[string]any{"AzureWebJobsStorage__accountName": "steu"}}, nil, nil),
			"app_settings.AzureWebJobsStorage__accountName", "refused"},
		{"host storage connection string of a West Europe account",
			app(map[string]any{"app_settings": map[string]any{"AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=steu;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net"}}, nil, nil),
			"app_settings.AzureWebJobsStorage", "refused"},
		{"host storage URI unknown at plan time",
			app(map[string]any{"app_settings": map[string]any{}}, map[string]any{"app_settings": map[string]any{"AzureWebJobsStorage__blobServiceUri": true}},
				map[string]any{"app_settings": refs("azurerm_storage_account.this.primary_blob_endpoint", "azurerm_storage_account.this")}),
			"app_settings.AzureWebJobsStorage__blobServiceUri", "unresolved"},
		{"handler's Cosmos endpoint on a West Europe account",
			app(map[string]any{"app_settings": map[string]any{"BWV_COSMOS_ENDPOINT": "https://cosmos-eu.documents.azure.com:443/"}}, nil, nil),
			"app_settings.BWV_COSMOS_ENDPOINT", "refused"},
		{"deployment storage on a West Europe account",
			app(map[string]any{"storage_container_endpoint": "https://steu.blob.core.windows.net/releases"}, nil, nil),
			"storage_container_endpoint", "refused"},
		{"deployment storage on the plan's UK account",
			app(nil, nil, nil),
			"storage_container_endpoint", "allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := residencygate.CheckPlan(testPlan(t, append(base(), tt.change), prior), residencygate.Policy{})
			got := sinkOf(t, ev, fn, tt.attr)
			if got.Status != tt.want {
				t.Errorf("sink = %+v, want %s; findings %+v", got, tt.want, ev.Findings)
			}
			if strings.Contains(got.Target, "c2VjcmV0") || strings.Contains(got.Target, "InstrumentationKey") {
				t.Errorf("evidence shows a secret: %q", got.Target)
			}
			for _, f := range ev.Findings {
				if strings.Contains(f.Value, "c2VjcmV0") || strings.Contains(f.Value, "InstrumentationKey") {
					t.Errorf("finding shows a secret: %+v", f)
				}
			}
		})
	}

	t.Run("data collection rule and action group", func(t *testing.T) {
		ev := residencygate.CheckPlan(testPlan(t, []change{
			{addr: "azurerm_monitor_data_collection_rule.x", after: map[string]any{"name": "dcr", "location": "uksouth",
				"destinations": []any{map[string]any{"log_analytics": []any{map[string]any{"name": "eu", "workspace_resource_id": lawWeu}}}}}},
			{addr: "azurerm_monitor_action_group.x", after: map[string]any{"name": "ag", "location": "uksouth",
				"webhook_receiver": []any{map[string]any{"name": "hook", "service_uri": "https://hooks.example.com/alert"}}}},
		}, []existing{{"azurerm_log_analytics_workspace.weu", map[string]any{"id": lawWeu, "name": "law-weu", "location": "westeurope"}}}), residencygate.Policy{})
		if !hasFinding(ev, "azurerm_monitor_data_collection_rule.x", "destinations.0.log_analytics.0.workspace_resource_id", residencygate.ReasonSinkNotAllowed) {
			t.Errorf("data collection rule to West Europe not refused: %+v", ev.Findings)
		}
		if !hasFinding(ev, "azurerm_monitor_action_group.x", "webhook_receiver.0.service_uri", residencygate.ReasonSinkExternal) {
			t.Errorf("action group webhook not refused: %+v", ev.Findings)
		}
	})
}

// Fix 5: the allowed regions can only narrow the UK pair.
func TestGateAllowedRegionsCannotWiden(t *testing.T) {
	p := testPlan(t, []change{{addr: "azurerm_log_analytics_workspace.eu", after: map[string]any{"name": "law-eu", "location": "westeurope"}}}, nil)
	pol := residencygate.Policy{AllowedRegions: []string{"uksouth", "ukwest", "westeurope"}}
	if ev := residencygate.CheckPlan(p, pol); ev.Passed || !hasFinding(ev, "azurerm_log_analytics_workspace.eu", "location", residencygate.ReasonRegionNotAllowed) {
		t.Errorf("westeurope passed with AllowedRegions %v: %+v", pol.AllowedRegions, ev.Findings)
	}
	if err := pol.Validate(); reason.CodeOf(err) != residencygate.CodePolicyInvalid {
		t.Errorf("Validate(%v) = %v, want %s", pol.AllowedRegions, err, residencygate.CodePolicyInvalid)
	}
	if err := (residencygate.Policy{AllowedRegions: []string{"UK West"}}).Validate(); err != nil {
		t.Errorf("narrowing to UK West: %v", err)
	}
}

// Fix 6: trusted URLs match exactly; trusted IDs reach at least a resource
// group, and a trusted resource covers its children, not other resources.
func TestGateTrustedSinksMatchExactlyOrByResource(t *testing.T) {
	hook := "https://collector.example.com/events"
	tests := []struct {
		name, trusted, sink string
		url                 bool
		want                string
		valid               bool
	}{
		{"URL prefix", "https:", hook, true, "refused", false},
		{"URL without its path", "https://collector.example.com", hook, true, "refused", true},
		{"exact URL", hook, hook, true, "trusted", true},
		{"subscription prefix", sub, lawWeu, false, "unresolved", false},
		{"resource group", rgShared, lawWeu, false, "trusted", true},
		{"resource group name prefix", sub + "/resourceGroups/rg-sh", lawWeu, false, "unresolved", true},
		{"the workspace", lawWeu, lawWeu, false, "trusted", true},
		{"extension resource on the workspace", lawWeu, lawWeu + "/providers/Microsoft.Foo/bars/x", false, "unresolved", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c change
			attr := "log_analytics_workspace_id"
			if tt.url {
				c = change{addr: "azurerm_eventgrid_system_topic_event_subscription.x",
					after: map[string]any{"name": "s", "webhook_endpoint": []any{map[string]any{"url": tt.sink}}}}
				attr = "webhook_endpoint.0.url"
			} else {
				c = change{addr: "azurerm_monitor_diagnostic_setting.x", after: map[string]any{"name": "d", attr: tt.sink}}
			}
			pol := residencygate.Policy{TrustedSinks: []string{tt.trusted}}
			ev := residencygate.CheckPlan(testPlan(t, []change{c}, nil), pol)
			if got := sinkOf(t, ev, c.addr, attr); got.Status != tt.want {
				t.Errorf("trusted %q, sink %q: %+v, want %s", tt.trusted, tt.sink, got, tt.want)
			}
			if err := pol.Validate(); (err == nil) != tt.valid {
				t.Errorf("Validate(trusted %q) = %v, want valid %v", tt.trusted, err, tt.valid)
			}
		})
	}
}
