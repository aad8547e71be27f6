# The default deployment plans offline against the mock provider and stays UK-only.
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
  entra_tenant_id = "33333333-3333-3333-3333-333333333333"
  entra_client_id = "44444444-4444-4444-4444-444444444444"
}

run "default_deployment_is_uk_only" {
  command = plan

  assert {
    condition     = toset(module.bwv.allowed_locations) == toset(["uksouth", "ukwest"])
    error_message = "the default deployment allows only uksouth and ukwest"
  }
  assert {
    condition     = module.bwv.app_settings["BWV_STORAGE_REGION"] == "uksouth" && module.bwv.app_settings["BWV_COSMOS_BOOTSTRAP"] == "false"
    error_message = "default app settings: storage region uksouth, no Cosmos bootstrap"
  }
  assert {
    condition     = module.bwv.event_subscription_enabled == false
    error_message = "first apply creates no Event Grid subscription"
  }
  assert {
    condition     = module.bwv.authentication_enabled && module.bwv.app_settings["BWV_TRUST_PRINCIPAL_HEADERS"] == "true"
    error_message = "the default deployment has App Service Authentication on and trusts the platform's principal headers"
  }
}

run "non_uk_region_is_refused_at_the_root" {
  command = plan

  variables {
    location = "francecentral"
  }

  expect_failures = [var.location]
}
