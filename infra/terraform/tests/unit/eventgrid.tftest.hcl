# Event Grid: subscription only after the code is deployed; filters, retry and
# dead-letter as docs/architecture.md describes.
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
