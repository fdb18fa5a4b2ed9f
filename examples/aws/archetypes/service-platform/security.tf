resource "aws_security_group" "service" {
  name        = "${local.name}-orders-service"
  description = "Orders service tasks"
  vpc_id      = aws_vpc.this.id

  tags = {
    Name = "${local.name}-orders-service"
  }
}

resource "aws_vpc_security_group_ingress_rule" "service_allowed" {
  for_each = toset(var.allowed_cidrs)

  security_group_id = aws_security_group.service.id
  description       = "Office and VPN ranges"
  ip_protocol       = "tcp"
  from_port         = local.service_port
  to_port           = local.service_port
  cidr_ipv4         = strcontains(each.value, ":") ? null : each.value
  cidr_ipv6         = strcontains(each.value, ":") ? each.value : null
}

# Tasks pull their image from a public registry and call AWS APIs.
resource "aws_vpc_security_group_egress_rule" "service_all" {
  security_group_id = aws_security_group.service.id
  description       = "Any destination"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group" "database" {
  name        = "${local.name}-orders-db"
  description = "Orders database: PostgreSQL from the orders service only"
  vpc_id      = aws_vpc.this.id

  tags = {
    Name = "${local.name}-orders-db"
  }
}

resource "aws_vpc_security_group_ingress_rule" "database_from_service" {
  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL from the orders service"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.service.id
}
