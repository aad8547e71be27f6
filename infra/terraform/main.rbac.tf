# All data access is by managed identity; no keys anywhere.
locals {
  function_principal_id = azurerm_function_app_flex_consumption.this.identity[0].principal_id

  function_storage_roles = {
    # host storage (identity-based AzureWebJobsStorage), deployment package,
    # clip reads, quarantine moves, index tags, deletes by the sweep
    blob = "Storage Blob Data Owner"
    # clip-verify queue output and trigger, poison queue
    queue = "Storage Queue Data Contributor"
  }

  deadletter_container_scope = "${azurerm_storage_account.this.id}/blobServices/default/containers/${azurerm_storage_container.this["deadletter"].name}"
}

resource "azurerm_role_assignment" "function_storage" {
  for_each = local.function_storage_roles

  scope                = azurerm_storage_account.this.id
  role_definition_name = each.value
  principal_id         = local.function_principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "function_appinsights" {
  scope                = azurerm_application_insights.this.id
  role_definition_name = "Monitoring Metrics Publisher"
  principal_id         = local.function_principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "eventgrid_deadletter" {
  scope                = local.deadletter_container_scope
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_eventgrid_system_topic.uploads.identity[0].principal_id
  principal_type       = "ServicePrincipal"
}

# Cosmos DB data plane: built-in "Cosmos DB Built-in Data Contributor"
# (…0002), scoped to the bwv database only.
resource "azurerm_cosmosdb_sql_role_assignment" "function_data" {
  resource_group_name = azurerm_cosmosdb_account.this.resource_group_name
  account_name        = azurerm_cosmosdb_account.this.name
  role_definition_id  = "${azurerm_cosmosdb_account.this.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002"
  principal_id        = local.function_principal_id
  scope               = "${azurerm_cosmosdb_account.this.id}/dbs/${azurerm_cosmosdb_sql_database.bwv.name}"
}
