output "firewall_names" {
  description = "Firewall rule name per entry id."
  value       = { for k, r in google_compute_firewall.approved : k => r.name }
}

output "firewall_ids" {
  description = "Firewall rule id per entry id."
  value       = { for k, r in google_compute_firewall.approved : k => r.id }
}
