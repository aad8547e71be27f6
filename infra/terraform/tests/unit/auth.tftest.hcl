# App Service Authentication (Entra ID) on the Function App, and the trust
# setting that follows it: ClipManage may believe X-MS-CLIENT-PRINCIPAL*
# headers only when the platform strips and sets them (auth on).
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

run "authentication_is_required_by_default" {
  command = plan

  assert {
    condition     = azurerm_function_app_flex_consumption.this.auth_settings_v2[0].auth_enabled == true
    error_message = "App Service Authentication must be on by default"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.auth_settings_v2[0].require_authentication == true
    error_message = "every request must be authenticated (require_authentication)"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.auth_settings_v2[0].unauthenticated_action == "Return401"
    error_message = "an unauthenticated request must get 401 (Return401), not a login redirect or anonymous access"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.auth_settings_v2[0].require_https == true
    error_message = "authentication must require HTTPS"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.auth_settings_v2[0].login[0].token_store_enabled == false
    error_message = "the token store must be off: the app keeps nobody's tokens"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.auth_settings_v2[0].excluded_paths == tolist(["/runtime/webhooks/eventgrid"])
    error_message = "only the Event Grid webhook (system key) may be excluded from authentication; nothing under /api"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.app_settings["BWV_TRUST_PRINCIPAL_HEADERS"] == "true"
    error_message = "with authentication on, ClipManage must trust the platform's principal headers"
  }
  assert {
    condition     = !contains(keys(azurerm_function_app_flex_consumption.this.tags), "bwv-authentication-off")
    error_message = "no authentication-off tag while authentication is on"
  }
}

run "entra_id_is_the_tenant_and_the_api_registration" {
  command = plan

  variables {
    entra_tenant_id = "0E3B5C2A-1D4F-4A6B-9C8D-7E6F5A4B3C2D"
    entra_client_id = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
  }

  assert {
    condition     = length(azurerm_function_app_flex_consumption.this.auth_settings_v2[0].active_directory_v2) == 1
    error_message = "Entra ID (active_directory_v2) must be the identity provider"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.auth_settings_v2[0].active_directory_v2[0].tenant_auth_endpoint == "https://login.microsoftonline.com/0e3b5c2a-1d4f-4a6b-9c8d-7e6f5a4b3c2d/v2.0"
    error_message = "the issuer must be the tenant's v2.0 endpoint (lower-case tenant id)"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.auth_settings_v2[0].active_directory_v2[0].client_id == "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
    error_message = "the client id must be the API app registration's"
  }
  assert {
    condition     = toset(azurerm_function_app_flex_consumption.this.auth_settings_v2[0].active_directory_v2[0].allowed_audiences) == toset(["a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "api://a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"])
    error_message = "allowed audiences: exactly the client id (v2 tokens) and api://<client id> (v1 tokens)"
  }
  assert {
    condition     = sum([for b in ["apple_v2", "azure_static_web_app_v2", "custom_oidc_v2", "facebook_v2", "github_v2", "google_v2", "microsoft_v2", "twitter_v2"] : length(azurerm_function_app_flex_consumption.this.auth_settings_v2[0][b])]) == 0
    error_message = "no identity provider other than Entra ID"
  }
}

run "trust_setting_follows_authentication" {
  command = plan

  assert {
    condition     = azurerm_function_app_flex_consumption.this.app_settings["BWV_TRUST_PRINCIPAL_HEADERS"] == (azurerm_function_app_flex_consumption.this.auth_settings_v2[0].auth_enabled ? "true" : "false")
    error_message = "BWV_TRUST_PRINCIPAL_HEADERS must be \"true\" exactly when auth_settings_v2.auth_enabled"
  }
}

run "switched_off_for_a_dev_estate_trusts_no_headers" {
  command = plan

  variables {
    authentication_disabled_reason = "dev estate dev-jb, no real footage, until 2026-06-30"
  }

  assert {
    condition     = azurerm_function_app_flex_consumption.this.auth_settings_v2[0].auth_enabled == false
    error_message = "with a reason given, authentication is off (written as auth_enabled = false, the block stays)"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.app_settings["BWV_TRUST_PRINCIPAL_HEADERS"] == "false"
    error_message = "with authentication off, ClipManage must ignore principal headers (a caller could forge them)"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.app_settings["BWV_TRUST_PRINCIPAL_HEADERS"] == (azurerm_function_app_flex_consumption.this.auth_settings_v2[0].auth_enabled ? "true" : "false")
    error_message = "BWV_TRUST_PRINCIPAL_HEADERS must be \"true\" exactly when auth_settings_v2.auth_enabled"
  }
  assert {
    condition     = azurerm_function_app_flex_consumption.this.tags["bwv-authentication-off"] == "dev estate dev-jb, no real footage, until 2026-06-30"
    error_message = "a switched-off authentication must be tagged on the Function App with its reason"
  }
}

run "switching_off_needs_a_real_reason" {
  command = plan

  variables {
    authentication_disabled_reason = "dev"
  }

  expect_failures = [var.authentication_disabled_reason]
}

run "switching_off_with_an_empty_reason_is_refused" {
  command = plan

  variables {
    authentication_disabled_reason = "   "
  }

  expect_failures = [var.authentication_disabled_reason]
}

run "tenant_must_be_a_guid" {
  command = plan

  variables {
    entra_tenant_id = "contoso.onmicrosoft.com"
  }

  expect_failures = [var.entra_tenant_id]
}

run "tenant_guid_in_braces_is_refused" {
  command = plan

  variables {
    entra_tenant_id = "{33333333-3333-3333-3333-333333333333}"
  }

  expect_failures = [var.entra_tenant_id]
}

run "all_zero_tenant_is_refused" {
  command = plan

  variables {
    entra_tenant_id = "00000000-0000-0000-0000-000000000000"
  }

  expect_failures = [var.entra_tenant_id]
}

run "client_must_be_a_guid" {
  command = plan

  variables {
    entra_client_id = "api://44444444-4444-4444-4444-444444444444"
  }

  expect_failures = [var.entra_client_id]
}

run "all_zero_client_is_refused" {
  command = plan

  variables {
    entra_client_id = "00000000-0000-0000-0000-000000000000"
  }

  expect_failures = [var.entra_client_id]
}

run "client_equal_to_tenant_is_refused" {
  command = plan

  variables {
    entra_client_id = "33333333-3333-3333-3333-333333333333"
  }

  expect_failures = [azurerm_function_app_flex_consumption.this]
}

run "role_settings_default_to_the_manifest_values" {
  command = plan

  assert {
    condition     = azurerm_function_app_flex_consumption.this.app_settings["BWV_ROLE_READ"] == "BWV.Clips.Read" && azurerm_function_app_flex_consumption.this.app_settings["BWV_ROLE_PROTECT"] == "BWV.Clips.Protect" && azurerm_function_app_flex_consumption.this.app_settings["BWV_ROLE_RELEASE"] == "BWV.Clips.Release"
    error_message = "BWV_ROLE_READ/PROTECT/RELEASE default to BWV.Clips.Read/Protect/Release (infra/entra/app-roles.json)"
  }
}

run "role_names_pass_through" {
  command = plan

  variables {
    clip_manage_roles = { read = "Force.BWV.Read", protect = "Force.BWV.Protect", release = "Force.BWV.Release" }
  }

  assert {
    condition     = azurerm_function_app_flex_consumption.this.app_settings["BWV_ROLE_READ"] == "Force.BWV.Read" && azurerm_function_app_flex_consumption.this.app_settings["BWV_ROLE_PROTECT"] == "Force.BWV.Protect" && azurerm_function_app_flex_consumption.this.app_settings["BWV_ROLE_RELEASE"] == "Force.BWV.Release"
    error_message = "role values come from var.clip_manage_roles"
  }
}

run "empty_role_name_is_refused" {
  command = plan

  variables {
    clip_manage_roles = { read = "BWV.Clips.Read", protect = "", release = "BWV.Clips.Release" }
  }

  expect_failures = [var.clip_manage_roles]
}

run "role_name_with_a_space_is_refused" {
  command = plan

  variables {
    clip_manage_roles = { read = "BWV.Clips.Read", protect = "BWV Clips Protect", release = "BWV.Clips.Release" }
  }

  expect_failures = [var.clip_manage_roles]
}

run "duplicate_role_names_are_refused" {
  command = plan

  variables {
    clip_manage_roles = { read = "BWV.Clips.Read", protect = "BWV.Clips.Release", release = "BWV.Clips.Release" }
  }

  expect_failures = [var.clip_manage_roles]
}

run "role_names_differing_only_in_case_are_refused" {
  command = plan

  variables {
    clip_manage_roles = { read = "BWV.Clips.Read", protect = "bwv.clips.protect", release = "BWV.Clips.Protect" }
  }

  expect_failures = [var.clip_manage_roles]
}
