# Versions are bounded on both sides (Azure Verified Modules style).
#
# azurerm: the offline toolchain builds the provider from the Go module proxy at
# the one version it serves (main just after 5.2.0, laid out as 5.2.0), so the
# constraint must admit 5.x. No lock file is committed: a lock file with
# registry hashes breaks `init -plugin-dir` from the locally built provider.
#
# Terraform >= 1.9 / OpenTofu >= 1.9: variable validations refer to
# local.allowed_locations (the one statement of the UK set); `mock_provider`
# in the unit tests needs Terraform >= 1.7 / OpenTofu >= 1.8.
terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 5.2.0, < 6.0.0"
    }
  }
}
