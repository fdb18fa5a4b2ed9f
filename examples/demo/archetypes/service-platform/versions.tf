terraform {
  required_providers {
    # The simulated AWS account, served by the envbench binary itself:
    # envbench points Terraform at it (its own CLI configuration), and
    # nothing is downloaded. examples/aws uses hashicorp/aws here.
    aws = {
      source = "envbench.local/envbench/aws"
    }
  }
}
