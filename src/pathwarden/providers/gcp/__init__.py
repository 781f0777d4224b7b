"""Google Cloud: VPC firewall rules and firewall policies (docs/gcp-semantics.md)."""
