output "vpc_id" {
  value = aws_vpc.this.id
}

output "database_identifier" {
  value = aws_db_instance.orders.identifier
}

output "database_endpoint" {
  description = "The instance's own address and port; services use database_host."
  value       = aws_db_instance.orders.endpoint
}

output "database_host" {
  description = "The private DNS name of the database."
  value       = local.db_hostname
}

output "cluster_name" {
  value = aws_ecs_cluster.this.name
}

output "service_name" {
  value = aws_ecs_service.orders.name
}
