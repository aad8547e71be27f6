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
