package residencygate

import (
	"strings"

	"github.com/bwv-ingest/bwv-ingest/shared/residency"
)

// replicaRegions lists where a resource copies data beyond its region
// attributes: geo-redundant storage and geo-redundant Cosmos backups go to the
// primary region's Azure pair.
func replicaRegions(r *resource) (uses []RegionUse, findings []Finding) {
	loc, _ := r.Values["location"].(string)
	loc = residency.Normalize(loc)
	add := func(attr, what string) {
		if loc == "" {
			return // location itself is checked (and refused if unknown) elsewhere
		}
		pair, ok := RegionPair(loc)
		if !ok {
			findings = append(findings, Finding{Address: r.Address, Type: r.Type, Attribute: attr,
				Value: what + " from " + loc, Reason: ReasonReplicaUnknown,
				Detail: "the Azure pair of " + loc + " is not known to the gate"})
			return
		}
		uses = append(uses, RegionUse{Attribute: attr + " (pair of " + loc + ")", Region: pair, Kind: "replica"})
	}
	switch r.Type {
	case "azurerm_storage_account":
		repl, known := r.Values["account_replication_type"].(string)
		if !known {
			if isUnknown(r.Unknown, "account_replication_type") {
				findings = append(findings, Finding{Address: r.Address, Type: r.Type, Attribute: "account_replication_type",
					Value: "(known after apply)", Reason: ReasonReplicaUnknown, Detail: "replication type unknown until apply"})
			}
			return
		}
		if geoRedundant(repl) {
			add("account_replication_type", repl)
		}
	case "azurerm_cosmosdb_account":
		for _, b := range asList(r.Values["backup"]) {
			bm := asMap(b)
			typ, _ := bm["type"].(string)
			red, _ := bm["storage_redundancy"].(string)
			if strings.EqualFold(typ, "Periodic") && (red == "" || strings.EqualFold(red, "Geo")) {
				add("backup.storage_redundancy", "geo-redundant periodic backup")
			}
		}
	}
	return uses, findings
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func isUnknown(unknown map[string]any, key string) bool {
	b, _ := unknown[key].(bool)
	return b
}
