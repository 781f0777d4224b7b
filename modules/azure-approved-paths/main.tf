# One inbound Allow azurerm_network_security_rule per approved path entry. Priorities are
# assigned in entry-id order from priority_base, so they are stable while the list is.

locals {
  ids     = sort([for p in var.approved_paths : p.id])
  entries = { for p in var.approved_paths : p.id => p }
  protocols = {
    tcp = "Tcp", udp = "Udp", icmp = "Icmp", "-1" = "*", all = "*"
  }
}

resource "azurerm_network_security_rule" "approved" {
  for_each = local.entries

  name                        = substr(replace(each.key, "/[^A-Za-z0-9_.-]/", "-"), 0, 80)
  resource_group_name         = var.resource_group_name
  network_security_group_name = var.network_security_group_name
  priority                    = var.priority_base + index(local.ids, each.key)
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = local.protocols[lower(each.value.protocol)]
  source_port_range           = "*"
  destination_port_range = (each.value.from_port < 0 || lower(each.value.protocol) == "icmp" ? "*" :
    each.value.from_port == each.value.to_port ? tostring(each.value.from_port) :
  "${each.value.from_port}-${each.value.to_port}")
  source_address_prefixes                    = length(each.value.source_cidrs) > 0 ? each.value.source_cidrs : null
  source_application_security_group_ids      = length(each.value.source_asg_ids) > 0 ? each.value.source_asg_ids : null
  destination_address_prefixes               = length(each.value.destination_cidrs) > 0 ? each.value.destination_cidrs : null
  destination_application_security_group_ids = length(each.value.destination_asg_ids) > 0 ? each.value.destination_asg_ids : null
  description                                = substr("${each.value.path}: ${each.value.description} (${each.value.change}, until ${each.value.expires})", 0, 140)
}
