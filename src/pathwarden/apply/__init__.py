"""Approval-gated apply of a ChangeSet (docs/apply.md)."""

from pathwarden.apply.approval import Approval, make_approval, read_approval, write_approval
from pathwarden.apply.audit import AuditLog, MemoryAudit, StoreAudit
from pathwarden.apply.runner import Outcome, apply_changeset

__all__ = [
    "Approval",
    "AuditLog",
    "MemoryAudit",
    "Outcome",
    "StoreAudit",
    "apply_changeset",
    "make_approval",
    "read_approval",
    "write_approval",
]
