resource "aws_ecs_cluster" "this" {
  name = local.name
}

# The orders service on Fargate. The simulated account keeps no task
# definitions: the service names its family, and the image it runs is on
# its tags.
resource "aws_ecs_service" "orders" {
  name            = "orders"
  cluster         = aws_ecs_cluster.this.id
  task_definition = "${local.name}-orders"
  desired_count   = var.service_desired_count
  launch_type     = "FARGATE"
  propagate_tags  = "SERVICE"

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.service.id]
    assign_public_ip = false
  }

  tags = {
    Image        = var.service_image
    DatabaseHost = local.db_hostname
  }
}
