"""The reachability engine: equivalence classes of workloads, address atoms, memoised verdicts.

Workloads with the same filter signature (their provider's ``class_key``) behave alike; address
atoms (:mod:`pathwarden.engine.atoms`) make addresses that every rule treats alike one value.
Each path is split into a source half and a destination half
(:mod:`pathwarden.engine.semantics`); :mod:`pathwarden.engine.bulk` evaluates a whole
segment-to-segment question at once from the halves. Results are exact: the tests hold the
engine to a brute-force per-packet oracle and to a pair-by-pair reference evaluator.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pathwarden.engine import verdicts
from pathwarden.engine.atoms import AtomIndex
from pathwarden.engine.endpoints import Endpoint, EndpointIndex, SegmentResolver, parse_endpoint
from pathwarden.engine.result import ReachResult
from pathwarden.engine.semantics import NO_HALF, Half, Role, Semantics, semantics_for
from pathwarden.engine.stages import FilterStage, Plan, SlotPlan
from pathwarden.engine.units import AddressTable, address_table
from pathwarden.engine.verdicts import Decision
from pathwarden.engine.views import Columns, SetIndex
from pathwarden.model import AddressSet, Direction, Estate, Filter, Notice, Peer, Workload
from pathwarden.model.addresses import V4_MAX, V6_MAX, Family, address_value
from pathwarden.model.intervals import IntervalSet
from pathwarden.model.rules import PeerKind, Rule

MEMO_LIMIT = 200_000  # entries per memo table; past it the table starts afresh (bounded memory)


@dataclass(frozen=True, slots=True)
class Compiled:
    """A stage's rules for one address family, each with its source and destination sets
    (``None``: any address)."""

    rules: tuple[tuple[Rule, IntervalSet | None, IntervalSet | None], ...]
    uses_src: bool
    uses_dst: bool
    src_sets: tuple[SetIndex, ...] = ()  # the distinct source sets the rules name
    dst_sets: tuple[SetIndex, ...] = ()

    def sets(self, src_side: bool) -> tuple[SetIndex, ...]:
        return self.src_sets if src_side else self.dst_sets


class Engine:
    """Build once per estate; ask :meth:`reach` as often as needed."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.sem: dict[str, Semantics] = {}
        notices: list[Notice] = []
        for cloud in sorted(estate.clouds()):
            factory = semantics_for(cloud)
            if factory is None:
                notices.append(Notice("no-semantics", f"no evaluation semantics for cloud "
                                      f"{cloud!r}: its workloads are never reachable", cloud))
            else:
                self.sem[cloud] = factory(estate)
        self.notices = tuple(notices)
        self.class_of: dict[str, int] = {}
        self.rep: list[Workload | None] = []
        self.cloud: list[str] = []
        keys: dict[Hashable, int] = {}
        for w in estate.workloads:
            sem = self.sem.get(w.cloud)
            key = (w.cloud, sem.class_key(w) if sem else w.id)
            idx = keys.get(key)
            if idx is None:
                idx = keys[key] = len(self.rep)
                self.rep.append(w)
                self.cloud.append(w.cloud)
            self.class_of[w.id] = idx
        self._workload_classes = len(self.rep)
        self.outside_class: dict[str, int] = {}
        for cloud in sorted(self.sem):  # one "outside" class per cloud: addresses not ours
            self.outside_class[cloud] = len(self.rep)
            self.rep.append(None)
            self.cloud.append(cloud)
        self._peer_cache: dict[Hashable, AddressSet | None] = {}
        v4: set[IntervalSet] = set()
        v6: set[IntervalSet] = set()
        for sem in self.sem.values():
            for s in sem.address_sets():
                if s.v4:
                    v4.add(s.v4)
                if s.v6:
                    v6.add(s.v6)
        self.atoms = {Family.V4: AtomIndex(v4, V4_MAX), Family.V6: AtomIndex(v6, V6_MAX)}
        self.platform = AddressSet.union_all(s.platform() for s in self.sem.values())
        self._halves: dict[tuple[int, bool], Half] = {}
        self._plans: dict[tuple[int, bool, Family], Plan] = {}
        self._places: dict[int, Hashable] = {}
        self._links: dict[tuple[int, int], tuple[str, Hashable] | None] = {}
        self._place_ids: list[int] | None = None
        self._place_list: list[Any] = []
        self._workload_index: dict[str, int] | None = None
        self._tables: dict[Family, AddressTable] = {}
        self._stage_ids: dict[Hashable, int] = {}
        self._sid_by_object: dict[int, tuple[FilterStage, int]] = {}
        self._class_notices: dict[int, tuple[Notice, ...]] = {}
        self._notice_index: dict[str, list[Notice]] | None = None
        self._compiled: dict[tuple[int, Family], Compiled] = {}
        self._filter_memo: dict[tuple[str, bool, Family], tuple[Filter, list[Any]]] = {}
        self._set_index: dict[tuple[Family, IntervalSet], SetIndex] = {}
        self._memo: dict[Hashable, Decision] = {}
        self._verdicts: dict[Hashable, Decision] = {}  # (kind, default, rule ids) -> verdict
        self._addr_atoms: dict[str, tuple[Family, int]] = {}
        self._index: EndpointIndex | None = None  # built on the first endpoint text

    # -- public ------------------------------------------------------------------------------
    @property
    def class_count(self) -> int:
        return self._workload_classes

    def atom_count(self) -> int:
        return sum(len(a) for a in self.atoms.values())

    def endpoint(self, text: str, segments: SegmentResolver | None = None) -> Endpoint:
        if self._index is None:
            self._index = EndpointIndex(self.estate)
        return parse_endpoint(self._index, text, segments)

    def reach(
        self,
        src: str | Endpoint,
        dst: str | Endpoint,
        *,
        explain: bool = True,
        segments: SegmentResolver | None = None,
    ) -> ReachResult:
        """What is open from ``src`` to ``dst``, and (with ``explain``) why."""
        from pathwarden.engine.bulk import evaluate

        s = src if isinstance(src, Endpoint) else self.endpoint(src, segments)
        d = dst if isinstance(dst, Endpoint) else self.endpoint(dst, segments)
        return evaluate(self, s, d, explain=explain)

    def prewarm(self) -> None:
        """Build what every question needs (address tables, every class's stages compiled)
        now: worker processes forked afterwards share it instead of each building it."""
        for fam in (Family.V4, Family.V6):
            self.address_table(fam)
            for cls in range(len(self.rep)):
                for role in Role:
                    self.plan(cls, role, fam)

    # -- classes -------------------------------------------------------------------------------
    def half(self, cls: int, role: Role) -> Half:
        key = (cls, role is Role.SOURCE)
        hit = self._halves.get(key)
        if hit is None:
            sem = self.sem.get(self.cloud[cls])
            hit = sem.half(self.rep[cls], role) if sem is not None else NO_HALF
            self._halves[key] = hit
        return hit

    def place(self, cls: int) -> Hashable:
        if cls not in self._places:
            sem = self.sem.get(self.cloud[cls])
            self._places[cls] = sem.place(self.rep[cls]) if sem is not None else None
        return self._places[cls]

    def link(self, src_cls: int, dst_cls: int) -> tuple[str, Hashable] | None:
        """``(cloud, the provider's link)`` between two classes, ``None`` when no flow is
        possible (different clouds, two outside ends, or the provider says so)."""
        return self.link_of_places(self.place_ids[src_cls], self.place_ids[dst_cls])

    def link_of_places(self, src: int, dst: int) -> tuple[str, Hashable] | None:
        key = (src, dst)
        if key not in self._links:
            (s_cloud, s_place, s_out), (d_cloud, d_place, d_out) = (
                self._place_list[src], self._place_list[dst])
            sem = self.sem.get(s_cloud)
            inner = None
            if s_cloud == d_cloud and not (s_out and d_out) and sem is not None:
                inner = sem.link(s_place, d_place)
            self._links[key] = None if inner is None else (s_cloud, inner)
        return self._links[key]

    @property
    def place_ids(self) -> list[int]:
        """Per class: an id of (cloud, place, outside) shared by classes that link alike."""
        if self._place_ids is None:
            index: dict[Hashable, int] = {}
            ids = []
            for cls in range(len(self.rep)):
                key = (self.cloud[cls], self.place(cls), self.rep[cls] is None)
                ids.append(index.setdefault(key, len(index)))
            self._place_list = list(index)
            self._place_ids = ids
        return self._place_ids

    @property
    def workload_index(self) -> dict[str, int]:
        if self._workload_index is None:
            self._workload_index = {w.id: i for i, w in enumerate(self.estate.workloads)}
        return self._workload_index

    def address_table(self, fam: Family) -> AddressTable:
        hit = self._tables.get(fam)
        if hit is None:
            hit = self._tables[fam] = address_table(self, fam)
        return hit

    def atom_of(self, address: str) -> tuple[Family, int]:
        hit = self._addr_atoms.get(address)
        if hit is None:
            fam, value = address_value(address)
            hit = self._addr_atoms[address] = (fam, self.atoms[fam].atom(value))
        return hit

    def plan(self, cls: int, role: Role, fam: Family) -> Plan:
        """How a class's half is evaluated in one family: per stage, its id, which rule side
        faces the other end, and whether its decision depends on the class's own address."""
        key = (cls, role is Role.SOURCE, fam)
        hit = self._plans.get(key)
        if hit is None:
            slots = []
            for h in self.half(cls, role).stages:
                sid = self.stage_id(h.stage)
                comp = self.compiled(sid, h.stage, fam)
                other_is_src = (role is Role.DESTINATION) != h.reply
                own_used = comp.uses_dst if other_is_src else comp.uses_src
                slots.append(SlotPlan(sid, h.stage, other_is_src, own_used))
            hit = self._plans[key] = Plan(tuple(slots), any(p.own_used for p in slots))
        return hit

    # -- stages --------------------------------------------------------------------------------
    def stage_id(self, stage: FilterStage) -> int:
        """A small id per stage key (stages with equal keys decide alike), found by the stage
        object first: providers keep their stage objects, and a key is a tuple to build."""
        hit = self._sid_by_object.get(id(stage))
        if hit is not None and hit[0] is stage:
            return hit[1]
        key = stage.key
        sid = self._stage_ids.get(key)
        if sid is None:
            sid = self._stage_ids[key] = len(self._stage_ids)
        self._sid_by_object[id(stage)] = (stage, sid)
        return sid

    def compiled(self, sid: int, stage: FilterStage, fam: Family) -> Compiled:
        ckey = (sid, fam)
        comp = self._compiled.get(ckey)
        if comp is None:
            rules: list[tuple[Rule, IntervalSet | None, IntervalSet | None]] = []
            for f in stage.filters:
                rules.extend(self._filter_rules(f, stage.direction, fam))
            srcs = dict.fromkeys(s for _, s, _ in rules if s is not None)
            dsts = dict.fromkeys(d for _, _, d in rules if d is not None)
            comp = self._compiled[ckey] = Compiled(
                tuple(rules),
                any(s is not None for _, s, _ in rules),
                any(d is not None for _, _, d in rules),
                tuple(self.set_index(s, fam) for s in srcs),
                tuple(self.set_index(d, fam) for d in dsts),
            )
        return comp

    def _filter_rules(self, f: Filter, direction: Direction, fam: Family
                      ) -> list[tuple[Rule, IntervalSet | None, IntervalSet | None]]:
        """One filter's enabled rules of one direction with their address sets, compiled
        once (stages that share a filter, as security-group sets do, share the work): one
        pass over the filter's rules fills both directions and both families."""
        key = (f.id, direction is Direction.EGRESS, fam)
        hit = self._filter_memo.get(key)
        if hit is None or hit[0] is not f:
            sem = self.sem[f.cloud]
            lists: dict[tuple[bool, Family], list[Any]] = {
                (e, fm): [] for e in (True, False) for fm in (Family.V4, Family.V6)}
            for r in f.rules:
                if r.disabled:
                    continue
                src = self._side_addresses(sem, r.src, f)
                dst = self._side_addresses(sem, r.dst, f)
                egress = r.direction is Direction.EGRESS
                for fm in (Family.V4, Family.V6):
                    s = None if src is None else src.family(fm)
                    d = None if dst is None else dst.family(fm)
                    if (s is not None and not s) or (d is not None and not d):
                        continue  # the rule names no address of this family
                    lists[(egress, fm)].append((r, s, d))
            for (egress, fm), rules in lists.items():
                self._filter_memo[(f.id, egress, fm)] = (f, rules)
            hit = self._filter_memo[key]
        return hit[1]

    def set_index(self, s: IntervalSet, fam: Family) -> SetIndex:
        hit = self._set_index.get((fam, s))
        if hit is None:
            hit = self._set_index[(fam, s)] = SetIndex(s, self.atoms[fam])
        return hit

    def decision(self, sid: int, stage: FilterStage, fam: Family, src: tuple[int, int],
                 dst: tuple[int, int]) -> Decision:
        """The stage's decision for a flow between two addresses, each given as ``(signature,
        elementary interval)``: the signature (:class:`~pathwarden.engine.views.Columns`) of
        the address over the stage's source (destination) sets names the decision, the
        interval is an address to evaluate it at. Memoised by signature; a side the rules
        never look at is ignored."""
        comp = self.compiled(sid, stage, fam)
        key = (sid, fam, src[0] if comp.uses_src else None, dst[0] if comp.uses_dst else None)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        atoms = self.atoms[fam]
        s_rep = atoms.start(src[1]) if comp.uses_src else 0
        d_rep = atoms.start(dst[1]) if comp.uses_dst else 0
        matching = [
            r
            for r, s, d in comp.rules
            if (s is None or s.contains(s_rep)) and (d is None or d.contains(d_rep))
        ]
        # the same matching rules decide alike: the verdict is computed once per rule tuple,
        # and each memo key still gets a decision object of its own (explanations group by it)
        vkey = (stage.kind, stage.default, tuple(map(id, matching)))
        same = self._verdicts.get(vkey)
        if same is None:
            out = self._verdicts[vkey] = verdicts.decide(stage.kind, matching, stage.default)
        else:
            out = replace(same)
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
            self._verdicts.clear()
        self._memo[key] = out
        return out

    def decision_at(
        self, sid: int, stage: FilterStage, fam: Family, src_atom: int, dst_atom: int
    ) -> Decision:
        """:meth:`decision` for a flow between two global atoms."""
        atoms = self.atoms[fam]
        comp = self.compiled(sid, stage, fam)
        ends = []
        for atom, src_side in ((src_atom, True), (dst_atom, False)):
            interval = atoms.first_interval(atom)
            cols = Columns(np.array([interval], dtype=np.int64))
            ends.append((int(cols.signatures(comp.sets(src_side))[0]), interval))
        return self.decision(sid, stage, fam, ends[0], ends[1])

    def _side_addresses(
        self, sem: Semantics, peers: tuple[Peer, ...], owner: Filter
    ) -> AddressSet | None:
        """What a rule's peers stand for (``None``: any address)."""
        if not peers:
            return None
        key = (owner.cloud, owner.network, peers)
        resolved = self._peer_cache.get(key)
        if resolved is None:
            if any(p.kind is PeerKind.ANY for p in peers):
                self._peer_cache[key] = None
                return None
            resolved = AddressSet.union_all(sem.resolve(p, owner) for p in peers)
            self._peer_cache[key] = resolved
        return resolved

    def involved_notices(self, classes: set[int]) -> tuple[Notice, ...]:
        """The estate's notices about any filter (or rule of one) of these classes' halves,
        in the estate's order."""
        if not self.estate.notices:
            return ()
        found: set[int] = set()
        for cls in classes:
            hit = self._class_notices.get(cls)
            if hit is None:
                hit = self._class_notices[cls] = self._notices_of(cls)
            found.update(id(n) for n in hit)
        return tuple(n for n in self.estate.notices if id(n) in found)

    def _notices_of(self, cls: int) -> tuple[Notice, ...]:
        if self._notice_index is None:  # filter id -> notices about it or one of its rules
            by_source: dict[str, list[Notice]] = {}
            for n in self.estate.notices:
                by_source.setdefault(n.source, []).append(n)
            self._notice_index = {}
            for f in self.estate.filters.values():
                found = list(by_source.get(f.id, []))
                for r in f.rules:
                    found += by_source.get(r.id, [])
                if found:
                    self._notice_index[f.id] = found
        index = self._notice_index
        out: list[Notice] = []
        for role in Role:
            for h in self.half(cls, role).stages:
                for f in h.stage.filters:
                    out += index.get(f.id, [])
        return tuple(out)
