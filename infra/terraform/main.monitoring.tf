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
# checks that each sink resolves to a UK resource).
locals {
  diagnostic_targets = {
    blob      = "${azurerm_storage_account.this.id}/blobServices/default"
    queue     = "${azurerm_storage_account.this.id}/queueServices/default"
    cosmos    = azurerm_cosmosdb_account.this.id
    function  = azurerm_function_app_flex_consumption.this.id
    eventgrid = azurerm_eventgrid_system_topic.uploads.id
  }
}

resource "azurerm_monitor_diagnostic_setting" "this" {
  for_each = local.diagnostic_targets

  name                       = "to-law-${var.name}"
  target_resource_id         = each.value
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id

  enabled_log {
    category_group = "allLogs"
  }
}
