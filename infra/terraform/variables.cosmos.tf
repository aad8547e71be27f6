variable "cosmos_geo_locations" {
  type = list(object({
    location       = string
    zone_redundant = optional(bool, false)
  }))
  description = "Cosmos DB regions in failover order (the first is the write region). null = [location, secondary_location]. UK regions only."
  default     = null

  validation {
    condition     = var.cosmos_geo_locations == null || alltrue([for g in coalesce(var.cosmos_geo_locations, []) : contains(local.allowed_locations, g.location)])
    error_message = "Every cosmos_geo_locations[*].location must be one of ${join(", ", local.allowed_locations)}: a Cosmos replica is a full copy of every clip record. Remove the non-UK entry."
  }

  validation {
    condition     = var.cosmos_geo_locations == null || (length(coalesce(var.cosmos_geo_locations, [])) > 0 && length(distinct([for g in coalesce(var.cosmos_geo_locations, []) : g.location])) == length(coalesce(var.cosmos_geo_locations, [])))
    error_message = "cosmos_geo_locations must list at least one region and each region once."
  }
}

variable "cosmos_max_throughput" {
  type        = number
  description = "Autoscale maximum RU/s of the bwv database (shared by its containers)."
  default     = 1000
  nullable    = false

  validation {
    condition     = var.cosmos_max_throughput >= 1000 && var.cosmos_max_throughput % 1000 == 0
    error_message = "cosmos_max_throughput must be a multiple of 1000, at least 1000 (Cosmos autoscale rule)."
  }
}
