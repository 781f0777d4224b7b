output "rule_ids" {
  description = "NSG rule resource id per entry id."
  value       = { for k, r in azurerm_network_security_rule.approved : k => r.id }
}

output "priorities" {
  description = "Priority assigned to each entry id."
  value       = { for k in local.ids : k => var.priority_base + index(local.ids, k) }
}
