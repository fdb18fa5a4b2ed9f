# A sandbox: the same shapes as service-platform, smaller, on the simulated
# AWS account that the envbench binary serves as a provider.

terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "envbench.local/envbench/aws"
    }
  }
}

provider "aws" {
  region              = local.envbench.region
  allowed_account_ids = [local.envbench.account_id]

  dynamic "assume_role" {
    for_each = local.envbench.role_arn == null ? [] : [local.envbench.role_arn]
    content {
      role_arn     = assume_role.value
      session_name = local.envbench.session_name
    }
  }

  default_tags {
    tags = merge({ owner = local.envbench.owner }, local.envbench.default_tags)
  }
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
}

resource "aws_vpc" "this" {
  cidr_block = var.vpc_cidr
  tags = {
    Name = local.name
  }
}

# Two subnets: an RDS subnet group spans two availability zones.
resource "aws_subnet" "this" {
  count             = 2
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.vpc_cidr, 2, count.index)
  availability_zone = "${local.envbench.region}${["a", "b"][count.index]}"
}

resource "aws_security_group" "app" {
  name        = "${local.name}-app"
  description = "Sandbox tasks and database"
  vpc_id      = aws_vpc.this.id
}

resource "aws_db_subnet_group" "this" {
  count      = var.with_database ? 1 : 0
  name       = local.name
  subnet_ids = aws_subnet.this[*].id
}

resource "aws_db_instance" "database" {
  count                       = var.with_database ? 1 : 0
  identifier                  = "${local.name}-db"
  engine                      = "postgres"
  instance_class              = "db.t4g.micro"
  allocated_storage           = var.db_storage_gb
  storage_encrypted           = true
  username                    = "sandbox_admin"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.this[0].name
  vpc_security_group_ids      = [aws_security_group.app.id]
  skip_final_snapshot         = true
}

resource "aws_ecs_cluster" "this" {
  name = local.name
}

resource "aws_ecs_service" "app" {
  name            = "${local.name}-app"
  cluster         = aws_ecs_cluster.this.id
  task_definition = "${local.name}-app"
  desired_count   = 1
  launch_type     = "FARGATE"

  network_configuration {
    subnets         = aws_subnet.this[*].id
    security_groups = [aws_security_group.app.id]
  }

  tags = {
    Image = var.service_image
  }
}

output "database_identifier" {
  value = var.with_database ? aws_db_instance.database[0].identifier : null
}
