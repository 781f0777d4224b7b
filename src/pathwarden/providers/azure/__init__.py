"""Azure: NSGs, AVNM security admin rules, NICs, VNets and ASGs (docs/azure-semantics.md)."""
