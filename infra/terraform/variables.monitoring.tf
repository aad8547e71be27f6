variable "log_retention_days" {
  type        = number
  description = "Log Analytics retention. Logs carry personal data (officer ids, clip names): keep them no longer than needed."
  default     = 90
  nullable    = false

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730
    error_message = "log_retention_days must be between 30 and 730."
  }
}
