resource "aws_route53_zone" "private" {
  name    = var.private_zone
  comment = "${local.name}: private names of the service platform"

  vpc {
    vpc_id = aws_vpc.this.id
  }
}

# The name the orders service connects to, so that a restored copy of the
# database can take over without redeploying the service.
resource "aws_route53_record" "database" {
  zone_id = aws_route53_zone.private.zone_id
  name    = local.db_hostname
  type    = "CNAME"
  ttl     = 60
  records = [aws_db_instance.orders.address]

  # envbench's data sync repoints the record at each restored copy; a plan
  # must not point it back.
  lifecycle {
    ignore_changes = [records]
  }
}
