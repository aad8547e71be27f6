resource "azurerm_storage_account" "this" {
  name                     = local.storage_account_name
  resource_group_name      = azurerm_resource_group.this.name
  location                 = var.location
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = var.storage_replication_type
  tags                     = local.tags

  # No keys anywhere: Entra ID (managed identity, RBAC) only.
  shared_access_key_enabled        = false
  default_to_oauth_authentication  = true
  local_user_enabled               = false
  https_traffic_only_enabled       = true
  min_tls_version                  = "TLS1_2"
  allow_nested_items_to_be_public  = false
  cross_tenant_replication_enabled = false
  # Copies only within the tenant's Entra ID scope: no exfiltration by server-side copy.
  allowed_copy_scope                = "AAD"
  infrastructure_encryption_enabled = true

  blob_properties {
    versioning_enabled  = true
    change_feed_enabled = true

    delete_retention_policy {
      days = var.blob_soft_delete_days
    }

    container_delete_retention_policy {
      days = var.container_soft_delete_days
    }
  }

  lifecycle {
    prevent_destroy = true

    precondition {
      condition     = contains(local.allowed_locations, var.location)
      error_message = "The storage account must be in one of ${join(", ", local.allowed_locations)}."
    }

    precondition {
      condition     = !contains(["GRS", "RAGRS", "GZRS", "RAGZRS"], var.storage_replication_type) || contains(local.allowed_locations, lookup(local.region_pair, var.location, "none"))
      error_message = "Geo-redundant replication copies data to the paired region, which must be in the UK."
    }
  }
}

resource "azurerm_storage_container" "this" {
  for_each = local.container_names

  name                  = each.value
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

resource "azurerm_storage_queue" "this" {
  for_each = local.queue_names

  name               = each.value
  storage_account_id = azurerm_storage_account.this.id
}

# Retention backstop. The retention sweep is the mechanism (it checks holds,
# If-Match, writes deletion certificates); this rule only catches clips the
# sweep missed. Lifecycle filters can match index tags by equality only, so the
# handler tags clips bwvbackstop=short (31-day class, no hold; shared/clip/tags.go)
# and re-tags them bwvbackstop=keep the moment a hold or longer category applies.
resource "azurerm_storage_management_policy" "this" {
  storage_account_id = azurerm_storage_account.this.id

  rule {
    name    = "retention-backstop-short"
    enabled = true

    filters {
      blob_types   = ["blockBlob"]
      prefix_match = ["${local.container_names.uploads}/"]

      match_blob_index_tag {
        name      = var.retention_tag.name
        operation = "=="
        value     = var.retention_tag.value
      }
    }

    actions {
      base_blob {
        delete_after_days_since_creation_greater_than = var.retention_backstop_days
      }
    }
  }

  rule {
    name    = "deadletter-expiry"
    enabled = true

    filters {
      blob_types   = ["blockBlob"]
      prefix_match = ["${local.container_names.deadletter}/"]
    }

    actions {
      base_blob {
        delete_after_days_since_creation_greater_than = 90
      }
    }
  }
}
