# The default deployment: the module with its UK defaults. This is also the
# root the infra command plans by default (`bwv infra plan`).
terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 5.2.0, < 6.0.0"
    }
  }
}

provider "azurerm" {
  features {
    resource_group {
      prevent_deletion_if_contains_resources = true
    }
  }
  # The storage account has shared keys off: data-plane calls use Entra ID.
  storage_use_azuread = true
}

module "bwv" {
  source = "../.."

  name                       = var.name
  location                   = var.location
  secondary_location         = var.secondary_location
  event_subscription_enabled = var.event_subscription_enabled
  tags                       = var.tags

  entra_tenant_id                = var.entra_tenant_id
  entra_client_id                = var.entra_client_id
  authentication_disabled_reason = var.authentication_disabled_reason

  alerts      = var.alerts
  dock_access = var.dock_access
}
