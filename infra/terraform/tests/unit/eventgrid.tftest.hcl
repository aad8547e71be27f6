# Event Grid: subscription only after the code is deployed; filters, retry and
# dead-letter as docs/architecture.md describes.
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

run "no_subscription_before_code_is_deployed" {
  command = plan

  assert {
    condition     = length(azurerm_eventgrid_system_topic_event_subscription.clip_ingest) == 0
    error_message = "the subscription must wait for event_subscription_enabled (deploy order)"
  }
  assert {
    condition     = azurerm_eventgrid_system_topic.uploads.topic_type == "Microsoft.Storage.StorageAccounts"
    error_message = "storage system topic"
  }
}

run "subscription_filters_retry_deadletter" {
  command = plan

  variables {
    event_subscription_enabled = true
  }

  assert {
    condition     = azurerm_eventgrid_system_topic_event_subscription.clip_ingest[0].included_event_types == tolist(["Microsoft.Storage.BlobCreated"])
    error_message = "BlobCreated only"
  }
  assert {
    condition     = azurerm_eventgrid_system_topic_event_subscription.clip_ingest[0].subject_filter[0].subject_begins_with == "/blobServices/default/containers/uploads/"
    error_message = "upload container prefix"
  }
  assert {
    condition     = toset(azurerm_eventgrid_system_topic_event_subscription.clip_ingest[0].advanced_filter[0].string_in[0].values) == toset(["PutBlob", "PutBlockList", "CopyBlob", "FlushWithClose"]) && azurerm_eventgrid_system_topic_event_subscription.clip_ingest[0].advanced_filter[0].string_in[0].key == "data.api"
    error_message = "data.api in PutBlob, PutBlockList, CopyBlob, FlushWithClose"
  }
  assert {
    condition     = azurerm_eventgrid_system_topic_event_subscription.clip_ingest[0].advanced_filter[0].number_greater_than[0].key == "data.contentLength" && azurerm_eventgrid_system_topic_event_subscription.clip_ingest[0].advanced_filter[0].number_greater_than[0].value == 0
    error_message = "data.contentLength > 0"
  }
  assert {
    condition     = azurerm_eventgrid_system_topic_event_subscription.clip_ingest[0].storage_blob_dead_letter_destination[0].storage_blob_container_name == "eventgrid-deadletter"
    error_message = "dead letters go to eventgrid-deadletter"
  }
  assert {
    condition     = azurerm_eventgrid_system_topic_event_subscription.clip_ingest[0].retry_policy[0].max_delivery_attempts == 30
    error_message = "retry policy"
  }
}
