"""The ``explanations`` of the reach contract, built from a question's combination matrix.

One entry per open protocol range and (source class, destination class) pair, with the
members of each class that have something open, and every hop with the rules on it that let
part of the range through (DESIGN.md). The unit pairs of a class pair are reduced first to
their distinct *explain keys* (combination, the source half's decisions, the destination
half's decisions), so each distinct path is joined once however many unit pairs share it;
a hop decision's rules are sorted into protocol ranges once per (decision, open part).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from pathwarden.engine.bulk import FamilyEval, Rows
from pathwarden.engine.render import ByHop, render
from pathwarden.engine.semantics import Hop
from pathwarden.model import ServiceSet

if TYPE_CHECKING:
    from pathwarden.engine.result import ReachResult

Ints = npt.NDArray[np.int64]


def rank_rows(*columns: Ints) -> Ints:
    """One small integer per distinct row of the stacked columns."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        _, inv = np.unique(key, return_inverse=True)
        _, cinv = np.unique(col, return_inverse=True)
        key = inv.reshape(-1) * (int(cinv.max()) + 1 if len(cinv) else 1) + cinv.reshape(-1)
    out: Ints = np.unique(key, return_inverse=True)[1].reshape(-1)
    return out


def decision_tuples(rows: Rows) -> Ints:
    """(rows, columns): an id per distinct tuple of the row's stage decisions at the column."""
    n_rows, n_cols = rows.values.shape
    width = max((len(s) for s in rows.slots), default=0)
    if width == 0:
        return np.zeros((n_rows, n_cols), dtype=np.int64)
    parts = []
    for pos in range(width):
        per_row = np.array([s[pos] if pos < len(s) else -1 for s in rows.slots], dtype=np.int64)
        dids = np.where(per_row[:, None] >= 0,
                        rows.slot_vectors[np.maximum(per_row, 0)], -1)
        parts.append(dids.reshape(-1))
    out: Ints = rank_rows(*parts).reshape(n_rows, n_cols)
    return out


def explain(result: ReachResult, within: ServiceSet | None) -> list[dict[str, Any]]:
    src, dst, matrix = result.class_matrix(within)
    if not matrix.any():
        return []
    s_pos = {c: i for i, c in enumerate(src)}
    d_pos = {c: i for i, c in enumerate(dst)}
    n_d = len(dst)
    hops: dict[int, ByHop] = {}
    s_units: dict[int, list[tuple[FamilyEval, int]]] = {}
    d_units: dict[int, list[tuple[FamilyEval, int]]] = {}
    opens: dict[int, list[ServiceSet]] = {}
    joins: dict[Hashable, tuple[Hop, ...]] = {}
    for f in result.families:
        parts = [o & within if within is not None else o for o in f.opens]
        su = np.array([s_pos[c] for c in f.src.classes], dtype=np.int64)
        dv = np.array([d_pos[c] for c in f.dst.classes], dtype=np.int64)
        wanted = matrix[su[:, None], dv[None, :]]
        any_open = np.array([bool(o) for o in f.opens], dtype=bool)[f.combos] & wanted
        us, vs = np.nonzero(any_open)  # members: units with anything open in the pair
        cps = su[us] * n_d + dv[vs]
        for cp, u in np.unique(np.stack([cps, us]), axis=1).T.tolist():
            s_units.setdefault(cp, []).append((f, u))
        for cp, v in np.unique(np.stack([cps, vs]), axis=1).T.tolist():
            d_units.setdefault(cp, []).append((f, v))
        good = np.array([bool(p) for p in parts], dtype=bool)[f.combos[us, vs]]
        us, vs, cps = us[good], vs[good], cps[good]
        if not len(us):
            continue
        combos = f.combos[us, vs]
        s_rows, d_rows = f.src_rows, f.dst_rows
        st = decision_tuples(s_rows)[s_rows.of_unit[us], s_rows.col_of_other[vs]]
        dt = decision_tuples(d_rows)[d_rows.of_unit[vs], d_rows.col_of_other[us]]
        _, first = np.unique(rank_rows(cps, combos, st, dt), return_index=True)
        for i in np.sort(first).tolist():
            cp, c = int(cps[i]), int(combos[i])
            opens.setdefault(cp, []).append(parts[c])
            slot_map = hops.setdefault(cp, {})
            for hop in result.hops_of(f, int(us[i]), int(vs[i]), joins):
                slot = slot_map.setdefault(hop.label, {})
                seen = slot.get(id(hop.decision))
                slot[id(hop.decision)] = (
                    hop.decision, parts[c] if seen is None else seen[1] | parts[c])
    from pathwarden.engine.result import member_set

    n_d = len(dst)
    items = []
    members: dict[Hashable, Any] = {}  # the same units, the same members (once per set)

    def named(units: list[tuple[FamilyEval, int]], src: bool) -> Any:
        key = (src, *((id(f), u) for f, u in units))
        hit = members.get(key)
        if hit is None:
            hit = members[key] = member_set(result.estate, units, src=src)
        return hit

    for i, j in zip(*np.nonzero(matrix), strict=True):
        cp = int(i) * n_d + int(j)
        opened = ServiceSet.union_all(set(opens.get(cp, [])))
        if opened:
            items.append((hops.get(cp, {}), opened, named(s_units.get(cp, []), True),
                          named(d_units.get(cp, []), False)))
    return render(items)
