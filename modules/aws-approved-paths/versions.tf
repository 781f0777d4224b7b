terraform {
  # optional() object attributes with defaults
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source = "hashicorp/aws"
      # aws_vpc_security_group_ingress_rule: one resource per rule, with its own sgr- id
      version = ">= 5.0"
    }
  }
}
