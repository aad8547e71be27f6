# UK residency by construction: every region-bearing input is validated, and
# the defaults put every resource, replica and log sink in the UK.
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

run "defaults_are_uk_only" {
  command = plan

  assert {
    condition     = azurerm_resource_group.this.location == "uksouth"
    error_message = "resource group must default to uksouth"
  }
  assert {
    condition     = azurerm_storage_account.this.location == "uksouth" && azurerm_log_analytics_workspace.this.location == "uksouth" && azurerm_application_insights.this.location == "uksouth" && azurerm_function_app_flex_consumption.this.location == "uksouth" && azurerm_cosmosdb_account.this.location == "uksouth" && azurerm_eventgrid_system_topic.uploads.location == "uksouth" && azurerm_service_plan.this.location == "uksouth"
    error_message = "every regional resource must be in var.location (uksouth)"
  }
  assert {
    condition     = toset([for g in azurerm_cosmosdb_account.this.geo_location : g.location]) == toset(["uksouth", "ukwest"])
    error_message = "Cosmos replicas must be exactly uksouth and ukwest"
  }
  assert {
    condition     = contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], azurerm_storage_account.this.account_replication_type)
    error_message = "replication type must be one the UK pair can satisfy"
  }
  assert {
    condition     = jsondecode(azurerm_resource_group_policy_assignment.allowed_locations.parameters).listOfAllowedLocations.value == ["uksouth", "ukwest"]
    error_message = "the Allowed locations policy must list exactly uksouth and ukwest"
  }
  assert {
    condition     = azurerm_resource_group_policy_assignment.allowed_locations.policy_definition_id == "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c"
    error_message = "the policy assignment must use the built-in Allowed locations definition"
  }
  assert {
    condition     = length(azurerm_monitor_diagnostic_setting.this) == 5
    error_message = "storage blob/queue, Cosmos, Function App and Event Grid must all send logs to the UK workspace"
  }
}

run "ukwest_primary_is_allowed" {
  command = plan

  variables {
    location           = "ukwest"
    secondary_location = "uksouth"
  }

  assert {
    condition     = azurerm_storage_account.this.location == "ukwest" && [for g in azurerm_cosmosdb_account.this.geo_location : g.location if g.failover_priority == 0] == ["ukwest"]
    error_message = "ukwest as primary must put the storage account and the Cosmos write region in ukwest"
  }
}

run "non_uk_location_is_refused" {
  command = plan

  variables {
    location = "westeurope"
  }

  expect_failures = [var.location]
}

run "non_uk_secondary_location_is_refused" {
  command = plan

  variables {
    secondary_location = "northeurope"
  }

  expect_failures = [var.secondary_location]
}

run "non_uk_cosmos_geo_location_is_refused" {
  command = plan

  variables {
    cosmos_geo_locations = [
      { location = "uksouth" },
      { location = "westeurope" },
    ]
  }

  expect_failures = [var.cosmos_geo_locations]
}

run "same_primary_and_secondary_is_refused" {
  command = plan

  variables {
    location           = "uksouth"
    secondary_location = "uksouth"
  }

  expect_failures = [azurerm_resource_group.this]
}

run "unknown_replication_type_is_refused" {
  command = plan

  variables {
    storage_replication_type = "Standard_GRS"
  }

  expect_failures = [var.storage_replication_type]
}
