# Private network (docs/infra.md › Network).

variable "vnet_address_space" {
  type        = string
  description = "Address space of the estate's VNet (a /24 or larger): one subnet for the Function App's VNet integration, one for private endpoints. Must not overlap the force's networks it is peered with."
  default     = "10.60.0.0/24"
  nullable    = false

  validation {
    condition     = can(cidrhost(var.vnet_address_space, 0)) && tonumber(split("/", var.vnet_address_space)[1]) <= 24 && tonumber(split("/", var.vnet_address_space)[1]) >= 8
    error_message = "vnet_address_space must be an IPv4 CIDR between /8 and /24, e.g. \"10.60.0.0/24\"."
  }
}

# How docking stations reach the footage account.
#  - "private_endpoint" (default): through a private endpoint — the module's
#    own (station networks reach the VNet over the force's VPN/ExpressRoute and
#    resolve privatelink.blob.core.windows.net through it), or, with
#    subnet_id, a second one in the docks' own subnet. The public endpoint
#    answers no dock.
#  - "ip_allowlist": the docks' public egress addresses (ip_rules), exactly;
#    everything else is refused. Never 0.0.0.0/0.
variable "dock_access" {
  type = object({
    mode      = optional(string, "private_endpoint")
    subnet_id = optional(string)
    ip_rules  = optional(list(string), [])
  })
  description = "The docks' path to the footage account: mode \"private_endpoint\" (optional subnet_id: the docks' subnet for a second private endpoint) or \"ip_allowlist\" (ip_rules: public IPv4 addresses or CIDRs /16–/32 of the stations' egress)."
  default     = {}
  nullable    = false

  validation {
    condition     = contains(["private_endpoint", "ip_allowlist"], var.dock_access.mode)
    error_message = "dock_access.mode must be \"private_endpoint\" or \"ip_allowlist\"."
  }
  validation {
    condition     = var.dock_access.mode != "ip_allowlist" || length(var.dock_access.ip_rules) > 0
    error_message = "dock_access.mode = \"ip_allowlist\" needs ip_rules: the docks' public egress addresses (e.g. [\"203.0.113.0/28\"]). An empty allow-list would leave the docks no way in."
  }
  validation {
    condition     = var.dock_access.mode == "ip_allowlist" || length(var.dock_access.ip_rules) == 0
    error_message = "dock_access.ip_rules is set but mode is \"private_endpoint\": set mode = \"ip_allowlist\" to open the public endpoint to those addresses, or remove them."
  }
  validation {
    condition = alltrue([for r in var.dock_access.ip_rules :
      can(cidrhost(strcontains(r, "/") ? r : "${r}/32", 0)) && !strcontains(r, ":") &&
      tonumber(strcontains(r, "/") ? split("/", r)[1] : "16") >= 16 &&
      tonumber(strcontains(r, "/") ? split("/", r)[1] : "16") <= 30
    ])
    error_message = "dock_access.ip_rules: each entry must be an IPv4 address, or a CIDR from /16 to /30 (0.0.0.0/0 and other wide ranges would open footage to the internet; Storage takes single addresses without /31 or /32), e.g. \"203.0.113.10\" or \"203.0.113.0/28\"."
  }
  validation {
    condition = alltrue([for r in var.dock_access.ip_rules :
      !can(regex("^(10\\.|192\\.168\\.|172\\.(1[6-9]|2[0-9]|3[01])\\.|127\\.|0\\.)", r))
    ])
    error_message = "dock_access.ip_rules: private, loopback and 0.x addresses are not allowed (Storage IP rules match public addresses only); docks on a private network use mode = \"private_endpoint\"."
  }
  validation {
    condition     = var.dock_access.subnet_id == null || can(regex("^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.Network/virtualNetworks/[^/]+/subnets/[^/]+$", coalesce(var.dock_access.subnet_id, "x")))
    error_message = "dock_access.subnet_id must be a subnet resource ID (/subscriptions/…/resourceGroups/…/providers/Microsoft.Network/virtualNetworks/…/subnets/…)."
  }
  validation {
    condition     = var.dock_access.mode == "private_endpoint" || var.dock_access.subnet_id == null
    error_message = "dock_access.subnet_id is for mode = \"private_endpoint\" only."
  }
}

locals {
  dock_ip_rules = var.dock_access.mode == "ip_allowlist" ? var.dock_access.ip_rules : []
}
