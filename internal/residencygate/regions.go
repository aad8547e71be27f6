package residencygate

import (
	"strconv"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/shared/residency"
)

// regionLike reports whether an attribute name holds a region: location,
// region, *_location, *_region, locations, regions.
func regionLike(key string) bool {
	switch key {
	case "location", "region", "locations", "regions":
		return true
	}
	return strings.HasSuffix(key, "_location") || strings.HasSuffix(key, "_region")
}

// regionValue is one region-bearing value found in a resource.
type regionValue struct {
	Path    string // e.g. "geo_location.1.location"
	Region  string // canonical; "" when unknown
	Unknown bool
}

// walkRegions finds every region-like attribute in values, at any depth, and
// every region-like attribute the plan reports as unknown.
func walkRegions(values, unknown map[string]any) []regionValue {
	var out []regionValue
	var walk func(v, u any, path string, key string)
	walk = func(v, u any, path, key string) {
		if b, ok := u.(bool); ok && b {
			// Unknown until apply. Conservative: any region-like key, or a
			// whole block under a region-like key, is an unknown region.
			if regionLike(key) {
				out = append(out, regionValue{Path: path, Unknown: true})
			}
			return
		}
		switch tv := v.(type) {
		case map[string]any:
			um, _ := u.(map[string]any)
			for _, k := range sortedKeys(tv) {
				walk(tv[k], um[k], join(path, k), k)
			}
			// keys only present in after_unknown (value null in after)
			for _, k := range sortedKeys(um) {
				if _, present := tv[k]; !present {
					walk(nil, um[k], join(path, k), k)
				}
			}
		case []any:
			ul, _ := u.([]any)
			for i, e := range tv {
				var ue any
				if i < len(ul) {
					ue = ul[i]
				}
				// list elements inherit the key (locations = ["uksouth", ...])
				walk(e, ue, join(path, strconv.Itoa(i)), key)
			}
		case string:
			if regionLike(key) && tv != "" {
				out = append(out, regionValue{Path: path, Region: residency.Normalize(tv)})
			}
		case nil:
			if um, ok := u.(map[string]any); ok {
				for _, k := range sortedKeys(um) {
					walk(nil, um[k], join(path, k), k)
				}
			}
		}
	}
	walk(values, unknown, "", "")
	return out
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// derivedRegion handles attributes Azure computes from others, so they are
// unknown in a plan but determined by what the plan shows.
func derivedRegion(r *resource, path string) (regions []string, how string, ok bool) {
	loc, _ := r.Values["location"].(string)
	loc = residency.Normalize(loc)
	switch r.Type + "." + path {
	case "azurerm_storage_account.primary_location":
		if loc != "" {
			return []string{loc}, "the account's location", true
		}
	case "azurerm_storage_account.secondary_location":
		if loc == "" {
			return nil, "", false
		}
		repl, known := r.Values["account_replication_type"].(string)
		if !known {
			return nil, "", false
		}
		if !geoRedundant(repl) {
			return nil, "no secondary (" + repl + ")", true
		}
		if pair, ok := RegionPair(loc); ok {
			return []string{pair}, "the Azure pair of " + loc + " (" + repl + ")", true
		}
	}
	return nil, "", false
}

func geoRedundant(replication string) bool {
	switch strings.ToUpper(replication) {
	case "GRS", "RAGRS", "GZRS", "RAGZRS":
		return true
	}
	return false
}
