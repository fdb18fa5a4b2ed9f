# Values come from envbench (envbench.auto.tfvars.json), described and checked
# against archetype.yaml; the validations here cover what it cannot express.

variable "vpc_cidr" {
  type = string

  validation {
    condition     = try(cidrnetmask(var.vpc_cidr) != "" && contains(range(16, 25), tonumber(split("/", var.vpc_cidr)[1])), false)
    error_message = "vpc_cidr must be an IPv4 range from /16 to /24: AWS allows no larger VPC, and a smaller one leaves public subnets under the /28 minimum."
  }
}

variable "az_count" {
  type = number
}

variable "nat_per_az" {
  type = bool
}

variable "private_zone" {
  type = string
}

variable "db_instance_class" {
  type = string
}

variable "db_storage_gb" {
  type = number
}

variable "db_engine_version" {
  type = string
}

variable "db_multi_az" {
  type = bool
}

variable "service_desired_count" {
  type = number
}

variable "service_size" {
  type = string
}

variable "service_image" {
  type = string
}

variable "allowed_cidrs" {
  type = list(string)
}

variable "extra_tags" {
  type = map(string)
}
