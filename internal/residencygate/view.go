package residencygate

import (
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// resource is one resource as the gate sees it, from a plan or from state.
type resource struct {
	Address       string
	ModuleAddress string
	Mode          tfjson.ResourceMode
	Type          string
	Name          string
	Actions       []string
	Values        map[string]any // planned (after) or state values
	Before        map[string]any // plan only: prior values of an update
	Unknown       map[string]any // plan only: after_unknown
	Expressions   map[string]*tfjson.Expression
	Provisioners  int // plan only: provisioner blocks in its configuration
	// Existing resources read from the prior state or data sources: located,
	// but not placed by this plan.
	Existing bool
}

// landing reports whether the plan puts (or keeps) the resource in place.
func (r *resource) landing() bool {
	if r.Existing || r.Mode != tfjson.ManagedResourceMode {
		return false
	}
	if len(r.Actions) == 0 { // state
		return true
	}
	return !(len(r.Actions) == 1 && r.Actions[0] == string(tfjson.ActionDelete))
}

func (r *resource) action() string {
	if len(r.Actions) == 0 {
		return "exists"
	}
	return strings.Join(r.Actions, "+")
}

// index of every resource the gate knows, by address and by Azure ID.
type index struct {
	resources []*resource
	byAddress map[string][]*resource // base address (no instance key) -> instances
}

func newIndex(rs []*resource) *index {
	ix := &index{resources: rs, byAddress: map[string][]*resource{}}
	for _, r := range rs {
		ix.byAddress[baseAddress(r.Address)] = append(ix.byAddress[baseAddress(r.Address)], r)
	}
	return ix
}

// baseAddress strips instance keys: module.a[0].x.y["k"] -> module.a.x.y
func baseAddress(addr string) string {
	var b strings.Builder
	depth := 0
	inQuote := false
	for _, c := range addr {
		switch {
		case c == '"' && depth > 0:
			inQuote = !inQuote
		case c == '[' && !inQuote:
			depth++
			continue
		case c == ']' && !inQuote:
			depth--
			continue
		}
		if depth == 0 {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// byID finds the resource an Azure ID denotes: the resource with exactly that
// ID, else the resource it is a child of (a container of an account, a
// function of an app: the longest known ID that is a prefix of it). A prefix
// counts only when the prefix is itself a provider resource and the rest of
// the ID crosses no "/providers/" segment: an ID is never located through its
// resource group or subscription, nor is an extension resource located
// through the resource it is attached to. IDs with "." or ".." segments match
// nothing.
func (ix *index) byID(id string, self *resource) *resource {
	id = normalizeID(id)
	if id == "" || hasDotSegment(id) {
		return nil
	}
	var best *resource
	bestLen := 0
	for _, r := range ix.resources {
		if r == self {
			continue
		}
		rid, ok := r.Values["id"].(string)
		if !ok || rid == "" {
			continue
		}
		rid = normalizeID(rid)
		if id == rid {
			return r
		}
		if len(rid) > bestLen && isChildID(id, rid) {
			best, bestLen = r, len(rid)
		}
	}
	return best
}

// isChildID reports whether id is a child of the provider resource parent
// (both normalised): below it, with no further "/providers/" segment.
func isChildID(id, parent string) bool {
	return strings.Contains(parent, "/providers/") && strings.HasPrefix(id, parent+"/") &&
		!strings.Contains(id[len(parent):], "/providers/")
}

func normalizeID(id string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(id), "/"))
}

func hasDotSegment(id string) bool {
	for _, seg := range strings.Split(id, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// byReference resolves a configuration reference made inside module
// moduleAddress ("azurerm_storage_account.this.id",
// "azurerm_storage_container.this[\"uploads\"]", "data.x.y.id") to the
// resources it may denote. Locals, variables and module outputs do not resolve.
func (ix *index) byReference(moduleAddress, ref string) []*resource {
	parts := strings.Split(ref, ".")
	var target string
	switch {
	case parts[0] == "data" && len(parts) >= 3:
		target = "data." + parts[1] + "." + parts[2]
	case len(parts) >= 2 && strings.Contains(parts[0], "_") && !isReservedRoot(parts[0]):
		target = parts[0] + "." + parts[1]
	default:
		return nil
	}
	key := ""
	if i := strings.Index(target, "["); i >= 0 {
		key = target[i:]
		if j := strings.Index(key, "]"); j >= 0 {
			key = key[:j+1]
		}
	}
	full := target
	if moduleAddress != "" {
		full = moduleAddress + "." + target
	}
	var out []*resource
	for _, c := range ix.byAddress[baseAddress(full)] {
		// the same module instance as the reference, and the instance key named
		if c.ModuleAddress == moduleAddress && (key == "" || strings.HasSuffix(c.Address, key)) {
			out = append(out, c)
		}
	}
	return out
}

func isReservedRoot(s string) bool {
	switch s {
	case "var", "local", "module", "each", "count", "path", "terraform", "self":
		return true
	}
	return false
}

// moduleConfig finds the configuration module for a module address
// ("module.a[0].module.b" -> root.ModuleCalls["a"].Module.ModuleCalls["b"].Module).
func moduleConfig(cfg *tfjson.Config, moduleAddress string) *tfjson.ConfigModule {
	if cfg == nil || cfg.RootModule == nil {
		return nil
	}
	m := cfg.RootModule
	if moduleAddress == "" {
		return m
	}
	parts := strings.Split(baseAddress(moduleAddress), ".")
	for i := 0; i+1 < len(parts); i += 2 {
		if parts[i] != "module" || m == nil {
			return nil
		}
		call, ok := m.ModuleCalls[parts[i+1]]
		if !ok || call == nil {
			return nil
		}
		m = call.Module
	}
	return m
}

// configResource returns the configuration of a resource.
func configResource(cfg *tfjson.Config, moduleAddress, address string) *tfjson.ConfigResource {
	m := moduleConfig(cfg, moduleAddress)
	if m == nil {
		return nil
	}
	rel := baseAddress(address)
	if moduleAddress != "" {
		rel = strings.TrimPrefix(rel, baseAddress(moduleAddress)+".")
	}
	for _, r := range m.Resources {
		if r.Address == rel {
			return r
		}
	}
	return nil
}

// expressionAt finds the expression for a path such as "log_analytics_workspace_id"
// or "storage_blob_dead_letter_destination.0.storage_account_id".
func expressionAt(exprs map[string]*tfjson.Expression, path []string) *tfjson.Expression {
	if len(path) == 0 || exprs == nil {
		return nil
	}
	e := exprs[path[0]]
	if e == nil || e.ExpressionData == nil {
		return nil
	}
	if len(path) == 1 {
		return e
	}
	if len(path) >= 3 && len(e.NestedBlocks) > 0 {
		i := atoi(path[1])
		if i < 0 || i >= len(e.NestedBlocks) {
			i = 0
		}
		return expressionAt(e.NestedBlocks[i], path[2:])
	}
	return nil
}

func atoi(s string) int {
	n := 0
	if s == "" {
		return -1
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
