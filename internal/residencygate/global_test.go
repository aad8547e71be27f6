package residencygate_test

import (
	"strings"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/residencygate"
)

// The private network and the alerts bring types Azure only offers as
// "global": private DNS zones, their VNet links, action groups. The gate
// allows exactly those as global, and still refuses a "global" (or any
// non-UK) region on every other type, and a non-UK region on these.
func TestGateAllowsOnlyTheGlobalByDesignTypes(t *testing.T) {
	ukNetwork := []change{
		{addr: "azurerm_virtual_network.this", after: map[string]any{"name": "vnet-bwv", "location": "uksouth"}},
		{addr: "azurerm_subnet.private_endpoints", after: map[string]any{"name": "snet-pe"}},
		{addr: "azurerm_private_endpoint.this[\"footage_blob\"]", after: map[string]any{"name": "pe-bwv-footage-blob", "location": "uksouth"}},
		// azurerm's schema gives these no location at all
		{addr: "azurerm_private_dns_zone.this[\"blob\"]", after: map[string]any{"name": "privatelink.blob.core.windows.net"}},
		{addr: "azurerm_private_dns_zone_virtual_network_link.this[\"blob\"]", after: map[string]any{"name": "link-bwv-blob"}},
		{addr: "azurerm_monitor_action_group.this[0]", after: map[string]any{"name": "ag-bwv", "location": "global"}},
	}
	ev := residencygate.CheckPlan(testPlan(t, ukNetwork, nil), residencygate.Policy{})
	if !ev.Passed {
		t.Fatalf("the UK private network with its global DNS zones and action group was refused: %+v", ev.Findings)
	}
	for _, r := range ev.Resources {
		typ := r.Type
		if typ != "azurerm_private_dns_zone" && typ != "azurerm_private_dns_zone_virtual_network_link" && typ != "azurerm_monitor_action_group" {
			continue
		}
		if len(r.Regions) != 1 || r.Regions[0].Region != "global" || r.Regions[0].Kind != "global" || r.Regions[0].Note == "" {
			t.Errorf("%s: the evidence must say it is global by design, with the reason: %+v", r.Address, r.Regions)
		}
	}

	refused := []struct {
		name string
		c    change
		attr string
	}{
		{"a global storage account", change{addr: "azurerm_storage_account.g",
			after: map[string]any{"name": "stg", "location": "global", "account_replication_type": "LRS"}}, "location"},
		{"a non-UK storage account", change{addr: "azurerm_storage_account.eu",
			after: map[string]any{"name": "steu", "location": "westeurope", "account_replication_type": "LRS"}}, "location"},
		{"a global workspace (another reviewed type)", change{addr: "azurerm_log_analytics_workspace.g",
			after: map[string]any{"name": "law-g", "location": "global"}}, "location"},
		{"a global private endpoint", change{addr: "azurerm_private_endpoint.g",
			after: map[string]any{"name": "pe-g", "location": "Global"}}, "location"},
		{"an action group in a named non-UK region", change{addr: "azurerm_monitor_action_group.eu",
			after: map[string]any{"name": "ag-eu", "location": "westeurope"}}, "location"},
		{"a private DNS zone placed outside the UK", change{addr: "azurerm_private_dns_zone.eu",
			after: map[string]any{"name": "privatelink.blob.core.windows.net", "location": "northeurope"}}, "location"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			ev := residencygate.CheckPlan(testPlan(t, append(append([]change{}, ukNetwork...), tc.c), nil), residencygate.Policy{})
			if ev.Passed || !hasFinding(ev, tc.c.addr, tc.attr, residencygate.ReasonRegionNotAllowed) {
				t.Fatalf("%s not refused with %s: %+v", tc.c.addr, residencygate.ReasonRegionNotAllowed, ev.Findings)
			}
			if len(ev.Findings) != 1 {
				t.Errorf("only %s should be refused: %+v", tc.c.addr, ev.Findings)
			}
		})
	}
}

// The list is a residency decision: a type joining it must be reviewed and
// documented (docs/infra.md › What the gate checks), never slip in.
func TestGlobalByDesignIsTheReviewedList(t *testing.T) {
	got := strings.Join(residencygate.GlobalByDesignTypes(), " ")
	want := "azurerm_monitor_action_group azurerm_private_dns_zone azurerm_private_dns_zone_virtual_network_link"
	if got != want {
		t.Errorf("global-by-design types:\n got %s\nwant %s\nreview the new type's data (it must hold no footage, records or logs), document it in docs/infra.md, then update this test", got, want)
	}
	reviewed := map[string]bool{}
	for _, typ := range residencygate.ReviewedResourceTypes() {
		reviewed[typ] = true
	}
	for _, typ := range residencygate.GlobalByDesignTypes() {
		if !reviewed[typ] {
			t.Errorf("%s is global by design but not a reviewed type", typ)
		}
	}
}
