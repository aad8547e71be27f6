# The Cosmos schema analysts rely on, and the terraform-provider-azurerm#25123
# guard: no TTL on either container, ever.
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

run "containers_and_partition_keys" {
  command = plan

  assert {
    condition     = azurerm_cosmosdb_sql_database.bwv.name == "bwv"
    error_message = "database bwv"
  }
  assert {
    condition     = azurerm_cosmosdb_sql_container.clips.name == "clips" && azurerm_cosmosdb_sql_container.clips.partition_key_paths == tolist(["/officerId"])
    error_message = "container clips partitioned by /officerId"
  }
  assert {
    condition     = azurerm_cosmosdb_sql_container.audit.name == "audit" && azurerm_cosmosdb_sql_container.audit.partition_key_paths == tolist(["/clipId"])
    error_message = "container audit partitioned by /clipId"
  }
}

run "no_ttl_on_any_container" {
  command = plan

  assert {
    condition     = azurerm_cosmosdb_sql_container.clips.default_ttl == null && azurerm_cosmosdb_sql_container.audit.default_ttl == null
    error_message = "records must never expire silently (#25123): default_ttl must be unset"
  }
}

run "clips_indexing_policy" {
  command = plan

  assert {
    condition     = azurerm_cosmosdb_sql_container.clips.indexing_policy[0].indexing_mode == "consistent"
    error_message = "consistent indexing"
  }
  assert {
    condition     = toset([for p in azurerm_cosmosdb_sql_container.clips.indexing_policy[0].excluded_path : p.path]) == toset(["/metadata/*", "/reasons/*", "/\"_etag\"/?"])
    error_message = "excluded paths /metadata/*, /reasons/*, /\"_etag\"/?"
  }
  assert {
    condition = toset([for c in azurerm_cosmosdb_sql_container.clips.indexing_policy[0].composite_index : join(",", [for i in c.index : "${i.path} ${i.order}"])]) == toset([
      "/officerId Ascending,/recordedStart Descending",
      "/stationId Ascending,/recordedStart Descending",
      "/status Ascending,/retention/retainUntil Ascending",
      "/status Ascending,/receivedAt Descending",
      "/retention/legalHold Ascending,/recordedStart Descending",
    ])
    error_message = "clips composite indexes must match docs/schema.md"
  }
  assert {
    condition     = toset([for c in azurerm_cosmosdb_sql_container.audit.indexing_policy[0].composite_index : join(",", [for i in c.index : "${i.path} ${i.order}"])]) == toset(["/clipId Ascending,/seq Ascending"])
    error_message = "audit composite index [clipId asc, seq asc]"
  }
  assert {
    condition     = toset([for p in azurerm_cosmosdb_sql_container.audit.indexing_policy[0].excluded_path : p.path]) == toset(["/\"_etag\"/?"])
    error_message = "audit excludes /\"_etag\"/? (docs/schema.md)"
  }
}
