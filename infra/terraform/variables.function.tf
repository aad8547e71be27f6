variable "event_subscription_enabled" {
  type        = bool
  description = "Create the Event Grid subscription to ClipIngest. Deploy order: apply with false, deploy the code, then apply with true — Event Grid validates the endpoint when the subscription is created, so the function must answer first."
  default     = false
  nullable    = false
}

variable "function_maximum_instance_count" {
  type        = number
  description = "Flex Consumption scale-out limit."
  default     = 40
  nullable    = false

  validation {
    condition     = var.function_maximum_instance_count >= 1 && var.function_maximum_instance_count <= 1000
    error_message = "function_maximum_instance_count must be between 1 and 1000."
  }
}

variable "function_instance_memory_mb" {
  type        = number
  description = "Flex Consumption instance memory (hashing streams, so 2048 is plenty)."
  default     = 2048
  nullable    = false

  validation {
    condition     = contains([512, 2048, 4096], var.function_instance_memory_mb)
    error_message = "function_instance_memory_mb must be 512, 2048 or 4096 (Flex Consumption sizes)."
  }
}

variable "handler_settings" {
  type = object({
    max_clip_duration  = optional(string, "12h")
    clock_skew         = optional(string, "5m")
    verify_range_mib   = optional(number, 16)
    verify_parallelism = optional(number, 4)
    log_level          = optional(string, "info")
    retention_policy   = optional(string, "")
  })
  description = "Tunables passed to the handler as BWV_* app settings (see docs/architecture.md)."
  default     = {}
  nullable    = false

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.handler_settings.log_level)
    error_message = "handler_settings.log_level must be debug, info, warn or error."
  }
}

variable "eventgrid_retry" {
  type = object({
    max_delivery_attempts = optional(number, 30)
    event_time_to_live    = optional(number, 1440)
  })
  description = "Event Grid retry policy for the ClipIngest subscription; undeliverable events go to the eventgrid-deadletter container."
  default     = {}
  nullable    = false

  validation {
    condition     = var.eventgrid_retry.max_delivery_attempts >= 1 && var.eventgrid_retry.max_delivery_attempts <= 30 && var.eventgrid_retry.event_time_to_live >= 1 && var.eventgrid_retry.event_time_to_live <= 1440
    error_message = "eventgrid_retry: max_delivery_attempts 1–30, event_time_to_live 1–1440 minutes (Event Grid limits)."
  }
}
