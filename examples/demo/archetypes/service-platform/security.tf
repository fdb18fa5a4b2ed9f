# Rules inline, as the simulated provider takes them: its account keeps
# each group's ingress and egress, so a port opened by hand shows as drift
# and the next apply closes it. Egress is left to AWS's default, all
# traffic out. (examples/aws writes the same rules as separate
# aws_vpc_security_group_*_rule resources.)
resource "aws_security_group" "service" {
  name        = "${local.name}-orders-service"
  description = "Orders service tasks"
  vpc_id      = aws_vpc.this.id

  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = var.allowed_cidrs
  }

  tags = {
    Name = "${local.name}-orders-service"
  }
}

# PostgreSQL from inside the VPC: the simulated account's rules name
# address ranges, not other groups.
resource "aws_security_group" "database" {
  name        = "${local.name}-orders-db"
  description = "Orders database: PostgreSQL from the orders service only"
  vpc_id      = aws_vpc.this.id

  ingress {
    protocol    = "tcp"
    from_port   = 5432
    to_port     = 5432
    cidr_blocks = [var.vpc_cidr]
  }

  tags = {
    Name = "${local.name}-orders-db"
  }
}
