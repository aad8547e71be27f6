# The footage account: uploads, quarantine, dead letters and audit anchors.
# Nothing else lives here; the Function App's host storage is a separate
# account (main.hoststorage.tf).
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

  # Network (docs/infra.md › Network): the public endpoint refuses every
  # network (default_action Deny) except the docks' allow-list when
  # var.dock_access.mode = "ip_allowlist"; the handler reaches the account
  # through its private endpoint (main.network.tf). Public network access
  # cannot be switched off entirely on this account: Event Grid writes dead
  # letters through the public endpoint, with its managed identity, under
  # the trusted-services exception — Event Grid cannot deliver through a
  # private endpoint, and a disabled public endpoint ignores the exception.
  public_network_access_enabled = true
  network_rules {
    default_action             = "Deny"
    bypass                     = ["AzureServices"]
    ip_rules                   = local.dock_ip_rules
    virtual_network_subnet_ids = []
  }

  # Version-level immutability support (docs/infra.md › Immutability). The
  # account-wide default policy stays Disabled: footage gets per-version,
  # Unlocked policies from the handler (until the clip's retain-until) and
  # blob legal holds; audit-anchors gets a Locked container policy below.
  # Azure needs versioning on for this (it is, below). The provider replaces
  # the account to add this block: on an estate created before it, enable
  # version-level immutability on the existing account (Azure portal ›
  # Data protection, or `az storage account update`) and import, never let
  # the plan replace the account (prevent_destroy and the gate refuse it).
  immutability_policy {
    state                         = "Disabled"
    period_since_creation_in_days = 1
    allow_protected_append_writes = false
  }

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

# The anchors the AuditAnchor function writes (one blob per anchor, create-
# only): a Locked time-based policy, so for the whole period nobody — not
# the function, not an administrator, not Microsoft support on the force's
# request — can delete or overwrite an anchor, and the policy itself can only
# be extended. The period is the longest footage retention, so an anchor
# outlives every clip whose audit it seals (docs/infra.md › Immutability).
# Locking is irreversible: the container (and so the account) cannot be
# deleted while any blob is under the policy.
resource "azurerm_storage_container_immutability_policy" "anchors" {
  storage_container_resource_manager_id = azurerm_storage_container.this["anchors"].id
  immutability_period_in_days           = var.longest_footage_retention_days
  locked                                = true
  protected_append_writes_enabled       = false
  protected_append_writes_all_enabled   = false
}

resource "azurerm_storage_container" "this" {
  for_each = local.container_names

  name                  = each.value
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
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

  # Previous versions of footage (a version replaced by an overwrite — the
  # first is kept and flagged TAMPER_OVERWRITE — or by a metadata change)
  # are deleted only after the longest footage retention plus a margin.
  # Never earlier than the immutability policies allow: a version under an
  # unexpired policy or a legal hold is refused by Storage itself, and the
  # rule tries again the next day.
  rule {
    name    = "previous-versions"
    enabled = true

    filters {
      blob_types   = ["blockBlob"]
      prefix_match = ["${local.container_names.uploads}/", "${local.container_names.quarantine}/"]
    }

    actions {
      version {
        delete_after_days_since_creation = local.version_deletion_after_days
      }
    }
  }

  # No rule touches eventgrid-deadletter/ or audit-anchors/: dead letters are
  # the only copy of an upload event Event Grid gave up on (replayed by
  # `bwv replay`), and anchors are evidence. Every rule names its prefixes;
  # a unit test (tests/unit/immutability.tftest.hcl) fails if one reaches
  # either container or has no prefix.
}
