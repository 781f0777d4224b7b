# One INGRESS allow google_compute_firewall per approved path entry.

locals {
  entries = { for p in var.approved_paths : p.id => p }
}

resource "google_compute_firewall" "approved" {
  for_each = local.entries

  name        = substr(trim(replace(lower("${var.name_prefix}${each.key}"), "/[^-a-z0-9]/", "-"), "-"), 0, 63)
  project     = var.project
  network     = var.network
  direction   = "INGRESS"
  priority    = var.priority
  description = substr("${each.value.path}: ${each.value.description} (${each.value.change}, until ${each.value.expires})", 0, 2048)

  allow {
    protocol = contains(["-1", "all"], lower(each.value.protocol)) ? "all" : lower(each.value.protocol)
    ports = (contains(["tcp", "udp", "sctp"], lower(each.value.protocol)) && each.value.from_port >= 0 ?
      [each.value.from_port == each.value.to_port ? tostring(each.value.from_port) :
    "${each.value.from_port}-${each.value.to_port}"] : [])
  }

  source_ranges           = length(each.value.source_cidrs) > 0 ? each.value.source_cidrs : null
  source_tags             = length(each.value.source_tags) > 0 ? each.value.source_tags : null
  source_service_accounts = length(each.value.source_service_accounts) > 0 ? each.value.source_service_accounts : null
  target_tags             = length(each.value.target_tags) > 0 ? each.value.target_tags : null
  target_service_accounts = length(each.value.target_service_accounts) > 0 ? each.value.target_service_accounts : null
  destination_ranges      = length(each.value.destination_cidrs) > 0 ? each.value.destination_cidrs : null
}
