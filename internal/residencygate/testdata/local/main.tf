# Provider-free fixture for the infra command's tests: terraform_data is
# built into tofu/terraform, so plan, show -json and apply run offline.
# Region-shaped values sit inside `input`, where the gate finds them as it
# finds location attributes of real resources.
terraform {
  required_version = ">= 1.7.0"
}

variable "location" {
  type    = string
  default = "uksouth"
}

variable "replica_location" {
  type    = string
  default = "ukwest"
}

variable "late_region" {
  description = "Add a resource whose region is only known after apply."
  type        = bool
  default     = false
}

resource "terraform_data" "store" {
  input = {
    location = var.location
    name     = "clips"
  }
}

resource "terraform_data" "replicas" {
  input = {
    geo_location = [
      { location = var.location, failover_priority = 0 },
      { location = var.replica_location, failover_priority = 1 },
    ]
  }
}

resource "terraform_data" "late_source" {
  count = var.late_region ? 1 : 0
}

resource "terraform_data" "late" {
  count = var.late_region ? 1 : 0

  input = {
    location = terraform_data.late_source[0].id # unknown until apply
  }
}

output "store_location" {
  value = terraform_data.store.output.location
}

variable "opaque_location" {
  description = "Add a resource whose whole input is unknown until apply and then holds this location: the plan cannot show it, the state after apply does."
  type        = string
  default     = ""
}

resource "terraform_data" "opaque_seed" {
  count = var.opaque_location == "" ? 0 : 1
}

resource "terraform_data" "opaque" {
  count = var.opaque_location == "" ? 0 : 1

  # jsondecode of a string unknown until apply: the whole input is unknown.
  input = jsondecode(jsonencode({ location = var.opaque_location, seed = terraform_data.opaque_seed[0].id }))
}
