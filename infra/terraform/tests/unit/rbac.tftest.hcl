# Least privilege: no identity holds Owner, Contributor or an account-wide
# role on footage; every footage assignment is one container; Cosmos DB is a
# custom role on the bwv database only.
mock_provider "azurerm" {
  source          = "./tests/unit/mocks"
  override_during = plan
}

# The two storage accounts must have different IDs for the scopes to tell
# them apart.
override_resource {
  target          = azurerm_storage_account.host
  override_during = plan
  values = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Storage/storageAccounts/stbwvtesthost"
  }
}

variables {
  name            = "bwv-test"
  entra_tenant_id = "33333333-3333-3333-3333-333333333333"
  entra_client_id = "44444444-4444-4444-4444-444444444444"
  alerts          = { email_receivers = ["bwv-oncall@police.example.uk"] }
}

run "no_broad_role_on_footage" {
  command = plan

  assert {
    condition = alltrue([for a in concat(values(azurerm_role_assignment.function_footage), [azurerm_role_assignment.eventgrid_deadletter]) :
      startswith(a.scope, "${azurerm_storage_account.this.id}/blobServices/default/containers/") && length(split("/", a.scope)) == 13
    ])
    error_message = "every assignment on the footage account must be scoped to exactly one container"
  }
  assert {
    condition = alltrue([for a in concat(values(azurerm_role_assignment.function_host), [azurerm_role_assignment.eventgrid_deadletter, azurerm_role_assignment.function_appinsights]) :
      !contains(["Owner", "Contributor", "User Access Administrator", "Role Based Access Control Administrator"], a.role_definition_name)
    ])
    error_message = "no identity may hold Owner, Contributor or a role-granting role"
  }
  assert {
    condition     = alltrue([for a in values(azurerm_role_assignment.function_footage) : contains([azurerm_role_definition.clip_store.role_definition_resource_id, azurerm_role_definition.anchor_writer.role_definition_resource_id], a.role_definition_id)])
    error_message = "on footage the function holds only the module's custom roles (listed data actions), never a built-in broad role"
  }
  assert {
    condition = alltrue([for a in concat(values(azurerm_role_assignment.function_footage), values(azurerm_role_assignment.function_host), [azurerm_role_assignment.eventgrid_deadletter, azurerm_role_assignment.function_appinsights]) :
      a.scope != azurerm_storage_account.this.id && !startswith(azurerm_storage_account.this.id, a.scope)
    ])
    error_message = "no assignment may cover the whole footage account (or its resource group or subscription)"
  }
  assert {
    condition     = !contains(["Storage Blob Data Owner", "Storage Account Contributor", "Owner", "Contributor"], azurerm_role_assignment.eventgrid_deadletter.role_definition_name)
    error_message = "no Storage Blob Data Owner, Storage Account Contributor, Owner or Contributor on footage"
  }
  assert {
    condition     = toset(keys(azurerm_role_assignment.function_footage)) == toset(["uploads", "quarantine", "anchors"])
    error_message = "the function holds roles on uploads, quarantine and audit-anchors only (not on dead letters)"
  }
  assert {
    condition     = alltrue([for a in values(azurerm_role_assignment.function_host) : a.scope == azurerm_storage_account.host.id])
    error_message = "the Functions host's account-wide roles are on the host account, which holds no footage"
  }
}

run "custom_storage_roles_grant_only_what_the_handler_does" {
  command = plan

  assert {
    condition     = alltrue([for a in setunion(azurerm_role_definition.clip_store.permissions[0].data_actions, azurerm_role_definition.anchor_writer.permissions[0].data_actions, azurerm_role_definition.clip_store.permissions[0].actions) : !strcontains(a, "*")])
    error_message = "custom roles list their actions: no wildcards"
  }
  assert {
    condition     = length(setintersection(toset(azurerm_role_definition.anchor_writer.permissions[0].data_actions), toset(["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/deleteBlobVersion/action", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/immutableStorage/runAsSuperUser/action"]))) == 0
    error_message = "the anchor writer may not delete anchors or touch their immutability"
  }
  assert {
    condition     = contains(azurerm_role_definition.clip_store.permissions[0].data_actions, "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/immutableStorage/runAsSuperUser/action") && contains(azurerm_role_definition.clip_store.permissions[0].actions, "Microsoft.Storage/storageAccounts/blobServices/containers/write")
    error_message = "the handler sets per-version immutability policies (runAsSuperUser) and legal holds (containers/write) on footage"
  }
  assert {
    condition     = alltrue([for s in setunion(azurerm_role_definition.clip_store.assignable_scopes, azurerm_role_definition.anchor_writer.assignable_scopes) : strcontains(s, "/blobServices/default/containers/")])
    error_message = "the custom storage roles are assignable to single containers only"
  }
  assert {
    condition     = azurerm_role_assignment.function_footage["anchors"].role_definition_id == azurerm_role_definition.anchor_writer.role_definition_resource_id && azurerm_role_assignment.function_footage["uploads"].role_definition_id == azurerm_role_definition.clip_store.role_definition_resource_id
    error_message = "anchors: the anchor writer; uploads and quarantine: the clip store"
  }
}

run "cosmos_role_is_custom_and_on_the_database" {
  command = plan

  assert {
    condition     = azurerm_cosmosdb_sql_role_assignment.function_data.scope == "${azurerm_cosmosdb_account.this.id}/dbs/bwv"
    error_message = "the Cosmos role assignment must be scoped to the bwv database, not the account"
  }
  assert {
    condition     = azurerm_cosmosdb_sql_role_definition.function_data.type == "CustomRole" && azurerm_cosmosdb_sql_role_definition.function_data.assignable_scopes == toset(["${azurerm_cosmosdb_account.this.id}/dbs/bwv"])
    error_message = "a custom Cosmos role assignable to the bwv database only"
  }
  assert {
    condition     = azurerm_cosmosdb_sql_role_assignment.function_data.role_definition_id == azurerm_cosmosdb_sql_role_definition.function_data.id && !endswith(azurerm_cosmosdb_sql_role_assignment.function_data.role_definition_id, "00000000-0000-0000-0000-000000000002")
    error_message = "the assignment uses the custom role, not Built-in Data Contributor"
  }
  assert {
    condition     = alltrue([for a in one(azurerm_cosmosdb_sql_role_definition.function_data.permissions).data_actions : !strcontains(a, "*") && !endswith(a, "/upsert") && !strcontains(a, "executeStoredProcedure")])
    error_message = "Cosmos data actions are listed one by one: no wildcards, no upsert, no stored procedures"
  }
}
