output "rule_ids" {
  description = "Security group rule id (sgr-...) per rule key (entry id/group/source)."
  value       = { for k, r in aws_vpc_security_group_ingress_rule.approved : k => r.security_group_rule_id }
}

output "rules" {
  description = "What each rule opens, keyed like rule_ids."
  value = { for k, v in local.rules : k => {
    path              = v.entry.path
    security_group_id = v.security_group_id
    source            = coalesce(v.cidr, v.group)
    protocol          = v.entry.protocol
    from_port         = v.entry.from_port
    to_port           = v.entry.to_port
  } }
}

output "paths" {
  description = "The policy path ids this module manages rules for."
  value       = distinct([for p in var.approved_paths : p.path])
}
