"""``pathwarden drift``: what moved between an approved baseline and the estate now.

Two layers, both computed from the normalised model only:

1. **inventory drift** (:func:`pathwarden.check.estate_diff.diff_estates`): filters, rules and
   attachments added, removed or changed;
2. **movement-path drift** against a policy, the part that matters: for every policy path
   the engine answers what is open from its ``from`` segment to its ``to`` segment in each
   estate (segments resolved in each estate separately, so a workload that joined a segment
   counts). For a deny path only the ports it names count; for an allow path everything that
   is open; for each ``protect`` segment what is open into it without an allow path (the
   ``unapproved`` finding of :func:`pathwarden.check.compare`). The change is ``opened``
   (nothing was open, now something is), ``closed``, ``widened``, ``narrowed`` or ``changed``
   (both), with the rules that open the new ports now and the rules that opened the closed
   ones before; ``causes`` are those of them that the inventory drift names.

A change is a **regression** when it makes the estate worse against the policy: more open on
a deny path or into a protected segment, an allow path open beyond its approved ports, or
approved ports closed.

Exit codes (:meth:`DriftReport.exit_code`): 2 drift by ``--fail-on`` (default ``any``: any
inventory or path change; ``paths``: a regression on any path; ``enforce``: a regression on an
enforce-stage path); 1 when there is no such drift but either estate is partial (an
incomplete estate must not read as "no drift"); 0 otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pathwarden.check.compare import compare
from pathwarden.check.estate_diff import Change, InventoryChange, Item, diff_estates
from pathwarden.check.findings import Kind
from pathwarden.check.reaching import EngineLike, ReachLike, reach
from pathwarden.engine.engine import Engine
from pathwarden.model import NO_SERVICES, Estate, Notice, ServiceSet
from pathwarden.policy.model import Policy, Stage
from pathwarden.policy.segments import segment_resolver


class Movement(StrEnum):
    OPENED = "opened"
    CLOSED = "closed"
    WIDENED = "widened"
    NARROWED = "narrowed"
    CHANGED = "changed"


class FailOn(StrEnum):
    ANY = "any"
    PATHS = "paths"
    ENFORCE = "enforce"


@dataclass(frozen=True, slots=True)
class PathChange:
    path: str
    rule: str  # deny | allow | protect
    src: str
    dst: str
    stage: Stage
    before: ServiceSet
    after: ServiceSet
    regression: bool
    rules: tuple[str, ...] = ()  # rules that open ``opened`` now
    closed_rules: tuple[str, ...] = ()  # rules that opened ``closed`` in the baseline
    causes: tuple[str, ...] = ()  # of those, the rules the inventory drift names
    line: int = 0  # of the path in the policy file

    @property
    def opened(self) -> ServiceSet:
        return self.after - self.before

    @property
    def closed(self) -> ServiceSet:
        return self.before - self.after

    @property
    def movement(self) -> Movement:
        if not self.before:
            return Movement.OPENED
        if not self.after:
            return Movement.CLOSED
        if self.opened and self.closed:
            return Movement.CHANGED
        return Movement.WIDENED if self.opened else Movement.NARROWED

    def message(self) -> str:
        parts = []
        if self.opened:
            parts.append(f"+{self.opened.describe()}")
        if self.closed:
            parts.append(f"-{self.closed.describe()}")
        now = self.after.describe() if self.after else "nothing"
        was = self.before.describe() if self.before else "nothing"
        return f"{self.movement.value} {' '.join(parts)} (was {was}, now {now})"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path, "rule": self.rule, "from": self.src, "to": self.dst,
            "stage": self.stage.value, "movement": self.movement.value,
            "regression": self.regression,
            "opened": self.opened.to_contract(), "closed": self.closed.to_contract(),
            "before": self.before.to_contract(), "after": self.after.to_contract(),
            "rules": list(self.rules), "closed_rules": list(self.closed_rules),
            "causes": list(self.causes), "message": self.message(),
        }


@dataclass(frozen=True, slots=True)
class EstateNotice:
    """A notice of the baseline, of the current estate, or of both (same code and text)."""

    estate: str  # "baseline" | "current" | "both"
    notice: Notice

    def to_json(self) -> dict[str, str]:
        n = self.notice
        return {"code": n.code, "message": n.message, "source": n.source, "estate": self.estate}

    def labelled(self) -> Notice:
        """The notice with ``baseline:``/``current:`` before its message (not for both)."""
        n = self.notice
        return n if self.estate == "both" else Notice(n.code, f"{self.estate}: {n.message}",
                                                      n.source)


def estate_notices(baseline: Estate, current: Estate) -> tuple[EstateNotice, ...]:
    """Every notice of both estates; one said by both is listed once, as ``both``."""
    before = {(n.code, n.message) for n in baseline.notices}
    after = {(n.code, n.message) for n in current.notices}
    out = [EstateNotice("both" if (n.code, n.message) in before else "current", n)
           for n in current.notices]
    out += [EstateNotice("baseline", n) for n in baseline.notices
            if (n.code, n.message) not in after]
    return tuple(out)


@dataclass(frozen=True, slots=True)
class DriftReport:
    inventory: tuple[InventoryChange, ...]
    paths: tuple[PathChange, ...]
    baseline: str  # labels: folder, "store:<id>", "live:aws"
    current: str
    baseline_partial: bool = False
    current_partial: bool = False
    policy_file: str | None = None
    fail_on: FailOn = FailOn.ANY
    notices: tuple[EstateNotice, ...] = ()

    @property
    def partial(self) -> bool:
        return self.baseline_partial or self.current_partial

    def regressions(self, stage: Stage | None = None) -> list[PathChange]:
        return [p for p in self.paths if p.regression and stage in (None, p.stage)]

    def drifted(self) -> bool:
        """Drift by :attr:`fail_on` (see the module docstring)."""
        if self.fail_on is FailOn.ANY:
            return bool(self.inventory or self.paths)
        if self.fail_on is FailOn.PATHS:
            return bool(self.regressions())
        return bool(self.regressions(Stage.ENFORCE))

    def exit_code(self) -> int:
        if self.drifted():
            return 2
        return 1 if self.partial else 0

    def summary(self) -> dict[str, Any]:
        counts = {c.value: sum(1 for i in self.inventory if i.change is c) for c in Change}
        moves = {m.value: sum(1 for p in self.paths if p.movement is m) for m in Movement}
        return {
            "drift": self.drifted(),
            "fail_on": self.fail_on.value,
            "inventory": counts,
            "paths": moves,
            "regressions": len(self.regressions()),
            "enforce_regressions": len(self.regressions(Stage.ENFORCE)),
            "policy": self.policy_file,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline": {"source": self.baseline, "partial": self.baseline_partial},
            "current": {"source": self.current, "partial": self.current_partial},
            "partial": self.partial,
            "inventory": [i.to_json() for i in self.inventory],
            "paths": [p.to_json() for p in self.paths],
            "summary": self.summary(),
            "notices": [n.to_json() for n in self.notices],
        }


# -- path drift ----------------------------------------------------------------------------------
class _Side:
    """One estate with its engine and resolved segments."""

    def __init__(self, estate: Estate, policy: Policy, as_of: date) -> None:
        self.engine: EngineLike = Engine(estate)
        resolve = segment_resolver(estate, policy)
        self.segments = {s.name: resolve(s.name) for s in policy.segments}
        result = compare(self.engine, policy, as_of=as_of)
        self.unapproved = {f.path: f for f in result.findings if f.kind is Kind.UNAPPROVED}

    def reach(self, src: str, dst: str) -> ReachLike | None:
        return reach(self.engine, self.segments[src], self.segments[dst])


def _rules(result: ReachLike | None, within: ServiceSet) -> tuple[str, ...]:
    return tuple(result.rule_ids(within)) if result is not None and within else ()


def path_drift(baseline: Estate, current: Estate, policy: Policy, *, as_of: date,
               inventory: tuple[InventoryChange, ...] = ()) -> tuple[PathChange, ...]:
    """Every policy path (and protect entry) whose open ports differ; see the module doc."""
    before, after = _Side(baseline, policy, as_of), _Side(current, policy, as_of)
    touched = {i.id for i in inventory if i.item is Item.RULE} | {
        i.id for i in inventory if i.item is Item.FILTER}
    out: list[PathChange] = []
    for p in policy.paths:
        rb, ra = before.reach(p.src, p.dst), after.reach(p.src, p.dst)
        ob = rb.open if rb else NO_SERVICES
        oa = ra.open if ra else NO_SERVICES
        if p.is_deny:
            ob, oa = ob & p.services, oa & p.services
        if ob == oa:
            continue
        opened, closed = oa - ob, ob - oa
        if p.is_deny:
            regression = bool(opened)
        else:
            regression = bool(opened - p.services) or bool(closed & p.services)
        rules, gone = _rules(ra, opened), _rules(rb, closed)
        causes = tuple(r for r in dict.fromkeys(rules + gone) if _touched(r, touched))
        out.append(PathChange(p.id, p.rule.value, p.src, p.dst, p.stage, ob, oa, regression,
                              rules, gone, causes, p.line))
    for prot in policy.protect:
        fb, fa = before.unapproved.get(prot.id), after.unapproved.get(prot.id)
        ob = fb.open if fb else NO_SERVICES
        oa = fa.open if fa else NO_SERVICES
        if ob == oa:
            continue
        rules = fa.rules if fa and oa - ob else ()
        gone = fb.rules if fb and ob - oa else ()
        causes = tuple(r for r in dict.fromkeys(rules + gone) if _touched(r, touched))
        out.append(PathChange(prot.id, "protect", "*", prot.segment, prot.stage, ob, oa,
                              bool(oa - ob), rules, gone, causes, prot.line))
    return tuple(out)


def _touched(rule_id: str, touched: set[str]) -> bool:
    return rule_id in touched or rule_id.split("#", 1)[0] in touched


def drift(baseline: Estate, current: Estate, policy: Policy | None = None, *,
          as_of: date | None = None, fail_on: FailOn = FailOn.ANY,
          baseline_label: str = "baseline", current_label: str = "current") -> DriftReport:
    """Inventory drift, and path drift when a policy is given."""
    inventory = diff_estates(baseline, current)
    paths: tuple[PathChange, ...] = ()
    if policy is not None:
        paths = path_drift(baseline, current, policy, as_of=as_of or date.today(),
                           inventory=inventory)
    return DriftReport(
        inventory=inventory,
        paths=paths,
        baseline=baseline_label,
        current=current_label,
        baseline_partial=baseline.partial,
        current_partial=current.partial,
        policy_file=policy.file if policy is not None else None,
        fail_on=fail_on,
        notices=estate_notices(baseline, current),
    )
