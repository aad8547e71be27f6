# No keys anywhere; storage locked down; Cosmos local auth off.
# OpenTofu's mock provider fills computed attributes during plan, and azurerm
# validates ID-shaped arguments, so the IDs other resources consume are given
# realistic values (Terraform leaves them unknown at plan; both pass).
mock_provider "azurerm" {
  mock_resource "azurerm_resource_group" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test"
    }
  }
  mock_resource "azurerm_storage_account" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Storage/storageAccounts/stbwvtest"
    }
  }
  mock_resource "azurerm_log_analytics_workspace" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.OperationalInsights/workspaces/log-bwv-test"
    }
  }
  mock_resource "azurerm_application_insights" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Insights/components/appi-bwv-test"
    }
  }
  mock_resource "azurerm_service_plan" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Web/serverFarms/asp-bwv-test"
    }
  }
  mock_resource "azurerm_function_app_flex_consumption" {
    defaults = {
      identity = { principal_id = "11111111-1111-1111-1111-111111111111", tenant_id = "33333333-3333-3333-3333-333333333333" }
      id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Web/sites/func-bwv-test"
    }
  }
  mock_resource "azurerm_cosmosdb_account" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-bwv-test"
    }
  }
  mock_resource "azurerm_eventgrid_system_topic" {
    defaults = {
      identity = { principal_id = "22222222-2222-2222-2222-222222222222", tenant_id = "33333333-3333-3333-3333-333333333333" }
      id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.EventGrid/systemTopics/evgt-bwv-test-storage"
    }
  }
}

variables {
  name            = "bwv-test"
  entra_tenant_id = "33333333-3333-3333-3333-333333333333"
  entra_client_id = "44444444-4444-4444-4444-444444444444"
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
    condition     = toset([for c in azurerm_storage_container.this : c.name]) == toset(["uploads", "quarantine", "eventgrid-deadletter", "function-releases"])
    error_message = "containers uploads, quarantine, eventgrid-deadletter (and the deployment container)"
  }
  assert {
    condition     = alltrue([for c in azurerm_storage_container.this : c.container_access_type == "private"])
    error_message = "every container must be private"
  }
  assert {
    condition     = contains([for q in azurerm_storage_queue.this : q.name], "clip-verify")
    error_message = "queue clip-verify must exist"
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
    condition     = toset([for r in azurerm_role_assignment.function_storage : r.role_definition_name]) == toset(["Storage Blob Data Owner", "Storage Queue Data Contributor"])
    error_message = "the function identity needs blob and queue data roles"
  }
}
