package infra

import (
	"strconv"
	"strings"
)

// sinkKind says what leaves through a sink attribute.
type sinkKind int

const (
	sinkResource sinkKind = iota // an Azure resource ID: locate it
	sinkURL                      // an arbitrary URL: data leaves for anywhere
)

type sinkAttr struct {
	path []string // "*" stands for any list index
	kind sinkKind
}

func attrs(kind sinkKind, paths ...string) []sinkAttr {
	out := make([]sinkAttr, len(paths))
	for i, p := range paths {
		out[i] = sinkAttr{path: strings.Split(p, "."), kind: kind}
	}
	return out
}

var diagnosticSinks = attrs(sinkResource, "log_analytics_workspace_id", "storage_account_id",
	"eventhub_authorization_rule_id", "partner_solution_id")

var eventSubscriptionSinks = append(attrs(sinkResource,
	"storage_blob_dead_letter_destination.*.storage_account_id",
	"azure_function_endpoint.*.function_id",
	"storage_queue_endpoint.*.storage_account_id",
	"eventhub_id", "service_bus_queue_id", "service_bus_topic_id", "hybrid_connection_id"),
	attrs(sinkURL, "webhook_endpoint.*.url")...)

// sinkAttributes: where each resource type sends data (logs, dead letters,
// event deliveries, exports). Types containing "diagnostic_setting" use the
// diagnostic list.
var sinkAttributes = map[string][]sinkAttr{
	"azurerm_application_insights":                      attrs(sinkResource, "workspace_id"),
	"azurerm_eventgrid_system_topic_event_subscription": eventSubscriptionSinks,
	"azurerm_eventgrid_event_subscription":              eventSubscriptionSinks,
	"azurerm_log_analytics_data_export_rule":            attrs(sinkResource, "destination_resource_id"),
	"azurerm_storage_object_replication":                attrs(sinkResource, "destination_storage_account_id"),
}

func sinksOf(typ string) []sinkAttr {
	if strings.Contains(typ, "diagnostic_setting") {
		return diagnosticSinks
	}
	return sinkAttributes[typ]
}

// sinkValue is one concrete sink attribute in a resource.
type sinkValue struct {
	path    []string // concrete, with list indexes
	value   string
	unknown bool
	kind    sinkKind
}

func findSinks(r *resource) []sinkValue {
	var out []sinkValue
	for _, a := range sinksOf(r.Type) {
		var walk func(v, u any, rest, done []string)
		walk = func(v, u any, rest, done []string) {
			if b, ok := u.(bool); ok && b {
				out = append(out, sinkValue{path: append([]string(nil), done...), unknown: true, kind: a.kind})
				return
			}
			if len(rest) == 0 {
				if s, ok := v.(string); ok && s != "" {
					out = append(out, sinkValue{path: append([]string(nil), done...), value: s, kind: a.kind})
				}
				return
			}
			if rest[0] == "*" {
				ul := asList(u)
				for i, e := range asList(v) {
					var ue any
					if i < len(ul) {
						ue = ul[i]
					}
					walk(e, ue, rest[1:], append(done, strconv.Itoa(i)))
				}
				return
			}
			walk(asMap(v)[rest[0]], asMap(u)[rest[0]], rest[1:], append(done, rest[0]))
		}
		walk(r.Values, r.Unknown, a.path, nil)
	}
	return out
}
