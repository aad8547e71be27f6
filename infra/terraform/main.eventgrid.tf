# System topic for the storage account's events. Its identity writes dead
# letters (the account has shared keys off, so dead-lettering needs RBAC).
resource "azurerm_eventgrid_system_topic" "uploads" {
  name                = "evgt-${var.name}-storage"
  resource_group_name = azurerm_resource_group.this.name
  location            = var.location # a storage system topic lives in its account's region
  source_resource_id  = azurerm_storage_account.this.id
  topic_type          = "Microsoft.Storage.StorageAccounts"
  tags                = local.tags

  identity {
    type = "SystemAssigned"
  }
}

# Created only once the code is deployed and ClipIngest answers (Event Grid
# validates the endpoint on creation): deploy order is infra, code, then this.
resource "azurerm_eventgrid_system_topic_event_subscription" "clip_ingest" {
  count = var.event_subscription_enabled ? 1 : 0

  name                  = "clip-ingest"
  system_topic          = azurerm_eventgrid_system_topic.uploads.name
  resource_group_name   = azurerm_resource_group.this.name
  event_delivery_schema = "EventGridSchema"

  azure_function_endpoint {
    # The function name is written here, not taken from a local: the residency
    # gate traces a sink known only after apply through exactly one resource
    # reference ({app}.id), and a local in the expression could point anywhere.
    function_id                       = "${azurerm_function_app_flex_consumption.this.id}/functions/ClipIngest"
    max_events_per_batch              = 1
    preferred_batch_size_in_kilobytes = 64
  }

  included_event_types = ["Microsoft.Storage.BlobCreated"]

  subject_filter {
    subject_begins_with = "/blobServices/default/containers/${local.container_names.uploads}/"
    case_sensitive      = true
  }

  advanced_filter {
    string_in {
      key    = "data.api"
      values = local.blob_created_apis
    }
    number_greater_than {
      key   = "data.contentLength"
      value = 0
    }
  }

  retry_policy {
    max_delivery_attempts = var.eventgrid_retry.max_delivery_attempts
    event_time_to_live    = var.eventgrid_retry.event_time_to_live
  }

  dead_letter_identity {
    type = "SystemAssigned"
  }

  storage_blob_dead_letter_destination {
    storage_account_id          = azurerm_storage_account.this.id
    storage_blob_container_name = azurerm_storage_container.this["deadletter"].name
  }

  depends_on = [azurerm_role_assignment.eventgrid_deadletter]
}
