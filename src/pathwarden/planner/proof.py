"""The proof that a ChangeSet does what it says: the engine and the check, re-run on the estate
with the change applied, compared with the check of the estate as it is.

A change is proven when:

- every finding it targets is gone (nothing of its open services is still open);
- no approved path is newly blocked (no ``blocked`` finding that was not there, and none whose
  closed ports grew);
- it opens nothing: every ``violation``/``unapproved``/``overbroad``/``expired`` finding after
  the change was there before, with its open services a subset of what they were; and the
  edited filters themselves admit nothing they did not admit before (``opened_volume`` 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pathwarden.check.findings import CheckResult, Finding, Kind
from pathwarden.policy.model import Stage

Key = tuple[str, Kind]
OPENING_KINDS = (Kind.VIOLATION, Kind.UNAPPROVED, Kind.OVERBROAD, Kind.EXPIRED)


def _key(f: Finding) -> Key:
    return (f.path, f.kind)


def _brief(f: Finding, **extra: Any) -> dict[str, Any]:
    return {"path": f.path, "kind": f.kind.value, "stage": f.stage.value,
            "open": f.open.to_contract(), **extra}


@dataclass(frozen=True)
class Proof:
    closed: list[dict[str, Any]] = field(default_factory=list)
    still_open: list[dict[str, Any]] = field(default_factory=list)
    newly_blocked: list[dict[str, Any]] = field(default_factory=list)
    opened: list[dict[str, Any]] = field(default_factory=list)
    opened_volume: int = 0
    violations_before: int = 0
    violations_after: int = 0
    remaining_enforce: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.still_open or self.newly_blocked or self.opened or self.opened_volume)

    def failure(self) -> str:
        if self.still_open:
            return "still open: " + ", ".join(
                f"{x['path']} ({x['kind']})" for x in self.still_open)
        if self.newly_blocked:
            return "blocks approved path(s): " + ", ".join(
                x["path"] for x in self.newly_blocked)
        if self.opened or self.opened_volume:
            return "opens something: " + (", ".join(
                f"{x['path']} ({x['kind']})" for x in self.opened) or
                f"{self.opened_volume} address-ports at the edited filters")
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "method": "engine and check re-run on the estate with the ChangeSet applied",
            "violations_before": self.violations_before,
            "violations_after": self.violations_after,
            "closed": self.closed,
            "still_open": self.still_open,
            "newly_blocked_approved_paths": self.newly_blocked,
            "opened": self.opened,
            "opened_volume": self.opened_volume,
            "remaining_enforce_findings": self.remaining_enforce,
        }


def prove(before: CheckResult, after: CheckResult, targets: Sequence[Finding],
          opened_volume: int = 0) -> Proof:
    was = {_key(f): f for f in before.findings}
    now = {_key(f): f for f in after.findings}
    closed, still = [], []
    for t in targets:
        left = now.get(_key(t))
        if left is not None and (left.open & t.open):
            still.append(_brief(left))
        else:
            closed.append(_brief(t))
    blocked = []
    for f in after.findings:
        if f.kind is not Kind.BLOCKED:
            continue
        old = was.get(_key(f))
        if old is None or (f.closed and old.closed and not f.closed.issubset(old.closed)):
            missing = f.closed.to_contract() if f.closed else []
            blocked.append(_brief(f, closed=missing))
    opened = []
    for f in after.findings:
        if f.kind not in OPENING_KINDS:
            continue
        old = was.get(_key(f))
        if old is None or not f.open.issubset(old.open):
            grew = f.open - old.open if old is not None else f.open
            opened.append(_brief(f, newly_open=grew.to_contract()))

    def violations(r: CheckResult) -> int:
        return sum(1 for f in r.findings if f.kind is Kind.VIOLATION and f.stage is Stage.ENFORCE)

    return Proof(
        closed=closed, still_open=still, newly_blocked=blocked, opened=opened,
        opened_volume=opened_volume, violations_before=violations(before),
        violations_after=violations(after),
        remaining_enforce=[_brief(f) for f in after.enforce()],
    )
