# A sandbox: the same shapes as service-platform, smaller. Each
# terraform_data resource stands for the AWS resource in its comment.

terraform {
  required_version = ">= 1.5"
}

variable "vpc_cidr" {
  type = string
}

variable "with_database" {
  type = bool
}

variable "db_storage_gb" {
  type = number
}

variable "service_image" {
  type = string
}

locals {
  name = local.envbench.env
  tags = merge(local.envbench.default_tags, { owner = local.envbench.owner })
}

# aws_vpc
resource "terraform_data" "vpc" {
  input = {
    cidr_block = var.vpc_cidr
    tags       = merge(local.tags, { Name = local.name })
  }
}

# aws_subnet
resource "terraform_data" "subnet" {
  input = {
    vpc_id     = terraform_data.vpc.id
    cidr_block = cidrsubnet(var.vpc_cidr, 2, 0)
    tags       = local.tags
  }
}

# aws_db_instance
resource "terraform_data" "database" {
  count = var.with_database ? 1 : 0
  input = {
    identifier        = "${local.name}-db"
    engine            = "postgres"
    instance_class    = "db.t4g.micro"
    allocated_storage = var.db_storage_gb
    subnet_id         = terraform_data.subnet.id
    tags              = local.tags
  }

  provisioner "local-exec" {
    command = "sleep 1"
  }
}

# aws_ecs_service
resource "terraform_data" "service" {
  input = {
    name          = "${local.name}-app"
    image         = var.service_image
    desired_count = 1
    subnet_id     = terraform_data.subnet.id
    tags          = local.tags
  }
}

output "database_identifier" {
  value = var.with_database ? terraform_data.database[0].input.identifier : null
}
