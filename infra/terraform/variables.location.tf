variable "location" {
  type        = string
  description = "Primary Azure region for every resource. UK only: one of local.allowed_locations (locals.tf)."
  default     = "uksouth"
  nullable    = false

  validation {
    condition     = contains(local.allowed_locations, var.location)
    error_message = "location must be one of ${join(", ", local.allowed_locations)} (lower case, no spaces): body-worn-video footage and every record of it must stay in the UK. Fix: set location = \"uksouth\"."
  }
}

variable "secondary_location" {
  type        = string
  description = "Secondary UK region for replicas (Cosmos DB failover region). Must be the other UK region."
  default     = "ukwest"
  nullable    = false

  validation {
    condition     = contains(local.allowed_locations, var.secondary_location)
    error_message = "secondary_location must be one of ${join(", ", local.allowed_locations)}: replicas are data too and must stay in the UK. Fix: set secondary_location = \"ukwest\" (or \"uksouth\" when location is ukwest)."
  }
}
