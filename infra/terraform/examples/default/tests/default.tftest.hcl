# The default deployment plans offline against the mock provider and stays UK-only.
# The module's shared mock values (ID-shaped arguments need realistic IDs).
mock_provider "azurerm" {
  source          = "../../tests/unit/mocks"
  override_during = plan
}

variables {
  entra_tenant_id = "33333333-3333-3333-3333-333333333333"
  entra_client_id = "44444444-4444-4444-4444-444444444444"
  alerts          = { email_receivers = ["bwv-oncall@police.example.uk"] }
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
