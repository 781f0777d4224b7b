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

from collections import Counter
from collections.abc import Callable
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
from pathwarden.model.addresses import Family
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


def _peer_set(r: Rule, f: Filter, resolve: Resolver) -> AddressSet:
    peers = r.src if r.direction is Direction.INGRESS else r.dst
    if not peers or any(p.kind is PeerKind.ANY for p in peers):
        return ANY
    if len(peers) == 1:
        return resolve(peers[0], f)
    return AddressSet.union_all(resolve(p, f) for p in peers)


def _in_order(f: Filter, direction: Direction) -> list[Rule]:
    """The rules that decide ``direction``, in the order the verdict reads them."""
    rules = [r for r in f.rules if r.direction is direction and not r.disabled]
    if f.kind is not FilterKind.UNION:
        rules.sort(key=lambda r: r.order)
    return rules


def _changed(before: Filter, old: list[Rule], after: Filter, new: list[Rule]
             ) -> set[Rule] | None:
    """The rules in one of ``old``/``new`` and not (as often) in the other: outside their
    peers x services every verdict is the same before and after. ``None`` when that does not
    hold (another verdict function or default, or the other rules reordered at first match)."""
    if before.kind is not after.kind or before.default is not after.default:
        return None
    was, now = Counter(old), Counter(new)
    changed = {r for r in was.keys() | now.keys() if was[r] != now[r]}
    if before.kind is not FilterKind.UNION and (
            [r for r in old if r not in changed] != [r for r in new if r not in changed]):
        return None
    return changed


class _Verdicts:
    """The services one filter's rules admit, per set of matching rules (a bit mask), within
    the services that can differ."""

    def __init__(self, rules: list[tuple[int, Rule]], kind: FilterKind, default: Action,
                 within: IntervalSet) -> None:
        self.rules, self.kind, self.default, self.within = rules, kind, default, within
        self.memo: dict[int, IntervalSet] = {}

    def admitted(self, mask: int) -> IntervalSet:
        hit = self.memo.get(mask)
        if hit is None:
            hit = self.memo[mask] = self._admitted(mask)
        return hit

    def _admitted(self, mask: int) -> IntervalSet:
        matching = [r for bit, r in self.rules if mask & bit]
        if self.kind is FilterKind.UNION:
            return IntervalSet.union_all(
                r.services.values for r in matching if r.action in LETS_THROUGH) & self.within
        allowed: list[IntervalSet] = []
        rest = self.within
        for r in matching:  # first match: each service goes to the first rule that has it
            taken = r.services.values & rest
            if taken:
                if r.action in LETS_THROUGH:
                    allowed.append(taken)
                rest = rest - taken
        if rest and self.default in LETS_THROUGH:
            allowed.append(rest)
        return IntervalSet.union_all(allowed)


def _widths(where: IntervalSet, forbidden: IntervalSet, sets: list[tuple[int, IntervalSet]]
            ) -> dict[int, int]:
    """How many addresses of ``where`` have each mask: bit 1 (in ``where``), bit 2 (in
    ``forbidden``) and every ``(bit, set)`` they are in; one sweep over the boundaries."""
    flips: dict[int, int] = {}
    for bit, s in ((1, where), (2, forbidden), *sets):
        for lo, hi in s.ranges:
            flips[lo] = flips.get(lo, 0) ^ bit
            flips[hi + 1] = flips.get(hi + 1, 0) ^ bit
    widths: dict[int, int] = {}
    mask = 0
    for a, b in pairwise(sorted(flips)):
        mask ^= flips[a]
        if mask & 1:
            widths[mask] = widths.get(mask, 0) + b - a
    return widths


def filter_volume(
    before: Filter,
    after: Filter,
    direction: Direction,
    members: AddressSet,
    region: Region,
    resolve: Resolver,
) -> Volume:
    """Closed and collateral volume of changing ``before`` into ``after`` (one direction).

    Only the peers x services of the rules that changed can have another verdict after, so
    only those are swept: the peer-set boundaries within them split the addresses into runs
    with the same matching rules, and each distinct set of matching rules is decided once.
    """
    old, new = _in_order(before, direction), _in_order(after, direction)
    ingress = direction is Direction.INGRESS
    peer_forbidden = region.src if ingress else region.dst
    member_forbidden = region.dst if ingress else region.src
    n_all = members.size()
    n_out = n_all - (members & member_forbidden).size()
    changed = _changed(before, old, after, new)
    if not n_all or changed == set():
        return Volume()
    peers: dict[Rule, AddressSet] = {}
    for owner, rules in ((before, old), (after, new)):
        for r in rules:
            if r not in peers:
                peers[r] = _peer_set(r, owner, resolve)
    if changed is None:
        where, within = ANY, IntervalSet.span(0, SERVICE_MAX)
    else:
        where = AddressSet.union_all(peers[r] for r in changed)
        within = IntervalSet.union_all(r.services.values for r in changed)
    bad_services = region.services.values & within
    closed = collateral = opened = 0
    for fam in (Family.V4, Family.V6):
        space = where.family(fam)
        bits: dict[Rule, int] = {}
        sets: list[tuple[int, IntervalSet]] = []
        for r in peers:
            inside = peers[r].family(fam) & space
            if inside and r.services.values.overlaps(within):
                bits[r] = 4 << len(sets)
                sets.append((bits[r], inside))
        was = _Verdicts([(bits[r], r) for r in old if r in bits], before.kind, before.default,
                        within)
        now = _Verdicts([(bits[r], r) for r in new if r in bits], after.kind, after.default,
                        within)
        widths = _widths(space, peer_forbidden.family(fam) & space, sets)
        for mask, width in widths.items():
            a, b = was.admitted(mask), now.admitted(mask)
            gone, more = (a - b).size(), (b - a).size()
            closed += width * gone * n_all
            opened += width * more * n_all
            if mask & 2:  # forbidden peers: the forbidden services count only for the others
                inside = (a - b) & bad_services
                collateral += width * (gone * n_all - inside.size() * (n_all - n_out))
            else:
                collateral += width * gone * n_all
    return Volume(closed, collateral, opened)


NOTHING = Region(AddressSet(), AddressSet(), ServiceSet())
ONE_MEMBER = AddressSet(v4=IntervalSet.span(0, 0))


def opened_volume(before: Filter, after: Filter, resolve: Resolver) -> int:
    """The peer address x service volume ``after`` admits and ``before`` did not, both
    directions, counted for one member: non-zero exactly when the edit widened the filter
    for anyone it guards now or later (it does not depend on today's members)."""
    return sum(filter_volume(before, after, d, ONE_MEMBER, NOTHING, resolve).opened
               for d in Direction)
