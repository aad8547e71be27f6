output "resource_group_name" {
  description = "The resource group holding the whole estate."
  value       = azurerm_resource_group.this.name
}

output "storage_account_name" {
  description = "The storage account docks upload to (BWV_STORAGE_ACCOUNT)."
  value       = azurerm_storage_account.this.name
}

output "host_storage_account_name" {
  description = "The Function App's own storage account (deployment package, host state, clip-verify queues); no footage."
  value       = azurerm_storage_account.host.name
}

output "action_group_id" {
  description = "The action group every alert rule notifies."
  value       = local.action_group_id
}

output "blob_endpoint" {
  description = "Blob endpoint of the storage account (BWV_BLOB_ENDPOINT)."
  value       = azurerm_storage_account.this.primary_blob_endpoint
}

output "cosmos_endpoint" {
  description = "Cosmos DB account endpoint (BWV_COSMOS_ENDPOINT)."
  value       = azurerm_cosmosdb_account.this.endpoint
}

output "function_app_name" {
  description = "The Function App to zip-deploy the custom handler to."
  value       = azurerm_function_app_flex_consumption.this.name
}

output "function_app_principal_id" {
  description = "Object ID of the Function App's system-assigned identity (all data access is through it)."
  value       = azurerm_function_app_flex_consumption.this.identity[0].principal_id
}

output "app_settings" {
  description = "The app settings the handler reads (no keys: identity-based access only)."
  value       = local.app_settings
}

output "event_subscription_enabled" {
  description = "Whether the Event Grid subscription to ClipIngest exists yet (deploy order: infra, code, then subscription)."
  value       = var.event_subscription_enabled
}

output "allowed_locations" {
  description = "The regions this module allows; the infra command's residency gate uses the same set."
  value       = local.allowed_locations
}

output "authentication_enabled" {
  description = "App Service Authentication (Entra ID) is on: callers need an Entra access token for the API app and the function key; BWV_TRUST_PRINCIPAL_HEADERS is \"true\" exactly then."
  value       = local.authentication_enabled
}

output "entra_token_audience" {
  description = "The audience (resource) callers request their Entra access token for: api://<client id>/.default."
  value       = "api://${lower(var.entra_client_id)}"
}
