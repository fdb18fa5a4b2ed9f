locals {
  service_port = 8080
  task_sizes = {
    small  = { cpu = 256, memory = 512 }
    medium = { cpu = 512, memory = 1024 }
    large  = { cpu = 1024, memory = 2048 }
    xlarge = { cpu = 2048, memory = 4096 }
  }
}

resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "orders" {
  name              = "/ecs/${local.name}/orders"
  retention_in_days = local.envbench.protected ? 90 : 14
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.envbench.account_id]
    }
  }
}

# The role ECS uses to start tasks: pull the image, write the logs.
resource "aws_iam_role" "execution" {
  name               = "${local.name}-orders-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

# The role the orders service runs as.
resource "aws_iam_role" "task" {
  name               = "${local.name}-orders-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "ReadDatabaseCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_db_instance.orders.master_user_secret[0].secret_arn]
  }

  statement {
    sid       = "DecryptDatabaseCredentials"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.database.arn]
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "orders-database-credentials"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

resource "aws_ecs_task_definition" "orders" {
  family                   = "${local.name}-orders"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = local.task_sizes[var.service_size].cpu
  memory                   = local.task_sizes[var.service_size].memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  container_definitions = jsonencode([
    {
      name      = "orders"
      image     = var.service_image
      essential = true
      portMappings = [
        { containerPort = local.service_port, protocol = "tcp" },
      ]
      # The service reads the credentials from the secret each time it
      # connects, not once at start: RDS rotates them.
      environment = [
        { name = "DATABASE_HOST", value = local.db_hostname },
        { name = "DATABASE_NAME", value = aws_db_instance.orders.db_name },
        { name = "DATABASE_PORT", value = tostring(aws_db_instance.orders.port) },
        { name = "DATABASE_SECRET_ARN", value = aws_db_instance.orders.master_user_secret[0].secret_arn },
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.orders.name
          awslogs-region        = local.envbench.region
          awslogs-stream-prefix = "orders"
        }
      }
    },
  ])
}

resource "aws_ecs_service" "orders" {
  name            = "orders"
  cluster         = aws_ecs_cluster.this.id
  task_definition = aws_ecs_task_definition.orders.arn
  desired_count   = var.service_desired_count
  launch_type     = "FARGATE"
  propagate_tags  = "SERVICE"

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.service.id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # Tasks that start before their roles' policies and the NAT routes exist
  # fail, and the circuit breaker would roll the first deployment back.
  depends_on = [
    aws_iam_role_policy_attachment.execution,
    aws_iam_role_policy.task,
    aws_route_table_association.private,
  ]
}
