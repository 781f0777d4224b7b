"""The reachability engine: equivalence classes of workloads, address atoms, memoised verdicts.

Workloads with the same filter signature (their provider's ``class_key``) behave alike; address
atoms (:mod:`pathwarden.engine.atoms`) make addresses that every rule treats alike one value. A
reach between two endpoints is evaluated once per distinct (class, atom) pair on each side, and
each filter decision once per (filter, atom) it depends on. Results are exact: the tests hold
the engine to a brute-force per-packet oracle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

from pathwarden.engine import verdicts
from pathwarden.engine.atoms import AtomIndex
from pathwarden.engine.endpoints import Endpoint, EndpointIndex, SegmentResolver, parse_endpoint
from pathwarden.engine.result import PairResult, ReachResult, StageDecision
from pathwarden.engine.stages import Chain, FilterStage
from pathwarden.engine.verdicts import Decision
from pathwarden.model import (
    ALL_SERVICES,
    NO_SERVICES,
    AddressSet,
    Estate,
    Filter,
    Notice,
    Peer,
    ServiceSet,
    Workload,
)
from pathwarden.model.addresses import V4_MAX, V6_MAX, Family, parse_address
from pathwarden.model.intervals import IntervalSet
from pathwarden.model.rules import PeerKind, Rule
from pathwarden.providers.base import Semantics
from pathwarden.providers.registry import semantics_for

OUTSIDE = -1
MEMO_LIMIT = 200_000  # entries per memo table; past it the table starts afresh (bounded memory)
LOCAL_LIMIT = 5_000  # path-local atom indexes kept (each holds one path's boundaries)
_FEW_ATOMS = 16  # below this many global atoms, a range needs no path-local split
SideKey = tuple[int, Family, int]  # (class, family, atom)


@dataclass(slots=True)
class _Side:
    workloads: set[str] = field(default_factory=set)
    ranges: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Compiled:
    rules: tuple[tuple[Rule, IntervalSet | None, IntervalSet | None], ...]
    uses_src: bool
    uses_dst: bool


class Engine:
    """Build once per estate; ask :meth:`reach` as often as needed."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self._sem: dict[str, Semantics] = {}
        for cloud in sorted(estate.clouds()):
            factory = semantics_for(cloud)
            if factory is not None:
                self._sem[cloud] = factory(estate)
        self._class_of: dict[str, int] = {}
        self._rep_workload: list[Workload] = []
        keys: dict[Hashable, int] = {}
        for w in estate.workloads:
            sem = self._sem.get(w.cloud)
            key = (w.cloud, sem.class_key(w) if sem else w.id)
            idx = keys.get(key)
            if idx is None:
                idx = keys[key] = len(self._rep_workload)
                self._rep_workload.append(w)
            self._class_of[w.id] = idx
        self._peer_cache: dict[Hashable, AddressSet] = {}
        v4: set[IntervalSet] = set()
        v6: set[IntervalSet] = set()
        for sem in self._sem.values():
            for s in sem.address_sets():
                if s.v4:
                    v4.add(s.v4)
                if s.v6:
                    v6.add(s.v6)
        self._atoms = {Family.V4: AtomIndex(v4, V4_MAX), Family.V6: AtomIndex(v6, V6_MAX)}
        self._platform = AddressSet.union_all(s.platform() for s in self._sem.values())
        self._compiled: dict[Hashable, _Compiled] = {}
        self._memo: dict[Hashable, Decision] = {}
        self._paths: dict[tuple[int, int], tuple[Chain, ...] | None] = {}
        self._pairs: dict[Hashable, tuple[ServiceSet, tuple[StageDecision, ...]]] = {}
        self._addr_atoms: dict[str, tuple[Family, int]] = {}
        self._index = EndpointIndex(estate)
        self._local: dict[tuple[int, int, Family], AtomIndex] = {}

    # -- public ------------------------------------------------------------------------------
    @property
    def class_count(self) -> int:
        return len(self._rep_workload)

    def atom_count(self) -> int:
        return sum(len(a) for a in self._atoms.values())

    def endpoint(self, text: str, segments: SegmentResolver | None = None) -> Endpoint:
        return parse_endpoint(self._index, text, segments)

    def reach(
        self,
        src: str | Endpoint,
        dst: str | Endpoint,
        *,
        explain: bool = True,
        segments: SegmentResolver | None = None,
    ) -> ReachResult:
        s = src if isinstance(src, Endpoint) else self.endpoint(src, segments)
        d = dst if isinstance(dst, Endpoint) else self.endpoint(dst, segments)
        src_in, src_out = self._sides(s)
        dst_in, dst_out = self._sides(d)
        opened = NO_SERVICES
        pairs: list[PairResult] = []
        classes: set[tuple[int, int]] = set()

        def visit(
            sc: int, dc: int, fam: Family, satom: int, datom: int, sside: _Side, dside: _Side
        ) -> None:
            nonlocal opened
            classes.add((sc, dc))
            services, stages = self._evaluate(sc, dc, fam, satom, datom)
            if not services:
                return
            opened = opened | services
            if explain:
                pairs.append(
                    PairResult(
                        sc,
                        dc,
                        tuple(sorted(sside.workloads)),
                        tuple(sorted(dside.workloads)),
                        _outside(fam, sside.ranges),
                        _outside(fam, dside.ranges),
                        services,
                        stages,
                    )
                )

        for (sc, fam, satom), sside in src_in.items():
            for (dc, dfam, datom), dside in dst_in.items():
                if fam is dfam and not _only_self(sside, dside):
                    visit(sc, dc, fam, satom, datom, sside, dside)
            for datom, dside in self._outside_atoms(sc, OUTSIDE, fam, dst_out.family(fam)):
                visit(sc, OUTSIDE, fam, satom, datom, sside, dside)
        # two outside addresses have no filter of ours between them: not our path
        for (dc, fam, datom), dside in dst_in.items():
            for satom, sside in self._outside_atoms(OUTSIDE, dc, fam, src_out.family(fam)):
                visit(OUTSIDE, dc, fam, satom, datom, sside, dside)
        notices = self._notices(classes) if explain else ()
        return ReachResult(s.label, d.label, opened, tuple(pairs), self.estate, explain, notices)

    def _notices(self, classes: set[tuple[int, int]]) -> tuple[Notice, ...]:
        """The estate's notices about any filter (or rule of one) these class pairs pass."""
        if not self.estate.notices:
            return ()
        involved: set[str] = set()
        for sc, dc in classes:
            for chain in self._path(sc, dc) or ():
                for stage in chain:
                    for hop in stage.hops():
                        involved.update(f.id for f in hop.filters)
                        involved.update(r.id for f in hop.filters for r in f.rules)
        return tuple(n for n in self.estate.notices if n.source in involved)

    # -- sides ---------------------------------------------------------------------------------
    def _sides(self, ep: Endpoint) -> tuple[dict[SideKey, _Side], AddressSet]:
        """Workload sides by (class, family, atom), and the outside addresses that count."""
        sides: dict[SideKey, _Side] = defaultdict(_Side)
        for m in ep.members:
            cls = self._class_of[m.workload.id]
            for a in m.addresses:
                fam, atom = self._atom_of(a)
                sides[(cls, fam, atom)].workloads.add(m.workload.id)
        return sides, ep.outside - self._platform

    def _outside_atoms(
        self, sc: int, dc: int, fam: Family, outside: IntervalSet
    ) -> list[tuple[int, _Side]]:
        """Split outside addresses where the rules of *this path* tell them apart.

        The global atoms split the address space at every boundary any rule of the estate
        uses; one path's filters use few of them. Grouping by the path's own atoms, and
        evaluating one address of each group, gives the same answer with far fewer steps.
        """
        if not outside:
            return []
        atoms = self._atoms[fam]
        few = sum(atoms.count_in(lo, hi) for lo, hi in outside) <= _FEW_ATOMS
        index = atoms if few else self._local_atoms(sc, dc, fam)
        groups: dict[int, _Side] = {}
        for lo, hi in outside:
            for sig, start, end in index.atoms_in(lo, hi):
                groups.setdefault(sig, _Side()).ranges.append((start, end))
        if few:  # already global atoms (a host address, a small range)
            return list(groups.items())
        return [(atoms.atom(side.ranges[0][0]), side) for side in groups.values()]

    def _local_atoms(self, sc: int, dc: int, fam: Family) -> AtomIndex:
        key = (sc, dc, fam)
        hit = self._local.get(key)
        if hit is None:
            sets: set[IntervalSet] = set()
            for chain in self._path(sc, dc) or ():
                for stage in chain:
                    for hop in stage.hops():
                        for f in hop.filters:
                            sem = self._sem[f.cloud]
                            for r in f.rules:
                                for peers in (r.src, r.dst):
                                    part = self._side_set(sem, peers, f, fam)
                                    if part:
                                        sets.add(part)
            if len(self._local) >= LOCAL_LIMIT:
                self._local.clear()
            hit = self._local[key] = AtomIndex(sets, V4_MAX if fam is Family.V4 else V6_MAX)
        return hit

    def _atom_of(self, address: str) -> tuple[Family, int]:
        hit = self._addr_atoms.get(address)
        if hit is None:
            ip = parse_address(address)
            fam = Family.V4 if ip.version == 4 else Family.V6
            hit = self._addr_atoms[address] = (fam, self._atoms[fam].atom(int(ip)))
        return hit

    # -- evaluation ----------------------------------------------------------------------------
    def _evaluate(
        self, sc: int, dc: int, fam: Family, satom: int, datom: int
    ) -> tuple[ServiceSet, tuple[StageDecision, ...]]:
        key = (sc, dc, fam, satom, datom)
        hit = self._pairs.get(key)
        if hit is not None:
            return hit
        chains = self._path(sc, dc)
        result = NO_SERVICES
        stages: list[StageDecision] = []
        if chains is not None:
            result = ALL_SERVICES
            for chain in chains:
                decisions = []
                for stage in chain:
                    d = stage.decide(self, fam, satom, datom)
                    decisions.append((stage.mode, d))
                    stages.append(StageDecision(stage.label, d))
                result = result & verdicts.combine(decisions)
                if not result:
                    break
        out = (result, tuple(stages))
        if len(self._pairs) >= MEMO_LIMIT:
            self._pairs.clear()
        self._pairs[key] = out
        return out

    def _path(self, sc: int, dc: int) -> tuple[Chain, ...] | None:
        key = (sc, dc)
        if key in self._paths:
            return self._paths[key]
        src = None if sc == OUTSIDE else self._rep_workload[sc]
        dst = None if dc == OUTSIDE else self._rep_workload[dc]
        chains: tuple[Chain, ...] | None = None
        clouds = {w.cloud for w in (src, dst) if w is not None}
        if len(clouds) == 1:
            sem = self._sem.get(clouds.pop())
            if sem is not None:
                chains = sem.path(src, dst)
        if len(self._paths) >= MEMO_LIMIT:
            self._paths.clear()
        self._paths[key] = chains
        return chains

    def decision(self, stage: FilterStage, fam: Family, src_atom: int, dst_atom: int) -> Decision:
        comp = self._compile(stage, fam)
        key = (
            stage.key,
            fam,
            src_atom if comp.uses_src else None,
            dst_atom if comp.uses_dst else None,
        )
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        atoms = self._atoms[fam]
        s_rep = atoms.representative(src_atom) if comp.uses_src else 0
        d_rep = atoms.representative(dst_atom) if comp.uses_dst else 0
        matching = [
            r
            for r, s, d in comp.rules
            if (s is None or s.contains(s_rep)) and (d is None or d.contains(d_rep))
        ]
        out = verdicts.decide(stage.kind, matching, stage.default)
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = out
        return out

    def _compile(self, stage: FilterStage, fam: Family) -> _Compiled:
        ckey = (stage.key, fam)
        comp = self._compiled.get(ckey)
        if comp is not None:
            return comp
        rules: list[tuple[Rule, IntervalSet | None, IntervalSet | None]] = []
        for f in stage.filters:
            sem = self._sem[f.cloud]
            for r in f.rules:
                if r.direction is not stage.direction or r.disabled:
                    continue
                src = self._side_set(sem, r.src, f, fam)
                dst = self._side_set(sem, r.dst, f, fam)
                if (src is not None and not src) or (dst is not None and not dst):
                    continue  # the rule names no address of this family
                rules.append((r, src, dst))
        comp = _Compiled(
            tuple(rules),
            any(s is not None for _, s, _ in rules),
            any(d is not None for _, _, d in rules),
        )
        self._compiled[ckey] = comp
        return comp

    def _side_set(
        self, sem: Semantics, peers: tuple[Peer, ...], owner: Filter, fam: Family
    ) -> IntervalSet | None:
        if not peers or any(p.kind is PeerKind.ANY for p in peers):
            return None
        key = (owner.cloud, owner.network, peers)
        resolved = self._peer_cache.get(key)
        if resolved is None:
            resolved = AddressSet.union_all(sem.resolve(p, owner) for p in peers)
            self._peer_cache[key] = resolved
        return resolved.family(fam)


def _only_self(src: _Side, dst: _Side) -> bool:
    """A workload paired with itself is not a movement path."""
    if src.ranges or dst.ranges:
        return False
    return len(src.workloads) == 1 and src.workloads == dst.workloads


def _outside(fam: Family, ranges: list[tuple[int, int]]) -> AddressSet:
    if not ranges:
        return AddressSet()
    iv = IntervalSet(ranges)
    return AddressSet(v4=iv) if fam is Family.V4 else AddressSet(v6=iv)
