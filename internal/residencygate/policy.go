package residencygate

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/residency"
)

// nonUKPairs maps Azure regions outside the UK to the region geo-redundant
// storage and geo-redundant backups replicate to. The gate never allows these
// regions; it knows their pairs only to name, in the evidence, where a refused
// plan's replicas would have gone. UK pairs come from residency.UKPair. A
// primary region known to neither cannot have its replica located, and
// geo-redundancy from it is refused (ReasonReplicaUnknown).
var nonUKPairs = map[string]string{
	"northeurope":        "westeurope",
	"westeurope":         "northeurope",
	"francecentral":      "francesouth",
	"germanywestcentral": "germanynorth",
	"eastus":             "westus",
	"westus":             "eastus",
}

// RegionPair returns the Azure pair of region, if known.
func RegionPair(region string) (string, bool) {
	if p, ok := residency.UKPair(region); ok {
		return p, true
	}
	p, ok := nonUKPairs[residency.Normalize(region)]
	return p, ok
}

// Policy is what the gate allows. It can only ever be narrower than the
// defaults: regions outside residency.UKRegions are never allowed, whatever
// AllowedRegions says (Validate reports them).
type Policy struct {
	// AllowedRegions, canonical names; empty means residency.UKRegions.
	// Only a subset of residency.UKRegions takes effect.
	AllowedRegions []string
	// TrustedSinks are sinks outside the plan that the operator vouches are in
	// an allowed region, e.g. a central UK Log Analytics workspace: an exact
	// URL, or an Azure resource ID at least as deep as a resource group. A
	// resource group covers every resource in it; a resource covers itself and
	// its children (not extension resources attached to it). They appear as
	// "trusted" in the evidence.
	TrustedSinks []string
	// AllowIndexChange lets a plan update a Cosmos container's indexing policy
	// (terraform-provider-azurerm#25123 guard). A TTL is never allowed.
	AllowIndexChange bool
}

// Validate reports a policy that tries to widen the defaults or names a
// trusted sink too broadly, with code CodePolicyInvalid.
func (p Policy) Validate() error {
	def := defaultAllowed()
	var problems []string
	for _, r := range p.AllowedRegions {
		if n := residency.Normalize(r); !def[n] {
			problems = append(problems, fmt.Sprintf("region %q is outside %s: allowed regions can only narrow that set",
				r, strings.Join(residency.UKRegions, ",")))
		}
	}
	for _, t := range p.TrustedSinks {
		if _, ok := trustedURLForm(t); ok {
			continue
		}
		if !reachesResourceGroup(normalizeID(t)) {
			problems = append(problems, fmt.Sprintf("trusted sink %q is neither an https URL (matched exactly) nor an Azure resource ID "+
				"of at least a resource group (/subscriptions/<id>/resourceGroups/<name>)", t))
		}
	}
	if len(problems) > 0 {
		return &reason.Error{Code: CodePolicyInvalid, Message: strings.Join(problems, "; ")}
	}
	return nil
}

func defaultAllowed() map[string]bool {
	m := make(map[string]bool, len(residency.UKRegions))
	for _, r := range residency.UKRegions {
		m[r] = true
	}
	return m
}

// allowed is AllowedRegions intersected with the defaults.
func (p Policy) allowed() map[string]bool {
	def := defaultAllowed()
	if len(p.AllowedRegions) == 0 {
		return def
	}
	m := map[string]bool{}
	for _, r := range p.AllowedRegions {
		if n := residency.Normalize(r); def[n] {
			m[n] = true
		}
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

// trustedURL: a URL sink is trusted only if named exactly.
func (p Policy) trustedURL(u string) bool {
	for _, t := range p.TrustedSinks {
		if tu, ok := trustedURLForm(t); ok && tu == strings.TrimSpace(u) {
			return true
		}
	}
	return false
}

func trustedURLForm(t string) (string, bool) {
	t = strings.TrimSpace(t)
	u, err := url.Parse(t)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", false
	}
	return t, true
}

// trustedID: the ID itself, a child of a trusted resource, or any resource of
// a trusted resource group.
func (p Policy) trustedID(id string) bool {
	id = normalizeID(id)
	if hasDotSegment(id) {
		return false
	}
	for _, t := range p.TrustedSinks {
		t = normalizeID(t)
		if !reachesResourceGroup(t) || hasDotSegment(t) {
			continue
		}
		if id == t || isChildID(id, t) || (isResourceGroupID(t) && strings.HasPrefix(id, t+"/providers/")) {
			return true
		}
	}
	return false
}

// reachesResourceGroup: /subscriptions/<s>/resourcegroups/<g>[/…] (normalised).
func reachesResourceGroup(id string) bool {
	seg := strings.Split(id, "/")
	return len(seg) >= 5 && seg[0] == "" && seg[1] == "subscriptions" && seg[2] != "" &&
		seg[3] == "resourcegroups" && seg[4] != ""
}

func isResourceGroupID(id string) bool {
	return reachesResourceGroup(id) && len(strings.Split(id, "/")) == 5
}
