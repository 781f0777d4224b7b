"""Explanation entries, rendered from each (source class, destination class) pair's hops.

An entry says, for some open ranges and some member pairs, every rule on every hop that lets
those ranges through (DESIGN.md's reach contract). Class pairs whose explanation reads the
same (the same open ranges with the same rules on the same hops) are one entry, their members
merged; within it, open ranges with the same rules on every hop are one entry:

    {"open": [ranges, as the open list writes them], "from": [members], "to": [members],
     "from_count": workloads, "to_count": workloads, "pairs": class pairs,
     "hops": [{"hop": label, "rules": [{"id", "filter", "action", "rule", "implied"}]}]}

Members are named up to :data:`MAX_MEMBERS` per side (then ``"and more"``) and counted.
A hop decision's rules are sorted into protocol ranges once per (decision, open part).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from pathwarden.engine.attribution import LETS_THROUGH, rule_doc
from pathwarden.engine.verdicts import Decision
from pathwarden.model import NOWHERE, AddressSet, Rule, ServiceSet
from pathwarden.model.services import BLOCK, NUMBERS

MAX_MEMBERS = 25
Ints = npt.NDArray[np.int64]
ByHop = dict[str, dict[int, tuple[Decision, ServiceSet]]]  # label -> decision id -> (d, open)
Members = tuple[frozenset[str], AddressSet]  # workload ids, outside addresses
Rendering = list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]  # (open ranges, hops)
# starts, ends, rule docs, rule ids (per run, then every rule of the hop), the hop's decisions
Runs = tuple[list[int], list[int], list[list[dict[str, Any]]], list[tuple[str, ...]],
             list[Decision]]


class _Rules:
    """A hop decision's rules that let part of an open set through, each with the part it
    lets through, memoised per (decision, open part)."""

    def __init__(self) -> None:
        self._memo: dict[tuple[int, ServiceSet], tuple[Decision, list[tuple[Rule, Any]]]] = {}

    def of(self, d: Decision, part: ServiceSet) -> list[tuple[Rule, ServiceSet]]:
        hit = self._memo.get((id(d), part))
        if hit is None or hit[0] is not d:
            found: dict[str, tuple[Rule, ServiceSet]] = {}
            for c in d.contributions:
                r = c.rule
                if r.action not in LETS_THROUGH or r.id in found:
                    continue
                inter = c.services & part
                if inter:
                    found[r.id] = (r, inter)
            hit = self._memo[(id(d), part)] = (d, list(found.values()))
        return hit[1]


def render(items: Iterable[tuple[ByHop, ServiceSet, Members, Members]]) -> list[dict[str, Any]]:
    """Entries from ``(hops, open, source members, destination members)`` per class pair, in
    order (see the module docstring). A hop's rule runs are built once per distinct (decision,
    open part) set, and sorted into an open set's protocol entries once per (runs, open set)."""
    docs: dict[int, dict[str, Any]] = {}
    rules = _Rules()
    opens: dict[ServiceSet, tuple[list[dict[str, Any]], Ints]] = {}
    runs_of: dict[Hashable, Runs] = {}
    picks_of: dict[tuple[int, ServiceSet], tuple[Ints, list[int]]] = {}
    renderings: dict[Hashable, Rendering] = {}
    groups: dict[Hashable, list[tuple[Members, Members]]] = {}
    for by_hop, opened, src, dst in items:
        hit_open = opens.get(opened)
        if hit_open is None:
            contract = opened.to_contract()
            hit_open = opens[opened] = (contract, np.array([_proto(e) for e in contract],
                                                           dtype=np.int64))
        entries, protos = hit_open
        labels = list(by_hop)
        runs = [_runs_of(slot, rules, docs, runs_of) for slot in by_hop.values()]
        columns = []
        for r in runs:
            picks = picks_of.get((id(r), opened))
            if picks is None:
                picks = picks_of[(id(r), opened)] = _picks(r, protos)
            columns.append(picks)
        merged = _groups([c[0] for c in columns], max((len(r[0]) for r in runs), default=0),
                         len(entries))
        picked = [tuple(c[1][es[0]] for c in columns) for es in merged]
        # equal keys, equal renderings: the groups cover every entry, so the open set is equal
        key = (opened, tuple((tuple(es), tuple(r[3][k] if k != -2 else ()
                                               for r, k in zip(runs, picks, strict=True)))
                             for es, picks in zip(merged, picked, strict=True)), tuple(labels))
        if key not in renderings:
            renderings[key] = [
                ([entries[e] for e in es],
                 [{"hop": label, "rules": r[2][k] if k != -2 else []}
                  for label, r, k in zip(labels, runs, picks, strict=True)])
                for es, picks in zip(merged, picked, strict=True)]
        groups.setdefault(key, []).append((src, dst))
    out: list[dict[str, Any]] = []
    for sig, members in groups.items():
        src_names, src_count = _names(m[0] for m in members)
        dst_names, dst_count = _names(m[1] for m in members)
        for open_list, hop_list in renderings[sig]:
            out.append({"open": open_list, "from": src_names, "to": dst_names,
                        "from_count": src_count, "to_count": dst_count,
                        "pairs": len(members), "hops": hop_list})
    return out


def _runs_of(slot: dict[int, tuple[Decision, ServiceSet]], rules: _Rules,
             docs: dict[int, dict[str, Any]], memo: dict[Hashable, Runs]) -> Runs:
    """:func:`_runs`, memoised per (decision, open part) set (the memo keeps the decisions,
    so their ids stay theirs)."""
    if len(slot) == 1:
        (d, part), = slot.values()
        key: Hashable = (id(d), part)
    else:
        key = tuple(sorted(((id(d), p) for d, p in slot.values()), key=lambda t: t[0]))
    hit = memo.get(key)
    if hit is None:
        hit = memo[key] = _runs(slot, rules, docs)
    return hit


def _runs(slot: dict[int, tuple[Decision, ServiceSet]], rules: _Rules,
          docs: dict[int, dict[str, Any]]) -> Runs:
    """A hop's rules by protocol: runs of protocol numbers with the same rules (each rule
    once, in the order its decisions list them), and last, every rule of the hop (for an
    ``all`` range)."""
    events: dict[int, list[tuple[int, int, Rule]]] = {}
    order: dict[str, tuple[int, Rule]] = {}
    for d, part in slot.values():
        for r, inter in rules.of(d, part):
            rank = order.setdefault(r.id, (len(order), r))[0]
            for lo, hi in inter.values.ranges:
                events.setdefault(lo // BLOCK, []).append((1, rank, r))
                events.setdefault(hi // BLOCK + 1, []).append((-1, rank, r))
    starts: list[int] = []
    ends: list[int] = []
    lists: list[list[dict[str, Any]]] = []
    active: dict[int, list[Rule]] = {}
    positions = sorted(events)
    for k, pos in enumerate(positions):
        for delta, rank, r in events[pos]:
            if delta > 0:
                active.setdefault(rank, []).append(r)
            else:
                active[rank].pop()
                if not active[rank]:
                    del active[rank]
        if k + 1 < len(positions) and active:
            starts.append(pos)
            ends.append(positions[k + 1] - 1)
            lists.append([rule_doc(active[rank][0], docs) for rank in sorted(active)])
    lists.append([rule_doc(r, docs) for _, r in sorted(order.values(), key=lambda t: t[0])])
    return starts, ends, lists, [tuple(d["id"] for d in ds) for ds in lists], [
        d for d, _ in slot.values()]


def _picks(runs: Runs, protos: Ints) -> tuple[Ints, list[int]]:
    """The rule list of each protocol entry, as an array and a list: a run's index, ``-1``
    for ``all`` (every rule of the hop, the last list), ``-2`` when no rule of the hop lets
    that protocol through."""
    starts = np.array(runs[0], dtype=np.int64)
    out = np.full(len(protos), -2, dtype=np.int64)
    if len(starts):
        k = np.searchsorted(starts, protos, side="right") - 1
        ends = np.array(runs[1], dtype=np.int64)
        ok = (k >= 0) & (protos >= 0) & (protos <= ends[np.maximum(k, 0)])
        out[ok] = k[ok]
    out[protos == -1] = -1
    return out, out.tolist()


def _groups(columns: list[Ints], most: int, n: int) -> list[list[int]]:
    """The protocol entries grouped by their pick on every hop, groups in order of their
    first entry."""
    if not columns or n == 1:
        return [list(range(n))]
    width = most + 3
    if width ** len(columns) >= 1 << 62:
        merged: dict[Hashable, list[int]] = {}
        for e, k in enumerate(zip(*(c.tolist() for c in columns), strict=True)):
            merged.setdefault(k, []).append(e)
        return list(merged.values())
    key = np.zeros(n, dtype=np.int64)
    for c in columns:
        key = key * width + (c + 2)
    _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    if len(first) == 1:
        return [list(range(n))]
    inv = inv.reshape(-1)
    return [np.flatnonzero(inv == g).tolist() for g in np.argsort(first).tolist()]


def _proto(entry: dict[str, Any]) -> int:
    name = str(entry["protocol"])
    if name == "all":
        return -1
    return NUMBERS.get(name, int(name) if name.isdigit() else -2)


def _names(members: Iterable[Members]) -> tuple[list[str], int]:
    ids: set[str] = set()
    outside = NOWHERE
    for wl, out in members:
        ids |= wl
        outside = outside | out
    names = sorted(ids)
    for net in outside.networks():
        if len(names) > MAX_MEMBERS:
            break
        names.append(str(net))
    if len(names) > MAX_MEMBERS:
        names = [*names[:MAX_MEMBERS], "and more"]
    return names, len(ids)
