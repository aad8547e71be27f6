# Shared by the unit tests (mock_provider "azurerm" { source = "./tests/unit/mocks" }).
# azurerm validates ID-shaped arguments, so every ID another resource
# consumes gets a realistic value. Tests that need two instances of one type
# apart (the footage and host storage accounts) override them by address.
mock_resource "azurerm_resource_group" {
  defaults = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test"
  }
}
mock_resource "azurerm_storage_account" {
  defaults = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Storage/storageAccounts/stbwvtest"
  }
}
mock_resource "azurerm_storage_container" {
  defaults = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Storage/storageAccounts/stbwvtest/blobServices/default/containers/audit-anchors"
  }
}
mock_resource "azurerm_log_analytics_workspace" {
  defaults = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.OperationalInsights/workspaces/log-bwv-test"
  }
}
mock_resource "azurerm_application_insights" {
  defaults = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Insights/components/appi-bwv-test"
  }
}
mock_resource "azurerm_service_plan" {
  defaults = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Web/serverFarms/asp-bwv-test"
  }
}
mock_resource "azurerm_function_app_flex_consumption" {
  defaults = {
    identity = { principal_id = "11111111-1111-1111-1111-111111111111", tenant_id = "33333333-3333-3333-3333-333333333333" }
    id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Web/sites/func-bwv-test"
  }
}
mock_resource "azurerm_cosmosdb_account" {
  defaults = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-bwv-test"
  }
}
mock_resource "azurerm_cosmosdb_sql_role_definition" {
  defaults = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-bwv-test/sqlRoleDefinitions/55555555-5555-5555-5555-555555555555"
  }
}
mock_resource "azurerm_eventgrid_system_topic" {
  defaults = {
    identity = { principal_id = "22222222-2222-2222-2222-222222222222", tenant_id = "33333333-3333-3333-3333-333333333333" }
    id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.EventGrid/systemTopics/evgt-bwv-test-storage"
  }
}
mock_resource "azurerm_virtual_network" {
  defaults = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Network/virtualNetworks/vnet-bwv-test"
  }
}
mock_resource "azurerm_subnet" {
  defaults = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Network/virtualNetworks/vnet-bwv-test/subnets/snet"
  }
}
mock_resource "azurerm_private_dns_zone" {
  defaults = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"
  }
}
mock_resource "azurerm_role_definition" {
  defaults = {
    role_definition_resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/66666666-6666-6666-6666-666666666666"
  }
}
mock_resource "azurerm_monitor_action_group" {
  defaults = {
    id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv-test/providers/Microsoft.Insights/actionGroups/ag-bwv-test"
  }
}
