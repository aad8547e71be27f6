# The default deployment plans offline against the mock provider and stays UK-only.
mock_provider "azurerm" {}

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
}

run "non_uk_region_is_refused_at_the_root" {
  command = plan

  variables {
    location = "francecentral"
  }

  expect_failures = [var.location]
}
