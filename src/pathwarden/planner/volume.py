"""Collateral: the address x port volume an edit closes beyond the region it must close.

Measured **at the edited filter**, under that filter's own verdict function (union for security
groups, first match by rule number for NACLs), for the workloads the filter guards (a
group's members, or every ENI in the subnets a NACL is associated with). It does not depend on
the other filters on the path, on purpose: an edit whose damage is hidden today by another
filter (a NACL deny behind a security group that happens to block the same traffic) still
closes that traffic the day the other filter is opened, so it is counted.

For a filter ``F`` and direction ``d``, the *peer side* is the side the rules name (the source
for ingress, the destination for egress) and the *member side* is ``F``'s members. The volume
closed is the sum over (peer address, member address, service) that ``F`` admitted before and
does not admit after; the collateral is the part of it outside the forbidden region
(``peer in forbidden peers`` and ``member in forbidden members`` and ``service in forbidden
services``). Both are computed exactly over atoms (address and service ranges every rule
treats alike), so a /8 counts 16,777,216 addresses without enumerating them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise

from pathwarden.model import (
    ANY,
    AddressSet,
    Direction,
    Filter,
    FilterKind,
    Peer,
    PeerKind,
    Rule,
    ServiceSet,
)
from pathwarden.model.addresses import V4_MAX, V6_MAX, Family
from pathwarden.model.intervals import IntervalSet
from pathwarden.model.rules import Action
from pathwarden.model.services import BLOCK, PROTO_MAX

Resolver = Callable[[Peer, Filter], AddressSet]
SERVICE_MAX = (PROTO_MAX + 1) * BLOCK - 1
LETS_THROUGH = (Action.ALLOW, Action.ALWAYS_ALLOW)


@dataclass(frozen=True, slots=True)
class Region:
    """What must be closed: sources x destinations x services."""

    src: AddressSet
    dst: AddressSet
    services: ServiceSet


@dataclass(frozen=True, slots=True)
class Volume:
    closed: int = 0
    collateral: int = 0
    opened: int = 0

    def __add__(self, other: Volume) -> Volume:
        return Volume(
            self.closed + other.closed,
            self.collateral + other.collateral,
            self.opened + other.opened,
        )


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


def filter_volume(
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


NOTHING = Region(AddressSet(), AddressSet(), ServiceSet())
ONE_MEMBER = AddressSet(v4=IntervalSet.span(0, 0))


def opened_volume(before: Filter, after: Filter, resolve: Resolver) -> int:
    """The peer address x service volume ``after`` admits and ``before`` did not, both
    directions, counted for one member: non-zero exactly when the edit widened the filter
    for anyone it guards now or later (it does not depend on today's members)."""
    return sum(filter_volume(before, after, d, ONE_MEMBER, NOTHING, resolve).opened
               for d in Direction)
