# The longest footage retention and what follows from it: the Locked period
# of audit-anchors, when previous blob versions may go, and how long the
# data-plane access logs are kept (docs/infra.md › Immutability, › Logs).

variable "longest_footage_retention_days" {
  type        = number
  description = "The longest dated retention in the retention policy, in days: 2557 = 7 years (the `evidential` category, docs/retention.md). Held-until-released clips have no date: legal holds and the handler's rolling immutability horizon keep them. Sets the Locked immutability period of audit-anchors, the previous-version deletion (plus version_deletion_margin_days) and the total retention of the data-plane log tables."
  default     = 2557
  nullable    = false

  validation {
    condition     = var.longest_footage_retention_days >= 2557 && floor(var.longest_footage_retention_days) == var.longest_footage_retention_days
    error_message = "longest_footage_retention_days must be a whole number of days, at least 2557 (7 years, the default policy's evidential period): anchors and access logs must outlive every dated clip."
  }
  validation {
    condition     = var.longest_footage_retention_days <= 4383
    error_message = "longest_footage_retention_days is above 4383 days (12 years), the longest Log Analytics can keep a table: the access logs of the oldest clips would expire first. Keep it at most 4383 and export older logs to an immutable storage account (docs/infra.md › Logs), or shorten the policy."
  }
}

variable "version_deletion_margin_days" {
  type        = number
  description = "Days after longest_footage_retention_days before the lifecycle rule deletes a previous blob version of footage. Immutability refuses an earlier deletion of a protected version anyway; the margin covers the release grace and clock skew."
  default     = 30
  nullable    = false

  validation {
    condition     = var.version_deletion_margin_days >= 7 && var.version_deletion_margin_days <= 365
    error_message = "version_deletion_margin_days must be between 7 and 365 (at least the 7-day release grace)."
  }
}

locals {
  version_deletion_after_days = var.longest_footage_retention_days + var.version_deletion_margin_days

  # Log Analytics total retention takes 4–730 days or one of these whole-year
  # values; the data-plane tables get the first one that covers the longest
  # footage retention (2557 days → 2922, 8 years).
  log_total_retention_steps = [730, 1095, 1460, 1826, 2191, 2556, 2922, 3288, 3653, 4018, 4383]
  access_log_total_retention_days = [
    for d in local.log_total_retention_steps : d if d >= var.longest_footage_retention_days
  ][0]
}
