# Private network by default (docs/infra.md › Network): the Function App
# reaches Storage and Cosmos DB only through private endpoints in this VNet;
# Cosmos DB and the host storage account refuse every public request.
resource "azurerm_virtual_network" "this" {
  name                = "vnet-${var.name}"
  resource_group_name = azurerm_resource_group.this.name
  location            = var.location
  address_space       = [var.vnet_address_space]
  tags                = local.tags
}

# Flex Consumption VNet integration: a subnet delegated to Microsoft.App/environments.
resource "azurerm_subnet" "functions" {
  name                 = "snet-functions"
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [cidrsubnet(var.vnet_address_space, 2, 0)]

  delegation {
    name = "flex-consumption"
    service_delegation {
      name    = "Microsoft.App/environments"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

resource "azurerm_subnet" "private_endpoints" {
  name                              = "snet-private-endpoints"
  resource_group_name               = azurerm_resource_group.this.name
  virtual_network_name              = azurerm_virtual_network.this.name
  address_prefixes                  = [cidrsubnet(var.vnet_address_space, 2, 1)]
  private_endpoint_network_policies = "Enabled"
}

locals {
  # Private DNS zones are global by Azure's design (they hold only name
  # records, never data); the residency gate allows exactly these types as
  # global (internal/residencygate, globalByDesign).
  private_dns_zones = {
    blob   = "privatelink.blob.core.windows.net"
    queue  = "privatelink.queue.core.windows.net"
    cosmos = "privatelink.documents.azure.com"
  }

  # Every private endpoint: the resource, its sub-resource, the DNS zone, the subnet.
  private_endpoints = merge({
    footage_blob = { resource_id = azurerm_storage_account.this.id, subresource = "blob", zone = "blob", subnet_id = azurerm_subnet.private_endpoints.id }
    host_blob    = { resource_id = azurerm_storage_account.host.id, subresource = "blob", zone = "blob", subnet_id = azurerm_subnet.private_endpoints.id }
    host_queue   = { resource_id = azurerm_storage_account.host.id, subresource = "queue", zone = "queue", subnet_id = azurerm_subnet.private_endpoints.id }
    cosmos       = { resource_id = azurerm_cosmosdb_account.this.id, subresource = "Sql", zone = "cosmos", subnet_id = azurerm_subnet.private_endpoints.id }
    }, var.dock_access.subnet_id == null ? {} : {
    dock_blob = { resource_id = azurerm_storage_account.this.id, subresource = "blob", zone = "blob", subnet_id = var.dock_access.subnet_id }
  })
}

resource "azurerm_private_dns_zone" "this" {
  for_each = local.private_dns_zones

  name                = each.value
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "this" {
  for_each = local.private_dns_zones

  name                 = "link-${var.name}-${each.key}"
  private_dns_zone_id  = azurerm_private_dns_zone.this[each.key].id
  virtual_network_id   = azurerm_virtual_network.this.id
  registration_enabled = false
  tags                 = local.tags
}

resource "azurerm_private_endpoint" "this" {
  for_each = local.private_endpoints

  name                = "pe-${var.name}-${replace(each.key, "_", "-")}"
  resource_group_name = azurerm_resource_group.this.name
  location            = var.location # a private endpoint must be in its VNet's region; a dock subnet elsewhere fails at apply
  subnet_id           = each.value.subnet_id
  tags                = local.tags

  private_service_connection {
    name                           = "psc-${replace(each.key, "_", "-")}"
    private_connection_resource_id = each.value.resource_id
    subresource_names              = [each.value.subresource]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.this[each.value.zone].id]
  }
}
