"""Findings: the policy compared with what the engine says is open (``pathwarden check``)."""

from pathwarden.check.compare import compare
from pathwarden.check.findings import KIND_ORDER, CheckResult, Finding, Kind
from pathwarden.check.reaching import EngineLike, ReachLike

__all__ = ["KIND_ORDER", "CheckResult", "EngineLike", "Finding", "Kind", "ReachLike", "compare"]
