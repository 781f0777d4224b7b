"""The collateral volume as the planner computed it before it learned to sweep (one verdict per
address cut x service atom, every cut of every peer set), kept to hold the fast
:func:`pathwarden.planner.volume.filter_volume` to the same numbers
(tests/unit/test_volume_reference.py). Slow on large peer sets: for small filters only.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from pathwarden.model import ANY, AddressSet, Direction, Filter, FilterKind, PeerKind, Rule
from pathwarden.model.addresses import V4_MAX, V6_MAX, Family
from pathwarden.model.intervals import IntervalSet
from pathwarden.model.rules import Action
from pathwarden.planner.volume import LETS_THROUGH, SERVICE_MAX, Region, Resolver, Volume


def _cuts(sets: Iterable[IntervalSet], top: int) -> list[tuple[int, int]]:
    points = {0, top + 1}
    for s in sets:
        for lo, hi in s:
            points.add(lo)
            points.add(hi + 1)
    ordered = sorted(points)
    return [(a, b - 1) for a, b in pairwise(ordered)]


def _peer_set(r: Rule, f: Filter, resolve: Resolver) -> AddressSet:
    peers = r.src if r.direction is Direction.INGRESS else r.dst
    if not peers or any(p.kind is PeerKind.ANY for p in peers):
        return ANY
    return AddressSet.union_all(resolve(p, f) for p in peers)


def _verdicts(
    rules: list[tuple[Rule, AddressSet]], kind: FilterKind, fam: Family, addr: int,
    svc_atoms: list[tuple[int, int]], default: Action,
) -> list[bool]:
    hits = [r for r, peers in rules if peers.family(fam).contains(addr)]
    out = []
    for lo, _ in svc_atoms:
        matching = [r for r in hits if r.services.values.contains(lo)]
        if kind is FilterKind.UNION:
            allowed = any(r.action in LETS_THROUGH for r in matching)
        elif matching:
            allowed = min(matching, key=lambda r: r.order).action in LETS_THROUGH
        else:
            allowed = default in LETS_THROUGH
        out.append(allowed)
    return out


def reference_filter_volume(
    before: Filter,
    after: Filter,
    direction: Direction,
    members: AddressSet,
    region: Region,
    resolve: Resolver,
) -> Volume:
    """Closed and collateral volume of changing ``before`` into ``after`` (one direction)."""

    def compiled(f: Filter) -> list[tuple[Rule, AddressSet]]:
        rules = [r for r in f.rules if r.direction is direction and not r.disabled]
        if f.kind is not FilterKind.UNION:
            rules.sort(key=lambda r: r.order)
        return [(r, _peer_set(r, f, resolve)) for r in rules]

    old, new = compiled(before), compiled(after)
    ingress = direction is Direction.INGRESS
    peer_forbidden = region.src if ingress else region.dst
    member_forbidden = region.dst if ingress else region.src
    n_in = (members & member_forbidden).size()
    n_out = members.size() - n_in
    svc_sets = [r.services.values for r, _ in old + new] + [region.services.values]
    svc_atoms = _cuts(svc_sets, SERVICE_MAX)
    svc_forbidden = [region.services.values.contains(lo) for lo, _ in svc_atoms]
    total = Volume()
    for fam, top in ((Family.V4, V4_MAX), (Family.V6, V6_MAX)):
        sets = [p.family(fam) for _, p in old + new] + [peer_forbidden.family(fam)]
        for lo, hi in _cuts(sets, top):
            width = hi - lo + 1
            was = _verdicts(old, before.kind, fam, lo, svc_atoms, before.default)
            now = _verdicts(new, after.kind, fam, lo, svc_atoms, after.default)
            peer_bad = peer_forbidden.family(fam).contains(lo)
            closed = collateral = opened = 0
            for i, (s_lo, s_hi) in enumerate(svc_atoms):
                size = width * (s_hi - s_lo + 1)
                if was[i] and not now[i]:
                    closed += size * (n_in + n_out)
                    inside = peer_bad and svc_forbidden[i]
                    collateral += size * (n_out if inside else n_in + n_out)
                elif now[i] and not was[i]:
                    opened += size * (n_in + n_out)
            total = total + Volume(closed, collateral, opened)
    return total
