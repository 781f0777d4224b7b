"""The ``blocked`` list of the reach contract: why asked services are not open.

``pathwarden reach --port SERVICE`` asks about some services; the part of each that is not open
(for no member pair of the question) is *closed*, and for it the answer names the first hop
that refuses it and what decided there (DESIGN.md)::

    {"protocol": "tcp", "ports": [[3389, 3389]], "stage": "network ACL acl-0a1 (ingress,
     subnet-1)", "by": "acl-0a1#90/in", "detail": "rule acl-0a1#90/in denies it (#90 deny
     tcp/3389 from 0.0.0.0/0)", "pairs": 1}

Each (source class, destination class) member pair's path is walked hop by hop
(:func:`pathwarden.engine.walk.walk`, which follows the provider's join); ``by`` is the deny
rule whose contribution covers the service there, ``implicit-deny`` when no rule decided it
(the hop's default), and ``no-route`` when the two ends have no link at all (different
networks without an active peering, different clouds; ``stage`` is then ``route``) or a route
hop (a label starting with "route" or "return route") finds no route. Where routing closes a
path with a route that exists (a blackhole, or one that leads elsewhere: to a NAT gateway
for a reply, to a transit gateway with no way on), ``by`` is that route's id
(:func:`pathwarden.engine.semantics.dead_end`).

A segment question has many pairs: blocks are grouped per asked service by (stage, by), each
group with the closed part it refuses and how many (source class, destination class) pairs
block there (``pairs``, as in ``explanations``); the most common first, then in path order,
at most :data:`MAX_BLOCKED` groups per asked service (how many were left off is ``omitted``).
A part of an asked service that an earlier one already asked about is not repeated.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pathwarden.engine.explain import decision_tuples, rank_rows
from pathwarden.engine.semantics import ROUTE_LABELS, Hop
from pathwarden.engine.walk import Block, walk
from pathwarden.model import NO_SERVICES, Action, ServiceSet

if TYPE_CHECKING:
    from pathwarden.engine.bulk import FamilyEval
    from pathwarden.engine.result import ReachResult

MAX_BLOCKED = 10  # (stage, by) groups per asked service
NO_ROUTE = "no-route"
IMPLICIT_DENY = "implicit-deny"
ROUTE_STAGE = "route"
NO_LINK = ("no path between the ends at all: different networks with no active peering "
           "between them, or different clouds")


@dataclass(frozen=True, slots=True)
class Blocked:
    """Closed ``services`` refused at ``stage`` by ``by``, on ``pairs`` member pairs' paths."""

    services: ServiceSet
    stage: str
    by: str
    detail: str
    pairs: int

    def to_json(self) -> list[dict[str, Any]]:
        """One contract entry per protocol of ``services``."""
        return [{**entry, "stage": self.stage, "by": self.by, "detail": self.detail,
                 "pairs": self.pairs} for entry in self.services.to_contract()]

    def line(self) -> str:
        where = "" if self.by == NO_ROUTE and self.stage == ROUTE_STAGE else f" at {self.stage}"
        pairs = f" [{self.pairs} pairs]" if self.pairs > 1 else ""
        return f"{self.services.describe()} blocked{where}: {self.detail}{pairs}"


@dataclass(frozen=True, slots=True)
class BlockedReport:
    items: tuple[Blocked, ...]
    omitted: int = 0  # groups left off past MAX_BLOCKED
    closed: ServiceSet = NO_SERVICES  # every asked service that is not open

    def to_json(self) -> dict[str, Any]:
        """The keys a reach document gets: ``blocked``, and ``blocked_omitted`` when groups
        were left off."""
        doc: dict[str, Any] = {"blocked": [e for item in self.items for e in item.to_json()]}
        if self.omitted:
            doc["blocked_omitted"] = self.omitted
        return doc

    def lines(self, indent: str = "  ") -> list[str]:
        if not self.closed:
            return [f"{indent}blocked: none (every asked service is open)"]
        if not self.items:
            return [f"{indent}blocked: {self.closed.describe()}: no member pair to evaluate"]
        out = [f"{indent}blocked:"] + [f"{indent}  {item.line()}" for item in self.items]
        if self.omitted:
            out.append(f"{indent}  (+{self.omitted} more blocking hops not shown)")
        return out


class _Group:
    __slots__ = ("detail", "pairs", "position", "services")

    def __init__(self, detail: str, position: int) -> None:
        self.detail = detail
        self.position = position  # the earliest hop index (on its path) it was found at
        self.services = NO_SERVICES
        self.pairs: set[int] = set()

    def add(self, services: ServiceSet, pairs: set[int], position: int) -> None:
        self.services = self.services | services
        self.pairs |= pairs
        self.position = min(self.position, position)


def blocked(result: ReachResult, asked: Sequence[ServiceSet]) -> BlockedReport:
    """Where the closed part of each asked service stops (see the module docstring)."""
    if not result.explained:
        raise ValueError("blocked services need a reach evaluated with explain=True")
    closed: list[ServiceSet] = []
    seen = NO_SERVICES
    for services in asked:
        closed.append(services - result.open - seen)
        seen = seen | services
    groups: list[dict[tuple[str, str], _Group]] = [{} for _ in closed]
    if any(closed):
        n_cls = len(result.engine.rep)
        for f in result.families:
            _family(result, f, closed, groups, n_cls)
    items: list[Blocked] = []
    omitted = 0
    for found in groups:
        ranked = sorted(found.items(), key=lambda kv: (
            -len(kv[1].pairs), kv[1].position, kv[1].services.values.ranges[0][0], kv[0]))
        omitted += max(0, len(ranked) - MAX_BLOCKED)
        items += [Blocked(g.services, stage, by, g.detail, len(g.pairs))
                  for (stage, by), g in ranked[:MAX_BLOCKED]]
    return BlockedReport(tuple(items), omitted, ServiceSet.union_all(closed))


def _family(result: ReachResult, f: FamilyEval, closed: list[ServiceSet],
            groups: list[dict[tuple[str, str], _Group]], n_cls: int) -> None:
    s_cls = np.array(f.src.classes, dtype=np.int64)
    d_cls = np.array(f.dst.classes, dtype=np.int64)
    linked = np.array([lk is not None for lk in f.links], dtype=bool)[f.combos]
    # no link at all (a unit paired with itself has a link but no combination link: skipped)
    us, vs = np.nonzero(f.link_ids < 0)
    if len(us):
        pairs = set((s_cls[us] * n_cls + d_cls[vs]).tolist())
        for k, services in enumerate(closed):
            if services:
                groups[k].setdefault((ROUTE_STAGE, NO_ROUTE), _Group(NO_LINK, 0)).add(
                    services, pairs, 0)
    us, vs = np.nonzero(linked)
    if not len(us):
        return
    s_rows, d_rows = f.src_rows, f.dst_rows
    combos = f.combos[us, vs]
    st = decision_tuples(s_rows)[s_rows.of_unit[us], s_rows.col_of_other[vs]]
    dt = decision_tuples(d_rows)[d_rows.of_unit[vs], d_rows.col_of_other[us]]
    keys = rank_rows(combos, st, dt)  # one per distinct path (hops and their decisions)
    cps = s_cls[us] * n_cls + d_cls[vs]
    pairs_of: dict[int, set[int]] = {}
    for key, cp in np.unique(np.stack([keys, cps]), axis=1).T.tolist():
        pairs_of.setdefault(key, set()).add(cp)
    _, first = np.unique(keys, return_index=True)
    joins: dict[Hashable, tuple[Hop, ...]] = {}
    for i in first.tolist():
        hops = result.hops_of(f, int(us[i]), int(vs[i]), joins)
        positions = {id(h): n for n, h in enumerate(hops)}
        pairs = pairs_of[int(keys[i])]
        for k, services in enumerate(closed):
            if not services:
                continue
            blocks, _ = walk(hops, services)
            for b in blocks:
                by, detail = _by(b)
                position = positions[id(b.hop)]
                groups[k].setdefault((b.hop.label, by), _Group(detail, position)).add(
                    b.services, pairs, position)


def _by(b: Block) -> tuple[str, str]:
    """``by`` and ``detail`` of one block."""
    route = b.hop.label.startswith(ROUTE_LABELS)
    back = b.hop.label.startswith("return route")
    if b.rule is not None:
        kind = "implied rule" if b.rule.implied else "rule"
        if route and b.rule.action is not Action.DENY:
            where = "back to the source" if back else "to the destination"
            return b.rule.id, (f"route {b.rule.id} ({b.rule.summary()}) does not lead {where}")
        if route:
            return b.rule.id, f"route {b.rule.id} drops it ({b.rule.summary()})"
        return b.rule.id, f"{kind} {b.rule.id} denies it ({b.rule.summary()})"
    if route:
        return NO_ROUTE, "no route back to the source" if back else "no route to the destination"
    return IMPLICIT_DENY, "no rule allows it (implicit deny)"
