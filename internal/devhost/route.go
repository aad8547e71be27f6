package devhost

import (
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// route is a parsed httpTrigger route template: literals, {param},
// {param?} (optional, trailing), {param:constraint} and {*catchall}.
type route struct {
	segs []routeSeg
}

type routeSeg struct {
	literal  string
	param    string
	optional bool
	catchAll bool
}

func routeOf(fn *Function) string {
	r := strings.Trim(fn.Trigger.Route, "/")
	if r == "" {
		r = fn.Name
	}
	return r
}

func parseRoute(tmpl string) (*route, error) {
	r := &route{}
	parts := strings.Split(strings.Trim(tmpl, "/"), "/")
	for i, p := range parts {
		if p == "" {
			return nil, reason.Errorf(CodeFunctionInvalid, nil, "route %q has an empty segment", tmpl)
		}
		if !strings.HasPrefix(p, "{") {
			if strings.ContainsAny(p, "{}") {
				return nil, reason.Errorf(CodeFunctionInvalid, nil, "route %q: segment %q mixes text and parameters (not supported locally)", tmpl, p)
			}
			r.segs = append(r.segs, routeSeg{literal: p})
			continue
		}
		if !strings.HasSuffix(p, "}") {
			return nil, reason.Errorf(CodeFunctionInvalid, nil, "route %q: unclosed parameter %q", tmpl, p)
		}
		body := p[1 : len(p)-1]
		seg := routeSeg{}
		if strings.HasPrefix(body, "*") {
			seg.catchAll = true
			body = strings.TrimPrefix(strings.TrimPrefix(body, "*"), "*")
		}
		if strings.HasSuffix(body, "?") {
			seg.optional = true
			body = strings.TrimSuffix(body, "?")
		}
		if name, _, ok := strings.Cut(body, ":"); ok { // constraints are not checked locally
			body = name
		}
		if name, _, ok := strings.Cut(body, "="); ok {
			body = name
			seg.optional = true
		}
		if body == "" {
			return nil, reason.Errorf(CodeFunctionInvalid, nil, "route %q: parameter without a name", tmpl)
		}
		seg.param = body
		if (seg.optional || seg.catchAll) && i != len(parts)-1 {
			return nil, reason.Errorf(CodeFunctionInvalid, nil, "route %q: only the last parameter may be optional or catch-all", tmpl)
		}
		r.segs = append(r.segs, seg)
	}
	return r, nil
}

// match returns the route values for path (without /api/), or false.
// Literals compare without regard to case, as ASP.NET routing does.
func (r *route) match(path string) (map[string]string, bool) {
	path = strings.Trim(path, "/")
	var parts []string
	if path != "" {
		parts = strings.Split(path, "/")
	}
	vals := map[string]string{}
	for i, seg := range r.segs {
		if i >= len(parts) {
			if seg.optional || seg.catchAll {
				continue
			}
			return nil, false
		}
		switch {
		case seg.catchAll:
			vals[seg.param] = strings.Join(parts[i:], "/")
			return vals, true
		case seg.param != "":
			vals[seg.param] = parts[i]
		case !strings.EqualFold(seg.literal, parts[i]):
			return nil, false
		}
	}
	if len(parts) > len(r.segs) {
		return nil, false
	}
	return vals, true
}
