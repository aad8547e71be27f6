# Private network by default: Cosmos DB and the host account refuse public
# traffic, the footage account's public endpoint refuses every network but
# the docks' allow-list, private endpoints in the UK, the app in the VNet.
mock_provider "azurerm" {
  source          = "./tests/unit/mocks"
  override_during = plan
}

variables {
  name            = "bwv-test"
  entra_tenant_id = "33333333-3333-3333-3333-333333333333"
  entra_client_id = "44444444-4444-4444-4444-444444444444"
  alerts          = { email_receivers = ["bwv-oncall@police.example.uk"] }
}

run "public_network_access_is_off" {
  command = plan

  assert {
    condition     = azurerm_cosmosdb_account.this.public_network_access_enabled == false && azurerm_cosmosdb_account.this.network_acl_bypass_for_azure_services == false
    error_message = "Cosmos DB must refuse every public request"
  }
  assert {
    condition     = azurerm_storage_account.host.public_network_access_enabled == false
    error_message = "the host storage account must refuse every public request"
  }
  assert {
    condition     = azurerm_storage_account.this.network_rules[0].default_action == "Deny" && length(azurerm_storage_account.this.network_rules[0].ip_rules) == 0 && length(azurerm_storage_account.this.network_rules[0].virtual_network_subnet_ids) == 0
    error_message = "the footage account's public endpoint must refuse every network by default"
  }
  assert {
    condition     = toset(azurerm_storage_account.this.network_rules[0].bypass) == toset(["AzureServices"])
    error_message = "the only exception is trusted Azure services (Event Grid's dead-letter writes with its managed identity)"
  }
}

run "private_endpoints_in_the_uk_with_dns" {
  command = plan

  assert {
    condition     = toset(keys(azurerm_private_endpoint.this)) == toset(["footage_blob", "host_blob", "host_queue", "cosmos"])
    error_message = "private endpoints: footage blob, host blob, host queue, Cosmos DB"
  }
  assert {
    condition     = alltrue([for pe in azurerm_private_endpoint.this : contains(["uksouth", "ukwest"], pe.location)]) && contains(["uksouth", "ukwest"], azurerm_virtual_network.this.location)
    error_message = "the VNet and every private endpoint are in the UK"
  }
  assert {
    condition     = azurerm_private_endpoint.this["cosmos"].private_service_connection[0].subresource_names == tolist(["Sql"]) && azurerm_private_endpoint.this["host_queue"].private_service_connection[0].subresource_names == tolist(["queue"]) && azurerm_private_endpoint.this["footage_blob"].private_service_connection[0].subresource_names == tolist(["blob"])
    error_message = "each endpoint connects the right sub-resource"
  }
  assert {
    condition     = toset([for z in azurerm_private_dns_zone.this : z.name]) == toset(["privatelink.blob.core.windows.net", "privatelink.queue.core.windows.net", "privatelink.documents.azure.com"])
    error_message = "private DNS zones for blob, queue and Cosmos DB"
  }
  assert {
    condition     = alltrue([for k, l in azurerm_private_dns_zone_virtual_network_link.this : l.private_dns_zone_id == azurerm_private_dns_zone.this[k].id && l.registration_enabled == false]) && length(azurerm_private_dns_zone_virtual_network_link.this) == 3
    error_message = "every zone is linked to the VNet"
  }
  assert {
    condition     = alltrue([for pe in azurerm_private_endpoint.this : length(pe.private_dns_zone_group) == 1])
    error_message = "every endpoint registers its name in its zone"
  }
}

run "function_app_is_in_the_vnet" {
  command = plan

  assert {
    condition     = azurerm_function_app_flex_consumption.this.virtual_network_subnet_id == azurerm_subnet.functions.id
    error_message = "the Function App's outbound goes through the VNet (VNet integration)"
  }
  assert {
    condition     = one(one(azurerm_subnet.functions.delegation).service_delegation).name == "Microsoft.App/environments"
    error_message = "Flex Consumption needs a subnet delegated to Microsoft.App/environments"
  }
}

run "docks_on_an_ip_allow_list" {
  command = plan

  variables {
    dock_access = { mode = "ip_allowlist", ip_rules = ["203.0.113.0/28", "198.51.100.7"] }
  }

  assert {
    condition     = toset(azurerm_storage_account.this.network_rules[0].ip_rules) == toset(["203.0.113.0/28", "198.51.100.7"]) && azurerm_storage_account.this.network_rules[0].default_action == "Deny"
    error_message = "the allow-list is exactly the docks' addresses, everything else refused"
  }
}

run "docks_through_their_own_subnet" {
  command = plan

  variables {
    dock_access = { subnet_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-stations/subnets/snet-docks" }
  }

  assert {
    condition     = azurerm_private_endpoint.this["dock_blob"].subnet_id == "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-stations/subnets/snet-docks" && azurerm_private_endpoint.this["dock_blob"].private_service_connection[0].subresource_names == tolist(["blob"])
    error_message = "a dock subnet gets its own private endpoint to the footage blob service"
  }
  assert {
    condition     = length(azurerm_storage_account.this.network_rules[0].ip_rules) == 0
    error_message = "no public allow-list in private-endpoint mode"
  }
}

run "allow_list_mode_without_addresses_is_refused" {
  command = plan
  variables {
    dock_access = { mode = "ip_allowlist" }
  }
  expect_failures = [var.dock_access]
}

run "the_whole_internet_is_refused" {
  command = plan
  variables {
    dock_access = { mode = "ip_allowlist", ip_rules = ["0.0.0.0/0"] }
  }
  expect_failures = [var.dock_access]
}

run "a_wide_range_is_refused" {
  command = plan
  variables {
    dock_access = { mode = "ip_allowlist", ip_rules = ["203.0.0.0/8"] }
  }
  expect_failures = [var.dock_access]
}

run "a_private_range_is_refused" {
  command = plan
  variables {
    dock_access = { mode = "ip_allowlist", ip_rules = ["10.1.2.0/24"] }
  }
  expect_failures = [var.dock_access]
}

run "addresses_without_allow_list_mode_are_refused" {
  command = plan
  variables {
    dock_access = { ip_rules = ["203.0.113.0/28"] }
  }
  expect_failures = [var.dock_access]
}

run "an_unknown_mode_is_refused" {
  command = plan
  variables {
    dock_access = { mode = "public" }
  }
  expect_failures = [var.dock_access]
}
