# Alerts page someone for every failure the issue names; access logs are
# kept as long as the footage; sampling never drops a coded record.
mock_provider "azurerm" {
  source          = "./tests/unit/mocks"
  override_during = plan
}

variables {
  name            = "bwv-test"
  entra_tenant_id = "33333333-3333-3333-3333-333333333333"
  entra_client_id = "44444444-4444-4444-4444-444444444444"
  alerts          = { email_receivers = ["bwv-oncall@police.example.uk", "duty-inspector@police.example.uk"] }
}

run "every_alert_rule_is_present" {
  command = plan

  assert {
    condition     = toset(keys(azurerm_monitor_scheduled_query_rules_alert_v2.this)) == toset(["code-tamper", "code-residency", "code-sweep", "code-anchor", "code-immutability", "poison", "deadletter", "function-failures"])
    error_message = "alert rules: TAMPER_OVERWRITE, RESIDENCY_*, SWEEP_*, ANCHOR_CHAIN_INVALID, IMMUTABILITY_*, poison queue, dead letters, function failures"
  }
  assert {
    condition     = strcontains(azurerm_monitor_scheduled_query_rules_alert_v2.this["code-tamper"].criteria[0].query, "code=TAMPER_OVERWRITE") && strcontains(azurerm_monitor_scheduled_query_rules_alert_v2.this["code-residency"].criteria[0].query, "code=RESIDENCY_") && strcontains(azurerm_monitor_scheduled_query_rules_alert_v2.this["code-sweep"].criteria[0].query, "code=SWEEP_") && strcontains(azurerm_monitor_scheduled_query_rules_alert_v2.this["code-anchor"].criteria[0].query, "code=ANCHOR_CHAIN_INVALID") && strcontains(azurerm_monitor_scheduled_query_rules_alert_v2.this["code-immutability"].criteria[0].query, "code=IMMUTABILITY_")
    error_message = "each code alert matches the handler's code=<CODE> log field"
  }
  assert {
    condition     = alltrue([for k in ["code-tamper", "code-residency", "code-sweep", "code-anchor", "code-immutability"] : strcontains(azurerm_monitor_scheduled_query_rules_alert_v2.this[k].criteria[0].query, "contains")])
    error_message = "code alerts match with contains (RESIDENCY_ and SWEEP_ are prefixes; KQL has matches whole terms)"
  }
  assert {
    condition     = strcontains(azurerm_monitor_scheduled_query_rules_alert_v2.this["poison"].criteria[0].query, "StorageQueueLogs") && strcontains(azurerm_monitor_scheduled_query_rules_alert_v2.this["poison"].criteria[0].query, "/clip-verify-poison/")
    error_message = "the poison alert watches messages put on clip-verify-poison"
  }
  assert {
    condition     = strcontains(azurerm_monitor_scheduled_query_rules_alert_v2.this["deadletter"].criteria[0].query, "StorageBlobLogs") && strcontains(azurerm_monitor_scheduled_query_rules_alert_v2.this["deadletter"].criteria[0].query, "/eventgrid-deadletter/")
    error_message = "the dead-letter alert watches blobs written to eventgrid-deadletter"
  }
  assert {
    condition = alltrue([for r in azurerm_monitor_scheduled_query_rules_alert_v2.this :
      r.enabled && contains(["uksouth", "ukwest"], r.location) && r.scopes == tolist([azurerm_log_analytics_workspace.this.id]) &&
      r.action[0].action_groups == tolist([azurerm_monitor_action_group.this[0].id]) && r.criteria[0].threshold == 0 && r.criteria[0].operator == "GreaterThan" && length(r.criteria[0].dimension) == 0
    ])
    error_message = "every rule: enabled, UK, on the UK workspace, fires on one row, notifies the action group, no dimensions (rows hold personal data)"
  }
  assert {
    condition     = toset([for e in azurerm_monitor_action_group.this[0].email_receiver : e.email_address]) == toset(["bwv-oncall@police.example.uk", "duty-inspector@police.example.uk"])
    error_message = "the action group mails exactly the given receivers"
  }
}

run "an_existing_action_group_is_used_as_is" {
  command = plan

  variables {
    alerts = { action_group_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-oncall/providers/microsoft.insights/actionGroups/ag-force-oncall" }
  }

  assert {
    condition     = length(azurerm_monitor_action_group.this) == 0
    error_message = "no action group is created when one is given"
  }
  assert {
    condition     = alltrue([for r in azurerm_monitor_scheduled_query_rules_alert_v2.this : r.action[0].action_groups == tolist(["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-oncall/providers/microsoft.insights/actionGroups/ag-force-oncall"])])
    error_message = "every rule notifies the given action group"
  }
}

run "data_plane_logs_go_to_the_uk_workspace" {
  command = plan

  assert {
    condition     = toset([for l in azurerm_monitor_diagnostic_setting.this["cosmos"].enabled_log : l.category]) == toset(["DataPlaneRequests", "QueryRuntimeStatistics", "ControlPlaneRequests"]) && azurerm_monitor_diagnostic_setting.this["cosmos"].log_analytics_destination_type == "Dedicated"
    error_message = "Cosmos DB data-plane requests and query statistics, in the resource-specific tables"
  }
  assert {
    condition     = toset([for l in azurerm_monitor_diagnostic_setting.this["footage_blob"].enabled_log : l.category]) == toset(["StorageRead", "StorageWrite", "StorageDelete"]) && azurerm_monitor_diagnostic_setting.this["footage_blob"].target_resource_id == "${azurerm_storage_account.this.id}/blobServices/default"
    error_message = "every read, write and delete of footage is logged"
  }
  assert {
    condition     = contains([for l in azurerm_monitor_diagnostic_setting.this["host_queue"].enabled_log : l.category], "StorageWrite")
    error_message = "queue writes are logged (the poison alert reads them)"
  }
  assert {
    condition     = alltrue([for d in azurerm_monitor_diagnostic_setting.this : d.log_analytics_workspace_id == azurerm_log_analytics_workspace.this.id])
    error_message = "every diagnostic setting goes to the UK workspace"
  }
}

run "data_plane_logs_are_kept_as_long_as_the_footage" {
  command = plan

  assert {
    condition     = toset(keys(azurerm_log_analytics_workspace_table.access)) == toset(["StorageBlobLogs", "CDBDataPlaneRequests", "CDBQueryRuntimeStatistics", "CDBControlPlaneRequests"])
    error_message = "the tables that say who read footage and records have their own retention"
  }
  assert {
    condition     = alltrue([for t in azurerm_log_analytics_workspace_table.access : t.total_retention_in_days >= var.longest_footage_retention_days && t.workspace_id == azurerm_log_analytics_workspace.this.id])
    error_message = "access logs must be kept at least as long as the longest footage retention"
  }
  assert {
    condition     = alltrue([for t in azurerm_log_analytics_workspace_table.access : t.total_retention_in_days == 2922])
    error_message = "7 years of footage (2557 days) → 2922 days (8 years), the first whole-year step Log Analytics offers that covers it"
  }
}

# host.json is deployed with the handler: the code alerts read AppTraces, so
# Application Insights sampling must never drop a trace (coded log lines), an
# exception or a request (the failure alert).
run "sampling_keeps_every_coded_record" {
  command = plan

  assert {
    condition = strcontains(azurerm_monitor_scheduled_query_rules_alert_v2.this["code-tamper"].criteria[0].query, "AppTraces") && (
      jsondecode(file("../../host.json")).logging.applicationInsights.samplingSettings.isEnabled == false ||
      length(setsubtract(toset(["Trace", "Exception", "Request"]), toset([for t in split(";", jsondecode(file("../../host.json")).logging.applicationInsights.samplingSettings.excludedTypes) : trimspace(t)]))) == 0
    )
    error_message = "host.json: sampling must exclude Trace, Exception and Request (or be off): a sampled-out trace could be the one carrying TAMPER_OVERWRITE"
  }
}

run "no_receivers_is_refused" {
  command = plan
  variables {
    alerts = {}
  }
  expect_failures = [var.alerts]
}

run "both_an_action_group_and_emails_are_refused" {
  command = plan
  variables {
    alerts = { action_group_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-oncall/providers/microsoft.insights/actionGroups/ag", email_receivers = ["a@police.example.uk"] }
  }
  expect_failures = [var.alerts]
}

run "an_action_group_id_that_is_not_one_is_refused" {
  command = plan
  variables {
    alerts = { action_group_id = "ag-force-oncall" }
  }
  expect_failures = [var.alerts]
}

run "a_bad_email_is_refused" {
  command = plan
  variables {
    alerts = { email_receivers = ["oncall at police"] }
  }
  expect_failures = [var.alerts]
}
