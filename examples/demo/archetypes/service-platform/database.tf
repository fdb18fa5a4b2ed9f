locals {
  db_hostname = "orders-db.${var.private_zone}"
}

# One customer-managed key for the storage and the snapshots: snapshots
# under the AWS-managed key cannot be shared.
resource "aws_kms_key" "database" {
  description             = "${local.name}: orders database"
  enable_key_rotation     = true
  deletion_window_in_days = local.envbench.protected ? 30 : 7
}

resource "aws_db_subnet_group" "orders" {
  name       = "${local.name}-orders"
  subnet_ids = aws_subnet.private[*].id
}

# PostgreSQL. The simulated RDS upgrades no engine in place: a new major
# version replaces the instance, which the risk review flags.
resource "aws_db_instance" "orders" {
  identifier     = "${local.name}-orders"
  engine         = "postgres"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class
  multi_az       = var.db_multi_az

  allocated_storage = var.db_storage_gb
  storage_type      = "gp3"
  storage_encrypted = true
  kms_key_id        = aws_kms_key.database.arn

  db_name  = "orders"
  username = "orders_admin"
  # RDS generates the password: it is never in Terraform state or tfvars.
  manage_master_user_password = true

  db_subnet_group_name   = aws_db_subnet_group.orders.name
  vpc_security_group_ids = [aws_security_group.database.id]
  publicly_accessible    = false

  apply_immediately   = !local.envbench.protected
  deletion_protection = local.envbench.protected
  # Teardown leaves nothing behind, except production's last snapshot.
  skip_final_snapshot       = !local.envbench.protected
  final_snapshot_identifier = local.envbench.protected ? "${local.name}-orders-final" : null
}
