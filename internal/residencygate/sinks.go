package residencygate

import (
	"strconv"
	"strings"
)

// sinkKind says what leaves through a sink attribute, and so how its target
// is located.
type sinkKind int

const (
	sinkResource       sinkKind = iota // an Azure resource ID: locate it
	sinkURL                            // an arbitrary URL: data leaves for anywhere
	sinkStorageURL                     // https://<account>.<service>.core.windows.net/…: locate the account
	sinkStorageName                    // a storage account name
	sinkStorageConn                    // a storage connection string (AccountName, *Endpoint)
	sinkAppInsights                    // an Application Insights connection string (IngestionEndpoint host)
	sinkAppInsightsKey                 // an instrumentation key: only as the key of an App Insights the plan locates
	sinkCosmosEndpoint                 // https://<account>.documents.azure.com:443/: locate the account
)

// traceAttrs: for a value unknown at plan time, which attribute of which
// resource types it must be exactly (see exactTarget).
var traceAttrs = map[sinkKind]struct {
	attrs, types []string
}{
	sinkResource:       {attrs: []string{"id"}},
	sinkStorageURL:     {attrs: []string{"primary_blob_endpoint", "primary_queue_endpoint", "primary_table_endpoint", "primary_file_endpoint", "primary_dfs_endpoint"}, types: []string{"azurerm_storage_account"}},
	sinkStorageName:    {attrs: []string{"name"}, types: []string{"azurerm_storage_account"}},
	sinkStorageConn:    {attrs: []string{"primary_connection_string", "primary_blob_connection_string"}, types: []string{"azurerm_storage_account"}},
	sinkAppInsights:    {attrs: []string{"connection_string"}, types: []string{"azurerm_application_insights"}},
	sinkAppInsightsKey: {attrs: []string{"instrumentation_key"}, types: []string{"azurerm_application_insights"}},
	sinkCosmosEndpoint: {attrs: []string{"endpoint"}, types: []string{"azurerm_cosmosdb_account"}},
}

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

func concat(lists ...[]sinkAttr) []sinkAttr {
	var out []sinkAttr
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var diagnosticSinks = attrs(sinkResource, "log_analytics_workspace_id", "storage_account_id",
	"eventhub_authorization_rule_id", "partner_solution_id")

var eventSubscriptionSinks = concat(attrs(sinkResource,
	"storage_blob_dead_letter_destination.*.storage_account_id",
	"azure_function_endpoint.*.function_id",
	"storage_queue_endpoint.*.storage_account_id",
	"eventhub_id", "service_bus_queue_id", "service_bus_topic_id", "hybrid_connection_id"),
	attrs(sinkURL, "webhook_endpoint.*.url"))

// functionAppSinks: telemetry and the storage the host and the deployment use.
// App settings are matched by name (appSettingKind).
var functionAppSinks = concat(
	attrs(sinkAppInsights, "site_config.*.application_insights_connection_string"),
	attrs(sinkAppInsightsKey, "site_config.*.application_insights_key"),
	attrs(sinkStorageURL, "storage_container_endpoint"),
)

// sinkAttributes: where each resource type sends data (logs, dead letters,
// event deliveries, exports, telemetry). Types containing
// "diagnostic_setting" use the diagnostic list.
var sinkAttributes = map[string][]sinkAttr{
	"azurerm_application_insights":                      attrs(sinkResource, "workspace_id"),
	"azurerm_eventgrid_system_topic_event_subscription": eventSubscriptionSinks,
	"azurerm_eventgrid_event_subscription":              eventSubscriptionSinks,
	"azurerm_log_analytics_data_export_rule":            attrs(sinkResource, "destination_resource_id"),
	"azurerm_storage_object_replication":                attrs(sinkResource, "destination_storage_account_id"),
	"azurerm_function_app_flex_consumption":             functionAppSinks,
	"azurerm_linux_function_app":                        functionAppSinks,
	"azurerm_windows_function_app":                      functionAppSinks,
	"azurerm_monitor_data_collection_rule": concat(attrs(sinkResource,
		"destinations.*.log_analytics.*.workspace_resource_id",
		"destinations.*.event_hub.*.event_hub_id",
		"destinations.*.event_hub_direct.*.event_hub_id",
		"destinations.*.storage_blob.*.storage_account_id",
		"destinations.*.storage_blob_direct.*.storage_account_id",
		"destinations.*.storage_table_direct.*.storage_account_id",
		"destinations.*.monitor_account.*.monitor_account_id")),
	"azurerm_monitor_action_group": attrs(sinkURL,
		"webhook_receiver.*.service_uri",
		"logic_app_receiver.*.callback_url",
		"azure_function_receiver.*.http_trigger_url",
		"automation_runbook_receiver.*.service_uri"),
}

// hasAppSettings: the types whose app_settings are read as sinks.
func hasAppSettings(typ string) bool {
	return strings.HasSuffix(typ, "_function_app") || strings.HasSuffix(typ, "_function_app_flex_consumption") ||
		strings.HasSuffix(typ, "_web_app")
}

// appSettingKind says which app settings send data somewhere, by name
// (case-insensitive, as the Functions host reads them).
func appSettingKind(name string) (sinkKind, bool) {
	n := strings.ToLower(name)
	switch {
	case n == "applicationinsights_connection_string":
		return sinkAppInsights, true
	case n == "appinsights_instrumentationkey":
		return sinkAppInsightsKey, true
	case n == "bwv_blob_endpoint":
		return sinkStorageURL, true
	case n == "bwv_cosmos_endpoint":
		return sinkCosmosEndpoint, true
	case n == "azurewebjobsstorage" || n == "azurewebjobsdashboard":
		return sinkStorageConn, true
	case strings.HasPrefix(n, "azurewebjobsstorage__"):
		switch strings.TrimPrefix(n, "azurewebjobsstorage__") {
		case "credential", "clientid":
			return 0, false // how the host authenticates, not where
		case "accountname":
			return sinkStorageName, true
		default: // blobServiceUri, queueServiceUri, tableServiceUri, serviceUri, …
			return sinkStorageURL, true
		}
	}
	return 0, false
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
	if hasAppSettings(r.Type) {
		out = append(out, appSettingSinks(r)...)
	}
	return out
}

// appSettingSinks lists the app settings that name a sink. A whole
// app_settings map unknown at plan time hides which settings there are, so it
// is one unresolvable sink.
func appSettingSinks(r *resource) []sinkValue {
	if b, _ := r.Unknown["app_settings"].(bool); b {
		return []sinkValue{{path: []string{"app_settings"}, unknown: true, kind: sinkStorageConn}}
	}
	values, unknown := asMap(r.Values["app_settings"]), asMap(r.Unknown["app_settings"])
	var out []sinkValue
	for _, name := range sortedKeys(values) {
		kind, ok := appSettingKind(name)
		if s, _ := values[name].(string); ok && s != "" {
			out = append(out, sinkValue{path: []string{"app_settings", name}, value: s, kind: kind})
		}
	}
	for _, name := range sortedKeys(unknown) {
		if kind, ok := appSettingKind(name); ok && unknown[name] == true {
			out = append(out, sinkValue{path: []string{"app_settings", name}, unknown: true, kind: kind})
		}
	}
	return out
}
