package residencygate

import (
	"fmt"
	"reflect"

	tfjson "github.com/hashicorp/terraform-json"
)

// dataStores hold clips or records: deleting or replacing one loses data.
var dataStores = map[string]bool{
	"azurerm_resource_group":         true,
	"azurerm_storage_account":        true,
	"azurerm_storage_container":      true,
	"azurerm_cosmosdb_account":       true,
	"azurerm_cosmosdb_sql_database":  true,
	"azurerm_cosmosdb_sql_container": true,
}

// dataGuard is the plan-time side of the terraform-provider-azurerm#25123
// guard: an indexing-policy update once sent a TTL of 1 second and Cosmos
// expired every item. So: no container may get a TTL, an indexing-policy
// change needs an explicit go-ahead, and no data store may be destroyed.
func dataGuard(r *resource, p Policy) []Finding {
	if r.Existing || r.Mode != tfjson.ManagedResourceMode || len(r.Actions) == 0 {
		return nil
	}
	var out []Finding
	for _, a := range r.Actions {
		if a == string(tfjson.ActionDelete) && dataStores[r.Type] {
			out = append(out, Finding{Address: r.Address, Type: r.Type, Attribute: "(resource)",
				Value: r.action(), Reason: ReasonDataStoreDestroyed,
				Detail: "delete it by hand after taking a backup, never through this pipeline"})
			break
		}
	}
	if r.Type != "azurerm_cosmosdb_sql_container" || !r.landing() {
		return out
	}
	if isUnknown(r.Unknown, "default_ttl") {
		out = append(out, Finding{Address: r.Address, Type: r.Type, Attribute: "default_ttl",
			Value: "(known after apply)", Reason: ReasonCosmosTTL, Detail: "a TTL that may be set cannot be allowed"})
	} else if ttl, set := r.Values["default_ttl"]; set && ttl != nil && fmt.Sprint(ttl) != "0" {
		out = append(out, Finding{Address: r.Address, Type: r.Type, Attribute: "default_ttl",
			Value: fmt.Sprint(ttl), Reason: ReasonCosmosTTL, Detail: "remove default_ttl: deletion is the retention sweep's job"})
	}
	if r.Before != nil && !p.AllowIndexChange && !reflect.DeepEqual(r.Before["indexing_policy"], r.Values["indexing_policy"]) {
		out = append(out, Finding{Address: r.Address, Type: r.Type, Attribute: "indexing_policy",
			Value: "changed", Reason: ReasonCosmosIndexChange,
			Detail: "check default_ttl stays unset after apply; the postcondition fails loudly if it does not"})
	}
	return out
}
