# Each terraform_data resource stands for the AWS resource named in its
# comment, with the attributes that matter for review. Replacing one is what
# replacing the real resource would be: envbench.yaml's risk rules treat the
# database and the DNS zone as stateful.

locals {
  name        = local.envbench.env
  tags        = merge(var.extra_tags, local.envbench.default_tags)
  major       = split(".", var.db_engine_version)[0]
  db_hostname = "orders-db.${var.private_zone}"
}

# aws_vpc
resource "terraform_data" "vpc" {
  input = {
    cidr_block           = var.vpc_cidr
    enable_dns_hostnames = true
    region               = local.envbench.region
    tags                 = merge(local.tags, { Name = local.name })
  }
}

# aws_subnet, one private subnet per availability zone
resource "terraform_data" "private_subnet" {
  count = 2
  input = {
    vpc_id            = terraform_data.vpc.id
    cidr_block        = cidrsubnet(var.vpc_cidr, 4, count.index)
    availability_zone = "${local.envbench.region}${["a", "b"][count.index]}"
    tags              = merge(local.tags, { Name = "${local.name}-private-${count.index}" })
  }
}

# aws_security_group for the database: the service and the allowed ranges
resource "terraform_data" "db_security_group" {
  input = {
    vpc_id        = terraform_data.vpc.id
    ingress_port  = 5432
    ingress_cidrs = concat([var.vpc_cidr], var.allowed_cidrs)
    tags          = local.tags
  }
}

# aws_db_instance: PostgreSQL; a new major version means a new instance
resource "terraform_data" "database" {
  triggers_replace = [local.major]
  input = {
    identifier          = "${local.name}-orders"
    engine              = "postgres"
    engine_version      = var.db_engine_version
    instance_class      = var.db_instance_class
    allocated_storage   = var.db_storage_gb
    multi_az            = var.db_multi_az
    subnet_ids          = terraform_data.private_subnet[*].id
    security_group      = terraform_data.db_security_group.id
    storage_encrypted   = true
    deletion_protection = local.envbench.protected
    tags                = local.tags
  }

  provisioner "local-exec" {
    command = "sleep 2"
  }
}

# aws_route53_zone, private, attached to the VPC
resource "terraform_data" "private_zone" {
  input = {
    name   = var.private_zone
    vpc_id = terraform_data.vpc.id
    tags   = local.tags
  }
}

# aws_route53_record: the name the services use for the database
resource "terraform_data" "db_record" {
  input = {
    zone_id = terraform_data.private_zone.id
    name    = local.db_hostname
    type    = "CNAME"
    ttl     = 60
    records = ["${terraform_data.database.id}.${local.envbench.region}.rds.amazonaws.com"]
  }
}

# aws_ecs_service: the orders service
resource "terraform_data" "orders_service" {
  input = {
    name          = "orders"
    image         = var.service_image
    desired_count = var.service_desired_count
    subnet_ids    = terraform_data.private_subnet[*].id
    database_host = local.db_hostname
    tags          = local.tags
  }

  provisioner "local-exec" {
    command = "sleep 1"
  }
}
