locals {
  db_hostname = "orders-db.${var.private_zone}"
  # A major version alone ("16") lets RDS pick and apply minor versions; a
  # full one ("16.4") is pinned.
  db_minor_upgrades = length(split(".", var.db_engine_version)) == 1
}

# One customer-managed key for the storage, the snapshots and the master
# password secret: snapshots under the AWS-managed key cannot be shared.
resource "aws_kms_key" "database" {
  description             = "${local.name}: orders database"
  enable_key_rotation     = true
  deletion_window_in_days = local.envbench.protected ? 30 : 7
}

resource "aws_kms_alias" "database" {
  name          = "alias/${local.name}-orders-db"
  target_key_id = aws_kms_key.database.key_id
}

resource "aws_db_subnet_group" "orders" {
  name       = "${local.name}-orders"
  subnet_ids = aws_subnet.private[*].id
}

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
  # RDS generates the password and keeps it in Secrets Manager, rotated: it
  # is never in Terraform state or in tfvars.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.database.arn

  db_subnet_group_name   = aws_db_subnet_group.orders.name
  vpc_security_group_ids = [aws_security_group.database.id]
  publicly_accessible    = false

  auto_minor_version_upgrade  = local.db_minor_upgrades
  allow_major_version_upgrade = true
  # Production changes wait for the maintenance window; elsewhere a reviewed
  # plan takes effect when it is applied.
  apply_immediately = !local.envbench.protected

  backup_retention_period = local.envbench.protected ? 14 : 1
  copy_tags_to_snapshot   = true
  deletion_protection     = local.envbench.protected
  # Teardown leaves nothing behind, except production's last snapshot.
  skip_final_snapshot       = !local.envbench.protected
  final_snapshot_identifier = local.envbench.protected ? "${local.name}-orders-final" : null
}
