# One aws_vpc_security_group_ingress_rule per approved path x destination group x source.
# Keys are stable (entry id / group / source), so a change to one path never re-creates the
# rules of another.

locals {
  rules = merge([
    for p in var.approved_paths : merge(
      { for pair in setproduct(p.security_group_ids, p.source_cidrs) :
        "${p.id}/${pair[0]}/${pair[1]}" => {
          entry = p, security_group_id = pair[0], cidr = pair[1], group = null
          v6 = length(regexall(":", pair[1])) > 0
      } },
      { for pair in setproduct(p.security_group_ids, p.source_security_group_ids) :
        "${p.id}/${pair[0]}/${pair[1]}" => {
          entry = p, security_group_id = pair[0], cidr = null, group = pair[1], v6 = false
      } },
    )
  ]...)
}

resource "aws_vpc_security_group_ingress_rule" "approved" {
  for_each = local.rules

  security_group_id            = each.value.security_group_id
  cidr_ipv4                    = each.value.cidr != null && !each.value.v6 ? each.value.cidr : null
  cidr_ipv6                    = each.value.v6 ? each.value.cidr : null
  referenced_security_group_id = each.value.group
  ip_protocol                  = each.value.entry.protocol
  from_port                    = each.value.entry.protocol == "-1" ? null : each.value.entry.from_port
  to_port                      = each.value.entry.protocol == "-1" ? null : each.value.entry.to_port
  description                  = substr(each.value.entry.description, 0, 255)

  tags = merge(var.tags, {
    PathwardenPath = each.value.entry.path
    Change         = each.value.entry.change
    Expires        = each.value.entry.expires
  })
}
