output "app_settings" {
  description = "App settings of the Function App."
  value       = module.bwv.app_settings
}

output "function_app_name" {
  description = "Zip-deploy target."
  value       = module.bwv.function_app_name
}

output "authentication_enabled" {
  description = "App Service Authentication (Entra ID) is on."
  value       = module.bwv.authentication_enabled
}

output "entra_token_audience" {
  description = "Request access tokens for <this>/.default."
  value       = module.bwv.entra_token_audience
}
