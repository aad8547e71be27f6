variable "storage_replication_type" {
  type        = string
  description = "Storage replication. Every option keeps data in the UK pair: LRS/ZRS stay in the primary region, GRS/RAGRS/GZRS/RAGZRS replicate to its Azure pair (local.region_pair)."
  default     = "GZRS"
  nullable    = false

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], var.storage_replication_type)
    error_message = "storage_replication_type must be one of LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS (upper case). Geo-redundant types replicate only to the paired UK region."
  }
}

variable "blob_soft_delete_days" {
  type        = number
  description = "Days a deleted blob (or blob version) can still be recovered. Guards against a wrong deletion by the sweep or a person."
  default     = 30
  nullable    = false

  validation {
    condition     = var.blob_soft_delete_days >= 7 && var.blob_soft_delete_days <= 365
    error_message = "blob_soft_delete_days must be between 7 and 365: evidence deleted by mistake must stay recoverable for at least a week."
  }
}

variable "container_soft_delete_days" {
  type        = number
  description = "Days a deleted container can still be recovered."
  default     = 30
  nullable    = false

  validation {
    condition     = var.container_soft_delete_days >= 7 && var.container_soft_delete_days <= 365
    error_message = "container_soft_delete_days must be between 7 and 365."
  }
}

variable "retention_backstop_days" {
  type        = number
  description = "Lifecycle backstop: blobs in uploads/ whose index tag puts them in the short retention class (31 days, no hold) are deleted this many days after creation if the retention sweep has not deleted them. Must exceed the longest standard retention period (31 days)."
  default     = 62
  nullable    = false

  validation {
    condition     = var.retention_backstop_days >= 45
    error_message = "retention_backstop_days must be at least 45 so the backstop never runs ahead of the retention sweep (31-day standard period plus slack)."
  }
}

variable "retention_tag" {
  type = object({
    name  = string
    value = string
  })
  description = "Blob index tag the handler sets on clips in the short (31-day) retention class with no hold; the lifecycle backstop matches it. Must agree with shared/clip/tags.go (TagBackstop = BackstopShort)."
  default     = { name = "bwvbackstop", value = "short" }
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,127}$", var.retention_tag.name)) && length(var.retention_tag.value) > 0
    error_message = "retention_tag.name must be lower-case letters and digits (blob index tag keys), value non-empty."
  }
}
