# All data access is by managed identity; no keys anywhere. Least privilege
# (docs/infra.md › Identity and access › Data-plane roles): on the footage
# account every assignment is scoped to one container, and no identity holds
# Owner, Contributor, Storage Blob Data Owner or any account-wide role there;
# on Cosmos DB the function holds a custom role on the bwv database only.
locals {
  function_principal_id = azurerm_function_app_flex_consumption.this.identity[0].principal_id

  footage_blob_service_id    = "${azurerm_storage_account.this.id}/blobServices/default"
  container_scope            = { for k, name in local.container_names : k => "${local.footage_blob_service_id}/containers/${name}" }
  deadletter_container_scope = local.container_scope["deadletter"]

  # Exactly what the handler does with footage (shared/blobstore): read and
  # stream clips, list versions, write index tags, copy into quarantine,
  # delete (sweep) — a current blob or one version — and set or clear
  # per-version immutability policies and legal holds (legal hold is the
  # container write action, immutability the runAsSuperUser data action).
  clip_store_data_actions = [
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/deleteBlobVersion/action",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/write",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/filter/action",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/immutableStorage/runAsSuperUser/action",
  ]
  clip_store_actions = [
    "Microsoft.Storage/storageAccounts/blobServices/containers/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/write",
  ]

  # AuditAnchor: create-only anchors. No delete and no immutability action:
  # the function cannot remove an anchor even after the Locked period.
  anchor_writer_data_actions = [
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
  ]

  # Footage-account assignments of the function identity: container => role.
  function_footage_roles = {
    uploads    = azurerm_role_definition.clip_store.role_definition_resource_id
    quarantine = azurerm_role_definition.clip_store.role_definition_resource_id
    anchors    = azurerm_role_definition.anchor_writer.role_definition_resource_id
  }

  # Host account (no footage): what the Functions host documents for an
  # identity-based AzureWebJobsStorage (blob: leases, keys, timer state,
  # its own containers; queue: the clip-verify trigger, outputs and the
  # poison queue it creates) and Flex Consumption's deployment storage.
  function_host_roles = {
    blob  = "Storage Blob Data Owner"
    queue = "Storage Queue Data Contributor"
  }

  # Cosmos DB data actions the handler uses: metadata (the container's
  # server time), queries, and item create/read/replace/delete (delete only
  # to finish moving a record to another officer's partition). No upsert, no
  # stored procedures, no container or database management.
  cosmos_data_actions = [
    "Microsoft.DocumentDB/databaseAccounts/readMetadata",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/create",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/replace",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/delete",
  ]
  cosmos_database_scope = "${azurerm_cosmosdb_account.this.id}/dbs/${azurerm_cosmosdb_sql_database.bwv.name}"
}

resource "azurerm_role_definition" "clip_store" {
  name        = "bwv-ingest clip store (${var.name})"
  scope       = azurerm_storage_account.this.id
  description = "bwv-ingest handler on one footage container: read, write, tag, copy, delete clips and versions, set immutability policies and legal holds. Assigned per container only."

  permissions {
    actions      = local.clip_store_actions
    data_actions = local.clip_store_data_actions
  }

  assignable_scopes = [for k in ["uploads", "quarantine"] : local.container_scope[k]]
}

resource "azurerm_role_definition" "anchor_writer" {
  name        = "bwv-ingest anchor writer (${var.name})"
  scope       = azurerm_storage_account.this.id
  description = "bwv-ingest AuditAnchor: create and read anchors in audit-anchors; no delete."

  permissions {
    actions      = ["Microsoft.Storage/storageAccounts/blobServices/containers/read"]
    data_actions = local.anchor_writer_data_actions
  }

  assignable_scopes = [local.container_scope["anchors"]]
}

resource "azurerm_role_assignment" "function_footage" {
  for_each = local.function_footage_roles

  scope              = local.container_scope[each.key]
  role_definition_id = each.value
  principal_id       = local.function_principal_id
  principal_type     = "ServicePrincipal"
}

resource "azurerm_role_assignment" "function_host" {
  for_each = local.function_host_roles

  scope                = azurerm_storage_account.host.id
  role_definition_name = each.value
  principal_id         = local.function_principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "function_appinsights" {
  scope                = azurerm_application_insights.this.id
  role_definition_name = "Monitoring Metrics Publisher"
  principal_id         = local.function_principal_id
  principal_type       = "ServicePrincipal"
}

# Event Grid writes dead letters (create only is not a built-in role; the
# topic's identity is a platform identity nobody signs in as).
resource "azurerm_role_assignment" "eventgrid_deadletter" {
  scope                = local.deadletter_container_scope
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_eventgrid_system_topic.uploads.identity[0].principal_id
  principal_type       = "ServicePrincipal"
}

# Cosmos DB data plane: a custom role with only the data actions above,
# assignable to and assigned on the bwv database only.
resource "azurerm_cosmosdb_sql_role_definition" "function_data" {
  name                = "bwv-ingest handler"
  resource_group_name = azurerm_cosmosdb_account.this.resource_group_name
  account_name        = azurerm_cosmosdb_account.this.name
  type                = "CustomRole"
  assignable_scopes   = [local.cosmos_database_scope]

  permissions {
    data_actions = local.cosmos_data_actions
  }
}

resource "azurerm_cosmosdb_sql_role_assignment" "function_data" {
  resource_group_name = azurerm_cosmosdb_account.this.resource_group_name
  account_name        = azurerm_cosmosdb_account.this.name
  role_definition_id  = azurerm_cosmosdb_sql_role_definition.function_data.id
  principal_id        = local.function_principal_id
  scope               = local.cosmos_database_scope
}
