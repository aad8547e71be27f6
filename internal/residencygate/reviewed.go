package residencygate

import "sort"

// reviewedTypes are the managed resource types the gate has been reviewed
// for: for each, where it keeps data (its region attributes, which the gate
// reads at any depth) and where it sends data (its sinks in sinks.go). Any
// other type is refused: a type nobody has looked at may store or send data
// through attributes the gate does not know ("no region of its own" is not
// proof of anything). The list is exactly the types infra/terraform uses,
// plus terraform_data (built in; holds values in state only; the offline
// tests of the infra command use it); a test keeps it in step with the
// module. To add a type: review its schema for region-like attributes,
// anything holding a resource ID, URL, endpoint or connection string it
// writes to, and teach sinks.go those sinks, then add it here with a test
// (docs/infra.md).
var reviewedTypes = map[string]string{
	"azurerm_application_insights":                      "location; sink workspace_id",
	"azurerm_cosmosdb_account":                          "location, geo_location.*.location; geo-redundant backup (replicas.go)",
	"azurerm_cosmosdb_sql_container":                    "inside its account",
	"azurerm_cosmosdb_sql_database":                     "inside its account",
	"azurerm_cosmosdb_sql_role_assignment":              "permission only",
	"azurerm_eventgrid_system_topic":                    "location; delivers only through its subscriptions",
	"azurerm_eventgrid_system_topic_event_subscription": "sinks: endpoints, dead-letter destination, webhooks",
	"azurerm_function_app_flex_consumption":             "location; sinks: App Insights, app settings, deployment storage",
	"azurerm_log_analytics_workspace":                   "location",
	"azurerm_monitor_diagnostic_setting":                "sinks: workspace, storage, event hub, partner solution",
	"azurerm_resource_group":                            "location",
	"azurerm_resource_group_policy_assignment":          "policy only (location is the assignment's identity region)",
	"azurerm_role_assignment":                           "permission only",
	"azurerm_service_plan":                              "location",
	"azurerm_storage_account":                           "location; geo-redundant replication (replicas.go)",
	"azurerm_storage_container":                         "inside its account",
	"azurerm_storage_management_policy":                 "deletes inside its account only",
	"azurerm_storage_queue":                             "inside its account",
	"azurerm_storage_container_immutability_policy":     "a policy on a container: inside its account",
	"azurerm_role_definition":                           "permission only",
	"azurerm_cosmosdb_sql_role_definition":              "permission only",
	"azurerm_virtual_network":                           "location; carries traffic, stores nothing",
	"azurerm_subnet":                                    "inside its VNet",
	"azurerm_private_endpoint":                          "location; a network interface in its subnet for one resource the plan names, stores nothing",
	"azurerm_private_dns_zone":                          "global by design (global.go): name records only",
	"azurerm_private_dns_zone_virtual_network_link":     "global by design (global.go): links a zone to a VNet",
	"azurerm_monitor_action_group":                      "global by design (global.go); sinks: webhook, Logic App, Function, runbook receivers",
	"azurerm_monitor_scheduled_query_rules_alert_v2":    "location; reads the workspace it scopes, notifies action groups (no rows)",
	"azurerm_log_analytics_workspace_table":             "retention of a table inside its workspace",
	"terraform_data":                                    "built in: values in state only; provisioners are refused",
}

// ReviewedResourceTypes lists the managed resource types the gate accepts.
func ReviewedResourceTypes() []string {
	out := make([]string, 0, len(reviewedTypes))
	for t := range reviewedTypes {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

var templateDeployments = map[string]bool{
	"azurerm_resource_group_template_deployment":   true,
	"azurerm_subscription_template_deployment":     true,
	"azurerm_management_group_template_deployment": true,
	"azurerm_tenant_template_deployment":           true,
	"azurerm_template_deployment":                  true,
}

// reviewFindings refuses what the gate cannot see into: template
// deployments, types not reviewed, and provisioners.
func reviewFindings(r *resource) []Finding {
	var out []Finding
	switch {
	case templateDeployments[r.Type]:
		out = append(out, Finding{Address: r.Address, Type: r.Type, Attribute: "(resource)", Value: r.Type,
			Reason: ReasonTemplateDeployment, Detail: "write its resources as Terraform resources so the plan shows them"})
	case reviewedTypes[r.Type] == "":
		out = append(out, Finding{Address: r.Address, Type: r.Type, Attribute: "(resource)", Value: r.Type,
			Reason: ReasonTypeNotReviewed, Detail: "review where it stores and sends data, then add it to the gate's list (docs/infra.md)"})
	}
	if r.Provisioners > 0 {
		out = append(out, Finding{Address: r.Address, Type: r.Type, Attribute: "provisioner", Value: r.action(),
			Reason: ReasonProvisioner, Detail: "do it as a resource the plan shows, or outside this pipeline after review"})
	}
	return out
}
