"""Findings and the result of ``pathwarden check``, with the JSON contract of DESIGN.md.

Order, everywhere (JSON, text, Markdown, SARIF, JUnit): enforce-stage findings before
monitor-stage ones, then the worst kind first (:data:`KIND_ORDER`), then the order of the paths
in the policy file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pathwarden.model import Notice, ServiceSet
from pathwarden.policy.model import Policy, Stage


class Kind(StrEnum):
    VIOLATION = "violation"  # a deny path is open
    UNAPPROVED = "unapproved"  # open into a protected segment, no allow path covers it
    BLOCKED = "blocked"  # an allow path's ports are not all open
    OVERBROAD = "overbroad"  # an allow path is open wider than its ports
    EXPIRED = "expired"  # an approval or exception has lapsed


KIND_ORDER = (Kind.VIOLATION, Kind.UNAPPROVED, Kind.BLOCKED, Kind.OVERBROAD, Kind.EXPIRED)
MAX_PAIRS = 50


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding. ``open`` is what is open and matters for this kind:

    - violation: the open ports the deny path covers (minus valid exceptions);
    - unapproved: open ports no path declares;
    - overbroad: the open ports beyond what the allow paths for this pair approve;
    - blocked: what is still open of the approved ports (``closed`` holds the missing ones);
    - expired: what the lapsed approval still lets through.
    """

    path: str
    kind: Kind
    src: str
    dst: str
    open: ServiceSet
    rules: tuple[str, ...]
    stage: Stage
    message: str
    why: str = ""
    owner: str = ""
    ports: ServiceSet | None = None  # the path's declared ports
    closed: ServiceSet | None = None
    expires: date | None = None
    exceptions: tuple[str, ...] = ()
    pairs: tuple[Any, ...] = ()
    pair_count: int = 0
    line: int = 0
    column: int = 0
    order: int = 0  # position of the path in the policy (sorting)

    def sort_key(self) -> tuple[int, int, int]:
        return (0 if self.stage is Stage.ENFORCE else 1, KIND_ORDER.index(self.kind), self.order)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "kind": self.kind.value,
            "from": self.src,
            "to": self.dst,
            "open": self.open.to_contract(),
            "rules": list(self.rules),
            "stage": self.stage.value,
            "message": self.message,
            "why": self.why,
            "owner": self.owner,
        }
        if self.ports is not None:
            out["ports"] = self.ports.to_contract()
        if self.closed is not None:
            out["closed"] = self.closed.to_contract()
        if self.expires is not None:
            out["expires"] = self.expires.isoformat()
        if self.exceptions:
            out["exceptions"] = list(self.exceptions)
        out["pairs"] = list(self.pairs)
        out["pair_count"] = self.pair_count
        return out


@dataclass(frozen=True, slots=True)
class CheckResult:
    findings: tuple[Finding, ...]
    partial: bool
    as_of: date
    policy: Policy
    warnings: tuple[str, ...] = ()
    notices: tuple[Notice, ...] = ()  # the estate's (loader assumptions, missing objects)

    @property
    def policy_file(self) -> str:
        return self.policy.file

    def checked(self) -> list[tuple[str, int, str]]:
        """``(id, line, description)`` of every path and protect entry, in file order."""
        out = [(p.id, p.line, f"{p.src} -> {p.dst} ({p.rule.value})") for p in self.policy.paths]
        out += [(p.id, p.line, f"* -> {p.segment} (protect)") for p in self.policy.protect]
        return out

    def enforce(self) -> list[Finding]:
        return [f for f in self.findings if f.stage is Stage.ENFORCE]

    def exit_code(self) -> int:
        """2 when an enforce-stage finding exists, else 0 (monitor findings never fail)."""
        return 2 if self.enforce() else 0

    def by_path(self) -> dict[str, list[Finding]]:
        """Findings grouped by path id, the group of the worst finding first."""
        groups: dict[str, list[Finding]] = {}
        for f in self.findings:
            groups.setdefault(f.path, []).append(f)
        return groups

    def summary(self) -> dict[str, Any]:
        by_kind = {k.value: sum(1 for f in self.findings if f.kind is k) for k in KIND_ORDER}
        enforce = len(self.enforce())
        return {
            "total": len(self.findings),
            "enforce": enforce,
            "monitor": len(self.findings) - enforce,
            "by_kind": by_kind,
            "verdict": "fail" if enforce else "pass",
            "as_of": self.as_of.isoformat(),
            "policy": self.policy_file,
            "paths_checked": len(self.checked()),
            "warnings": list(self.warnings),
        }

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md's check contract: ``{"findings": [...], "partial": ..., "summary": ...}``,
        plus ``notices``: what the estate assumed or could not find."""
        return {
            "findings": [f.to_json() for f in self.findings],
            "partial": self.partial,
            "summary": self.summary(),
            "notices": [
                {"code": n.code, "message": n.message, "source": n.source} for n in self.notices
            ],
        }
