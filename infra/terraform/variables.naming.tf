variable "name" {
  type        = string
  description = "Workload name used to derive resource names, e.g. \"bwv-prod\". 3–16 of lower-case letters, digits and hyphens, starting with a letter."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,15}$", var.name)) && !endswith(var.name, "-")
    error_message = "name must be 3–16 characters of a-z, 0-9 and '-', start with a letter and not end with '-' (it becomes part of storage and Cosmos account names). Example: name = \"bwv-prod\"."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group name; null derives rg-<name>."
  default     = null
}

variable "storage_account_name" {
  type        = string
  description = "Storage account name (globally unique); null derives st<name without hyphens>."
  default     = null

  validation {
    condition     = var.storage_account_name == null || can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name must be 3–24 lower-case letters and digits (Azure's rule), e.g. \"stbwvprod\"."
  }
}

variable "host_storage_account_name" {
  type        = string
  description = "The Function App's own storage account (globally unique; deployment package, host state, queues, no footage); null derives st<name without hyphens>host."
  default     = null

  validation {
    condition     = var.host_storage_account_name == null || can(regex("^[a-z0-9]{3,24}$", var.host_storage_account_name))
    error_message = "host_storage_account_name must be 3–24 lower-case letters and digits (Azure's rule), e.g. \"stbwvprodhost\"."
  }
}

variable "cosmos_account_name" {
  type        = string
  description = "Cosmos DB account name (globally unique); null derives cosmos-<name>."
  default     = null

  validation {
    condition     = var.cosmos_account_name == null || can(regex("^[a-z0-9][a-z0-9-]{1,42}[a-z0-9]$", var.cosmos_account_name))
    error_message = "cosmos_account_name must be 3–44 characters of lower-case letters, digits and '-', not starting or ending with '-'."
  }
}

variable "function_app_name" {
  type        = string
  description = "Function App name (globally unique host name); null derives func-<name>."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource that takes tags."
  default     = {}
  nullable    = false
}
