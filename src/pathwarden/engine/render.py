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

from bisect import bisect_right
from collections.abc import Hashable, Iterable
from typing import Any

from pathwarden.engine.attribution import LETS_THROUGH, rule_doc
from pathwarden.engine.verdicts import Decision
from pathwarden.model import NOWHERE, AddressSet, Rule, ServiceSet
from pathwarden.model.services import BLOCK, NUMBERS

MAX_MEMBERS = 25
ByHop = dict[str, dict[int, tuple[Decision, ServiceSet]]]  # label -> decision id -> (d, open)
Members = tuple[frozenset[str], AddressSet]  # workload ids, outside addresses
Rendering = list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]  # (open ranges, hops)
Runs = tuple[list[int], list[int], list[list[dict[str, Any]]]]  # starts, ends, rule docs


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
    order (see the module docstring)."""
    docs: dict[int, dict[str, Any]] = {}
    rules = _Rules()
    entries_of: dict[ServiceSet, tuple[list[dict[str, Any]], list[int]]] = {}
    by_sig: dict[Hashable, Rendering] = {}
    renderings: dict[Hashable, Rendering] = {}
    groups: dict[Hashable, list[tuple[Members, Members]]] = {}
    for by_hop, opened, src, dst in items:
        sig = (opened, tuple((label, tuple(sorted(((id(d), p) for d, p in slot.values()),
                                                  key=lambda t: t[0])))
                             for label, slot in by_hop.items()))
        rendering = by_sig.get(sig)
        if rendering is None:
            rendering = by_sig[sig] = _render(by_hop, opened, rules, docs, entries_of)
        key = _content(rendering)
        renderings.setdefault(key, rendering)
        groups.setdefault(key, []).append((src, dst))
    out: list[dict[str, Any]] = []
    for key, members in groups.items():
        src_names, src_count = _names(m[0] for m in members)
        dst_names, dst_count = _names(m[1] for m in members)
        for open_list, hop_list in renderings[key]:
            out.append({"open": open_list, "from": src_names, "to": dst_names,
                        "from_count": src_count, "to_count": dst_count,
                        "pairs": len(members), "hops": hop_list})
    return out


def _content(rendering: Rendering) -> Hashable:
    return tuple((repr(o), tuple((h["hop"], tuple(r["id"] for r in h["rules"])) for h in hs))
                 for o, hs in rendering)


def _render(by_hop: ByHop, opened: ServiceSet, rules: _Rules,
            docs: dict[int, dict[str, Any]],
            entries_of: dict[ServiceSet, tuple[list[dict[str, Any]], list[int]]]) -> Rendering:
    runs = {label: _runs(slot, rules, docs) for label, slot in by_hop.items()}
    hit_entries = entries_of.get(opened)
    if hit_entries is None:
        contract = opened.to_contract()
        hit_entries = entries_of[opened] = (contract, [_proto(e) for e in contract])
    entries, protos = hit_entries
    # protocols between two boundaries of any hop's runs pick the same rule lists
    bounds = sorted({b for r in runs.values() for b in r[0]}
                    | {e + 1 for r in runs.values() for e in r[1]})
    by_segment: dict[int, tuple[int, ...]] = {}
    merged: dict[tuple[int, ...], tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for entry, proto in zip(entries, protos, strict=True):
        segment = bisect_right(bounds, proto) if proto >= 0 else -1 - proto
        picks = by_segment.get(segment)
        if picks is None:
            picks = by_segment[segment] = tuple(_pick(r, proto) for r in runs.values())
        hit = merged.get(picks)
        if hit is None:
            hit = merged[picks] = ([], [
                {"hop": label, "rules": r[2][k] if k != -2 else []}
                for (label, r), k in zip(runs.items(), picks, strict=True)])
        hit[0].append(entry)
    return list(merged.values())


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
    return starts, ends, lists


def _pick(runs: Runs, proto: int) -> int:
    """The rule list for one protocol: a run, ``-1`` for ``all`` (every rule of the hop, the
    last list), ``-2`` when no rule of the hop lets that protocol through."""
    starts, ends, _ = runs
    if proto == -1:
        return -1
    k = bisect_right(starts, proto) - 1
    return k if k >= 0 and proto <= ends[k] else -2


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
