package residencygate

import (
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/bwv-ingest/bwv-ingest/shared/residency"
)

// location is where a resource (or sink target) is, and how we know.
type location struct {
	Region string
	Via    string // address of the resource the region was taken from
}

const maxLocateDepth = 6

// locate finds the region of a resource: its own location, else its parent's
// (by Azure ID prefix, else by configuration reference).
func (ix *index) locate(r *resource, depth int) (location, bool) {
	if r == nil || depth > maxLocateDepth {
		return location{}, false
	}
	if loc, ok := r.Values["location"].(string); ok && loc != "" {
		return location{Region: residency.Normalize(loc), Via: r.Address}, true
	}
	if isUnknown(r.Unknown, "location") {
		return location{}, false // its own region is not known: nothing else stands in for it
	}
	if id, ok := r.Values["id"].(string); ok && id != "" {
		if p := ix.byID(id, r); p != nil {
			if l, ok := ix.locate(p, depth+1); ok {
				return l, true
			}
		}
	}
	for _, attr := range sortedKeys(r.Expressions) {
		if loc, ok := ix.locateExpression(r, r.Expressions[attr], depth+1); ok {
			return loc, true
		}
	}
	// parent-like attributes holding known IDs (state has no configuration)
	for _, attr := range sortedKeys(r.Values) {
		if !strings.HasSuffix(attr, "_id") && attr != "scope" {
			continue
		}
		if s, ok := r.Values[attr].(string); ok && strings.HasPrefix(s, "/subscriptions/") {
			if p := ix.byID(s, r); p != nil {
				if l, ok := ix.locate(p, depth+1); ok {
					return l, true
				}
			}
		}
	}
	return location{}, false
}

// locateExpression locates the first resource an expression refers to.
func (ix *index) locateExpression(from *resource, e *tfjson.Expression, depth int) (location, bool) {
	for _, ref := range refsOf(e) {
		for _, target := range ix.byReference(from.ModuleAddress, ref) {
			if target == from {
				continue
			}
			if l, ok := ix.locate(target, depth); ok {
				return l, true
			}
		}
	}
	return location{}, false
}

// refsOf lists an expression's references, most specific first as Terraform
// writes them, including those in nested blocks.
func refsOf(e *tfjson.Expression) []string {
	if e == nil || e.ExpressionData == nil {
		return nil
	}
	out := append([]string(nil), e.References...)
	for _, nb := range e.NestedBlocks {
		for _, k := range sortedKeys(nb) {
			out = append(out, refsOf(nb[k])...)
		}
	}
	return out
}
