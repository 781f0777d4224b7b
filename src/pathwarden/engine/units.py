"""The units of one end of a question: what the engine evaluates instead of workloads.

A workload unit is one (class, atom) pair with the workloads of the endpoint that have an
address there; an outside unit is a piece of the endpoint's outside ranges that the other
end's stages cannot tell apart. Units are ordered by class (a class's units are contiguous),
and workload membership is kept as index arrays, named only when a result lists members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from pathwarden.engine.atoms import AtomIndex
from pathwarden.engine.endpoints import Endpoint
from pathwarden.engine.semantics import Role
from pathwarden.engine.views import Columns, SetIndex
from pathwarden.model.addresses import Family

if TYPE_CHECKING:
    from pathwarden.engine.engine import Engine

Ints = npt.NDArray[np.int64]


@dataclass(slots=True)
class AddressTable:
    """Every (workload, address) of the estate in one family: workload index, class, and the
    first elementary interval of the address's atom (which names the atom), sorted by
    workload, with ``offsets`` per workload."""

    wl: Ints
    cls: Ints
    interval: Ints
    offsets: Ints


def address_table(engine: Engine, fam: Family) -> AddressTable:
    rows: list[tuple[int, int, int]] = []
    atoms = engine.atoms[fam]
    counts = np.zeros(len(engine.estate.workloads), dtype=np.int64)
    for i, w in enumerate(engine.estate.workloads):
        cls = engine.class_of[w.id]
        for a in w.addresses:
            try:
                afam, atom = engine.atom_of(a)
            except ValueError:
                continue
            if afam is fam:
                rows.append((i, cls, atom))
                counts[i] += 1
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    wl = np.array([r[0] for r in rows], dtype=np.int64)
    cls_a = np.array([r[1] for r in rows], dtype=np.int64)
    interval = np.array([atoms.first_interval(r[2]) for r in rows], dtype=np.int64)
    return AddressTable(wl, cls_a, interval, offsets)


@dataclass(slots=True)
class Units:
    """The units of one end in one address family, grouped by class (classes contiguous)."""

    classes: list[int] = field(default_factory=list)
    intervals: list[int] = field(default_factory=list)  # stand-in elementary interval
    members: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # workloads
    offsets: list[int] = field(default_factory=lambda: [0])  # members of unit u: [u, u+1)
    ranges: list[tuple[tuple[int, int], ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.classes)

    def count(self, u: int) -> int:
        return self.offsets[u + 1] - self.offsets[u]

    def member_indices(self, u: int) -> Ints:
        out: Ints = self.members[self.offsets[u]:self.offsets[u + 1]]
        return out

    def add_outside(self, cls: int, interval: int, ranges: tuple[tuple[int, int], ...]) -> None:
        self.classes.append(cls)
        self.intervals.append(interval)
        self.offsets.append(self.offsets[-1])
        self.ranges.append(ranges)


def workload_units(engine: Engine, ep: Endpoint, fam: Family) -> Units:
    """One unit per (class, atom) the endpoint's members have addresses in."""
    table = engine.address_table(fam)
    index = engine.workload_index
    full = [index[m.workload.id] for m in ep.members if m.addresses is m.workload.addresses]
    extra: list[tuple[int, int, int]] = []  # (workload, class, atom) of partial members
    for m in ep.members:
        if m.addresses is m.workload.addresses:
            continue
        i = index[m.workload.id]
        if m.addresses == m.workload.addresses:
            full.append(i)
            continue
        for a in m.addresses:
            try:
                afam, atom = engine.atom_of(a)
            except ValueError:
                continue
            if afam is fam:
                extra.append((i, engine.class_of[m.workload.id],
                              engine.atoms[fam].first_interval(atom)))
    chosen = np.zeros(len(table.offsets) - 1, dtype=bool)
    chosen[np.array(full, dtype=np.int64)] = True
    pick = chosen[table.wl]
    wl_a, cls_a, atom_a = table.wl[pick], table.cls[pick], table.interval[pick]
    if extra:
        wl_a = np.concatenate([wl_a, np.array([e[0] for e in extra], dtype=np.int64)])
        cls_a = np.concatenate([cls_a, np.array([e[1] for e in extra], dtype=np.int64)])
        atom_a = np.concatenate([atom_a, np.array([e[2] for e in extra], dtype=np.int64)])
    units = Units()
    if not len(wl_a):
        return units
    order = np.lexsort((wl_a, atom_a, cls_a))
    wl_a, cls_a, atom_a = wl_a[order], cls_a[order], atom_a[order]
    new_unit = np.ones(len(wl_a), dtype=bool)
    new_unit[1:] = (cls_a[1:] != cls_a[:-1]) | (atom_a[1:] != atom_a[:-1])
    keep = new_unit.copy()
    keep[1:] |= wl_a[1:] != wl_a[:-1]  # a workload with two addresses in one atom counts once
    starts = np.nonzero(new_unit[keep])[0]
    units.members = wl_a[keep]
    units.offsets = [*starts.tolist(), int(keep.sum())]
    heads = np.nonzero(new_unit)[0]
    units.classes = cls_a[heads].tolist()
    units.intervals = atom_a[heads].tolist()
    units.ranges = [()] * len(heads)
    return units


def facing(engine: Engine, units: Units, role: Role, fam: Family, cloud: str
           ) -> set[SetIndex]:
    """Every address set one end's halves look at the other end's addresses with."""
    out: set[SetIndex] = set()
    for cls in dict.fromkeys(units.classes):
        if engine.cloud[cls] != cloud:
            continue
        for sp in engine.plan(cls, role, fam).slots:
            out.update(engine.compiled(sp.sid, sp.stage, fam).sets(sp.other_is_src))
    return out


def add_outside_units(engine: Engine, units: Units, ep: Endpoint, other: Units,
                      other_role: Role, fam: Family) -> None:
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
        sets = facing(engine, other, other_role, fam, cloud)
        for sp in engine.plan(cls, role, fam).slots:  # the outside end's own stages, if any
            sets.update(engine.compiled(sp.sid, sp.stage, fam).sets(not sp.other_is_src))
        pieces: dict[int, list[tuple[int, int]]] = {}
        first: dict[int, int] = {}
        for lo, hi in outside.ranges:
            i_lo, i_hi = atoms.interval(lo), atoms.interval(hi)
            sig = Columns(np.arange(i_lo, i_hi + 1, dtype=np.int64)).signatures(sets)
            for s, i, start, end in _runs(atoms, lo, hi, i_lo, i_hi, sig):
                piece = pieces.setdefault(s, [])
                first.setdefault(s, i)
                if piece and piece[-1][1] + 1 == start:
                    piece[-1] = (piece[-1][0], end)
                else:
                    piece.append((start, end))
        for s, ranges in pieces.items():
            i = first[s]
            units.add_outside(cls, i, tuple(ranges))


def _runs(atoms: AtomIndex, lo: int, hi: int, i_lo: int, i_hi: int, sig: Ints
          ) -> list[tuple[int, int, int, int]]:
    """``(signature, first interval, start, end)`` of each run of consecutive elementary
    intervals of ``[lo, hi]`` (intervals ``i_lo`` to ``i_hi``) with the same signature."""
    n = i_hi - i_lo + 1
    if n == 1:
        return [(int(sig[0]), i_lo, lo, hi)]
    change = np.flatnonzero(sig[1:] != sig[:-1]) + 1  # first index of each later run
    heads = [0, *change.tolist()]
    out = []
    for k, h in enumerate(heads):
        i = i_lo + h
        start = lo if h == 0 else atoms.start(i)
        end = hi if k + 1 == len(heads) else atoms.start(i_lo + heads[k + 1]) - 1
        out.append((int(sig[h]), i, start, end))
    return out
