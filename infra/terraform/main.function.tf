# Flex Consumption (FC1): Linux, scale to zero, per-function scaling, identity-
# based deployment storage. The Linux Consumption (Y1) plan is legacy (no new
# features, retirement announced) and needs key-based settings; Elastic Premium
# would work but bills for an always-ready instance a docking-station workload
# (bursts at shift ends) does not need.
resource "azurerm_service_plan" "this" {
  name                = "asp-${var.name}"
  resource_group_name = azurerm_resource_group.this.name
  location            = var.location
  os_type             = "Linux"
  sku_name            = "FC1"
  tags                = local.tags
}

locals {
  # Exactly the settings the handler reads (docs/architecture.md,
  # local.settings.sample.json) — with no keys: BWV_STORAGE_KEY and
  # BWV_COSMOS_KEY are absent, so the handler uses its managed identity.
  app_settings = {
    FUNCTIONS_WORKER_RUNTIME = "custom"

    # Identity-based host storage in its own account (main.hoststorage.tf);
    # the queue bindings use connection "AzureWebJobsStorage".
    AzureWebJobsStorage__accountName     = azurerm_storage_account.host.name
    AzureWebJobsStorage__credential      = "managedidentity"
    AzureWebJobsStorage__blobServiceUri  = local.host_storage_blob_endpoint
    AzureWebJobsStorage__queueServiceUri = local.host_storage_queue_endpoint

    # Application Insights with local auth off: the identity authenticates.
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING = "Authorization=AAD"

    BWV_STORAGE_ACCOUNT        = azurerm_storage_account.this.name
    BWV_STORAGE_REGION         = var.location
    BWV_BLOB_ENDPOINT          = local.storage_blob_endpoint
    BWV_ALLOWED_REGIONS        = join(",", local.allowed_locations)
    BWV_UPLOAD_CONTAINER       = local.container_names.uploads
    BWV_QUARANTINE_CONTAINER   = local.container_names.quarantine
    BWV_COSMOS_ENDPOINT        = local.cosmos_endpoint
    BWV_COSMOS_DATABASE        = local.cosmos_database_name
    BWV_COSMOS_CLIPS_CONTAINER = azurerm_cosmosdb_sql_container.clips.name
    BWV_COSMOS_AUDIT_CONTAINER = azurerm_cosmosdb_sql_container.audit.name
    BWV_COSMOS_BOOTSTRAP       = "false" # Terraform owns the database and containers
    BWV_RETENTION_POLICY       = var.handler_settings.retention_policy
    BWV_MAX_CLIP_DURATION      = var.handler_settings.max_clip_duration
    BWV_CLOCK_SKEW             = var.handler_settings.clock_skew
    BWV_VERIFY_RANGE_MIB       = tostring(var.handler_settings.verify_range_mib)
    BWV_VERIFY_PARALLELISM     = tostring(var.handler_settings.verify_parallelism)
    BWV_LOG_LEVEL              = var.handler_settings.log_level

    # ClipManage trusts X-MS-CLIENT-PRINCIPAL* only when App Service
    # Authentication is on (main.auth.tf): exactly then, never otherwise.
    BWV_TRUST_PRINCIPAL_HEADERS = local.authentication_enabled ? "true" : "false"
    # Entra app role values (infra/entra/app-roles.json) ClipManage checks.
    BWV_ROLE_READ    = var.clip_manage_roles.read
    BWV_ROLE_PROTECT = var.clip_manage_roles.protect
    BWV_ROLE_RELEASE = var.clip_manage_roles.release
  }
}

resource "azurerm_function_app_flex_consumption" "this" {
  name                = local.function_app_name
  resource_group_name = azurerm_resource_group.this.name
  location            = var.location
  service_plan_id     = azurerm_service_plan.this.id
  tags                = local.function_app_tags

  runtime_name           = "custom"
  runtime_version        = "1.0"
  maximum_instance_count = var.function_maximum_instance_count
  instance_memory_in_mb  = var.function_instance_memory_mb

  # Deployment packages in a private container of the host account, read
  # with the app's identity.
  storage_container_type      = "blobContainer"
  storage_container_endpoint  = "${local.host_storage_blob_endpoint}${azurerm_storage_container.deployment.name}"
  storage_authentication_type = "SystemAssignedIdentity"

  # Outbound through the VNet (private endpoints of Storage and Cosmos DB).
  # Inbound stays public: Event Grid delivers to the Event Grid webhook
  # (system key) and people call ClipManage (Entra token + function key).
  virtual_network_subnet_id     = azurerm_subnet.functions.id
  public_network_access_enabled = true

  https_only                                     = true
  webdeploy_publish_basic_authentication_enabled = false

  identity {
    type = "SystemAssigned"
  }

  site_config {
    application_insights_connection_string = azurerm_application_insights.this.connection_string
    minimum_tls_version                    = "1.2"
    scm_minimum_tls_version                = "1.2"
    http2_enabled                          = true
  }

  app_settings = local.app_settings

  # Easy Auth v2 (main.auth.tf). The block stays even when authentication is
  # switched off: removing it would leave whatever Azure has (the provider
  # suppresses the diff), so "off" is written as auth_enabled = false.
  auth_settings_v2 {
    auth_enabled           = local.authentication_enabled
    require_authentication = true
    unauthenticated_action = "Return401"
    require_https          = true
    excluded_paths         = local.auth_excluded_paths

    active_directory_v2 {
      client_id            = lower(var.entra_client_id)
      tenant_auth_endpoint = local.entra_issuer
      allowed_audiences    = local.entra_allowed_audiences
    }

    # No token store: the app never calls anything on the caller's behalf,
    # so nobody's tokens are kept.
    login {
      token_store_enabled = false
    }
  }

  lifecycle {
    precondition {
      condition     = !contains(keys(local.app_settings), "BWV_STORAGE_KEY") && !contains(keys(local.app_settings), "BWV_COSMOS_KEY")
      error_message = "No keys in Azure: BWV_STORAGE_KEY and BWV_COSMOS_KEY must not be app settings."
    }
    precondition {
      condition     = local.app_settings["BWV_TRUST_PRINCIPAL_HEADERS"] == (local.authentication_enabled ? "true" : "false")
      error_message = "BWV_TRUST_PRINCIPAL_HEADERS must be \"true\" exactly when App Service Authentication is on (auth_settings_v2.auth_enabled): otherwise ClipManage would trust principal headers a caller can forge."
    }
    precondition {
      condition     = lower(var.entra_client_id) != lower(var.entra_tenant_id)
      error_message = "entra_client_id equals entra_tenant_id: the client id is the Application (client) ID of the API app registration (App registrations › <the registration> › Overview), not the tenant id."
    }
  }
}
