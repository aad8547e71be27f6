# The Cosmos schema analysts rely on, and the terraform-provider-azurerm#25123
# guard: no TTL on either container, ever.
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
