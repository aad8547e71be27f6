package residencygate

import (
	tfjson "github.com/hashicorp/terraform-json"
)

// resourcesFromPlan lists what a plan would do (resource_changes), plus
// what already exists (prior state, data sources) so sinks and parents can be
// located.
func resourcesFromPlan(p *tfjson.Plan) []*resource {
	var out []*resource
	seen := map[string]bool{}
	for _, rc := range p.ResourceChanges {
		if rc == nil || rc.Change == nil || rc.DeposedKey != "" {
			continue
		}
		r := &resource{
			Address:       rc.Address,
			ModuleAddress: rc.ModuleAddress,
			Mode:          rc.Mode,
			Type:          rc.Type,
			Name:          rc.Name,
			Values:        asMap(rc.Change.After),
			Before:        asMap(rc.Change.Before),
			Unknown:       asMap(rc.Change.AfterUnknown),
		}
		if cr := configResource(p.Config, rc.ModuleAddress, rc.Address); cr != nil {
			r.Expressions, r.Provisioners = cr.Expressions, len(cr.Provisioners)
		}
		for _, a := range rc.Change.Actions {
			r.Actions = append(r.Actions, string(a))
		}
		if r.Values == nil { // delete: keep the prior values for the report and ID lookups
			r.Values = r.Before
		}
		if rc.Mode == tfjson.DataResourceMode {
			r.Existing = true
		}
		seen[rc.Address] = true
		out = append(out, r)
	}
	if p.PriorState != nil && p.PriorState.Values != nil {
		for _, r := range resourcesFromModule(p.PriorState.Values.RootModule) {
			if seen[r.Address] {
				continue
			}
			r.Existing = true // located, but not placed by this plan
			out = append(out, r)
		}
	}
	return out
}

// resourcesFromState lists what state says exists.
func resourcesFromState(s *tfjson.State) []*resource {
	if s == nil || s.Values == nil {
		return nil
	}
	return resourcesFromModule(s.Values.RootModule)
}

func resourcesFromModule(m *tfjson.StateModule) []*resource {
	if m == nil {
		return nil
	}
	var out []*resource
	for _, sr := range m.Resources {
		if sr == nil || sr.DeposedKey != "" {
			continue
		}
		r := &resource{
			Address:       sr.Address,
			ModuleAddress: m.Address,
			Mode:          sr.Mode,
			Type:          sr.Type,
			Name:          sr.Name,
			Values:        sr.AttributeValues,
		}
		if sr.Mode == tfjson.DataResourceMode {
			r.Existing = true
		}
		out = append(out, r)
	}
	for _, c := range m.ChildModules {
		out = append(out, resourcesFromModule(c)...)
	}
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
