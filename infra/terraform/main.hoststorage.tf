# The Function App's own storage: the deployment package (function-releases),
# the Functions host's state (locks, keys, timer schedules) and the
# clip-verify queues (the queue bindings use the AzureWebJobsStorage
# connection, functions/*/function.json, so the queues live in the host's
# account). No footage: the account-wide roles the Functions host needs here
# reach nothing but this. Queue messages carry clip ids and blob names (data
# too), so this account is UK, private and key-less like the footage one.
resource "azurerm_storage_account" "host" {
  name                     = local.host_storage_account_name
  resource_group_name      = azurerm_resource_group.this.name
  location                 = var.location
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = "ZRS"
  tags                     = local.tags

  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  local_user_enabled                = false
  https_traffic_only_enabled        = true
  min_tls_version                   = "TLS1_2"
  allow_nested_items_to_be_public   = false
  cross_tenant_replication_enabled  = false
  allowed_copy_scope                = "AAD"
  infrastructure_encryption_enabled = true

  # Reached only through its private endpoints (blob, queue).
  public_network_access_enabled = false

  blob_properties {
    delete_retention_policy {
      days = var.blob_soft_delete_days
    }
    container_delete_retention_policy {
      days = var.container_soft_delete_days
    }
  }

  lifecycle {
    prevent_destroy = true
  }
}

resource "azurerm_storage_container" "deployment" {
  name                  = local.deployment_container_name
  storage_account_id    = azurerm_storage_account.host.id
  container_access_type = "private"
}

resource "azurerm_storage_queue" "this" {
  for_each = local.queue_names

  name               = each.value
  storage_account_id = azurerm_storage_account.host.id
}
