variable "approved_paths" {
  description = <<-EOT
    The approved allow paths, as `pathwarden tf export-approved --policy P --cloud aws` writes
    them (one entry per path and protocol/port range). Each entry opens its ports on every
    security group in security_group_ids, from every source CIDR and source security group.
  EOT
  type = list(object({
    id                        = string
    path                      = string
    description               = optional(string, "")
    protocol                  = string
    from_port                 = number
    to_port                   = number
    security_group_ids        = list(string)
    source_cidrs              = optional(list(string), [])
    source_security_group_ids = optional(list(string), [])
    destination_cidrs         = optional(list(string), [])
    owner                     = optional(string, "")
    change                    = optional(string, "")
    approved_by               = optional(string, "")
    expires                   = optional(string, "")
  }))
  default = []

  validation {
    condition     = length(distinct([for p in var.approved_paths : p.id])) == length(var.approved_paths)
    error_message = "Every approved path entry needs a unique id."
  }
  validation {
    condition = alltrue([for p in var.approved_paths :
    contains(["tcp", "udp", "icmp", "icmpv6", "-1"], p.protocol) || can(regex("^[0-9]{1,3}$", p.protocol))])
    error_message = "protocol must be tcp, udp, icmp, icmpv6, -1 (all) or a protocol number."
  }
  validation {
    condition = alltrue([for p in var.approved_paths :
    p.from_port >= -1 && p.to_port <= 65535 && p.from_port <= p.to_port])
    error_message = "Ports must satisfy -1 <= from_port <= to_port <= 65535."
  }
  validation {
    condition = alltrue([for p in var.approved_paths :
    length(p.source_cidrs) + length(p.source_security_group_ids) > 0])
    error_message = "Every approved path needs at least one source CIDR or source security group."
  }
  validation {
    condition = alltrue([for p in var.approved_paths :
    length(p.security_group_ids) > 0 && alltrue([for g in p.security_group_ids : can(regex("^sg-[0-9a-z]+$", g))])])
    error_message = "security_group_ids must name at least one security group id (sg-...)."
  }
  validation {
    condition = alltrue(flatten([for p in var.approved_paths :
    [for c in p.source_cidrs : can(cidrhost(c, 0))]]))
    error_message = "source_cidrs must be CIDR blocks such as 10.20.1.0/24."
  }
  validation {
    condition = alltrue([for p in var.approved_paths :
    p.expires == "" || can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", p.expires))])
    error_message = "expires must be a date YYYY-MM-DD (or empty)."
  }
}

variable "tags" {
  description = "Tags added to every rule (the module adds PathwardenPath, Change and Expires)."
  type        = map(string)
  default     = {}
}
