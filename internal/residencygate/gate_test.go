package residencygate_test

import (
	"bytes"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/residencygate"
	"github.com/bwv-ingest/bwv-ingest/internal/tfdriver"
)

type offence struct {
	Address, Attribute string
	Reason             residencygate.Reason
	Value              string
}

func offences(ev *residencygate.Evidence) []offence {
	var out []offence
	for _, f := range ev.Findings {
		out = append(out, offence{f.Address, f.Attribute, f.Reason, f.Value})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Address != out[j].Address {
			return out[i].Address < out[j].Address
		}
		return out[i].Attribute < out[j].Attribute
	})
	return out
}

func readPlan(t *testing.T, name string) *residencygate.Evidence {
	t.Helper()
	p, err := tfdriver.ReadPlanJSON(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return residencygate.CheckPlan(p, residencygate.Policy{})
}

func TestGatePassesUKOnlyPlan(t *testing.T) {
	ev := readPlan(t, "plan-uk-only.json")
	if !ev.Passed || len(ev.Findings) != 0 {
		var b bytes.Buffer
		_ = residencygate.WriteOffenders(&b, ev.Findings)
		t.Fatalf("UK-only plan refused:\n%s", b.String())
	}
	byAddr := map[string]residencygate.ResourceEvidence{}
	for _, r := range ev.Resources {
		byAddr[r.Address] = r
	}

	// Geo-redundant storage: the secondary is derived (unknown in the plan) as the UK pair.
	st := byAddr["module.bwv.azurerm_storage_account.this"]
	var replica bool
	for _, u := range st.Regions {
		if u.Kind == "replica" && u.Region == "ukwest" && u.Allowed {
			replica = true
		}
	}
	if !replica {
		t.Errorf("storage account GZRS replica to ukwest not reported: %+v", st.Regions)
	}

	// Sinks unknown at plan time are located through configuration references.
	diag := byAddr[`module.bwv.azurerm_monitor_diagnostic_setting.this["cosmos"]`]
	if len(diag.Sinks) != 1 || diag.Sinks[0].Status != "allowed" || diag.Sinks[0].Region != "uksouth" ||
		diag.Sinks[0].Via != "module.bwv.azurerm_log_analytics_workspace.this" {
		t.Errorf("diagnostic sink not located in the UK workspace: %+v", diag.Sinks)
	}
	sub := byAddr["module.bwv.azurerm_eventgrid_system_topic_event_subscription.clip_ingest[0]"]
	if len(sub.Sinks) != 2 {
		t.Fatalf("event subscription sinks = %+v, want dead-letter and function endpoint", sub.Sinks)
	}
	for _, s := range sub.Sinks {
		if s.Status != "allowed" || s.Region != "uksouth" {
			t.Errorf("event subscription sink %s: %+v", s.Attribute, s)
		}
	}

	// The Function App's telemetry, host storage, deployment storage and
	// Cosmos endpoint are sinks, each located in the UK: App Insights through
	// the exact reference, the endpoints by the account they name.
	fn := byAddr["module.bwv.azurerm_function_app_flex_consumption.this"]
	wantVia := map[string]string{
		"site_config.0.application_insights_connection_string": "module.bwv.azurerm_application_insights.this",
		"app_settings.AzureWebJobsStorage__accountName":        "module.bwv.azurerm_storage_account.this",
		"app_settings.AzureWebJobsStorage__blobServiceUri":     "module.bwv.azurerm_storage_account.this",
		"app_settings.AzureWebJobsStorage__queueServiceUri":    "module.bwv.azurerm_storage_account.this",
		"app_settings.BWV_BLOB_ENDPOINT":                       "module.bwv.azurerm_storage_account.this",
		"app_settings.BWV_COSMOS_ENDPOINT":                     "module.bwv.azurerm_cosmosdb_account.this",
		"storage_container_endpoint":                           "module.bwv.azurerm_storage_account.this",
	}
	for _, s := range fn.Sinks {
		if want, ok := wantVia[s.Attribute]; ok && s.Status == "allowed" && s.Region == "uksouth" && s.Via == want {
			delete(wantVia, s.Attribute)
		}
	}
	if len(wantVia) > 0 {
		t.Errorf("Function App sinks not located in the UK: %v; got %+v", wantVia, fn.Sinks)
	}

	// Children without a region inherit their parent's.
	c := byAddr[`module.bwv.azurerm_storage_container.this["uploads"]`]
	if c.Inherits == nil || c.Inherits.Region != "uksouth" || c.Inherits.From != "module.bwv.azurerm_storage_account.this" {
		t.Errorf("container inherits = %+v, want uksouth from the storage account", c.Inherits)
	}
}

func TestGateRefusesNonUKPlan(t *testing.T) {
	ev := readPlan(t, "plan-non-uk.json")
	if ev.Passed {
		t.Fatal("non-UK plan passed the gate")
	}
	want := []offence{
		{"azurerm_cosmosdb_account.records", "geo_location.1.location", residencygate.ReasonRegionNotAllowed, "westeurope"},
		{"azurerm_eventgrid_system_topic_event_subscription.hook", "webhook_endpoint.0.url", residencygate.ReasonSinkExternal, "https://collector.example.com/events"},
		{"azurerm_log_analytics_workspace.eu", "location", residencygate.ReasonRegionNotAllowed, "westeurope"},
		{"azurerm_monitor_diagnostic_setting.cosmos", "log_analytics_workspace_id", residencygate.ReasonSinkNotAllowed, "westeurope (azurerm_log_analytics_workspace.eu)"},
		{"azurerm_monitor_diagnostic_setting.elsewhere", "log_analytics_workspace_id", residencygate.ReasonSinkUnresolved, "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-central/providers/Microsoft.OperationalInsights/workspaces/central-logs"},
		{"azurerm_storage_account.clips", "account_replication_type (pair of northeurope)", residencygate.ReasonReplicaNotAllowed, "westeurope"},
		{"azurerm_storage_account.clips", "location", residencygate.ReasonRegionNotAllowed, "northeurope"},
		{"azurerm_storage_account.clips", "secondary_location", residencygate.ReasonRegionNotAllowed, "westeurope"},
		{"azurerm_storage_account.late", "location", residencygate.ReasonRegionUnknown, "(known after apply)"},
	}
	got := offences(ev)
	if len(got) != len(want) {
		t.Fatalf("got %d findings, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestGateTrustedSinkIsAcceptedAndReported(t *testing.T) {
	p, err := tfdriver.ReadPlanJSON(filepath.Join("testdata", "plan-non-uk.json"))
	if err != nil {
		t.Fatal(err)
	}
	central := "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-central"
	ev := residencygate.CheckPlan(p, residencygate.Policy{TrustedSinks: []string{central}})
	for _, f := range ev.Findings {
		if f.Address == "azurerm_monitor_diagnostic_setting.elsewhere" {
			t.Errorf("trusted sink still refused: %+v", f)
		}
	}
	var md bytes.Buffer
	if err := ev.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), central) || !strings.Contains(md.String(), "trusted") {
		t.Errorf("evidence does not name the trusted sink:\n%s", md.String())
	}
}

func TestGateAllowedRegionsArePolicy(t *testing.T) {
	p, err := tfdriver.ReadPlanJSON(filepath.Join("testdata", "plan-uk-only.json"))
	if err != nil {
		t.Fatal(err)
	}
	ev := residencygate.CheckPlan(p, residencygate.Policy{AllowedRegions: []string{"uksouth"}})
	if ev.Passed {
		t.Fatal("ukwest replicas passed a uksouth-only policy")
	}
	for _, f := range ev.Findings {
		if f.Value != "ukwest" {
			t.Errorf("unexpected finding %+v", f)
		}
	}
}

func TestGateCosmosGuard(t *testing.T) {
	p, err := tfdriver.ReadPlanJSON(filepath.Join("testdata", "plan-cosmos-guard.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []offence{
		{"azurerm_cosmosdb_sql_container.audit", "default_ttl", residencygate.ReasonCosmosTTL, "1"},
		{"azurerm_cosmosdb_sql_container.clips", "indexing_policy", residencygate.ReasonCosmosIndexChange, "changed"},
		{"azurerm_storage_account.this", "(resource)", residencygate.ReasonDataStoreDestroyed, "delete"},
	}
	got := offences(residencygate.CheckPlan(p, residencygate.Policy{}))
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d: got %+v, want %+v", i, got[i], want[i])
		}
	}

	// -allow-index-change lifts the index refusal only; TTL and destroy stay refused.
	got = offences(residencygate.CheckPlan(p, residencygate.Policy{AllowIndexChange: true}))
	if len(got) != 2 || got[0].Reason != residencygate.ReasonCosmosTTL || got[1].Reason != residencygate.ReasonDataStoreDestroyed {
		t.Errorf("with AllowIndexChange: %+v", got)
	}
}

func TestEvidenceFromState(t *testing.T) {
	s, err := tfdriver.ReadStateJSON(filepath.Join("testdata", "state-uk.json"))
	if err != nil {
		t.Fatal(err)
	}
	ev := residencygate.EvidenceFromState(s, residencygate.Policy{})
	if !ev.Passed {
		t.Fatalf("UK state refused: %+v", ev.Findings)
	}
	inherits := map[string]string{}
	for _, r := range ev.Resources {
		if r.Inherits != nil {
			inherits[r.Address] = r.Inherits.Region + " from " + r.Inherits.From
		}
	}
	for addr, want := range map[string]string{
		`module.bwv.azurerm_storage_container.this["uploads"]`:         "uksouth from module.bwv.azurerm_storage_account.this",
		"module.bwv.azurerm_cosmosdb_sql_container.clips":              "uksouth from module.bwv.azurerm_cosmosdb_account.this",
		`module.bwv.azurerm_role_assignment.function_storage["blob"]`:  "uksouth from module.bwv.azurerm_storage_account.this",
		`module.bwv.azurerm_monitor_diagnostic_setting.this["cosmos"]`: "uksouth from module.bwv.azurerm_log_analytics_workspace.this",
	} {
		if inherits[addr] != want {
			t.Errorf("%s inherits %q, want %q", addr, inherits[addr], want)
		}
	}
	var js, md bytes.Buffer
	if err := ev.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := ev.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"source": "state"`, `"passed": true`, `"region": "ukwest"`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("JSON evidence lacks %s", want)
		}
	}
	if !strings.Contains(md.String(), "PASSED") || !strings.Contains(md.String(), "module.bwv.azurerm_cosmosdb_account.this") {
		t.Errorf("Markdown evidence:\n%s", md.String())
	}
}
