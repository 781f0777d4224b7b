"""Which rules open what a question found open (within some services).

A rule is named when its contribution to a hop's decision meets what is open for some pair
that passes that hop (within the services asked about). The union over pairs distributes: a
rule of a hop meets some pair's open set exactly when it meets the union of the open sets of
the pairs that share that hop's decision. So each hop is attributed once per distinct
decision, against the union of what its pairs have open: one vectorised pass over the
combination matrix per (stage, position) of the half, not one explanation per pair.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from pathwarden.engine.semantics import DESTINATION_SLOT, JOINT_SLOT, SOURCE_SLOT
from pathwarden.engine.verdicts import Decision
from pathwarden.model import Action, Rule, ServiceSet

if TYPE_CHECKING:
    from pathwarden.engine.bulk import FamilyEval, Rows
    from pathwarden.engine.engine import Engine

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
LETS_THROUGH = (Action.ALLOW, Action.ALWAYS_ALLOW, Action.GOTO_NEXT)
Rank = tuple[int, int | str]


def rules_through(decisions: Iterable[tuple[Decision, ServiceSet]]) -> list[Rule]:
    """Every rule of these decisions that lets part of its paired service set through."""
    out: dict[str, Rule] = {}
    for decision, services in decisions:
        if not services:
            continue
        for c in decision.contributions:
            r = c.rule
            if r.route:  # a route carries the path; the rules that open it are filters'
                continue
            if r.action in LETS_THROUGH and r.id not in out and c.services.overlaps(services):
                out[r.id] = r
    return list(out.values())


def cached_rules_through(engine: Engine, decision: Decision, services: ServiceSet
                         ) -> list[Rule]:
    """:func:`rules_through` for one decision, memoised on the engine (the same decisions and
    open sets recur across the questions of one check)."""
    memo: dict[tuple[int, ServiceSet], tuple[Decision, list[Rule]]] = engine.__dict__.setdefault(
        "_rules_memo", {})
    key = (id(decision), services)
    hit = memo.get(key)
    if hit is None or hit[0] is not decision:
        if len(memo) >= 200_000:
            memo.clear()
        hit = memo[key] = (decision, rules_through([(decision, services)]))
    return hit[1]


def rule_doc(r: Rule, docs: dict[int, dict[str, Any]]) -> dict[str, Any]:
    doc = docs.get(id(r))
    if doc is None:
        doc = docs[id(r)] = {
            "id": r.id,
            "filter": r.filter_id,
            "action": r.action.value,
            "rule": r.summary(),
            "implied": r.implied,
        }
    return doc


class _Found:
    """Rules found so far, each at the earliest hop it was found on."""

    def __init__(self) -> None:
        self.rules: dict[str, tuple[tuple[int, int, str], Rule]] = {}

    def add(self, rank: Rank, rules: list[Rule]) -> None:
        side, pos = rank
        at = (side, pos, "") if isinstance(pos, int) else (side, 0, pos)
        for r in rules:
            seen = self.rules.get(r.id)
            if seen is None or at < seen[0]:
                self.rules[r.id] = (at, r)

    def docs(self) -> list[dict[str, Any]]:
        """In path order (source hops, destination hops, joint hops; by position), then by
        filter, rule number or priority, and id: the same list however it was found."""
        docs: dict[int, dict[str, Any]] = {}
        ordered = sorted(self.rules.values(),
                         key=lambda t: (t[0], t[1].filter_id, t[1].order, t[1].id))
        return [rule_doc(r, docs) for _, r in ordered]


def rule_ids(engine: Engine, families: Iterable[FamilyEval], within: ServiceSet | None
             ) -> list[dict[str, Any]]:
    """Rule documents (id, filter, action, summary) in path order: source hops, destination
    hops, joint hops; each hop's rules in the order its decision lists them."""
    found = _Found()
    for f in families:
        opened = _Opened([o & within if within is not None else o for o in f.opens])
        good = np.array([bool(x) for x in opened.values], dtype=bool)
        if not good.any():
            continue
        _half_slots(engine, f, f.src_rows, f.combos, SOURCE_SLOT, opened, good, found, 0)
        _half_slots(engine, f, f.dst_rows, f.combos.T, DESTINATION_SLOT, opened, good, found, 1)
        _joint_slots(engine, f, opened, good, found)
    return found.docs()


class _Opened:
    """What each combination has open (within), as a few distinct values with a union cache:
    one hop's decision is attributed against the union over many combinations."""

    def __init__(self, values: list[ServiceSet]) -> None:
        ids: dict[ServiceSet, int] = {}
        self.values = values
        self.distinct: list[ServiceSet] = []
        for v in values:
            if v not in ids:
                ids[v] = len(self.distinct)
                self.distinct.append(v)
        self.id_of = np.array([ids[v] for v in values], dtype=np.int64)
        self._unions: dict[tuple[int, ...], ServiceSet] = {}

    def union(self, combos: Iterable[int]) -> ServiceSet:
        return self.union_of(int(self.id_of[c]) for c in combos)

    def union_of(self, ids: Iterable[int]) -> ServiceSet:
        """The union of distinct values by their ids."""
        key = tuple(sorted(set(ids)))
        hit = self._unions.get(key)
        if hit is None:
            hit = self._unions[key] = ServiceSet.union_all(self.distinct[k] for k in key)
        return hit


def _uses(f: FamilyEval, slot: tuple[str, int | str], good: Bools) -> Bools:
    """Per combination: something is open (within) and the hop ``slot`` is on its path."""
    table: dict[tuple[str, int | str], Bools] = f.__dict__.setdefault("_slot_use", {})
    if slot not in table:
        table[slot] = np.array([slot in hs for hs in f.hop_slots], dtype=bool)
    flags: Bools = good & table[slot]
    return flags


def _half_slots(engine: Engine, f: FamilyEval, rows: Rows, combos: Ints, side: str,
                opened: _Opened, good: Bools, found: _Found, rank: int) -> None:
    """Attribute the hops of one end's halves: for each stage position, every (decision,
    combination) that occurs, vectorised over all unit pairs at once."""
    width = max((len(sl) for sl in rows.slots), default=0)
    n_o = len(opened.distinct)
    for pos in range(width):
        usable = _uses(f, (side, pos), good)
        if not usable.any():
            continue
        per_row = np.array([sl[pos] if pos < len(sl) else -1 for sl in rows.slots],
                           dtype=np.int64)
        sv = per_row[rows.of_unit]
        units = np.nonzero(sv >= 0)[0]
        if not len(units):
            continue
        sub = combos[units]
        mask = usable[sub]
        if not mask.any():
            continue
        dids = rows.slot_vectors[sv[units]][:, rows.col_of_other]
        keys = (dids * n_o + opened.id_of[sub])[mask]
        acc: dict[int, list[int]] = {}
        for k in np.unique(keys).tolist():
            did, o = divmod(k, n_o)
            acc.setdefault(did, []).append(o)
        for did, os in acc.items():
            services = opened.union_of(os)
            found.add((rank, pos), cached_rules_through(engine, f.decisions[did], services))


def _tag_dids(rows: Rows, tag: str) -> Ints:
    """(rows, other end's units): an id of the decisions of the row's stages with joint
    ``tag`` (a half may have several: AWS's own subnet ACL and a transit gateway attachment
    subnet's), -1 where the row's half has none. A joint hop's tag ``reply|...`` names its
    stages' tag ``reply`` and, after it, which of them the path took."""
    from pathwarden.engine.explain import rank_rows

    base = tag.split("|", 1)[0]  # a joint hop's tag may say more than its stages' tag
    n_other = len(rows.col_of_other)
    out = np.full((len(rows.halves), n_other), -1, dtype=np.int64)
    several: dict[int, list[tuple[int, list[int]]]] = {}  # by how many: (row, slot vectors)
    for r, half in enumerate(rows.halves):
        svs = [rows.slots[r][pos] for pos, h in enumerate(half.stages) if h.joint == base]
        if len(svs) == 1:
            out[r] = rows.slot_vectors[svs[0]][rows.col_of_other]
        elif svs:
            several.setdefault(len(svs), []).append((r, svs))
    taken = 0
    radix = int(rows.slot_vectors.max()) + 1 if rows.slot_vectors.size else 1
    for k, group in sorted(several.items()):
        picks = rows.slot_vectors[np.array([svs for _, svs in group], dtype=np.int64)]
        picks = picks[:, :, rows.col_of_other]  # (rows, k, other)
        if radix ** k < 2 ** 60:  # the decision ids as digits: no sorting needed
            ids = picks[:, 0, :].reshape(-1).copy()
            for j in range(1, k):
                ids = ids * radix + picks[:, j, :].reshape(-1)
        else:
            ids = rank_rows(*(picks[:, j, :].reshape(-1) for j in range(k)))
        out[[r for r, _ in group]] = -2 - taken - ids.reshape(len(group), n_other)
        taken += int(ids.max()) + 1
    return out


def _joint_slots(engine: Engine, f: FamilyEval, opened: _Opened, good: Bools,
                 found: _Found) -> None:
    from pathwarden.engine.bulk import join
    from pathwarden.engine.explain import rank_rows

    tags = {slot[1] for hs in f.hop_slots for slot in hs if slot[0] == JOINT_SLOT}
    per_base: dict[str, tuple[Ints, Ints]] = {}
    link_id: dict[Hashable, int] = {}
    combo_link = np.array([link_id.setdefault(lk, len(link_id)) for lk in f.links],
                          dtype=np.int64)
    for tag in sorted(str(t) for t in tags):
        usable = _uses(f, (JOINT_SLOT, tag), good)
        mask = usable[f.combos]
        if not mask.any():
            continue
        base = tag.split("|", 1)[0]
        if base not in per_base:  # (src units, dst units), the same for every tag of a base
            per_base[base] = (_tag_dids(f.src_rows, tag)[f.src_rows.of_unit],
                              _tag_dids(f.dst_rows, tag)[f.dst_rows.of_unit].T)
        s_t, d_t = per_base[base]
        us, vs = np.nonzero(mask)
        combos = f.combos[us, vs]
        group = rank_rows(combo_link[combos], s_t[us, vs], d_t[us, vs])
        _, first = np.unique(group, return_index=True)
        # the combinations of each group: one sort of (group, combination) pairs
        members: dict[int, list[int]] = {}
        n_c = len(f.links)
        for k in np.unique(group * n_c + combos).tolist():
            g, c = divmod(k, n_c)
            members.setdefault(g, []).append(c)
        for i in first.tolist():
            services = opened.union(members[int(group[i])])
            u, v = int(us[i]), int(vs[i])
            hop = _joint_hop(engine, join, f, u, v, tag)
            if hop is not None:
                found.add((2, tag), rules_through([(hop, services)]))


def _joint_hop(engine: Engine, join: Any, f: FamilyEval, u: int, v: int, tag: str
               ) -> Decision | None:
    s_rows, d_rows = f.src_rows, f.dst_rows
    r, q = int(s_rows.of_unit[u]), int(d_rows.of_unit[v])
    s_col, d_col = int(s_rows.col_of_other[v]), int(d_rows.col_of_other[u])
    s_decs = tuple(f.decisions[int(s_rows.slot_vectors[sv][s_col])] for sv in s_rows.slots[r])
    d_decs = tuple(f.decisions[int(d_rows.slot_vectors[sv][d_col])] for sv in d_rows.slots[q])
    joined = join(engine, f.links[int(f.combos[u, v])], s_rows.halves[r], s_decs,
                  d_rows.halves[q], d_decs)
    for hop in joined.hops:
        if hop.slot == (JOINT_SLOT, tag):
            decision: Decision = hop.decision
            return decision
    return None
