"""A pair-by-pair reference evaluator: what the engine did before it learned to evaluate a
whole segment at once, kept to hold the fast path to the same answers.

It shares only the primitives with the engine (classes, global atoms, the providers' halves and
joins, one stage decision per atom pair) and none of the set-level machinery (stage views,
units, half-value rows, the combination matrix, vectorised attribution). Every (class, atom)
side of one end is paired with every side of the other, outside ranges are split at every global
atom boundary, and each pair is joined on its own; answers are aggregated per (source class,
destination class) as ``ReachResult`` documents them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pathwarden.engine.attribution import rules_through
from pathwarden.engine.bulk import join
from pathwarden.engine.endpoints import Endpoint
from pathwarden.engine.engine import Engine
from pathwarden.engine.render import ByHop, render
from pathwarden.engine.result import MAX_MEMBERS
from pathwarden.engine.semantics import Hop, Role
from pathwarden.model import AddressSet, Estate, ServiceSet
from pathwarden.model.addresses import Family
from pathwarden.model.intervals import IntervalSet


@dataclass
class _Side:
    workloads: set[str] = field(default_factory=set)
    ranges: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class _Pair:
    src_class: int
    dst_class: int
    src: _Side
    dst: _Side
    fam: Family
    open: ServiceSet
    hops: tuple[Hop, ...]


class ReferenceResult:
    def __init__(self, pairs: list[_Pair]) -> None:
        self._pairs = pairs
        self.open = ServiceSet.union_all(p.open for p in pairs)

    def _groups(self, within: ServiceSet | None) -> dict[tuple[int, int], list[_Pair]]:
        groups: dict[tuple[int, int], list[_Pair]] = defaultdict(list)
        for p in self._pairs:
            groups[(p.src_class, p.dst_class)].append(p)
        return {
            k: g for k, g in groups.items()
            if within is None or ServiceSet.union_all(p.open for p in g) & within
        }

    def pair_count(self, within: ServiceSet | None = None) -> int:
        return len(self._groups(within))

    def pairs(self, within: ServiceSet | None = None, limit: int | None = None
              ) -> Iterator[tuple[list[str], list[str], ServiceSet]]:
        for n, group in enumerate(self._groups(within).values()):
            if limit is not None and n >= limit:
                return
            opened = ServiceSet.union_all(p.open for p in group)
            yield (_members(group, src=True), _members(group, src=False),
                   opened if within is None else opened & within)

    def rule_ids(self, within: ServiceSet | None = None) -> list[str]:
        ids: dict[str, None] = {}
        for group in self._groups(within).values():
            for p in group:
                part = p.open if within is None else p.open & within
                for hop in p.hops:
                    for r in rules_through([(hop.decision, part)]):
                        ids[r.id] = None
        return list(ids)

    def explanations(self, within: ServiceSet | None = None) -> list[dict[str, Any]]:
        items = []
        for group in self._groups(within).values():
            opened = ServiceSet.union_all(p.open for p in group)
            if within is not None:
                opened = opened & within
            by_hop: ByHop = {}
            for p in group:
                part = p.open if within is None else p.open & within
                if not part:
                    continue
                for hop in p.hops:
                    slot = by_hop.setdefault(hop.label, {})
                    seen = slot.get(id(hop.decision))
                    slot[id(hop.decision)] = (hop.decision,
                                              part if seen is None else seen[1] | part)
            items.append((by_hop, opened, _member_set(group, src=True),
                          _member_set(group, src=False)))
        return render(items)

    def to_json(self) -> dict[str, Any]:
        return {"open": self.open.to_contract()}


def _member_set(group: list[_Pair], *, src: bool) -> tuple[frozenset[str], AddressSet]:
    ids: set[str] = set()
    v4: list[tuple[int, int]] = []
    v6: list[tuple[int, int]] = []
    for p in group:
        side = p.src if src else p.dst
        ids |= side.workloads
        (v4 if p.fam is Family.V4 else v6).extend(side.ranges)
    return frozenset(ids), AddressSet(IntervalSet(v4), IntervalSet(v6))


def _members(group: list[_Pair], *, src: bool) -> list[str]:
    ids: set[str] = set()
    v4: list[tuple[int, int]] = []
    v6: list[tuple[int, int]] = []
    for p in group:
        side = p.src if src else p.dst
        ids |= side.workloads
        (v4 if p.fam is Family.V4 else v6).extend(side.ranges)
    names = sorted(ids)
    names += [str(n) for n in AddressSet(IntervalSet(v4), IntervalSet(v6)).networks()]
    if len(names) > MAX_MEMBERS:
        return [*names[:MAX_MEMBERS], "and more"]
    return names


class ReferenceEngine:
    """``reach`` pair by pair, over the engine's primitives (an ``EngineLike`` for check)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def estate(self) -> Estate:
        return self.engine.estate

    def reach(self, src: str | Endpoint, dst: str | Endpoint, *, explain: bool = True
              ) -> ReferenceResult:
        e = self.engine
        s = src if isinstance(src, Endpoint) else e.endpoint(src)
        d = dst if isinstance(dst, Endpoint) else e.endpoint(dst)
        s_in, s_out = self._sides(s)
        d_in, d_out = self._sides(d)
        pairs: list[_Pair] = []
        d_clouds = {e.cloud[c] for c, _, _ in d_in}
        s_clouds = {e.cloud[c] for c, _, _ in s_in}
        for (sc, fam, satom), sside in s_in.items():
            for (dc, dfam, datom), dside in d_in.items():
                if fam is dfam and not _only_self(sside, dside):
                    self._pair(pairs, sc, dc, fam, satom, datom, sside, dside)
        for cloud in sorted(s_clouds):
            for (sc, fam, satom), sside in s_in.items():
                if e.cloud[sc] == cloud and cloud in e.outside_class:
                    for datom, dside in self._outside(d_out, fam):
                        self._pair(pairs, sc, e.outside_class[cloud], fam, satom, datom, sside,
                                   dside)
        for cloud in sorted(d_clouds):
            for (dc, fam, datom), dside in d_in.items():
                if e.cloud[dc] == cloud and cloud in e.outside_class:
                    for satom, sside in self._outside(s_out, fam):
                        self._pair(pairs, e.outside_class[cloud], dc, fam, satom, datom, sside,
                                   dside)
        return ReferenceResult(pairs)

    def _sides(self, ep: Endpoint) -> tuple[dict[tuple[int, Family, int], _Side], AddressSet]:
        sides: dict[tuple[int, Family, int], _Side] = defaultdict(_Side)
        for m in ep.members:
            cls = self.engine.class_of[m.workload.id]
            for a in m.addresses:
                fam, atom = self.engine.atom_of(a)
                sides[(cls, fam, atom)].workloads.add(m.workload.id)
        return sides, ep.outside - self.engine.platform

    def _outside(self, outside: AddressSet, fam: Family) -> list[tuple[int, _Side]]:
        atoms = self.engine.atoms[fam]
        groups: dict[int, _Side] = {}
        for lo, hi in outside.family(fam).ranges:
            for sig, start, end in atoms.atoms_in(lo, hi):
                groups.setdefault(sig, _Side()).ranges.append((start, end))
        return list(groups.items())

    def _pair(self, pairs: list[_Pair], sc: int, dc: int, fam: Family, satom: int, datom: int,
              sside: _Side, dside: _Side) -> None:
        e = self.engine
        link = e.link(sc, dc)
        if link is None:
            return
        s_half, d_half = e.half(sc, Role.SOURCE), e.half(dc, Role.DESTINATION)
        s_decs = tuple(self._decide(h, fam, satom, datom) for h in s_half.stages)
        d_decs = tuple(self._decide(h, fam, satom, datom) for h in d_half.stages)
        joined = join(e, link, s_half, s_decs, d_half, d_decs)
        if joined.open:
            pairs.append(_Pair(sc, dc, sside, dside, fam, joined.open, joined.hops))

    def _decide(self, h: Any, fam: Family, satom: int, datom: int) -> Any:
        sid = self.engine.stage_id(h.stage)
        if h.reply:  # the reply packet: from the destination back to the source
            return self.engine.decision_at(sid, h.stage, fam, datom, satom)
        return self.engine.decision_at(sid, h.stage, fam, satom, datom)


def _only_self(src: _Side, dst: _Side) -> bool:
    if src.ranges or dst.ranges:
        return False
    return len(src.workloads) == 1 and src.workloads == dst.workloads

