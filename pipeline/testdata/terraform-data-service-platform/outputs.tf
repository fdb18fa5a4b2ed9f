output "database_host" {
  value = local.db_hostname
}

output "vpc_id" {
  value = terraform_data.vpc.id
}
