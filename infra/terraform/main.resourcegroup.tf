resource "azurerm_resource_group" "this" {
  name     = local.resource_group_name
  location = var.location
  tags     = local.tags

  lifecycle {
    precondition {
      condition     = var.location != var.secondary_location
      error_message = "location and secondary_location must differ: set them to two different regions of ${join(", ", local.allowed_locations)}."
    }
  }
}

# Azure Policy "Allowed locations" (built-in e56962a6-…): Azure itself refuses
# any resource in this group outside the UK, whatever creates it — portal,
# CLI, or a future edit of this module that slips past review.
resource "azurerm_resource_group_policy_assignment" "allowed_locations" {
  name                 = "bwv-allowed-locations"
  display_name         = "bwv-ingest: UK regions only"
  description          = "Body-worn-video footage and its records must stay in UK South / UK West."
  resource_group_id    = azurerm_resource_group.this.id
  policy_definition_id = "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c"
  enforce              = true

  parameters = jsonencode({
    listOfAllowedLocations = { value = local.allowed_locations }
  })

  non_compliance_message {
    content = "bwv-ingest resources must be in one of ${join(", ", local.allowed_locations)} (UK data residency)."
  }
}
