variable "approved_paths" {
  description = "Approved allow paths as `pathwarden tf export-approved --cloud gcp` writes them."
  type = list(object({
    id                      = string
    path                    = string
    description             = optional(string, "")
    protocol                = string
    from_port               = number
    to_port                 = number
    source_cidrs            = optional(list(string), [])
    source_tags             = optional(list(string), [])
    source_service_accounts = optional(list(string), [])
    target_tags             = optional(list(string), [])
    target_service_accounts = optional(list(string), [])
    destination_cidrs       = optional(list(string), [])
    owner                   = optional(string, "")
    change                  = optional(string, "")
    approved_by             = optional(string, "")
    expires                 = optional(string, "")
  }))
  default = []

  validation {
    condition     = length(distinct([for p in var.approved_paths : p.id])) == length(var.approved_paths)
    error_message = "Every approved path entry needs a unique id."
  }
  validation {
    condition = alltrue([for p in var.approved_paths :
    contains(["tcp", "udp", "icmp", "sctp", "esp", "ah", "ipip", "all", "-1"], lower(p.protocol)) || can(regex("^[0-9]{1,3}$", p.protocol))])
    error_message = "protocol must be a GCP protocol name, all/-1 or a protocol number."
  }
  validation {
    condition = alltrue([for p in var.approved_paths :
    p.from_port >= -1 && p.to_port <= 65535 && p.from_port <= p.to_port])
    error_message = "Ports must satisfy -1 <= from_port <= to_port <= 65535."
  }
  validation {
    condition = alltrue([for p in var.approved_paths :
    length(p.source_cidrs) + length(p.source_tags) + length(p.source_service_accounts) > 0])
    error_message = "Every approved path needs a source: CIDRs, network tags or service accounts."
  }
  validation {
    condition = alltrue([for p in var.approved_paths :
      !(length(p.source_service_accounts) > 0 && (length(p.source_tags) > 0 || length(p.target_tags) > 0)) &&
    !(length(p.target_service_accounts) > 0 && (length(p.source_tags) > 0 || length(p.target_tags) > 0))])
    error_message = "GCP firewall rules cannot mix service accounts with network tags."
  }
  validation {
    condition = alltrue(flatten([for p in var.approved_paths :
    [for c in p.source_cidrs : can(cidrhost(c, 0))]]))
    error_message = "source_cidrs must be CIDR blocks."
  }
}

variable "network" {
  description = "VPC network (name or self link) the firewall rules belong to."
  type        = string
}

variable "project" {
  description = "Project id (default: the provider's)."
  type        = string
  default     = null
}

variable "priority" {
  description = "Priority of every rule (lower wins; at equal priority deny beats allow)."
  type        = number
  default     = 1000

  validation {
    condition     = var.priority >= 0 && var.priority <= 65535
    error_message = "Firewall priorities are 0-65535."
  }
}

variable "name_prefix" {
  description = "Prefix of the rule names."
  type        = string
  default     = "pw-"

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{0,20}$", var.name_prefix))
    error_message = "name_prefix must start with a letter: lowercase letters, digits and dashes."
  }
}
