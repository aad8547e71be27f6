# Logs carry personal data (officer ids, clip names): the workspace and
# Application Insights live in the primary UK region too.
resource "azurerm_log_analytics_workspace" "this" {
  name                         = "log-${var.name}"
  resource_group_name          = azurerm_resource_group.this.name
  location                     = var.location
  sku                          = "PerGB2018"
  retention_in_days            = var.log_retention_days
  local_authentication_enabled = false
  tags                         = local.tags
}

resource "azurerm_application_insights" "this" {
  name                         = "appi-${var.name}"
  resource_group_name          = azurerm_resource_group.this.name
  location                     = var.location
  workspace_id                 = azurerm_log_analytics_workspace.this.id
  application_type             = "other"
  local_authentication_enabled = false
  retention_in_days            = var.log_retention_days
  tags                         = local.tags
}

# Diagnostic settings: every sink is the UK workspace above (the residency gate
# checks that each sink resolves to a UK resource). Categories are named, not
# "allLogs": these logs answer "who read this clip" (StorageRead on footage,
# Cosmos DataPlaneRequests and QueryRuntimeStatistics) and feed the alerts
# (StorageWrite on the host queues and on dead letters); the Function App and
# Event Grid send all their logs. Cosmos uses the resource-specific tables
# (CDBDataPlaneRequests, …), not AzureDiagnostics. StorageRead on footage is
# the largest table (every ranged read of a verification is a row): the price
# of answering "who read this clip".
locals {
  diagnostic_settings = {
    footage_blob = { target = local.footage_blob_service_id, categories = ["StorageRead", "StorageWrite", "StorageDelete"], groups = [], dedicated = false }
    host_queue   = { target = "${azurerm_storage_account.host.id}/queueServices/default", categories = ["StorageRead", "StorageWrite", "StorageDelete"], groups = [], dedicated = false }
    cosmos       = { target = azurerm_cosmosdb_account.this.id, categories = ["DataPlaneRequests", "QueryRuntimeStatistics", "ControlPlaneRequests"], groups = [], dedicated = true }
    function     = { target = azurerm_function_app_flex_consumption.this.id, categories = [], groups = ["allLogs"], dedicated = false }
    eventgrid    = { target = azurerm_eventgrid_system_topic.uploads.id, categories = [], groups = ["allLogs"], dedicated = false }
  }

  # Tables that record who touched footage or records: kept at least as long
  # as the longest footage retention (total = interactive + archive; the
  # interactive part stays var.log_retention_days). The alert-only tables
  # (AppTraces, AppRequests, StorageQueueLogs) keep the workspace default.
  access_log_tables = ["StorageBlobLogs", "CDBDataPlaneRequests", "CDBQueryRuntimeStatistics", "CDBControlPlaneRequests"]
}

resource "azurerm_monitor_diagnostic_setting" "this" {
  for_each = local.diagnostic_settings

  name                           = "to-law-${var.name}"
  target_resource_id             = each.value.target
  log_analytics_workspace_id     = azurerm_log_analytics_workspace.this.id
  log_analytics_destination_type = each.value.dedicated ? "Dedicated" : null

  dynamic "enabled_log" {
    for_each = toset(each.value.categories)
    content {
      category = enabled_log.value
    }
  }
  dynamic "enabled_log" {
    for_each = toset(each.value.groups)
    content {
      category_group = enabled_log.value
    }
  }
}

resource "azurerm_log_analytics_workspace_table" "access" {
  for_each = toset(local.access_log_tables)

  workspace_id            = azurerm_log_analytics_workspace.this.id
  name                    = each.value
  retention_in_days       = var.log_retention_days
  total_retention_in_days = local.access_log_total_retention_days
}
