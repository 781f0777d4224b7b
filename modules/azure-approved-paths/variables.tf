variable "approved_paths" {
  description = "Approved allow paths as `pathwarden tf export-approved --cloud azure` writes them."
  type = list(object({
    id                  = string
    path                = string
    description         = optional(string, "")
    protocol            = string
    from_port           = number
    to_port             = number
    source_cidrs        = optional(list(string), [])
    source_asg_ids      = optional(list(string), [])
    destination_cidrs   = optional(list(string), [])
    destination_asg_ids = optional(list(string), [])
    owner               = optional(string, "")
    change              = optional(string, "")
    approved_by         = optional(string, "")
    expires             = optional(string, "")
  }))
  default = []

  validation {
    condition     = length(distinct([for p in var.approved_paths : p.id])) == length(var.approved_paths)
    error_message = "Every approved path entry needs a unique id."
  }
  validation {
    condition = alltrue([for p in var.approved_paths :
    contains(["tcp", "udp", "icmp", "-1", "all"], lower(p.protocol))])
    error_message = "protocol must be tcp, udp, icmp or -1/all (NSG rules support no other protocols)."
  }
  validation {
    condition = alltrue([for p in var.approved_paths :
    p.from_port >= -1 && p.to_port <= 65535 && p.from_port <= p.to_port])
    error_message = "Ports must satisfy -1 <= from_port <= to_port <= 65535."
  }
  validation {
    condition = alltrue([for p in var.approved_paths :
      (length(p.source_cidrs) > 0) != (length(p.source_asg_ids) > 0) &&
    (length(p.destination_cidrs) > 0) != (length(p.destination_asg_ids) > 0)])
    error_message = "Each side needs CIDRs or ASGs, not both (one NSG rule takes one kind per side)."
  }
  validation {
    condition = alltrue(flatten([for p in var.approved_paths :
    [for c in concat(p.source_cidrs, p.destination_cidrs) : can(cidrhost(c, 0))]]))
    error_message = "source_cidrs and destination_cidrs must be CIDR blocks."
  }
}

variable "resource_group_name" {
  description = "Resource group of the network security group."
  type        = string
}

variable "network_security_group_name" {
  description = "The NSG the rules go into."
  type        = string
}

variable "priority_base" {
  description = "Priority of the first rule; the others follow in entry-id order."
  type        = number
  default     = 1000

  validation {
    condition     = var.priority_base >= 100 && var.priority_base <= 4096
    error_message = "NSG rule priorities are 100-4096."
  }
}
