package residencygate

import (
	"sort"
	"strings"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
)

// Evidence is the residency report: every resource, where it is, where it
// copies or sends data, and what the gate refused.
type Evidence struct {
	Source         string             `json:"source"` // "plan" or "state"
	GeneratedAt    time.Time          `json:"generatedAt"`
	Tool           string             `json:"tool,omitempty"`
	AllowedRegions []string           `json:"allowedRegions"`
	TrustedSinks   []string           `json:"trustedSinks,omitempty"`
	Passed         bool               `json:"passed"`
	Resources      []ResourceEvidence `json:"resources"`
	Findings       []Finding          `json:"findings"`
}

// ResourceEvidence is one resource in the report.
type ResourceEvidence struct {
	Address string      `json:"address"`
	Type    string      `json:"type"`
	Action  string      `json:"action"`
	Regions []RegionUse `json:"regions,omitempty"`
	Sinks   []SinkUse   `json:"sinks,omitempty"`
	// Inherits is set for resources with no region of their own (containers,
	// role assignments): the region of the resource they live in.
	Inherits *Inherited `json:"inherits,omitempty"`
}

// RegionUse is one region a resource occupies.
type RegionUse struct {
	Attribute string `json:"attribute"`
	Region    string `json:"region"` // "" when unknown
	Kind      string `json:"kind"`   // "location", "replica", "derived"
	Allowed   bool   `json:"allowed"`
	Note      string `json:"note,omitempty"`
}

// SinkUse is one place a resource sends data.
type SinkUse struct {
	Attribute string `json:"attribute"`
	Target    string `json:"target"`
	Region    string `json:"region,omitempty"`
	Via       string `json:"via,omitempty"`
	Status    string `json:"status"` // allowed, trusted, refused, unresolved
}

// Inherited names the resource a child's region comes from.
type Inherited struct {
	Region string `json:"region"`
	From   string `json:"from"`
}

// CheckPlan runs the residency gate over a plan's JSON.
func CheckPlan(p *tfjson.Plan, policy Policy) *Evidence {
	ev := build("plan", resourcesFromPlan(p), policy)
	if (p.Complete != nil && !*p.Complete) || len(p.DeferredChanges) > 0 {
		ev.Findings = append(ev.Findings, Finding{Address: "(plan)", Attribute: "complete", Value: "false",
			Reason: ReasonPlanIncomplete, Detail: "apply in stages so every change is visible to the gate"})
	}
	ev.Tool = p.TerraformVersion
	ev.Passed = len(ev.Findings) == 0
	return ev
}

// EvidenceFromState reports what exists now, from state JSON. Findings here
// mean the estate already holds something outside the allowed regions.
func EvidenceFromState(s *tfjson.State, policy Policy) *Evidence {
	ev := build("state", resourcesFromState(s), policy)
	if s != nil {
		ev.Tool = s.TerraformVersion
	}
	ev.Passed = len(ev.Findings) == 0
	return ev
}

func build(source string, rs []*resource, policy Policy) *Evidence {
	allowed := policy.allowed()
	ix := newIndex(rs)
	ev := &Evidence{
		Source:         source,
		GeneratedAt:    time.Now().UTC(),
		AllowedRegions: policy.AllowedList(),
		TrustedSinks:   policy.TrustedSinks,
		Resources:      []ResourceEvidence{},
		Findings:       []Finding{},
	}
	for _, r := range rs {
		if r.Existing {
			continue
		}
		re := ResourceEvidence{Address: r.Address, Type: r.Type, Action: r.action()}
		refuse := func(f Finding) { ev.Findings = append(ev.Findings, f) }
		landing := r.landing()

		for _, rv := range walkRegions(r.Values, r.Unknown) {
			use := RegionUse{Attribute: rv.Path, Region: rv.Region, Kind: "location"}
			switch {
			case rv.Unknown:
				// Only what the plan itself determines stands in for an unknown
				// region; an expression that merely mentions a UK resource does not
				// (lookup(var.m, rg.id, "westeurope") mentions one).
				if regions, how, ok := derivedRegion(r, rv.Path); ok {
					if len(regions) == 0 {
						continue // e.g. no secondary for LRS
					}
					use.Kind, use.Note = "derived", how
					use.Region = regions[0]
					use.Allowed = allowed[use.Region]
				}
				if use.Region == "" && landing {
					refuse(Finding{Address: r.Address, Type: r.Type, Attribute: rv.Path, Value: "(known after apply)",
						Reason: ReasonRegionUnknown, Detail: "set it from a variable or a literal, so the plan shows it"})
				}
			default:
				use.Allowed = allowed[rv.Region]
				if why, ok := globalAllowed(r.Type, rv.Region); ok {
					use.Kind, use.Note, use.Allowed = "global", why, true
				}
			}
			if use.Region != "" && !use.Allowed && landing {
				refuse(Finding{Address: r.Address, Type: r.Type, Attribute: rv.Path, Value: use.Region,
					Reason: ReasonRegionNotAllowed, Detail: "allowed: " + strings.Join(ev.AllowedRegions, ", ")})
			}
			re.Regions = append(re.Regions, use)
		}

		if landing {
			for _, f := range reviewFindings(r) {
				refuse(f)
			}
			uses, fs := replicaRegions(r)
			for _, u := range uses {
				u.Allowed = allowed[u.Region]
				if !u.Allowed {
					refuse(Finding{Address: r.Address, Type: r.Type, Attribute: u.Attribute, Value: u.Region,
						Reason: ReasonReplicaNotAllowed, Detail: "choose LRS/ZRS or a primary region whose pair is allowed"})
				}
				re.Regions = append(re.Regions, u)
			}
			for _, f := range fs {
				refuse(f)
			}
			for _, s := range findSinks(r) {
				use, f := ix.checkSink(r, s, policy, allowed)
				re.Sinks = append(re.Sinks, use)
				if f != nil {
					refuse(*f)
				}
			}
		}
		for _, f := range dataGuard(r, policy) {
			refuse(f)
		}

		if why, ok := globalByDesign[r.Type]; ok && len(re.Regions) == 0 {
			// no location attribute in the provider's schema: the type is global
			re.Regions = append(re.Regions, RegionUse{Attribute: "(type)", Region: regionGlobal, Kind: "global", Allowed: true, Note: why})
		}
		if len(re.Regions) == 0 {
			if l, ok := ix.locate(r, 0); ok {
				re.Inherits = &Inherited{Region: l.Region, From: l.Via}
			}
		}
		ev.Resources = append(ev.Resources, re)
	}
	sort.SliceStable(ev.Resources, func(i, j int) bool { return ev.Resources[i].Address < ev.Resources[j].Address })
	ev.Findings = dedupe(ev.Findings)
	return ev
}

// dedupe keeps one finding per resource, reason and value: location and a
// derived primary_location naming the same region are one offence.
func dedupe(fs []Finding) []Finding {
	seen := map[string]bool{}
	out := fs[:0]
	for _, f := range fs {
		k := f.Address + "\x00" + string(f.Reason) + "\x00" + f.Value
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}
