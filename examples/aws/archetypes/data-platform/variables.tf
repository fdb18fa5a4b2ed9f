# Values come from envbench (envbench.auto.tfvars.json), described and checked
# against archetype.yaml; the validations here cover what it cannot express.

variable "vpc_cidr" {
  type = string

  validation {
    condition     = try(cidrnetmask(var.vpc_cidr) != "" && contains(range(16, 25), tonumber(split("/", var.vpc_cidr)[1])), false)
    error_message = "vpc_cidr must be an IPv4 range from /16 to /24: AWS allows no larger VPC, and a smaller one leaves the warehouse too few addresses."
  }
}

variable "warehouse_base_rpu" {
  type = number

  validation {
    condition     = var.warehouse_base_rpu % 8 == 0
    error_message = "warehouse_base_rpu must be a multiple of 8."
  }
}

variable "warehouse_max_rpu" {
  type = number

  validation {
    condition     = var.warehouse_max_rpu % 8 == 0
    error_message = "warehouse_max_rpu must be a multiple of 8."
  }
}

variable "lake_noncurrent_version_days" {
  type = number
}

variable "allowed_cidrs" {
  type = list(string)
}

variable "extra_tags" {
  type = map(string)
}
