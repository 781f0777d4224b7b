"""One endpoint-to-endpoint question, evaluated at once.

Each end is cut into *units*: for workloads, the (class, atom) pairs it has; for outside
ranges, the pieces the other end's stages can tell apart. The source half of a unit is
evaluated against every distinct destination address behaviour (a *row* of half-values over
*columns*), the destination half likewise, and the pair matrix is the half-values of both sides
and the link of their places. Halves are joined once per distinct (link, source half-value,
destination half-value) combination, not once per pair: a combination's answer holds for every
pair that has it. What stays is one small integer per unit pair (the combination), from which
:class:`pathwarden.engine.result.ReachResult` answers what is open, how many member pairs, and
which rules open it, lazily.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from pathwarden.engine.endpoints import Endpoint
from pathwarden.engine.semantics import Half, Joined, Role
from pathwarden.engine.stages import SlotPlan
from pathwarden.engine.verdicts import Decision
from pathwarden.engine.views import StageView
from pathwarden.model import NO_SERVICES, ServiceSet
from pathwarden.model.addresses import Family

if TYPE_CHECKING:
    from pathwarden.engine.engine import Engine
    from pathwarden.engine.result import ReachResult

Ints = npt.NDArray[np.int64]
JOIN_LIMIT = 200_000


@dataclass(slots=True)
class Units:
    """The units of one end in one address family, grouped by class (classes contiguous)."""

    classes: list[int] = field(default_factory=list)
    intervals: list[int] = field(default_factory=list)  # stand-in elementary interval
    atoms: list[int] = field(default_factory=list)  # own global atom
    workloads: list[tuple[str, ...]] = field(default_factory=list)
    ranges: list[tuple[tuple[int, int], ...]] = field(default_factory=list)

    def add(self, cls: int, interval: int, atom: int, workloads: tuple[str, ...],
            ranges: tuple[tuple[int, int], ...] = ()) -> None:
        self.classes.append(cls)
        self.intervals.append(interval)
        self.atoms.append(atom)
        self.workloads.append(workloads)
        self.ranges.append(ranges)

    def __len__(self) -> int:
        return len(self.classes)


@dataclass(slots=True)
class Rows:
    """The half-values of one end's units against the other end's columns."""

    role: Role
    of_unit: Ints  # row index of each unit
    col_of_other: Ints  # the other end's units -> column index
    values: Ints  # (rows, columns) half-value ids
    halves: list[Half]  # per row
    slots: list[list[int]]  # per row: slot-vector index of each stage of its half
    slot_vectors: Ints  # (slots, columns): local decision id


@dataclass
class FamilyEval:
    """Everything one address family of a question needs for its answers."""

    fam: Family
    src: Units
    dst: Units
    src_rows: Rows
    dst_rows: Rows
    combos: Ints  # (src units, dst units): combination id
    opens: list[ServiceSet]  # per combination
    hop_slots: list[tuple[tuple[str, int | str], ...]]  # per combination: the hops' slots
    links: list[Hashable | None]  # per combination
    link_ids: Ints  # (src units, dst units): link id (index into link_values), -1 none
    link_values: list[Hashable]
    decisions: list[Decision]  # local decision ids -> decisions


class _Interner:
    """Local ids for the decisions and half-values one question meets."""

    def __init__(self) -> None:
        self.decisions: list[Decision] = []
        self._did: dict[int, int] = {}
        self.value_of: list[int] = []  # decision id -> value id
        self._vid: dict[tuple[ServiceSet, ...], int] = {}
        self.value_rep: list[Decision] = []
        self.half_values: list[tuple[Half, tuple[int, ...]]] = []  # (a half of the shape, vids)
        self._hvid: dict[Hashable, int] = {}

    def decision(self, d: Decision) -> int:
        did = self._did.get(id(d))
        if did is None:
            did = self._did[id(d)] = len(self.decisions)
            self.decisions.append(d)
            content = (d.allow, d.deny, d.always, d.rest)
            vid = self._vid.get(content)
            if vid is None:
                vid = self._vid[content] = len(self.value_rep)
                self.value_rep.append(d)
            self.value_of.append(vid)
        return did

    def half_value(self, half: Half, vids: tuple[int, ...]) -> int:
        key = (half.shape, vids)
        hv = self._hvid.get(key)
        if hv is None:
            hv = self._hvid[key] = len(self.half_values)
            self.half_values.append((half, vids))
        return hv


def evaluate(engine: Engine, src: Endpoint, dst: Endpoint, *, explain: bool) -> ReachResult:
    from pathwarden.engine.result import ReachResult

    families: list[FamilyEval] = []
    opened = NO_SERVICES
    classes: set[int] = set()
    for fam in (Family.V4, Family.V6):
        s_units = _workload_units(engine, src, fam)
        d_units = _workload_units(engine, dst, fam)
        _outside_units(engine, s_units, src, d_units, Role.DESTINATION, fam)
        _outside_units(engine, d_units, dst, s_units, Role.SOURCE, fam)
        classes.update(s_units.classes)
        classes.update(d_units.classes)
        if not len(s_units) or not len(d_units):
            continue
        f = _family(engine, fam, s_units, d_units)
        present = np.unique(f.combos)
        for c in present.tolist():
            opened = opened | f.opens[c]
        if explain:
            families.append(f)
    notices = engine.notices + engine.involved_notices(classes) if explain else ()
    return ReachResult(src.label, dst.label, opened, tuple(families), engine, explain, notices)


# -- units -------------------------------------------------------------------------------------


def _workload_units(engine: Engine, ep: Endpoint, fam: Family) -> Units:
    by_class: dict[int, dict[int, list[str]]] = {}
    for m in ep.members:
        cls = engine.class_of[m.workload.id]
        for a in m.addresses:
            afam, atom = engine.atom_of(a)
            if afam is fam:
                ids = by_class.setdefault(cls, {}).setdefault(atom, [])
                if not ids or ids[-1] != m.workload.id:
                    ids.append(m.workload.id)
    units = Units()
    atoms = engine.atoms[fam]
    for cls, by_atom in by_class.items():
        for atom, ids in by_atom.items():
            units.add(cls, atoms.first_interval(atom), atom, tuple(sorted(set(ids))))
    return units


def _facing(engine: Engine, units: Units, role: Role, fam: Family, cloud: str
            ) -> list[tuple[int, bool, StageView]]:
    """The distinct (stage, side) views of one end's halves that look at the other end."""
    seen: dict[tuple[int, bool], StageView] = {}
    for cls in dict.fromkeys(units.classes):
        if engine.cloud[cls] != cloud:
            continue
        for h in engine.half(cls, role).stages:
            other_is_src = (role is Role.DESTINATION) != h.reply
            sid = engine.stage_id(h.stage)
            if (sid, other_is_src) not in seen:
                seen[(sid, other_is_src)] = engine.view(sid, h.stage, fam, other_is_src)
    return [(sid, side, v) for (sid, side), v in seen.items()]


def _outside_units(engine: Engine, units: Units, ep: Endpoint, other: Units, other_role: Role,
                   fam: Family) -> None:
    """Add ``ep``'s outside ranges to ``units``: one unit per piece that the other end's stages
    (of each cloud the other end has workloads in) see alike."""
    outside = (ep.outside - engine.platform).family(fam)
    if not outside:
        return
    atoms = engine.atoms[fam]
    role = Role.SOURCE if other_role is Role.DESTINATION else Role.DESTINATION
    clouds = dict.fromkeys(engine.cloud[c] for c in other.classes if engine.rep[c] is not None)
    for cloud in clouds:
        if cloud not in engine.outside_class:
            continue
        cls = engine.outside_class[cloud]
        views = _facing(engine, other, other_role, fam, cloud)
        own = engine.half(cls, role)
        for h in own.stages:  # the outside end's own stages (none today), by its own address
            own_is_src = (role is Role.SOURCE) != h.reply
            sid = engine.stage_id(h.stage)
            views.append((sid, own_is_src, engine.view(sid, h.stage, fam, own_is_src)))
        pieces: dict[int, list[tuple[int, int]]] = {}
        first: dict[int, int] = {}
        for lo, hi in outside.ranges:
            i_lo, i_hi = atoms.interval(lo), atoms.interval(hi)
            idx = np.arange(i_lo, i_hi + 1, dtype=np.int64)
            sig = np.zeros(len(idx), dtype=np.int64)
            for _, _, view in views:
                sig ^= view.keys()[view.groups(idx)]
            for k, i in enumerate(range(i_lo, i_hi + 1)):
                s = int(sig[k])
                start = max(lo, atoms.start(i))
                end = hi if i == i_hi else min(hi, atoms.start(i + 1) - 1)
                piece = pieces.setdefault(s, [])
                first.setdefault(s, i)
                if piece and piece[-1][1] + 1 == start:
                    piece[-1] = (piece[-1][0], end)
                else:
                    piece.append((start, end))
        for s, ranges in pieces.items():
            i = first[s]
            units.add(cls, i, atoms.sig_of_interval(i), (), tuple(ranges))


# -- rows and the pair matrix ------------------------------------------------------------------


def _rows(engine: Engine, fam: Family, units: Units, other: Units, role: Role,
          tab: _Interner) -> Rows:
    cols, col_of_other = np.unique(np.array(other.intervals, dtype=np.int64),
                                   return_inverse=True)
    own = _own_groups(engine, fam, units, role)
    row_index: dict[Hashable, int] = {}
    of_unit = np.empty(len(units), dtype=np.int64)
    halves: list[Half] = []
    slots: list[list[int]] = []
    slot_index: dict[tuple[int, bool, int], int] = {}
    slot_plans: list[tuple[SlotPlan, int]] = []
    for u, cls in enumerate(units.classes):
        plan = engine.plan(cls, role, fam)
        groups = tuple(int(own[(sp.sid, sp.other_is_src)][u]) if sp.own_used else 0
                       for sp in plan.slots)
        key = (cls, groups)
        r = row_index.get(key)
        if r is None:
            r = row_index[key] = len(halves)
            halves.append(engine.half(cls, role))
            mine: list[int] = []
            for sp, g in zip(plan.slots, groups, strict=True):
                skey = (sp.sid, sp.other_is_src, g)
                sv = slot_index.get(skey)
                if sv is None:
                    sv = slot_index[skey] = len(slot_plans)
                    slot_plans.append((sp, g))
                mine.append(sv)
            slots.append(mine)
        of_unit[u] = r
    vectors = _slot_vectors(engine, fam, cols, slot_plans, tab)
    values = _row_values(halves, slots, vectors, tab, len(cols))
    return Rows(role, of_unit, col_of_other.reshape(-1).astype(np.int64), values, halves, slots,
                vectors)


def _own_groups(engine: Engine, fam: Family, units: Units, role: Role
                ) -> dict[tuple[int, bool], Ints]:
    """For every stage whose decision depends on the unit's own address: the unit's group in
    that stage's own-side view, for all units at once."""
    intervals = np.array(units.intervals, dtype=np.int64)
    out: dict[tuple[int, bool], Ints] = {}
    for cls in dict.fromkeys(units.classes):
        for sp in engine.plan(cls, role, fam).slots:
            key = (sp.sid, sp.other_is_src)
            if sp.own_used and key not in out:
                out[key] = engine.view(sp.sid, sp.stage, fam, not sp.other_is_src).groups(
                    intervals)
    return out


def _slot_vectors(engine: Engine, fam: Family, cols: Ints,
                  plans: list[tuple[SlotPlan, int]], tab: _Interner) -> Ints:
    """(slots, columns): the local decision id of each slot against each column."""
    out = np.empty((len(plans), len(cols)), dtype=np.int64)
    for sv, (sp, own) in enumerate(plans):
        view = engine.view(sp.sid, sp.stage, fam, sp.other_is_src)
        if len(view) == 1:
            groups: list[int] = [0]
            inv = None
        else:
            uniq, inv = np.unique(view.groups(cols), return_inverse=True)
            groups = uniq.tolist()
        dids = []
        for g in groups:
            s_grp, d_grp = (g, own) if sp.other_is_src else (own, g)
            dids.append(tab.decision(engine.decision(sp.sid, sp.stage, fam, s_grp, d_grp)))
        out[sv] = dids[0] if inv is None else np.array(dids, dtype=np.int64)[inv.reshape(-1)]
    return out


def _row_values(halves: list[Half], slots: list[list[int]], vectors: Ints, tab: _Interner,
                ncols: int) -> Ints:
    """(rows, columns): the half-value id of each row against each column. Rows with the same
    number of stages are keyed together: the values of their stages (and their half's shape)
    folded into one integer per cell, then interned per distinct key."""
    values = np.empty((len(halves), ncols), dtype=np.int64)
    lookup = np.array(tab.value_of, dtype=np.int64)
    vals = lookup[vectors] if len(vectors) else vectors
    shapes: dict[Hashable, int] = {}
    shape_of = np.array([shapes.setdefault(h.shape, len(shapes)) for h in halves],
                        dtype=np.int64)
    by_len: dict[int, list[int]] = {}
    for r, sl in enumerate(slots):
        by_len.setdefault(len(sl), []).append(r)
    for k, rows in by_len.items():
        idx = np.array(rows, dtype=np.int64)
        key = np.repeat(shape_of[idx][:, None], ncols, axis=1)
        table = np.array([slots[r] for r in rows], dtype=np.int64).reshape(len(rows), k)
        for j in range(k):
            _, inv = np.unique(key, return_inverse=True)  # keep the key small: rank it
            key = inv.reshape(key.shape) * (len(tab.value_rep) + 1) + vals[table[:, j]]
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
        ids = []
        for f in first.tolist():
            r, c = divmod(f, ncols)
            vids = tuple(int(vals[table[r, j], c]) for j in range(k))
            ids.append(tab.half_value(halves[rows[r]], vids))
        values[idx] = np.array(ids, dtype=np.int64)[inv.reshape(-1)].reshape(len(rows), ncols)
    return values


def _family(engine: Engine, fam: Family, src: Units, dst: Units) -> FamilyEval:
    tab = _Interner()
    s_rows = _rows(engine, fam, src, dst, Role.SOURCE, tab)
    d_rows = _rows(engine, fam, dst, src, Role.DESTINATION, tab)
    a = s_rows.values[s_rows.of_unit][:, s_rows.col_of_other]  # (src units, dst units)
    b = d_rows.values[d_rows.of_unit][:, d_rows.col_of_other].T
    link_ids, link_values = _links(engine, src, dst)
    n_hv = len(tab.half_values)
    key = ((link_ids + 1) * n_hv + a) * n_hv + b
    _skip_self(src, dst, key)
    uniq, inv = np.unique(key, return_inverse=True)
    opens: list[ServiceSet] = []
    slots: list[tuple[tuple[str, int | str], ...]] = []
    links: list[Hashable | None] = []
    for k in uniq.tolist():
        link = None
        if k >= 0:
            lk, rest = divmod(k, n_hv * n_hv)
            av, bv = divmod(rest, n_hv)
            link = link_values[lk - 1] if lk > 0 else None
        links.append(link)
        if link is None:
            opens.append(NO_SERVICES)
            slots.append(())
        else:
            o, sl = _join_open(engine, link, tab, av, bv)
            opens.append(o)
            slots.append(sl)
    combos = inv.reshape(key.shape).astype(np.int64)
    return FamilyEval(fam, src, dst, s_rows, d_rows, combos, opens, slots, links, link_ids,
                      link_values, tab.decisions)


def _links(engine: Engine, src: Units, dst: Units) -> tuple[Ints, list[Hashable]]:
    """The link id of every unit pair (-1: no flow possible), tabulated by class."""
    s_cls, s_idx = np.unique(np.array(src.classes, dtype=np.int64), return_inverse=True)
    d_cls, d_idx = np.unique(np.array(dst.classes, dtype=np.int64), return_inverse=True)
    values: dict[Hashable, int] = {}
    by_place: dict[tuple[str, Hashable, Hashable, bool, bool], int] = {}
    table = np.full((len(s_cls), len(d_cls)), -1, dtype=np.int64)
    s_place = [(engine.cloud[c], engine.place(c), engine.rep[c] is None) for c in s_cls.tolist()]
    d_place = [(engine.cloud[c], engine.place(c), engine.rep[c] is None) for c in d_cls.tolist()]
    s_list, d_list = s_cls.tolist(), d_cls.tolist()
    for i, (sc, sp, so) in enumerate(s_place):
        for j, (dc, dp, do) in enumerate(d_place):
            pk = (sc, sp, dp, so, do) if sc == dc else ("", None, None, so, do)
            lid = by_place.get(pk)
            if lid is None:
                link = engine.link(s_list[i], d_list[j])
                lid = -1 if link is None else values.setdefault(link, len(values))
                by_place[pk] = lid
            table[i, j] = lid
    ids: Ints = table[s_idx][:, d_idx]
    return ids, list(values)


def _skip_self(src: Units, dst: Units, key: Ints) -> None:
    """A workload paired with itself is not a movement path: mark such unit pairs."""
    single: dict[str, list[int]] = {}
    for v, ids in enumerate(dst.workloads):
        if len(ids) == 1:
            single.setdefault(ids[0], []).append(v)
    if not single:
        return
    for u, ids in enumerate(src.workloads):
        if len(ids) == 1 and ids[0] in single:
            key[u, single[ids[0]]] = -1


def _join_open(engine: Engine, link: Hashable, tab: _Interner, av: int, bv: int
               ) -> tuple[ServiceSet, tuple[tuple[str, int | str], ...]]:
    s_half, s_vids = tab.half_values[av]
    d_half, d_vids = tab.half_values[bv]
    s_decs = tuple(tab.value_rep[v] for v in s_vids)
    d_decs = tuple(tab.value_rep[v] for v in d_vids)
    memo: dict[Hashable, tuple[ServiceSet, tuple[tuple[str, int | str], ...]]]
    memo = engine.__dict__.setdefault("_join_memo", {})
    mkey = (link, s_half.shape, tuple((d.allow, d.deny, d.always, d.rest) for d in s_decs),
            d_half.shape, tuple((d.allow, d.deny, d.always, d.rest) for d in d_decs))
    hit = memo.get(mkey)
    if hit is None:
        if len(memo) >= JOIN_LIMIT:
            memo.clear()
        joined = join(engine, link, s_half, s_decs, d_half, d_decs)
        hit = memo[mkey] = (joined.open, tuple(h.slot for h in joined.hops))
    return hit


def join(engine: Engine, link: Hashable, s_half: Half, s_decs: tuple[Decision, ...],
         d_half: Half, d_decs: tuple[Decision, ...]) -> Joined:
    """The provider's join; ``link`` is the engine's ``(cloud, provider link)``."""
    assert isinstance(link, tuple)
    return engine.sem[str(link[0])].join(link[1], s_half, s_decs, d_half, d_decs)
