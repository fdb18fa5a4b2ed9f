provider "aws" {
  region = local.envbench.region
  # A role that resolves to another account fails here, before anything is
  # planned against the wrong account.
  allowed_account_ids = [local.envbench.account_id]

  # Without a role the caller's own identity is used.
  dynamic "assume_role" {
    for_each = local.envbench.role_arn == null ? [] : [local.envbench.role_arn]
    content {
      role_arn     = assume_role.value
      session_name = local.envbench.session_name
    }
  }

  # envbench's own tags win over extra_tags: teardown's sweep relies on them.
  default_tags {
    tags = merge(var.extra_tags, local.envbench.default_tags)
  }
}
