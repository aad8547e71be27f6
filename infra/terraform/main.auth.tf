# App Service Authentication (Easy Auth v2) with Entra ID on the Function App:
# every HTTP request needs an Entra access token for the API app registration
# (401 without one) AND, for ClipManage, the function key (authLevel
# "function"). The platform validates the token, strips any client-sent
# X-MS-CLIENT-PRINCIPAL* headers and injects its own, which is the only
# reason ClipManage may trust them: BWV_TRUST_PRINCIPAL_HEADERS follows
# local.authentication_enabled and nothing else. docs/infra.md › Identity and
# access.
locals {
  authentication_enabled = var.authentication_disabled_reason == null

  # The tenant's v2.0 issuer (single tenant: tokens from any other tenant are
  # refused). Access tokens for the API should be v2 (manifest
  # api.requestedAccessTokenVersion = 2, docs/infra.md).
  entra_issuer = "https://login.microsoftonline.com/${lower(var.entra_tenant_id)}/v2.0"

  # v2 access tokens carry aud = the client id; v1 tokens aud = the App ID URI
  # (api://<client id>, the one the portal proposes).
  entra_allowed_audiences = [lower(var.entra_client_id), "api://${lower(var.entra_client_id)}"]

  # Event Grid's "Azure Function" endpoint delivers to the host's Event Grid
  # webhook with the extension's system key and cannot send an Entra token:
  # with authentication required and no exclusion every delivery would be
  # refused (401) and dead-lettered. The webhook stays protected by the
  # system key, as before. Nothing else is excluded.
  auth_excluded_paths = ["/runtime/webhooks/eventgrid"]

  # A switched-off authentication is visible on the resource itself.
  function_app_tags = merge(local.tags, local.authentication_enabled ? {} : {
    bwv-authentication-off = trimspace(var.authentication_disabled_reason)
  })
}
