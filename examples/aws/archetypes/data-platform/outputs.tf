output "vpc_id" {
  value = aws_vpc.this.id
}

output "lake_bucket" {
  value = aws_s3_bucket.lake.id
}

output "lake_kms_key_arn" {
  description = "Writers to the lake need kms:GenerateDataKey on this key."
  value       = aws_kms_key.lake.arn
}

output "glue_database" {
  value = aws_glue_catalog_database.lake.name
}

output "warehouse_endpoint" {
  value = aws_redshiftserverless_workgroup.warehouse.endpoint[0].address
}

output "warehouse_port" {
  value = aws_redshiftserverless_workgroup.warehouse.endpoint[0].port
}

output "warehouse_admin_secret_arn" {
  description = "The Secrets Manager secret holding the admin credentials."
  value       = aws_redshiftserverless_namespace.warehouse.admin_password_secret_arn
}

output "warehouse_role_arn" {
  value = aws_iam_role.warehouse.arn
}
