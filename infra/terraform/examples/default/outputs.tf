output "app_settings" {
  description = "App settings of the Function App."
  value       = module.bwv.app_settings
}

output "function_app_name" {
  description = "Zip-deploy target."
  value       = module.bwv.function_app_name
}
