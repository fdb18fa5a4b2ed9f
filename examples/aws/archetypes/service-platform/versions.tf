terraform {
  # 1.6 brought the S3 backend's assume_role argument (backend.tf.tmpl); 1.11
  # removed the top-level role_arn that older versions used instead.
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}
