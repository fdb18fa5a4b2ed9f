variable "vpc_cidr" {
  type = string
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

variable "service_image" {
  type = string
}

variable "allowed_cidrs" {
  type = list(string)
}

variable "extra_tags" {
  type = map(string)
}
