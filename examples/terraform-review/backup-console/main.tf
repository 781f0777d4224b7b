# The backup console's security group and its ingress rules, managed in Terraform.
# The instances, subnets and NACLs are not managed here: pathwarden reads them from the
# snapshot (examples/backup-console/snapshot), the plan supplies the rules.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.30"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

resource "aws_security_group" "backup_console" {
  name        = "backup-console"
  description = "Backup management console"
  vpc_id      = var.vpc_id
  tags = {
    Owner = "backup-team"
  }
}

# jump-to-backup: the approved way in (CHG0012345).
resource "aws_vpc_security_group_ingress_rule" "jump_https" {
  security_group_id            = aws_security_group.backup_console.id
  referenced_security_group_id = var.jump_host_sg
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  description                  = "Backup admins via the jump host (CHG0012345)"
}

resource "aws_vpc_security_group_ingress_rule" "monitoring_node_exporter" {
  security_group_id            = aws_security_group.backup_console.id
  referenced_security_group_id = var.monitoring_sg
  ip_protocol                  = "tcp"
  from_port                    = 9100
  to_port                      = 9100
  description                  = "node exporter scrape"
}

# The change under review: "temporary" SSH from the workstation subnet for a migration.
# pathwarden tf review fails this plan: it opens the denied path ws-to-backup.
resource "aws_vpc_security_group_ingress_rule" "workstation_ssh" {
  security_group_id = aws_security_group.backup_console.id
  cidr_ipv4         = var.workstation_cidr
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  description       = "temporary - migration OPS-4711"
}
