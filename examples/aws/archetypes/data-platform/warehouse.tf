resource "aws_kms_key" "warehouse" {
  description             = "${local.name}: warehouse data and admin password secret"
  enable_key_rotation     = true
  deletion_window_in_days = local.envbench.protected ? 30 : 7
}

resource "aws_kms_alias" "warehouse" {
  name          = "alias/${local.name}-warehouse"
  target_key_id = aws_kms_key.warehouse.key_id
}

data "aws_iam_policy_document" "warehouse_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.envbench.account_id]
    }
  }
}

# The role the warehouse uses for COPY, UNLOAD and external tables: it reads
# the lake and its Glue catalog, nothing else.
resource "aws_iam_role" "warehouse" {
  name               = "${local.name}-warehouse"
  assume_role_policy = data.aws_iam_policy_document.warehouse_assume.json
}

data "aws_iam_policy_document" "warehouse" {
  statement {
    sid       = "ListLake"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.lake.arn]
  }

  statement {
    sid       = "ReadLake"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.lake.arn}/*"]
  }

  statement {
    sid       = "DecryptLake"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.lake.arn]
  }

  statement {
    sid = "ReadCatalog"
    actions = [
      "glue:GetDatabase",
      "glue:GetDatabases",
      "glue:GetTable",
      "glue:GetTables",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
    ]
    resources = [
      "arn:${data.aws_partition.current.partition}:glue:${local.envbench.region}:${local.envbench.account_id}:catalog",
      aws_glue_catalog_database.lake.arn,
      "arn:${data.aws_partition.current.partition}:glue:${local.envbench.region}:${local.envbench.account_id}:table/${aws_glue_catalog_database.lake.name}/*",
    ]
  }
}

resource "aws_iam_role_policy" "warehouse" {
  name   = "read-lake"
  role   = aws_iam_role.warehouse.id
  policy = data.aws_iam_policy_document.warehouse.json
}

resource "aws_security_group" "warehouse" {
  name        = "${local.name}-warehouse"
  description = "Redshift Serverless warehouse"
  vpc_id      = aws_vpc.this.id

  tags = {
    Name = "${local.name}-warehouse"
  }
}

resource "aws_vpc_security_group_ingress_rule" "warehouse_allowed" {
  for_each = toset(var.allowed_cidrs)

  security_group_id = aws_security_group.warehouse.id
  description       = "Office and VPN ranges"
  ip_protocol       = "tcp"
  from_port         = 5439
  to_port           = 5439
  cidr_ipv4         = strcontains(each.value, ":") ? null : each.value
  cidr_ipv6         = strcontains(each.value, ":") ? each.value : null
}

# With enhanced VPC routing, COPY and UNLOAD traffic leaves through the
# workgroup's network interfaces: allow it to S3 and nowhere else.
resource "aws_vpc_security_group_egress_rule" "warehouse_s3" {
  security_group_id = aws_security_group.warehouse.id
  description       = "S3 through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
}

resource "aws_redshiftserverless_namespace" "warehouse" {
  namespace_name = "${local.name}-warehouse"
  db_name        = "analytics"
  admin_username = "warehouse_admin"
  # Redshift generates the password and keeps it in Secrets Manager: it is
  # never in Terraform state or in tfvars.
  manage_admin_password            = true
  admin_password_secret_kms_key_id = aws_kms_key.warehouse.arn
  kms_key_id                       = aws_kms_key.warehouse.arn
  iam_roles                        = [aws_iam_role.warehouse.arn]
  default_iam_role_arn             = aws_iam_role.warehouse.arn
  log_exports                      = ["connectionlog", "userlog"]
}

resource "aws_redshiftserverless_workgroup" "warehouse" {
  workgroup_name       = "${local.name}-warehouse"
  namespace_name       = aws_redshiftserverless_namespace.warehouse.namespace_name
  base_capacity        = var.warehouse_base_rpu
  max_capacity         = var.warehouse_max_rpu
  enhanced_vpc_routing = true
  publicly_accessible  = false
  subnet_ids           = aws_subnet.private[*].id
  security_group_ids   = [aws_security_group.warehouse.id]

  lifecycle {
    precondition {
      condition     = var.warehouse_max_rpu >= var.warehouse_base_rpu
      error_message = "warehouse_max_rpu must be at least warehouse_base_rpu."
    }
  }
}
