package residencygate

import (
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// resourceRef is a configuration reference to a managed resource, as plan
// JSON writes it: `azurerm_storage_container.this["uploads"].name` is
// base "azurerm_storage_container.this", address `…this["uploads"]`, attr "name".
type resourceRef struct {
	base, address, attr string
}

// parseResourceRef parses a reference to a managed resource; references to
// var, local, module, data, each, count, path, self and terraform are not.
func parseResourceRef(ref string) (resourceRef, bool) {
	typ, rest, ok := strings.Cut(ref, ".")
	if !ok || typ == "data" || isReservedRoot(typ) || !strings.Contains(typ, "_") {
		return resourceRef{}, false
	}
	name := rest
	if i := strings.IndexAny(rest, ".["); i >= 0 {
		name = rest[:i]
	}
	if name == "" {
		return resourceRef{}, false
	}
	r := resourceRef{base: typ + "." + name}
	rest = rest[len(name):]
	r.address = r.base
	if strings.HasPrefix(rest, "[") {
		end := closingBracket(rest)
		if end < 0 {
			return resourceRef{}, false
		}
		r.address += rest[:end+1]
		rest = rest[end+1:]
	}
	switch {
	case rest == "":
	case strings.HasPrefix(rest, "."):
		r.attr = rest[1:]
	default:
		return resourceRef{}, false
	}
	return r, true
}

// closingBracket finds the "]" closing the "[" at s[0], skipping quoted text.
func closingBracket(s string) int {
	inQuote := false
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\' && inQuote:
			i++
		case s[i] == '"':
			inQuote = !inQuote
		case s[i] == ']' && !inQuote:
			return i
		}
	}
	return -1
}

// exactTarget is how a value unknown at plan time is traced to a resource.
// Plan JSON shows only the references an expression makes, not what it does
// with them, so the gate accepts exactly one shape: the references are
// {X.attr, X} (plus X's unkeyed base for an instance of for_each/count) for
// one resource X of the plan, with attr one of attrs and X of one of types
// (nil: any type). Anything else — a var, local, module, data, each or count
// reference, a second resource, another attribute — is not traceable: a
// function of X and a variable can point anywhere.
func (ix *index) exactTarget(from *resource, e *tfjson.Expression, attrs []string, types ...string) (*resource, string) {
	rs := refsOf(e)
	if len(rs) == 0 {
		return nil, "its configuration makes no reference to a resource"
	}
	var address, base string
	sawAttr := false
	for _, ref := range rs {
		p, ok := parseResourceRef(ref)
		if !ok {
			return nil, "it refers to " + ref + ", which the plan cannot locate"
		}
		if base != "" && p.base != base {
			return nil, "it refers to more than one resource (" + base + ", " + p.base + ")"
		}
		base = p.base
		if p.address != p.base {
			if address != "" && address != p.address {
				return nil, "it refers to more than one instance of " + base
			}
			address = p.address
		}
		switch {
		case p.attr == "":
		case contains(attrs, p.attr):
			sawAttr = true
		default:
			return nil, "it uses " + ref + "; only " + base + "." + strings.Join(attrs, "/") + " can be traced"
		}
	}
	if !sawAttr {
		return nil, "it does not use " + base + "." + strings.Join(attrs, "/")
	}
	if address == "" {
		address = base
	}
	targets := ix.byReference(from.ModuleAddress, address)
	if len(targets) != 1 || targets[0] == from {
		return nil, address + " is not one resource of this plan"
	}
	if len(types) > 0 && !contains(types, targets[0].Type) {
		return nil, address + " is not a " + strings.Join(types, " or ")
	}
	return targets[0], ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
