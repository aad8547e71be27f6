locals {
  # UK residency by construction: the only regions any resource, replica,
  # geo-location or log sink of this module may use. Not a variable on purpose:
  # widening it is a code change that goes through review, not a tfvars edit.
  # The one statement of the set in Terraform: every validation, precondition
  # and setting uses this local. Go states it once too (residency.UKRegions);
  # internal/residencygate/regions_terraform_test.go fails if they differ.
  allowed_locations = ["uksouth", "ukwest"]

  # Azure region pairs inside the allowed set: geo-redundant storage (GRS,
  # RA-GRS, GZRS, RA-GZRS) replicates to the pair of the primary region.
  # Go: residency.UKPair (checked equal by the same test).
  region_pair = {
    uksouth = "ukwest"
    ukwest  = "uksouth"
  }

  resource_group_name  = coalesce(var.resource_group_name, "rg-${var.name}")
  storage_account_name = coalesce(var.storage_account_name, "st${replace(var.name, "-", "")}")
  # The Function App's own storage (deployment package, host state, the
  # clip-verify queues): a separate account, so the roles the Functions host
  # needs there never reach footage.
  host_storage_account_name = coalesce(var.host_storage_account_name, "st${replace(var.name, "-", "")}host")
  cosmos_account_name       = coalesce(var.cosmos_account_name, "cosmos-${var.name}")
  function_app_name         = coalesce(var.function_app_name, "func-${var.name}")

  # Cosmos replicas: the primary first (failover priority 0), then the secondary.
  cosmos_geo_locations = coalesce(var.cosmos_geo_locations, [
    { location = var.location, zone_redundant = false },
    { location = var.secondary_location, zone_redundant = false },
  ])

  # Contract names (docs/architecture.md): docks, analysts and the handler use them.
  # Footage account containers:
  container_names = {
    uploads    = "uploads"
    quarantine = "quarantine"
    deadletter = "eventgrid-deadletter"
    anchors    = "audit-anchors"
  }
  # Host account container (the Flex Consumption deployment package).
  deployment_container_name = "function-releases"
  queue_names = {
    verify        = "clip-verify"
    verify_poison = "clip-verify-poison"
  }
  cosmos_database_name = "bwv"

  # Endpoints the Function App uses, written from the account names rather
  # than read back from the accounts after creation: the plan then shows
  # them, and the residency gate checks each names an account this plan
  # places in the UK (app settings are one expression in plan JSON, so a
  # value known only after apply could not be traced). Storage and Cosmos
  # account names are globally unique: these are the accounts created here.
  storage_blob_endpoint       = "https://${local.storage_account_name}.blob.core.windows.net/"
  host_storage_blob_endpoint  = "https://${local.host_storage_account_name}.blob.core.windows.net/"
  host_storage_queue_endpoint = "https://${local.host_storage_account_name}.queue.core.windows.net/"
  cosmos_endpoint             = "https://${local.cosmos_account_name}.documents.azure.com:443/"

  # Event Grid delivers only real, non-empty uploads into the upload container.
  blob_created_apis = ["PutBlob", "PutBlockList", "CopyBlob", "FlushWithClose"]

  tags = merge(var.tags, {
    workload  = "bwv-ingest"
    residency = "uk-only"
  })
}
