"""Impact simulation: replay observed accepted flows against the estate before and after a
change and report the flows that would stop, by segment pair, with counts and last seen.

A flow "stops" when the estate before lets its protocol and port through from client to
server and the estate after does not. Observed flows the estate before already closes are
counted as ``unexplained`` (the snapshot and the traffic disagree: stale snapshot, platform
traffic, addresses the logs rewrote). Rejected flows the change would let through are
counted as ``opened``. Existing connections survive a rule removal in every cloud
(pitfall 18): what stops is new connections like the observed ones.

With a policy, each broken flow carries its verdict (approved, forbidden, expired,
unapproved, unlisted; :mod:`.segments`): the narrowest change should break no ``approved``
flow, and breaking ``forbidden`` flows is its purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pathwarden.flows.attribution import Attributor
from pathwarden.flows.observed import EVERYTHING, Pair, Window, load_pairs, rejected_keys
from pathwarden.flows.segments import FORBIDDEN, UNLISTED, PathJudge, SegmentIndex, Verdict
from pathwarden.flows.store import FlowStore
from pathwarden.model import Estate
from pathwarden.policy import Policy


@dataclass
class Group:
    src: str
    dst: str
    records: int = 0
    connections: int = 0
    last_seen: datetime | None = None
    services: set[str] = field(default_factory=set)
    verdicts: dict[str, int] = field(default_factory=dict)
    paths: set[str] = field(default_factory=set)

    def add(self, p: Pair, v: Verdict) -> None:
        self.records += p.records
        self.connections += 1
        if self.last_seen is None or p.last_seen > self.last_seen:
            self.last_seen = p.last_seen
        self.services.add(p.service_text())
        self.verdicts[v.status] = self.verdicts.get(v.status, 0) + p.records
        if v.path:
            self.paths.add(v.path)

    def to_json(self) -> dict[str, Any]:
        return {"from": self.src, "to": self.dst, "records": self.records,
                "connections": self.connections,
                "last_seen": self.last_seen.isoformat() if self.last_seen else None,
                "services": sorted(self.services), "verdicts": dict(sorted(self.verdicts.items())),
                "paths": sorted(self.paths)}


@dataclass
class Simulation:
    replayed: int = 0
    broken: dict[tuple[str, str], Group] = field(default_factory=dict)
    unexplained: int = 0
    opened: int = 0
    as_of: date | None = None

    def records(self, status: str | None = None) -> int:
        return sum(g.records if status is None else g.verdicts.get(status, 0)
                   for g in self.broken.values())

    @property
    def broken_not_forbidden(self) -> int:
        return self.records() - self.records(FORBIDDEN)

    def to_json(self) -> dict[str, Any]:
        statuses: dict[str, int] = {}
        for g in self.broken.values():
            for k, n in g.verdicts.items():
                statuses[k] = statuses.get(k, 0) + n
        groups = sorted(self.broken.values(), key=lambda g: (-g.records, g.src, g.dst))
        return {
            "replayed_records": self.replayed,
            "broken_records": self.records(),
            "broken_by_verdict": dict(sorted(statuses.items())),
            "broken": [g.to_json() for g in groups],
            "unexplained_records": self.unexplained,
            "opened_rejected_records": self.opened,
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }

    def to_text(self) -> str:
        doc = self.to_json()
        lines = [f"replayed {self.replayed} observed accepted flow records: "
                 f"{doc['broken_records']} would stop"]
        if doc["broken_by_verdict"]:
            lines.append("  by verdict: " + ", ".join(
                f"{k} {n}" for k, n in doc["broken_by_verdict"].items()))
        for g in doc["broken"]:
            lines.append(f"  {g['from']} -> {g['to']}: {g['records']} records "
                         f"({', '.join(g['services'])}), last seen {g['last_seen']}, "
                         + ", ".join(f"{k} {n}" for k, n in g["verdicts"].items()))
        if self.unexplained:
            lines.append(f"  {self.unexplained} observed accepted records the estate before "
                         "already closes (unexplained)")
        if self.opened:
            lines.append(f"  {self.opened} rejected records would now be let through")
        return "\n".join(lines)


def simulate_pairs(before: Estate | Attributor, after: Estate | Attributor,
                   pairs: Iterable[Pair], *, policy: Policy | None = None,
                   as_of: date | None = None) -> Simulation:
    a = before if isinstance(before, Attributor) else Attributor(before)
    b = after if isinstance(after, Attributor) else Attributor(after)
    items = list(pairs)
    if as_of is None:
        last = max((p.last_seen for p in items), default=None)
        as_of = last.date() if last else date.today()
    segments = SegmentIndex(a.engine.estate, policy)
    judge = PathJudge(policy, as_of) if policy is not None else None
    sim = Simulation(as_of=as_of)
    rejected = rejected_keys(items)
    for p in items:
        if p.rejected:
            if not a.is_open(p.client, p.server, p.proto, p.port) and \
                    b.is_open(p.client, p.server, p.proto, p.port):
                sim.opened += p.records
            continue
        if not p.accepted:
            continue
        sim.replayed += p.records
        if not a.is_open(p.client, p.server, p.proto, p.port):
            if (p.client, p.server, p.proto, p.port) not in rejected:
                sim.unexplained += p.records
            continue
        if b.is_open(p.client, p.server, p.proto, p.port):
            continue
        src, dst = segments.label(p.client), segments.label(p.server)
        verdict = Verdict(UNLISTED)
        if judge is not None:
            verdict = judge.judge(segments.segments(p.client), segments.segments(p.server),
                                  p.proto, p.port)
        group = sim.broken.get((src, dst))
        if group is None:
            group = sim.broken[(src, dst)] = Group(src, dst)
        group.add(p, verdict)
    return sim


def simulate(before: Estate, after: Estate, store: FlowStore, *, policy: Policy | None = None,
             window: Window = EVERYTHING, as_of: date | None = None) -> Simulation:
    """Replay the store's flows in ``window`` against ``before`` and ``after``."""
    return simulate_pairs(before, after, load_pairs(store, window), policy=policy, as_of=as_of)


def flow_impact(store: FlowStore, *, policy: Policy | None = None, window: Window = EVERYTHING,
                as_of: date | None = None) -> Callable[[Estate, Estate], int | None]:
    """The planner's ``FlowImpact`` hook: observed flow records a change would stop, not
    counting the ones the policy forbids."""
    pairs = load_pairs(store, window)

    def impact(before: Estate, after: Estate) -> int | None:
        return simulate_pairs(before, after, pairs, policy=policy, as_of=as_of) \
            .broken_not_forbidden

    return impact
