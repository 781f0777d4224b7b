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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from pathwarden.engine.endpoints import Endpoint
from pathwarden.engine.semantics import Half, Joined, Role
from pathwarden.engine.stages import SlotPlan
from pathwarden.engine.units import Units, add_outside_units, workload_units
from pathwarden.engine.verdicts import Decision
from pathwarden.engine.views import Columns
from pathwarden.model import NO_SERVICES, ServiceSet
from pathwarden.model.addresses import Family

if TYPE_CHECKING:
    from pathwarden.engine.engine import Engine
    from pathwarden.engine.result import ReachResult

Ints = npt.NDArray[np.int64]
JOIN_LIMIT = 200_000
_SMALL = 64  # cells up to which plain Python beats numpy's fixed costs


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
        self._vid: dict[tuple[ServiceSet | str, ...], int] = {}
        self.value_rep: list[Decision] = []
        self.half_values: list[tuple[Half, tuple[int, ...]]] = []  # (a half of the shape, vids)
        self._hvid: dict[Hashable, int] = {}

    def decision(self, d: Decision) -> int:
        did = self._did.get(id(d))
        if did is None:
            did = self._did[id(d)] = len(self.decisions)
            self.decisions.append(d)
            content = (d.allow, d.deny, d.always, d.rest, d.route)
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
        s_units = workload_units(engine, src, fam)
        d_units = workload_units(engine, dst, fam)
        add_outside_units(engine, s_units, src, d_units, Role.DESTINATION, fam)
        add_outside_units(engine, d_units, dst, s_units, Role.SOURCE, fam)
        classes.update(s_units.classes)
        classes.update(d_units.classes)
        if not len(s_units) or not len(d_units):
            continue
        f = _family(engine, fam, s_units, d_units)
        present = unique_runs(f.combos.reshape(-1))[0]
        for c in present.tolist():
            opened = opened | f.opens[c]
        if explain:
            families.append(f)
    notices = engine.notices + engine.involved_notices(classes) if explain else ()
    return ReachResult(src.label, dst.label, opened, tuple(families), engine, explain, notices)


# -- rows and the pair matrix ------------------------------------------------------------------


def _rows(engine: Engine, fam: Family, units: Units, other: Units, role: Role,
          tab: _Interner) -> Rows:
    cols, col_of_other = np.unique(np.array(other.intervals, dtype=np.int64),
                                   return_inverse=True)
    classes = np.array(units.classes, dtype=np.int64)
    distinct = list(dict.fromkeys(units.classes))
    plans = {cls: engine.plan(cls, role, fam) for cls in distinct}
    halves: list[Half] = []
    slots: list[list[int]] = []
    slot_index: dict[tuple[int, bool, int], int] = {}
    slot_plans: list[tuple[SlotPlan, tuple[int, int]]] = []

    def add_row(cls: int, owns: tuple[tuple[int, int], ...]) -> None:
        halves.append(engine.half(cls, role))
        mine: list[int] = []
        for sp, own in zip(plans[cls].slots, owns, strict=True):
            skey = (sp.sid, sp.other_is_src, own[0])
            sv = slot_index.get(skey)
            if sv is None:
                sv = slot_index[skey] = len(slot_plans)
                slot_plans.append((sp, own))
            mine.append(sv)
        slots.append(mine)

    if not any(p.uses_own for p in plans.values()):  # a row per class
        _, of_unit = np.unique(classes, return_inverse=True)
        for cls in sorted(distinct):
            add_row(cls, ((0, 0),) * len(plans[cls].slots))
        of_unit = of_unit.reshape(-1).astype(np.int64)
    else:
        mine_cols = Columns(np.array(units.intervals, dtype=np.int64))
        row_index: dict[Hashable, int] = {}
        of_unit = np.empty(len(units), dtype=np.int64)
        sigs = {cls: [mine_cols.signatures(
            engine.compiled(sp.sid, sp.stage, fam).sets(not sp.other_is_src))
            if sp.own_used else None for sp in plans[cls].slots] for cls in distinct}
        for u, cls in enumerate(units.classes):
            owns = tuple((int(sg[u]), units.intervals[u]) if sg is not None else (0, 0)
                         for sg in sigs[cls])
            r = row_index.get((cls, tuple(o[0] for o in owns)))
            if r is None:
                r = row_index[(cls, tuple(o[0] for o in owns))] = len(halves)
                add_row(cls, owns)
            of_unit[u] = r
    vectors = _slot_vectors(engine, fam, Columns(cols), slot_plans, tab)
    values = _row_values(halves, slots, vectors, tab, len(cols))
    return Rows(role, of_unit, col_of_other.reshape(-1).astype(np.int64), values, halves, slots,
                vectors)


def _slot_vectors(engine: Engine, fam: Family, cols: Columns,
                  plans: list[tuple[SlotPlan, tuple[int, int]]], tab: _Interner) -> Ints:
    """(slots, columns): the local decision id of each slot against each column. A slot's
    decisions against one column set are kept on the engine: the next question against the
    same end (another part of a split segment, another path into it) reuses them."""
    out = np.empty((len(plans), len(cols)), dtype=np.int64)
    col_key: Hashable = (fam, cols.intervals.tobytes())
    memo: dict[Hashable, tuple[Any, list[Decision]]] = engine.__dict__.setdefault(
        "_slot_memo", {})
    for sv, (sp, own) in enumerate(plans):
        key = (sp.sid, sp.other_is_src, own[0], col_key)
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = _slot_decisions(engine, fam, sp, own, cols)
            if len(memo) >= JOIN_LIMIT:
                memo.clear()
        picks, decisions = hit
        if picks is None:
            out[sv] = tab.decision(decisions[0])
        else:
            dids = np.array([tab.decision(d) for d in decisions], dtype=np.int64)
            out[sv] = dids[picks]
    return out


def _slot_decisions(engine: Engine, fam: Family, sp: SlotPlan, own: tuple[int, int],
                    cols: Columns) -> tuple[Any, list[Decision]]:
    """``(column -> index into the decisions (None: all the first), decisions)``."""
    sets = engine.compiled(sp.sid, sp.stage, fam).sets(sp.other_is_src)
    if not sets:
        return None, [_decide(engine, sp, fam, (0, 0), own)]
    uniq, first, picks = cols.groups(sets)
    if len(uniq) == 1:
        return None, [_decide(engine, sp, fam, (int(uniq[0]), int(cols.intervals[0])), own)]
    decisions = [_decide(engine, sp, fam, (int(g), int(cols.intervals[i])), own)
                 for g, i in zip(uniq.tolist(), first.tolist(), strict=True)]
    return picks.reshape(-1), decisions


def unique_runs(values: Ints) -> tuple[Ints, Ints, Ints]:
    """``np.unique(values, return_index=True, return_inverse=True)``, sorting only the runs of
    equal neighbours: the columns are addresses in order, and neighbours mostly share a
    signature (one subnet, one rule's range), so there are far fewer runs than columns."""
    change = np.empty(len(values), dtype=bool)
    change[:1] = True
    np.not_equal(values[1:], values[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    uniq, first_run, inv = np.unique(values[starts], return_index=True, return_inverse=True)
    picks: Ints = inv.reshape(-1)[np.cumsum(change) - 1]
    return uniq, starts[first_run], picks


def _decide(engine: Engine, sp: SlotPlan, fam: Family, other: tuple[int, int],
            own: tuple[int, int]) -> Decision:
    src, dst = (other, own) if sp.other_is_src else (own, other)
    return engine.decision(sp.sid, sp.stage, fam, src, dst)


def _row_values(halves: list[Half], slots: list[list[int]], vectors: Ints, tab: _Interner,
                ncols: int) -> Ints:
    """(rows, columns): the half-value id of each row against each column. Rows with the same
    number of stages are keyed together: the values of their stages (and their half's shape)
    folded into one integer per cell, then interned per distinct key."""
    values = np.empty((len(halves), ncols), dtype=np.int64)
    lookup = np.array(tab.value_of, dtype=np.int64)
    vals = lookup[vectors] if len(vectors) else vectors
    if len(halves) * ncols <= _SMALL:  # a few cells: plain Python beats array ranking
        table = vals.tolist()
        for r, (half, sl) in enumerate(zip(halves, slots, strict=True)):
            values[r] = [tab.half_value(half, tuple(table[sv][c] for sv in sl))
                         for c in range(ncols)]
        return values
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
            _, _, inv = unique_runs(key.reshape(-1))  # keep the key small: rank it
            key = inv.reshape(key.shape) * (len(tab.value_rep) + 1) + vals[table[:, j]]
        _, first, inv = unique_runs(key.reshape(-1))
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
    if key.size <= _SMALL:
        seen: dict[int, int] = {}
        inv = np.array([seen.setdefault(k, len(seen)) for k in key.reshape(-1).tolist()],
                       dtype=np.int64)
        uniq = np.array(list(seen), dtype=np.int64)
    else:
        uniq, _, inv = unique_runs(key.reshape(-1))
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
    """The link id of every unit pair (-1: no flow possible), tabulated by place."""
    places = engine.place_ids
    s_pl = np.array([places[c] for c in src.classes], dtype=np.int64)
    d_pl = np.array([places[c] for c in dst.classes], dtype=np.int64)
    s_u, s_idx = np.unique(s_pl, return_inverse=True)
    d_u, d_idx = np.unique(d_pl, return_inverse=True)
    values: dict[Hashable, int] = {}
    table = np.full((len(s_u), len(d_u)), -1, dtype=np.int64)
    for i, sp in enumerate(s_u.tolist()):
        for j, dp in enumerate(d_u.tolist()):
            link = engine.link_of_places(sp, dp)
            if link is not None:
                table[i, j] = values.setdefault(link, len(values))
    ids: Ints = table[s_idx.reshape(-1)][:, d_idx.reshape(-1)]
    return ids, list(values)


def _skip_self(src: Units, dst: Units, key: Ints) -> None:
    """A workload paired with itself is not a movement path: mark such unit pairs (a unit of
    exactly one workload, against a unit of exactly that workload)."""
    single: dict[int, list[int]] = {}
    for v in range(len(dst)):
        if dst.count(v) == 1:
            single.setdefault(int(dst.member_indices(v)[0]), []).append(v)
    if not single:
        return
    for u in range(len(src)):
        if src.count(u) == 1:
            hit = single.get(int(src.member_indices(u)[0]))
            if hit:
                key[u, hit] = -1


def _join_open(engine: Engine, link: Hashable, tab: _Interner, av: int, bv: int
               ) -> tuple[ServiceSet, tuple[tuple[str, int | str], ...]]:
    s_half, s_vids = tab.half_values[av]
    d_half, d_vids = tab.half_values[bv]
    s_decs = tuple(tab.value_rep[v] for v in s_vids)
    d_decs = tuple(tab.value_rep[v] for v in d_vids)
    memo: dict[Hashable, tuple[ServiceSet, tuple[tuple[str, int | str], ...]]]
    memo = engine.__dict__.setdefault("_join_memo", {})
    mkey = (link, s_half.shape, tuple((d.allow, d.deny, d.always, d.rest, d.route)
                                      for d in s_decs),
            d_half.shape, tuple((d.allow, d.deny, d.always, d.rest, d.route) for d in d_decs))
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
