"""What a reach returns, and how it explains itself (the JSON contract of DESIGN.md).

A :class:`ReachResult` keeps the question's combination matrix per address family
(:mod:`pathwarden.engine.bulk`) and answers from it, lazily: what is open, how many (source
class, destination class) member pairs have something open, a capped sample of them, the rules
that open it (:mod:`pathwarden.engine.attribution`), and the full per-pair explanations of the
``reach`` contract. ``within`` restricts any of these to a set of services.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from pathwarden.engine.attribution import LETS_THROUGH, rule_ids
from pathwarden.engine.bulk import FamilyEval, join
from pathwarden.engine.semantics import Hop
from pathwarden.model import AddressSet, Estate, Notice, ServiceSet
from pathwarden.model.addresses import Family
from pathwarden.model.intervals import IntervalSet
from pathwarden.model.services import NUMBERS

if TYPE_CHECKING:
    from pathwarden.engine.engine import Engine

Bools = npt.NDArray[np.bool_]
MAX_MEMBERS = 25
__all__ = ["LETS_THROUGH", "MAX_MEMBERS", "ReachResult"]


@dataclass(frozen=True)
class ReachResult:
    src: str
    dst: str
    open: ServiceSet
    families: tuple[FamilyEval, ...]
    engine: Engine
    explained: bool = True
    notices: tuple[Notice, ...] = ()

    @property
    def estate(self) -> Estate:
        return self.engine.estate

    # -- member pairs --------------------------------------------------------------------------
    def _classes(self) -> tuple[list[int], list[int]]:
        src: dict[int, None] = {}
        dst: dict[int, None] = {}
        for f in self.families:
            src.update(dict.fromkeys(f.src.classes))
            dst.update(dict.fromkeys(f.dst.classes))
        return list(src), list(dst)

    def _good(self, f: FamilyEval, within: ServiceSet | None) -> Bools:
        flags = [bool(o & within) if within is not None else bool(o) for o in f.opens]
        good: Bools = np.array(flags, dtype=bool)[f.combos]
        return good

    def class_matrix(self, within: ServiceSet | None = None) -> tuple[list[int], list[int],
                                                                      Bools]:
        """Source classes, destination classes, and which class pairs have something open
        (within ``within``)."""
        cache: dict[Hashable, tuple[list[int], list[int], Bools]] = self.__dict__.setdefault(
            "_class_matrix", {})
        if within in cache:
            return cache[within]
        src, dst = self._classes()
        s_pos = {c: i for i, c in enumerate(src)}
        d_pos = {c: i for i, c in enumerate(dst)}
        out = np.zeros((len(src), len(dst)), dtype=bool)
        for f in self.families:
            good = self._good(f, within)
            rows, r_cls = _runs(f.src.classes)
            cols, c_cls = _runs(f.dst.classes)
            red = np.logical_or.reduceat(np.logical_or.reduceat(good, rows, axis=0), cols,
                                         axis=1)
            ri = np.array([s_pos[c] for c in r_cls], dtype=np.int64)
            ci = np.array([d_pos[c] for c in c_cls], dtype=np.int64)
            out[np.ix_(ri, ci)] |= red
        cache[within] = (src, dst, out)
        return cache[within]

    def pair_count(self, within: ServiceSet | None = None) -> int:
        """How many (source class, destination class) member pairs have something open."""
        return int(np.count_nonzero(self.class_matrix(within)[2]))

    def pairs(self, within: ServiceSet | None = None, limit: int | None = None
              ) -> Iterator[tuple[list[str], list[str], ServiceSet]]:
        """``(source members, destination members, open within)`` per open class pair, in
        order (source classes as the endpoint lists them, then destination classes)."""
        src, dst, matrix = self.class_matrix(within)
        for n, (i, j) in enumerate(zip(*np.nonzero(matrix), strict=True)):
            if limit is not None and n >= limit:
                return
            yield self._members_and_open(src[int(i)], dst[int(j)], within)

    def _blocks(self, sc: int, dc: int) -> Iterator[tuple[FamilyEval, range, range]]:
        for f in self.families:
            rows = _span(f.src.classes, sc)
            cols = _span(f.dst.classes, dc)
            if rows and cols:
                yield f, rows, cols

    def _members_and_open(self, sc: int, dc: int, within: ServiceSet | None
                          ) -> tuple[list[str], list[str], ServiceSet]:
        opened = ServiceSet()
        s_units: list[tuple[FamilyEval, int]] = []
        d_units: list[tuple[FamilyEval, int]] = []
        for f, rows, cols in self._blocks(sc, dc):
            block = f.combos[rows.start:rows.stop, cols.start:cols.stop]
            flags = np.array([bool(o) for o in f.opens], dtype=bool)[block]
            for c in np.unique(block[flags]).tolist():
                opened = opened | f.opens[c]
            s_units += [(f, rows.start + int(u)) for u in np.nonzero(flags.any(axis=1))[0]]
            d_units += [(f, cols.start + int(v)) for v in np.nonzero(flags.any(axis=0))[0]]
        if within is not None:
            opened = opened & within
        return (member_names(self.estate, s_units, src=True),
                member_names(self.estate, d_units, src=False), opened)

    # -- rules and explanations ----------------------------------------------------------------
    def rule_ids(self, within: ServiceSet | None = None) -> list[str]:
        """Every rule that lets part of what is open (within ``within``) through."""
        return [d["id"] for d in self.rule_docs(within)]

    def rule_docs(self, within: ServiceSet | None = None) -> list[dict[str, Any]]:
        cache: dict[Hashable, list[dict[str, Any]]] = self.__dict__.setdefault("_rules", {})
        if within not in cache:
            cache[within] = rule_ids(self.engine, self.families, within)
        return cache[within]

    def explanations(self, within: ServiceSet | None = None) -> list[dict[str, Any]]:
        """One entry per open protocol range and class pair, each with its hops and rules."""
        cache: dict[Hashable, list[dict[str, Any]]] = self.__dict__.setdefault("_explained", {})
        if within not in cache:
            cache[within] = self._explain(within)
        return cache[within]

    def _explain(self, within: ServiceSet | None) -> list[dict[str, Any]]:
        from pathwarden.engine.explain import explain

        return explain(self, within)

    def hops_of(self, f: FamilyEval, u: int, v: int, memo: dict[Hashable, tuple[Hop, ...]]
              ) -> tuple[Hop, ...]:
        link = f.links[int(f.combos[u, v])]
        if link is None:
            return ()
        s_rows, d_rows = f.src_rows, f.dst_rows
        r, q = int(s_rows.of_unit[u]), int(d_rows.of_unit[v])
        s_col, d_col = int(s_rows.col_of_other[v]), int(d_rows.col_of_other[u])
        s_dids = tuple(int(s_rows.slot_vectors[sv][s_col]) for sv in s_rows.slots[r])
        d_dids = tuple(int(d_rows.slot_vectors[sv][d_col]) for sv in d_rows.slots[q])
        key = (id(f), link, r, q, s_dids, d_dids)
        hit = memo.get(key)
        if hit is None:
            joined = join(self.engine, link, s_rows.halves[r],
                          tuple(f.decisions[d] for d in s_dids), d_rows.halves[q],
                          tuple(f.decisions[d] for d in d_dids))
            hit = memo[key] = joined.hops
        return hit

    # -- output --------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"from": self.src, "to": self.dst, "open": self.open.to_contract()}
        if self.explained:
            doc["explanations"] = self.explanations()
        doc["partial"] = self.estate.partial
        if self.notices:
            doc["notices"] = [{"code": n.code, "message": n.message} for n in self.notices]
        return doc

    def _named(self, items: list[str]) -> list[str]:
        """Workload ids with their names, for people: ``eni-0abc (ws-001)``."""
        out = []
        for item in items:
            w = self.estate.workload(item)
            out.append(f"{item} ({w.name})" if w is not None and w.name else item)
        return out

    def to_text(self) -> str:
        lines = [(f"{self.src} -> {self.dst}")]
        notes = [(f"  note: {n.message}") for n in self.notices]
        if not self.open:
            lines.append("  nothing is open")
            return "\n".join(lines + notes)
        lines.append(f"  open: {self.open.describe()}")
        for e in self.explanations() if self.explained else []:
            svc = ServiceSet.union_all(entry_services(o, self.open) for o in e["open"]).describe()
            lines.append("")
            lines.append(f"  {svc}")
            lines.append(f"    from {_short(self._named(e['from']))}")
            lines.append(f"    to   {_short(self._named(e['to']))}")
            for hop in e["hops"]:
                lines.append(f"    - {hop['hop']}")
                for r in hop["rules"]:
                    lines.append(f"        {r['id']}: {r['rule']}")
        if notes:
            lines.append("")
            lines.extend(notes)
        if self.estate.partial:
            lines.append("")
            lines.append("  WARNING: the snapshot is partial; other paths may exist")
        return "\n".join(lines)


def entry_services(entry: dict[str, Any], within: ServiceSet) -> ServiceSet:
    """The services one contract entry stands for (restricted to ``within``)."""
    name = entry["protocol"]
    if name == "all":
        return within
    proto = NUMBERS.get(name)
    if proto is None:
        if not name.isdigit():
            return ServiceSet()
        proto = int(name)
    return within & ServiceSet.protocol(proto)


def _runs(classes: list[int]) -> tuple[npt.NDArray[np.int64], list[int]]:
    """Start index and class of each run of equal classes (units are grouped by class)."""
    starts = [i for i, c in enumerate(classes) if i == 0 or classes[i - 1] != c]
    return np.array(starts, dtype=np.int64), [classes[i] for i in starts]


def _span(classes: list[int], cls: int) -> range:
    try:
        lo = classes.index(cls)
    except ValueError:
        return range(0)
    hi = lo
    while hi < len(classes) and classes[hi] == cls:
        hi += 1
    return range(lo, hi)


def member_set(estate: Estate, units: list[tuple[FamilyEval, int]], *, src: bool
               ) -> tuple[frozenset[str], AddressSet]:
    """The workload ids and outside addresses of these units."""
    ids: set[str] = set()
    v4: list[tuple[int, int]] = []
    v6: list[tuple[int, int]] = []
    workloads = estate.workloads
    for f, u in units:
        side = f.src if src else f.dst
        ids.update(workloads[i].id for i in side.member_indices(u).tolist())
        (v4 if f.fam is Family.V4 else v6).extend(side.ranges[u])
    return frozenset(ids), AddressSet(IntervalSet(v4), IntervalSet(v6))


def member_names(estate: Estate, units: list[tuple[FamilyEval, int]], *, src: bool
                  ) -> list[str]:
    ids, outside = member_set(estate, units, src=src)
    names = sorted(ids)
    for net in outside.networks():
        if len(names) > MAX_MEMBERS:
            break
        names.append(str(net))
    if len(names) > MAX_MEMBERS:
        return [*names[:MAX_MEMBERS], "and more"]
    return names


def _short(items: list[str]) -> str:
    return ", ".join(items[:6]) + (f" (+{len(items) - 6})" if len(items) > 6 else "")
