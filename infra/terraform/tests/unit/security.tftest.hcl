# No keys anywhere; storage locked down; Cosmos local auth off.
mock_provider "azurerm" {
  source          = "./tests/unit/mocks"
  override_during = plan
}

variables {
  name            = "bwv-test"
  entra_tenant_id = "33333333-3333-3333-3333-333333333333"
  entra_client_id = "44444444-4444-4444-4444-444444444444"
  alerts          = { email_receivers = ["bwv-oncall@police.example.uk"] }
}

run "storage_is_locked_down" {
  command = plan

  assert {
    condition     = azurerm_storage_account.this.shared_access_key_enabled == false
    error_message = "shared-key access must be off"
  }
  assert {
    condition     = azurerm_storage_account.this.min_tls_version == "TLS1_2" && azurerm_storage_account.this.https_traffic_only_enabled
    error_message = "TLS 1.2 and HTTPS only"
  }
  assert {
    condition     = azurerm_storage_account.this.allow_nested_items_to_be_public == false
    error_message = "no public blob access"
  }
  assert {
    condition     = azurerm_storage_account.this.blob_properties[0].versioning_enabled && azurerm_storage_account.this.blob_properties[0].delete_retention_policy[0].days >= 7 && azurerm_storage_account.this.blob_properties[0].container_delete_retention_policy[0].days >= 7
    error_message = "versioning and soft delete must be on"
  }
  assert {
    condition     = toset([for c in azurerm_storage_container.this : c.name]) == toset(["uploads", "quarantine", "eventgrid-deadletter", "audit-anchors"])
    error_message = "footage account containers: uploads, quarantine, eventgrid-deadletter, audit-anchors (nothing else)"
  }
  assert {
    condition     = alltrue([for c in azurerm_storage_container.this : c.container_access_type == "private"]) && azurerm_storage_container.deployment.container_access_type == "private"
    error_message = "every container must be private"
  }
  assert {
    condition     = toset([for q in azurerm_storage_queue.this : q.name]) == toset(["clip-verify", "clip-verify-poison"])
    error_message = "queues clip-verify and clip-verify-poison must exist"
  }
  assert {
    condition     = azurerm_storage_account.host.shared_access_key_enabled == false && azurerm_storage_account.host.allow_nested_items_to_be_public == false && azurerm_storage_account.host.location == azurerm_storage_account.this.location
    error_message = "the host account is key-less, private and in the same UK region"
  }
}

run "lifecycle_backstop_keys_on_index_tags" {
  command = plan

  assert {
    condition     = one([for r in azurerm_storage_management_policy.this.rule : one(r.filters[0].match_blob_index_tag).name if r.name == "retention-backstop-short"]) == "bwvbackstop"
    error_message = "the retention backstop must match the bwvbackstop index tag (shared/clip/tags.go)"
  }
  assert {
    condition     = one([for r in azurerm_storage_management_policy.this.rule : r.actions[0].base_blob[0].delete_after_days_since_creation_greater_than if r.name == "retention-backstop-short"]) > 31
    error_message = "the backstop must never run ahead of the 31-day standard retention"
  }
}

run "backstop_ahead_of_retention_is_refused" {
  command = plan

  variables {
    retention_backstop_days = 31
  }

  expect_failures = [var.retention_backstop_days]
}

run "cosmos_has_no_keys_and_uk_backup" {
  command = plan

  assert {
    condition     = azurerm_cosmosdb_account.this.local_authentication_enabled == false && azurerm_cosmosdb_account.this.access_key_metadata_writes_enabled == false
    error_message = "Cosmos local (key) auth must be off"
  }
  assert {
    condition     = azurerm_cosmosdb_account.this.backup[0].type == "Continuous"
    error_message = "continuous backup is the recovery path for lost records"
  }
}

run "function_app_settings_have_no_keys" {
  command = plan

  assert {
    condition     = !contains(keys(azurerm_function_app_flex_consumption.this.app_settings), "BWV_STORAGE_KEY") && !contains(keys(azurerm_function_app_flex_consumption.this.app_settings), "BWV_COSMOS_KEY")
    error_message = "no storage or Cosmos keys in app settings"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.app_settings["BWV_COSMOS_BOOTSTRAP"] == "false"
    error_message = "Terraform owns the Cosmos database and containers: bootstrap must be off"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.app_settings["BWV_STORAGE_REGION"] == "uksouth" && azurerm_function_app_flex_consumption.this.app_settings["BWV_ALLOWED_REGIONS"] == "uksouth,ukwest"
    error_message = "BWV_STORAGE_REGION must be var.location and the allowed regions the UK pair"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.app_settings["FUNCTIONS_WORKER_RUNTIME"] == "custom" && azurerm_function_app_flex_consumption.this.app_settings["AzureWebJobsStorage__credential"] == "managedidentity"
    error_message = "custom handler runtime with identity-based host storage"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.storage_authentication_type == "SystemAssignedIdentity" && azurerm_function_app_flex_consumption.this.identity[0].type == "SystemAssigned"
    error_message = "deployment storage and data access through the system-assigned identity"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.app_settings["AzureWebJobsStorage__accountName"] == azurerm_storage_account.host.name && startswith(azurerm_function_app_flex_consumption.this.storage_container_endpoint, "https://${azurerm_storage_account.host.name}.blob.core.windows.net/")
    error_message = "host storage and the deployment package are in the host account, never the footage account"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.app_settings["BWV_BLOB_ENDPOINT"] == "https://${azurerm_storage_account.this.name}.blob.core.windows.net/" && azurerm_storage_account.host.name != azurerm_storage_account.this.name
    error_message = "the handler's footage endpoint is the footage account, a different account from the host's"
  }
}
