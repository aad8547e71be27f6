// Package residency holds the runtime half of the UK-residency rule: an
// event is only processed when it comes from the configured storage
// account, that account is in an allowed region, and the blob URL really
// belongs to that account. (Terraform variables and the plan gate hold the
// other halves: docs/infra.md.)
package residency

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// UKRegions are the only Azure regions in the UK, canonical (Normalize)
// names. Configuration, the plan gate and the CLI may narrow the allowed list
// to a subset, never widen it. This is the one statement of the set in Go;
// infra/terraform/locals.tf (local.allowed_locations) states it for
// Terraform, and internal/residencygate/regions_terraform_test.go fails if
// the two differ.
var UKRegions = []string{UKSouth, UKWest}

// The UK regions by name.
const (
	UKSouth = "uksouth"
	UKWest  = "ukwest"
)

// UKPair returns the Azure paired region of a UK region (uksouth <-> ukwest),
// where geo-redundant storage and geo-redundant backups replicate to; false
// for a region outside the UK. Terraform states the same pairs as
// local.region_pair.
func UKPair(region string) (string, bool) {
	switch Normalize(region) {
	case UKSouth:
		return UKWest, true
	case UKWest:
		return UKSouth, true
	}
	return "", false
}

// Normalize turns "UK South", "uk-south" or "uksouth" into "uksouth".
func Normalize(region string) string {
	r := strings.ToLower(strings.TrimSpace(region))
	return strings.NewReplacer(" ", "", "-", "", "_", "").Replace(r)
}

// Policy is the runtime residency rule.
type Policy struct {
	Allowed []string // normalised region names, e.g. uksouth, ukwest
	Account string   // the one storage account whose events are accepted
	Region  string   // that account's region
	// BlobEndpoint is the account's blob endpoint; a blob URL must start
	// with it (scheme, host and, for Azurite-style paths, the account).
	BlobEndpoint string
}

// Allows reports whether region is allowed.
func (p Policy) Allows(region string) bool {
	return slices.Contains(p.Allowed, Normalize(region))
}

// CheckBlob decides whether a blob named by an event may be processed. It
// returns nil or a *clip.Error of kind Refused with a residency code.
func (p Policy) CheckBlob(account, blobURL string) error {
	if p.Account == "" || !strings.EqualFold(account, p.Account) {
		return clip.Errorf(clip.Refused, clip.CodeResidencyAccount,
			"storage account %q is not the configured UK account %q; the blob was not touched", account, p.Account)
	}
	if !p.Allows(p.Region) {
		return clip.Errorf(clip.Refused, clip.CodeResidencyRegion,
			"storage account %q is configured in region %q, which is not in the allowed regions %v", account, p.Region, p.Allowed)
	}
	if !p.urlBelongs(blobURL) {
		return clip.Errorf(clip.Refused, clip.CodeResidencyURL,
			"blob URL host/path does not belong to the configured account %q (endpoint %s); the blob was not touched", account, p.BlobEndpoint)
	}
	return nil
}

func (p Policy) urlBelongs(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	ep, err := url.Parse(p.BlobEndpoint)
	if err != nil {
		return false
	}
	if !strings.EqualFold(u.Host, ep.Host) {
		return false
	}
	// Azurite and other path-style endpoints carry the account in the path.
	prefix := strings.TrimSuffix(ep.Path, "/") + "/"
	return strings.HasPrefix(u.Path, prefix)
}

// CheckAccountRegions refuses a set of regions (e.g. the Cosmos account's
// read and write locations) if any is outside the allowed list.
func (p Policy) CheckAccountRegions(what string, regions []string) error {
	if len(regions) == 0 {
		return clip.Errorf(clip.Refused, clip.CodeCosmosRegionNotUK, "%s reports no regions; cannot prove it is in the UK", what)
	}
	for _, r := range regions {
		if !p.Allows(r) {
			return clip.Errorf(clip.Refused, clip.CodeCosmosRegionNotUK, "%s has a location %q outside the allowed regions %v", what, r, p.Allowed)
		}
	}
	return nil
}

// String describes the policy for logs.
func (p Policy) String() string {
	return fmt.Sprintf("account=%s region=%s allowed=%v", p.Account, p.Region, p.Allowed)
}
