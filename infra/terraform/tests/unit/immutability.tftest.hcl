# Footage under retention is immutable in Storage, anchors are locked, old
# versions go only after the longest retention, dead letters never expire.
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

run "version_level_immutability_is_on" {
  command = plan

  assert {
    condition     = length(azurerm_storage_account.this.immutability_policy) == 1
    error_message = "the footage account must have version-level immutability support (the immutability_policy block enables it)"
  }
  assert {
    condition     = azurerm_storage_account.this.immutability_policy[0].state == "Disabled" && azurerm_storage_account.this.immutability_policy[0].allow_protected_append_writes == false
    error_message = "no account-wide default policy (state Disabled): footage gets per-version Unlocked policies from the handler, anchors a Locked container policy"
  }
  assert {
    condition     = azurerm_storage_account.this.blob_properties[0].versioning_enabled
    error_message = "version-level immutability needs blob versioning on"
  }
}

run "anchors_container_is_locked_for_the_longest_retention" {
  command = plan

  assert {
    condition     = azurerm_storage_container.this["anchors"].name == "audit-anchors" && azurerm_storage_container.this["anchors"].container_access_type == "private"
    error_message = "the private audit-anchors container must exist"
  }
  assert {
    condition     = azurerm_storage_container_immutability_policy.anchors.locked == true
    error_message = "the anchors' time-based policy must be Locked: nobody may shorten or remove it"
  }
  assert {
    condition     = azurerm_storage_container_immutability_policy.anchors.immutability_period_in_days == 2557 && azurerm_storage_container_immutability_policy.anchors.immutability_period_in_days == var.longest_footage_retention_days
    error_message = "the anchors' period is the longest footage retention (7 years = 2557 days by default)"
  }
  assert {
    condition     = azurerm_storage_container_immutability_policy.anchors.protected_append_writes_enabled == false && azurerm_storage_container_immutability_policy.anchors.protected_append_writes_all_enabled == false
    error_message = "anchors are written once: no appends under the policy"
  }
}

run "longer_retention_moves_every_dependent_period" {
  command = plan

  variables {
    longest_footage_retention_days = 3000
    version_deletion_margin_days   = 60
  }

  assert {
    condition     = azurerm_storage_container_immutability_policy.anchors.immutability_period_in_days == 3000
    error_message = "the anchors' locked period follows longest_footage_retention_days"
  }
  assert {
    condition     = one([for r in azurerm_storage_management_policy.this.rule : r.actions[0].version[0].delete_after_days_since_creation if r.name == "previous-versions"]) == 3060
    error_message = "previous versions go after the longest retention plus the margin"
  }
  assert {
    condition     = alltrue([for t in azurerm_log_analytics_workspace_table.access : t.total_retention_in_days == 3288])
    error_message = "access logs are kept for the first Log Analytics step that covers the longest retention (3288 days for 3000)"
  }
}

run "previous_versions_go_only_after_the_longest_retention" {
  command = plan

  assert {
    condition     = one([for r in azurerm_storage_management_policy.this.rule : r.actions[0].version[0].delete_after_days_since_creation if r.name == "previous-versions"]) > var.longest_footage_retention_days
    error_message = "a previous version must never be deleted before the longest footage retention has passed"
  }
  assert {
    condition     = toset(one([for r in azurerm_storage_management_policy.this.rule : r.filters[0].prefix_match if r.name == "previous-versions"])) == toset(["uploads/", "quarantine/"])
    error_message = "the version rule covers footage only: uploads/ and quarantine/"
  }
  assert {
    condition     = alltrue([for r in azurerm_storage_management_policy.this.rule : alltrue([for v in r.actions[0].version : v.delete_after_days_since_creation > var.longest_footage_retention_days])])
    error_message = "no lifecycle rule may delete versions earlier than the longest retention"
  }
}

run "dead_letters_and_anchors_never_expire" {
  command = plan

  assert {
    condition     = alltrue([for r in azurerm_storage_management_policy.this.rule : length(r.filters) == 1 && length(r.filters[0].prefix_match) > 0])
    error_message = "every lifecycle rule must name its prefixes: a rule without one reaches every container, dead letters and anchors included"
  }
  assert {
    condition = alltrue(flatten([for r in azurerm_storage_management_policy.this.rule : [
      for p in r.filters[0].prefix_match : !startswith("eventgrid-deadletter/", p) && !startswith(p, "eventgrid-deadletter") && !startswith("audit-anchors/", p) && !startswith(p, "audit-anchors")
    ]]))
    error_message = "no lifecycle rule may reach eventgrid-deadletter/ (dead letters are the only copy of a lost upload event) or audit-anchors/"
  }
}

run "anchors_shorter_than_the_evidential_period_are_refused" {
  command = plan

  variables {
    longest_footage_retention_days = 365
  }

  expect_failures = [var.longest_footage_retention_days]
}

run "retention_beyond_what_logs_can_keep_is_refused" {
  command = plan

  variables {
    longest_footage_retention_days = 5000
  }

  expect_failures = [var.longest_footage_retention_days]
}

run "a_version_margin_under_the_release_grace_is_refused" {
  command = plan

  variables {
    version_deletion_margin_days = 1
  }

  expect_failures = [var.version_deletion_margin_days]
}
