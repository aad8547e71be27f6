package cosmosdb_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

const cosmosTF = "../../infra/terraform/main.cosmos.tf"

// terraformPolicies reads the indexing_policy of every
// azurerm_cosmosdb_sql_container in src (HCL), by container resource name.
// Terraform has no `automatic` argument: azurerm always sends true.
func terraformPolicies(src []byte, filename string) (map[string]*azcosmos.IndexingPolicy, error) {
	f, diags := hclparse.NewParser().ParseHCL(src, filename)
	if diags.HasErrors() {
		return nil, diags
	}
	str := func(b *hclsyntax.Body, name string) (string, error) {
		a, ok := b.Attributes[name]
		if !ok {
			return "", fmt.Errorf("%s missing", name)
		}
		v, d := a.Expr.Value(nil)
		if d.HasErrors() {
			return "", d
		}
		return v.AsString(), nil
	}
	out := map[string]*azcosmos.IndexingPolicy{}
	for _, r := range f.Body.(*hclsyntax.Body).Blocks {
		if r.Type != "resource" || len(r.Labels) != 2 || r.Labels[0] != "azurerm_cosmosdb_sql_container" {
			continue
		}
		for _, ip := range r.Body.Blocks {
			if ip.Type != "indexing_policy" {
				continue
			}
			p := &azcosmos.IndexingPolicy{Automatic: true}
			mode, err := str(ip.Body, "indexing_mode")
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.Labels[1], err)
			}
			// Terraform spells the mode in lower case, the SDK's constant
			// capitalised; the service treats them alike.
			p.IndexingMode = azcosmos.IndexingMode(mode)
			for _, m := range azcosmos.IndexingModeValues() {
				if strings.EqualFold(mode, string(m)) {
					p.IndexingMode = m
				}
			}
			for _, b := range ip.Body.Blocks {
				switch b.Type {
				case "included_path":
					path, err := str(b.Body, "path")
					if err != nil {
						return nil, err
					}
					p.IncludedPaths = append(p.IncludedPaths, azcosmos.IncludedPath{Path: path})
				case "excluded_path":
					path, err := str(b.Body, "path")
					if err != nil {
						return nil, err
					}
					p.ExcludedPaths = append(p.ExcludedPaths, azcosmos.ExcludedPath{Path: path})
				case "composite_index":
					var ci []azcosmos.CompositeIndex
					for _, ix := range b.Body.Blocks {
						path, err := str(ix.Body, "path")
						if err != nil {
							return nil, err
						}
						order, err := str(ix.Body, "order")
						if err != nil {
							return nil, err
						}
						ci = append(ci, azcosmos.CompositeIndex{Path: path, Order: azcosmos.CompositeIndexOrder(strings.ToLower(order))})
					}
					p.CompositeIndexes = append(p.CompositeIndexes, ci)
				default:
					return nil, fmt.Errorf("%s: indexing_policy block %s is not compared; extend terraformPolicies", r.Labels[1], b.Type)
				}
			}
			if len(ip.Body.Attributes) != 1 {
				return nil, fmt.Errorf("%s: indexing_policy has attributes besides indexing_mode; extend terraformPolicies", r.Labels[1])
			}
			out[r.Labels[1]] = p
		}
	}
	return out, nil
}

// policyDiff compares the bootstrap's policies with Terraform's: "" when
// equal, else what differs.
func policyDiff(tf map[string]*azcosmos.IndexingPolicy) string {
	local := map[string]*azcosmos.IndexingPolicy{"clips": cosmosdb.ClipsIndexingPolicy(), "audit": cosmosdb.AuditIndexingPolicy()}
	var diffs []string
	for name, want := range local {
		got, ok := tf[name]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("container %s: no indexing_policy in Terraform", name))
			continue
		}
		a, _ := json.MarshalIndent(want, "", " ")
		b, _ := json.MarshalIndent(got, "", " ")
		if string(a) != string(b) {
			diffs = append(diffs, fmt.Sprintf("container %s:\nbootstrap.go: %s\nTerraform:    %s", name, a, b))
		}
	}
	if len(tf) != len(local) {
		diffs = append(diffs, fmt.Sprintf("Terraform declares %d container policies, the bootstrap %d", len(tf), len(local)))
	}
	return strings.Join(diffs, "\n")
}

// TestIndexingPolicyBootstrapEqualsTerraform: the policy the local
// bootstrap creates is the one Terraform applies in Azure, so a query's
// index (docs/queries.md) exists in both places.
func TestIndexingPolicyBootstrapEqualsTerraform(t *testing.T) {
	src, err := os.ReadFile(cosmosTF)
	if err != nil {
		t.Fatal(err)
	}
	tf, err := terraformPolicies(src, cosmosTF)
	if err != nil {
		t.Fatal(err)
	}
	if d := policyDiff(tf); d != "" {
		t.Fatalf("the indexing policies differ (shared/cosmosdb/bootstrap.go vs %s):\n%s", cosmosTF, d)
	}

	// The comparison sees a change on the Terraform side.
	for _, m := range []struct{ name, old, new string }{
		{"composite order flipped", `order = "Descending"`, `order = "Ascending"`},
		{"excluded path dropped", "excluded_path {\n      path = \"/reasons/*\"\n    }", ""},
		{"indexing mode", `indexing_mode = "consistent"`, `indexing_mode = "none"`},
		{"composite path", `path  = "/stationId"`, `path  = "/deviceId"`},
	} {
		mutated := strings.Replace(string(src), m.old, m.new, 1)
		if mutated == string(src) {
			t.Fatalf("mutation %q does not apply to %s", m.name, cosmosTF)
		}
		tf, err := terraformPolicies([]byte(mutated), cosmosTF)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if policyDiff(tf) == "" {
			t.Errorf("mutation %q went unnoticed", m.name)
		}
	}
}
