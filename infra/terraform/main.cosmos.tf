resource "azurerm_cosmosdb_account" "this" {
  name                = local.cosmos_account_name
  resource_group_name = azurerm_resource_group.this.name
  location            = var.location
  offer_type          = "Standard"
  kind                = "GlobalDocumentDB"
  tags                = local.tags

  # No keys: Entra ID data-plane RBAC only, and no key-based metadata writes.
  local_authentication_enabled       = false
  access_key_metadata_writes_enabled = false
  minimal_tls_version                = "Tls12"
  automatic_failover_enabled         = length(local.cosmos_geo_locations) > 1

  # Reached only through its private endpoint (main.network.tf).
  public_network_access_enabled         = false
  network_acl_bypass_for_azure_services = false

  consistency_policy {
    consistency_level = "Session"
  }

  dynamic "geo_location" {
    for_each = local.cosmos_geo_locations
    content {
      location          = geo_location.value.location
      failover_priority = geo_location.key
      zone_redundant    = geo_location.value.zone_redundant
    }
  }

  # Point-in-time restore for 30 days: the recovery path if records are ever
  # lost (see the #25123 guard on the containers). Continuous backups are kept
  # in the account's own regions.
  backup {
    type = "Continuous"
    tier = "Continuous30Days"
  }

  lifecycle {
    prevent_destroy = true

    precondition {
      condition     = alltrue([for g in local.cosmos_geo_locations : contains(local.allowed_locations, g.location)])
      error_message = "Every Cosmos DB geo_location must be one of ${join(", ", local.allowed_locations)}: a replica is a full copy of every clip record."
    }

    precondition {
      condition     = local.cosmos_geo_locations[0].location == var.location
      error_message = "The first Cosmos DB geo_location (the write region) must be var.location."
    }
  }
}

resource "azurerm_cosmosdb_sql_database" "bwv" {
  name                = local.cosmos_database_name
  resource_group_name = azurerm_cosmosdb_account.this.resource_group_name
  account_name        = azurerm_cosmosdb_account.this.name

  autoscale_settings {
    max_throughput = var.cosmos_max_throughput
  }

  lifecycle {
    prevent_destroy = true
  }
}

# Guard against terraform-provider-azurerm#25123: an indexing-policy update once
# sent default_ttl = 1 and Cosmos expired every item. Records must never expire
# silently, so:
#   - default_ttl is never set (no TTL on either container; deletion is the
#     retention sweep's job, with certificates) — a static Go test enforces it;
#   - the postconditions fail plan/apply the moment the provider or the API
#     reports a TTL on either container, so a TTL change cannot go unnoticed;
#   - prevent_destroy stops a partition-key or name change from replacing
#     (emptying) a container;
#   - the infra command refuses a plan that updates a container's
#     indexing_policy or default_ttl unless -allow-index-change is given.
# Keep this policy identical to docs/schema.md and the local bootstrap.
resource "azurerm_cosmosdb_sql_container" "clips" {
  name                  = "clips"
  resource_group_name   = azurerm_cosmosdb_account.this.resource_group_name
  account_name          = azurerm_cosmosdb_account.this.name
  database_name         = azurerm_cosmosdb_sql_database.bwv.name
  partition_key_paths   = ["/officerId"]
  partition_key_version = 2

  indexing_policy {
    indexing_mode = "consistent"

    included_path {
      path = "/*"
    }

    excluded_path {
      path = "/metadata/*"
    }
    excluded_path {
      path = "/reasons/*"
    }
    excluded_path {
      path = "/\"_etag\"/?"
    }

    # by officer and time
    composite_index {
      index {
        path  = "/officerId"
        order = "Ascending"
      }
      index {
        path  = "/recordedStart"
        order = "Descending"
      }
    }
    # by station and day
    composite_index {
      index {
        path  = "/stationId"
        order = "Ascending"
      }
      index {
        path  = "/recordedStart"
        order = "Descending"
      }
    }
    # due for deletion
    composite_index {
      index {
        path  = "/status"
        order = "Ascending"
      }
      index {
        path  = "/retention/retainUntil"
        order = "Ascending"
      }
    }
    # quarantined / recently received
    composite_index {
      index {
        path  = "/status"
        order = "Ascending"
      }
      index {
        path  = "/receivedAt"
        order = "Descending"
      }
    }
    # on legal hold
    composite_index {
      index {
        path  = "/retention/legalHold"
        order = "Ascending"
      }
      index {
        path  = "/recordedStart"
        order = "Descending"
      }
    }
  }

  lifecycle {
    prevent_destroy = true

    postcondition {
      condition     = self.default_ttl == null || self.default_ttl == 0
      error_message = "Cosmos container clips reports a default TTL (${coalesce(self.default_ttl, 0)}): items would expire and clip records be lost (terraform-provider-azurerm#25123). Stop, remove the TTL in the portal or CLI, and restore from the continuous backup if items are missing."
    }
  }
}

resource "azurerm_cosmosdb_sql_container" "audit" {
  name                  = "audit"
  resource_group_name   = azurerm_cosmosdb_account.this.resource_group_name
  account_name          = azurerm_cosmosdb_account.this.name
  database_name         = azurerm_cosmosdb_sql_database.bwv.name
  partition_key_paths   = ["/clipId"]
  partition_key_version = 2

  indexing_policy {
    indexing_mode = "consistent"

    included_path {
      path = "/*"
    }

    excluded_path {
      path = "/\"_etag\"/?"
    }

    composite_index {
      index {
        path  = "/clipId"
        order = "Ascending"
      }
      index {
        path  = "/seq"
        order = "Ascending"
      }
    }
  }

  lifecycle {
    prevent_destroy = true

    postcondition {
      condition     = self.default_ttl == null || self.default_ttl == 0
      error_message = "Cosmos container audit reports a default TTL (${coalesce(self.default_ttl, 0)}): audit entries would expire and the hash chain break (terraform-provider-azurerm#25123). Stop, remove the TTL, restore from the continuous backup if items are missing."
    }
  }
}
