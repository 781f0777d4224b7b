"""``tf review``: what a plan changes about movement paths, judged against the policy.

The policy is checked (:func:`pathwarden.check.compare`) on the estate before and after the
plan, and every finding is classified by what the plan does to it:

- ``new``: the finding exists only after the plan;
- ``worse``: it existed, and the plan opens more of it (for ``blocked``: closes more);
- ``existing``: it existed before and the plan does not make it worse (listed apart);
- ``repaired``: it existed before and the plan removes it (``narrowed`` when only part).

The review fails (exit 2) only for ``new`` and ``worse`` findings in the enforce stage, or
with ``fail_on="existing"`` also for existing enforce-stage findings. Next to the findings,
every policy path and every security group the plan edits gets a row of what the plan opens
and closes on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from pathwarden.check import CheckResult, Finding, compare
from pathwarden.check.findings import Kind
from pathwarden.engine.endpoints import Endpoint
from pathwarden.engine.engine import Engine
from pathwarden.model import ANY, NO_SERVICES, Estate, ServiceSet
from pathwarden.policy.model import Policy, Stage
from pathwarden.policy.segments import segment_resolver
from pathwarden.terraform.locations import Location, Locations
from pathwarden.terraform.overlay import Overlay
from pathwarden.terraform.world import Assumption

MAX_GROUP_ROWS = 50


class Status(StrEnum):
    NEW = "new"
    WORSE = "worse"
    EXISTING = "existing"
    NARROWED = "narrowed"
    REPAIRED = "repaired"


@dataclass(frozen=True, slots=True)
class Delta:
    """One policy finding and what the plan does to it."""

    status: Status
    finding: Finding  # the finding after the plan (before it, for ``repaired``)
    added: ServiceSet  # what the plan opens (blocked: closes) on this finding
    removed: ServiceSet  # what the plan takes away from it
    resources: tuple[str, ...]  # Terraform addresses of changed resources behind it
    locations: tuple[Location, ...] = ()
    before: Finding | None = None  # the same finding before the plan (None when new)

    @property
    def fails(self) -> bool:
        return self.status in (Status.NEW, Status.WORSE) and self.finding.stage is Stage.ENFORCE

    @property
    def open_before(self) -> ServiceSet:
        return self.before.open if self.before is not None else NO_SERVICES

    @property
    def open_after(self) -> ServiceSet:
        """What of this finding is open after the plan. A repaired finding is gone: nothing
        is open of it, except for ``blocked``, whose ``open`` is the approved ports that are
        open, which after the repair are all of them."""
        f = self.finding
        if self.status is not Status.REPAIRED:
            return f.open
        if f.kind is Kind.BLOCKED:
            return f.ports if f.ports is not None else f.open | (f.closed or NO_SERVICES)
        return NO_SERVICES

    @property
    def message(self) -> str:
        """The finding's message; for a repaired finding, said to be the state before."""
        if self.status is Status.REPAIRED:
            return f"closed by this plan; before it: {self.finding.message}"
        return self.finding.message

    def to_json(self) -> dict[str, Any]:
        doc = {
            "status": self.status.value,
            **self.finding.to_json(),
            "added": self.added.to_contract(),
            "removed": self.removed.to_contract(),
            "resources": list(self.resources),
            "locations": [loc.to_json() for loc in self.locations],
        }
        doc["message"] = self.message
        doc["open"] = self.open_after.to_contract()
        doc["open_before"] = self.open_before.to_contract()
        if self.status is Status.REPAIRED and "closed" in doc:
            doc["closed"] = []
        return doc


@dataclass(frozen=True, slots=True)
class PathChange:
    """What the plan opens and closes between two endpoints (a policy path or a group)."""

    label: str  # policy path id, or the security group id
    src: str
    dst: str
    before: ServiceSet
    after: ServiceSet
    path_rule: str = ""  # deny / allow / protect, or "" for a group row

    @property
    def opened(self) -> ServiceSet:
        return self.after - self.before

    @property
    def closed(self) -> ServiceSet:
        return self.before - self.after

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.label,
            "from": self.src,
            "to": self.dst,
            "rule": self.path_rule,
            "opened": self.opened.to_contract(),
            "closed": self.closed.to_contract(),
            "open_after": self.after.to_contract(),
        }


@dataclass(frozen=True)
class Review:
    source: str  # the plan file or HCL folder
    policy: Policy
    before: CheckResult
    after: CheckResult
    deltas: tuple[Delta, ...]
    paths: tuple[PathChange, ...]
    assumptions: tuple[Assumption, ...]
    not_evaluated: tuple[tuple[str, str, str], ...]  # (address, type, action)
    changes: tuple[tuple[str, str, str], ...]  # path-relevant (address, type, action)
    fail_on: str = "new"
    resource_locations: dict[str, Location] = field(default_factory=dict)

    def failing(self) -> list[Delta]:
        out = [d for d in self.deltas if d.fails]
        if self.fail_on == "existing":
            out += [
                d
                for d in self.deltas
                if d.status is Status.EXISTING and d.finding.stage is Stage.ENFORCE
            ]
        return out

    def exit_code(self) -> int:
        return 2 if self.failing() else 0

    def by_status(self, *statuses: Status) -> list[Delta]:
        return [d for d in self.deltas if d.status in statuses]

    def verdict(self) -> str:
        failing = self.failing()
        worse = self.by_status(Status.NEW, Status.WORSE)
        repaired = self.by_status(Status.REPAIRED, Status.NARROWED)
        existing = self.by_status(Status.EXISTING)
        if failing:
            ids = ", ".join(dict.fromkeys(d.finding.path for d in failing))
            head = f"FAIL: the plan makes {len(failing)} enforce-stage finding(s) worse ({ids})"
            if self.fail_on == "existing" and not any(d.fails for d in failing):
                head = f"FAIL: {len(failing)} existing enforce-stage finding(s) ({ids})"
        elif worse:
            head = f"PASS: the plan makes {len(worse)} monitor-stage finding(s) worse"
        else:
            head = "PASS: the plan opens nothing the policy denies"
        tail = []
        if repaired:
            tail.append(f"repairs {len(repaired)}")
        if existing:
            tail.append(f"{len(existing)} existing finding(s) listed apart")
        if self.assumptions:
            tail.append(f"{len(self.assumptions)} value(s) known only after apply")
        if self.not_evaluated:
            tail.append(f"{len(self.not_evaluated)} change(s) not evaluated yet")
        return head + (f"; {', '.join(tail)}" if tail else "")


def _key(f: Finding) -> tuple[str, str]:
    return (f.path, f.kind.value)


def _measure(f: Finding) -> ServiceSet:
    if f.kind is Kind.BLOCKED:
        return f.closed or NO_SERVICES
    return f.open


def classify(
    before: CheckResult, after: CheckResult, ov: Overlay, locations: Locations | None
) -> list[Delta]:
    changed = {c.address for c in ov.changed}
    old = {_key(f): f for f in before.findings}
    new = {_key(f): f for f in after.findings}
    out: list[Delta] = []
    for key, f in new.items():
        prev = old.get(key)
        now, was = _measure(f), (_measure(prev) if prev else NO_SERVICES)
        added, removed = now - was, was - now
        if prev is None:
            status = Status.NEW
        elif added:
            status = Status.WORSE
        elif removed:
            status = Status.NARROWED
        else:
            status = Status.EXISTING
        rules = f.rules if status is not Status.EXISTING else ()
        out.append(_delta(status, f, prev, added, removed, rules, ov, changed, locations))
    for key, f in old.items():
        if key not in new:
            out.append(
                _delta(
                    Status.REPAIRED, f, f, NO_SERVICES, _measure(f), f.rules, ov, changed,
                    locations,
                )
            )
    order = list(Status)
    out.sort(key=lambda d: (order.index(d.status), d.finding.sort_key()))
    return out


def _delta(
    status: Status,
    f: Finding,
    prev: Finding | None,
    added: ServiceSet,
    removed: ServiceSet,
    rules: tuple[str, ...],
    ov: Overlay,
    changed: set[str],
    locations: Locations | None,
) -> Delta:
    addresses = [ov.origin[r] for r in rules if r in ov.origin]
    mine = [a for a in dict.fromkeys(addresses) if a in changed]
    if status is Status.REPAIRED:  # the rules are gone after the plan: name changed resources
        mine = [
            c.address
            for c in ov.changed
            if ov.ids.get(c.address) in f.rules
            or any(ov.origin.get(r) == c.address for r in f.rules)
        ] or mine
    locs: tuple[Location, ...] = ()
    if locations is not None:
        locs = tuple(loc for a in mine if (loc := locations.find(a)) is not None)
    return Delta(status, f, added, removed, tuple(mine), locs, prev)


def _path_rows(policy: Policy, engines: tuple[Engine, Engine], ov: Overlay) -> list[PathChange]:
    rows: list[PathChange] = []
    resolvers = [segment_resolver(e.estate, policy) for e in engines]
    for p in policy.paths:
        sets = []
        for engine, resolve in zip(engines, resolvers, strict=True):
            sets.append(_open(engine, resolve(p.src), resolve(p.dst)))
        rows.append(PathChange(p.id, p.src, p.dst, sets[0], sets[1], p.rule.value))
    groups = sorted(
        g for g in ov.touched_filters() if _is_group(ov.after, g) or _is_group(ov.before, g)
    )
    for gid in groups[:MAX_GROUP_ROWS]:
        sets = []
        for engine in engines:
            members = [w for w in engine.estate.workloads if gid in w.filters]
            dst = Endpoint.of_workloads(gid, members)
            sets.append(_open(engine, Endpoint("any address", outside=ANY), dst))
        if sets[0] != sets[1]:
            rows.append(PathChange(gid, "any address", f"members of {gid}", sets[0], sets[1]))
    return rows


def _open(engine: Engine, src: Endpoint, dst: Endpoint) -> ServiceSet:
    """What is open, without explanations (the rows need only the ports)."""
    if src.is_empty() or dst.is_empty():
        return NO_SERVICES
    return engine.reach(src, dst, explain=False).open


def _is_group(estate: Estate, fid: str) -> bool:
    f = estate.filters.get(fid)
    return f is not None and f.layer == "aws_sg"


def review(
    ov: Overlay,
    policy: Policy,
    *,
    source: str,
    as_of: date,
    fail_on: str = "new",
    locations: Locations | None = None,
) -> Review:
    """Check ``policy`` before and after the overlay and classify every finding."""
    engines = (Engine(ov.before), Engine(ov.after))
    before = compare(engines[0], policy, as_of=as_of)
    after = compare(engines[1], policy, as_of=as_of)
    deltas = classify(before, after, ov, locations)
    rows = _path_rows(policy, engines, ov)
    res_locs: dict[str, Location] = {}
    if locations is not None:
        for c in ov.changed:
            loc = locations.find(c.address)
            if loc is not None:
                res_locs[c.address] = loc
    return Review(
        source=source,
        policy=policy,
        before=before,
        after=after,
        deltas=tuple(deltas),
        paths=tuple(rows),
        assumptions=ov.assumptions,
        not_evaluated=tuple((c.address, c.type, c.action) for c in ov.not_evaluated),
        changes=tuple((c.address, c.type, c.action) for c in ov.changed),
        fail_on=fail_on,
        resource_locations=res_locs,
    )
