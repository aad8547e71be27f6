# Who is told when something goes wrong (docs/infra.md › Alerts).
variable "alerts" {
  type = object({
    action_group_id = optional(string)
    email_receivers = optional(list(string), [])
  })
  description = "Where alerts go: the resource ID of an existing action group (the force's on-call), or email addresses for a new one. Exactly one of the two."
  nullable    = false

  validation {
    condition     = (var.alerts.action_group_id == null) != (length(var.alerts.email_receivers) == 0)
    error_message = "alerts: give exactly one of action_group_id (an existing action group) or email_receivers (at least one address): an estate whose alerts reach nobody is what this module exists to prevent."
  }
  validation {
    condition     = var.alerts.action_group_id == null || can(regex("^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+/providers/(?i:microsoft\\.insights)/actionGroups/[^/]+$", coalesce(var.alerts.action_group_id, "x")))
    error_message = "alerts.action_group_id must be an action group resource ID: /subscriptions/<guid>/resourceGroups/<rg>/providers/microsoft.insights/actionGroups/<name>."
  }
  validation {
    condition     = alltrue([for e in var.alerts.email_receivers : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alerts.email_receivers: every entry must be an email address, e.g. \"bwv-oncall@police.example.uk\"."
  }
  validation {
    condition     = length(distinct([for e in var.alerts.email_receivers : lower(e)])) == length(var.alerts.email_receivers) && length(var.alerts.email_receivers) <= 10
    error_message = "alerts.email_receivers: at most 10 addresses, each once."
  }
}
