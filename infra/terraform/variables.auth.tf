# Identity and access (docs/infra.md › Identity and access): App Service
# Authentication with Entra ID in front of every HTTP function, and the app
# role names ClipManage checks.

variable "entra_tenant_id" {
  type        = string
  description = "Directory (tenant) ID of the Entra ID tenant the force's staff sign in to. Entra admin centre › Overview › Tenant ID, or `az account show --query tenantId -o tsv`."
  nullable    = false

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.entra_tenant_id))
    error_message = "entra_tenant_id must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), the Directory (tenant) ID: Entra admin centre › Overview › Tenant ID, or `az account show --query tenantId -o tsv`. Not a domain name such as contoso.onmicrosoft.com."
  }
  validation {
    condition     = replace(var.entra_tenant_id, "/[0-]/", "") != ""
    error_message = "entra_tenant_id is the all-zero GUID, a placeholder: set the real Directory (tenant) ID (Entra admin centre › Overview › Tenant ID, or `az account show --query tenantId -o tsv`)."
  }
}

variable "entra_client_id" {
  type        = string
  description = "Application (client) ID of the bwv-ingest API app registration (the one the app-role manifest infra/entra/app-roles.json is imported into). Entra admin centre › App registrations › <the registration> › Overview › Application (client) ID, or `az ad app list --display-name <name> --query [].appId -o tsv`. Not the object ID, and not the Function App's managed identity."
  nullable    = false

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.entra_client_id))
    error_message = "entra_client_id must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), the Application (client) ID of the API app registration: Entra admin centre › App registrations › <the registration> › Overview, or `az ad app list --display-name <name> --query [].appId -o tsv`. Not an api:// URI."
  }
  validation {
    condition     = replace(var.entra_client_id, "/[0-]/", "") != ""
    error_message = "entra_client_id is the all-zero GUID, a placeholder: set the Application (client) ID of the API app registration (Entra admin centre › App registrations › <the registration> › Overview)."
  }
}

# Authentication is on unless this is set. Turning it off is for a throwaway
# dev estate only: without it any holder of the function key can name any
# actor in the audit trail (actorAuthenticated: false). The reason is written
# as the tag bwv-authentication-off on the Function App, so it shows in the
# portal, in Azure Resource Graph and in the plan.
variable "authentication_disabled_reason" {
  type        = string
  description = "Leave unset (null) in every real estate. Setting it turns App Service Authentication OFF (and BWV_TRUST_PRINCIPAL_HEADERS to \"false\"): say why, in at least 20 characters, e.g. \"dev estate dev-jb, no real footage, until 2026-06-30\". Recorded as the tag bwv-authentication-off on the Function App."
  default     = null

  validation {
    condition     = var.authentication_disabled_reason == null || length(trimspace(coalesce(var.authentication_disabled_reason, " "))) >= 20
    error_message = "authentication_disabled_reason turns App Service Authentication off: give a real reason of at least 20 characters (which estate, why, until when), or leave it unset to keep authentication on."
  }
  validation {
    condition     = var.authentication_disabled_reason == null || length(coalesce(var.authentication_disabled_reason, " ")) <= 256
    error_message = "authentication_disabled_reason is written as a tag value: at most 256 characters."
  }
}

# Entra app role values ClipManage checks in the caller's roles claim
# (app settings BWV_ROLE_READ, BWV_ROLE_PROTECT, BWV_ROLE_RELEASE). The
# defaults are the values in infra/entra/app-roles.json (a Go test keeps them
# equal): change both together, or the roles users hold never match.
variable "clip_manage_roles" {
  type = object({
    read    = string
    protect = string
    release = string
  })
  description = "App role values for ClipManage: read (a clip and its trail), protect (changes that keep footage at least as long: set legal hold, link incident, reclassify to a schedule no earlier), release (changes that bring deletion earlier: clear hold, unlink incident, reclassify shorter). Must equal the `value`s of the roles in infra/entra/app-roles.json as imported into the app registration."
  default = {
    read    = "BWV.Clips.Read"
    protect = "BWV.Clips.Protect"
    release = "BWV.Clips.Release"
  }
  nullable = false

  validation {
    condition     = alltrue([for v in values(var.clip_manage_roles) : can(regex("^[!-~]{1,120}$", v)) && !startswith(v, ".")])
    error_message = "clip_manage_roles: every role value must be non-empty, at most 120 characters, with no spaces and not starting with \".\" (Entra app role value rules), e.g. \"BWV.Clips.Read\". Use the `value` of the role in infra/entra/app-roles.json."
  }
  validation {
    condition     = length(distinct([for v in values(var.clip_manage_roles) : lower(v)])) == 3
    error_message = "clip_manage_roles: read, protect and release must be three different role values (compared without case): one role must never grant another's changes."
  }
}
