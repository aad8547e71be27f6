package infra

import (
	"sort"
	"strings"
)

// DefaultAllowedRegions is the UK pair. Everything the plan places must be in it.
var DefaultAllowedRegions = []string{"uksouth", "ukwest"}

// regionPairs maps an Azure region to the region geo-redundant storage and
// geo-redundant backups replicate to. Only pairs that matter to the gate are
// listed: a primary region missing here cannot have its replica located, and
// geo-redundancy from it is refused.
var regionPairs = map[string]string{
	"uksouth":            "ukwest",
	"ukwest":             "uksouth",
	"northeurope":        "westeurope",
	"westeurope":         "northeurope",
	"francecentral":      "francesouth",
	"germanywestcentral": "germanynorth",
	"eastus":             "westus",
	"westus":             "eastus",
}

// RegionPair returns the Azure pair of region, if known.
func RegionPair(region string) (string, bool) {
	p, ok := regionPairs[NormalizeRegion(region)]
	return p, ok
}

// NormalizeRegion turns the display forms Azure accepts ("UK South",
// "uk-south", "UKSouth") into the canonical name ("uksouth").
func NormalizeRegion(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "", "-", "", "_", "").Replace(s)
}

// Policy is what the gate allows.
type Policy struct {
	// AllowedRegions, canonical names; empty means DefaultAllowedRegions.
	AllowedRegions []string
	// TrustedSinks are resource IDs (or ID prefixes) of sinks outside the plan
	// that the operator vouches are in an allowed region, e.g. a central UK
	// Log Analytics workspace. They appear as "trusted" in the evidence.
	TrustedSinks []string
	// AllowIndexChange lets a plan update a Cosmos container's indexing policy
	// (terraform-provider-azurerm#25123 guard). A TTL is never allowed.
	AllowIndexChange bool
}

func (p Policy) allowed() map[string]bool {
	regions := p.AllowedRegions
	if len(regions) == 0 {
		regions = DefaultAllowedRegions
	}
	m := make(map[string]bool, len(regions))
	for _, r := range regions {
		m[NormalizeRegion(r)] = true
	}
	return m
}

// AllowedList returns the allowed regions, sorted, canonical.
func (p Policy) AllowedList() []string {
	m := p.allowed()
	out := make([]string, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func (p Policy) trusted(id string) bool {
	id = strings.ToLower(id)
	for _, t := range p.TrustedSinks {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && (id == t || strings.HasPrefix(id, strings.TrimSuffix(t, "/")+"/")) {
			return true
		}
	}
	return false
}
