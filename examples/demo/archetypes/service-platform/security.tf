# The simulated account keeps security groups but not their rules; the
# ranges allowed to reach the service are recorded on the group.
resource "aws_security_group" "service" {
  name        = "${local.name}-orders-service"
  description = "Orders service tasks"
  vpc_id      = aws_vpc.this.id

  tags = {
    Name         = "${local.name}-orders-service"
    AllowedCIDRs = join(" ", var.allowed_cidrs)
  }
}

resource "aws_security_group" "database" {
  name        = "${local.name}-orders-db"
  description = "Orders database: PostgreSQL from the orders service only"
  vpc_id      = aws_vpc.this.id

  tags = {
    Name = "${local.name}-orders-db"
  }
}
