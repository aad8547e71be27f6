variable "name" {
  type        = string
  description = "Workload name, e.g. \"bwv-prod\"."
  default     = "bwv-dev"
}

variable "location" {
  type        = string
  description = "Primary UK region."
  default     = "uksouth"

  validation {
    condition     = contains(["uksouth", "ukwest"], var.location)
    error_message = "location must be \"uksouth\" or \"ukwest\": footage and records stay in the UK."
  }
}

variable "secondary_location" {
  type        = string
  description = "Secondary UK region."
  default     = "ukwest"

  validation {
    condition     = contains(["uksouth", "ukwest"], var.secondary_location)
    error_message = "secondary_location must be \"uksouth\" or \"ukwest\": replicas stay in the UK."
  }
}

variable "event_subscription_enabled" {
  type        = bool
  description = "Second apply, after the code is deployed: create the Event Grid subscription."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Extra tags."
  default     = {}
}

variable "entra_tenant_id" {
  type        = string
  description = "Directory (tenant) ID (GUID): Entra admin centre › Overview, or `az account show --query tenantId -o tsv`. Validated by the module."
}

variable "entra_client_id" {
  type        = string
  description = "Application (client) ID (GUID) of the bwv-ingest API app registration (docs/infra.md › Identity and access). Validated by the module."
}

variable "authentication_disabled_reason" {
  type        = string
  description = "Leave unset. Set only in a throwaway dev estate: turns App Service Authentication off (any function-key holder can then name any actor). See the module variable."
  default     = null
}

variable "alerts" {
  type = object({
    action_group_id = optional(string)
    email_receivers = optional(list(string), [])
  })
  description = "Where alerts go: an existing action group's resource ID, or email addresses for a new one (exactly one). Validated by the module."
}

variable "dock_access" {
  type = object({
    mode      = optional(string, "private_endpoint")
    subnet_id = optional(string)
    ip_rules  = optional(list(string), [])
  })
  description = "How docks reach the footage account: \"private_endpoint\" (default) or \"ip_allowlist\" with ip_rules. Validated by the module."
  default     = {}
}
