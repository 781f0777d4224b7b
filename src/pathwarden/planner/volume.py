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


def _changed(before: Filter, old: list[Rule], after: Filter, new: list[Rule]) -> set[int] | None:
    """The rules (by ``id()``) in one of ``old``/``new`` and not (as often) in the other:
    outside their peers x services every verdict is the same before and after. ``None`` when
    that does not hold (another verdict function or default, or the other rules reordered at
    first match). Rules are told apart by identity, not value: an edit keeps the objects of
    the rules it leaves alone, and an equal copy counted as changed only widens the sweep
    (the numbers are the same), while hashing every rule by value twice per call does not
    pay."""
    if before.kind is not after.kind or before.default is not after.default:
        return None
    was, now = Counter(map(id, old)), Counter(map(id, new))
    changed = {k for k in was.keys() | now.keys() if was[k] != now[k]}
    if before.kind is not FilterKind.UNION and (
            [id(r) for r in old if id(r) not in changed]
            != [id(r) for r in new if id(r) not in changed]):
        return None
    return changed


def _grouped(before: Filter, old: list[Rule], after: Filter, new: list[Rule],
             direction: Direction, resolve: Resolver
             ) -> tuple[list[Rule], list[Rule], dict[int, AddressSet], AddressSet]:
    """Union filters: the rules that let the same services through act as one rule whose
    peers are all of theirs (a union verdict cannot tell them apart; deny rules do nothing).
    So do the thousands of prefixes a narrowed ``0.0.0.0/0`` becomes. Returns one stand-in
    rule per group and side (the same object on both sides when its peers did not change),
    the peers of each stand-in, by ``id()``, and where a group's peers changed (elsewhere
    every group holds the same addresses before and after, so every verdict is the same)."""

    def groups(rules: list[Rule], owner: Filter) -> dict[IntervalSet, AddressSet]:
        sets: dict[IntervalSet, list[AddressSet]] = {}
        for r in rules:
            if r.action in LETS_THROUGH:
                sets.setdefault(r.services.values, []).append(_peer_set(r, owner, resolve))
        return {svc: AddressSet.union_all(s) for svc, s in sets.items()}

    was, now = groups(old, before), groups(new, after)
    peers: dict[int, AddressSet] = {}
    old_g: list[Rule] = []
    new_g: list[Rule] = []
    moved: list[AddressSet] = []
    for svc in sorted(was.keys() | now.keys(), key=lambda v: v.ranges):
        a, b = was.get(svc), now.get(svc)
        if a != b:
            a_set, b_set = a or AddressSet(), b or AddressSet()
            moved += [a_set - b_set, b_set - a_set]
        if a is not None:
            stand_in = Rule("", before.id, Action.ALLOW, direction, ServiceSet(svc))
            peers[id(stand_in)] = a
            old_g.append(stand_in)
            if a == b:
                new_g.append(stand_in)
                continue
        if b is not None:
            stand_in = Rule("", after.id, Action.ALLOW, direction, ServiceSet(svc))
            peers[id(stand_in)] = b
            new_g.append(stand_in)
    return old_g, new_g, peers, AddressSet.union_all(moved)


class _Verdicts:
    """The services one filter's rules admit, per set of matching rules (a bit mask: rule
    ``k`` of the sweep is bit ``4 << k``), within the services that can differ."""

    def __init__(self, rules: list[tuple[int, Rule]], kind: FilterKind, default: Action,
                 within: IntervalSet) -> None:
        """``rules``: ``(k, rule)`` in the order the verdict reads them."""
        self.rules, self.kind, self.default, self.within = rules, kind, default, within
        self.at: dict[int, list[int]] = {}  # k -> positions in ``rules``
        for i, (k, _) in enumerate(rules):
            self.at.setdefault(k, []).append(i)
        self.memo: dict[int, IntervalSet] = {}

    def admitted(self, mask: int) -> IntervalSet:
        key = mask >> 2  # bits 1 and 2 (where, forbidden) do not change what the rules admit
        hit = self.memo.get(key)
        if hit is None:
            hit = self.memo[key] = self._admitted(key)
        return hit

    def _admitted(self, rest_bits: int) -> IntervalSet:
        # a mask holds few bits of many: read only the set ones, not every rule
        positions: list[int] = []
        while rest_bits:
            k = rest_bits.bit_length() - 1
            positions.extend(self.at.get(k, ()))
            rest_bits ^= 1 << k
        positions.sort()
        matching = [self.rules[i][1] for i in positions]
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
    if not n_all:
        return Volume()
    given: dict[int, AddressSet] = {}
    moved: AddressSet | None = None
    if before.kind is FilterKind.UNION and after.kind is FilterKind.UNION:
        old, new, given, moved = _grouped(before, old, after, new, direction, resolve)
    changed = _changed(before, old, after, new)
    if changed == set():
        return Volume()
    rules: dict[int, tuple[Rule, Filter]] = {}  # id() -> rule and owner, each rule once
    for owner, in_order in ((before, old), (after, new)):
        for r in in_order:
            rules.setdefault(id(r), (r, owner))

    def peer_set(k: int) -> AddressSet:
        hit = given.get(k)
        return hit if hit is not None else _peer_set(*rules[k], resolve)

    if changed is None:
        where, within = ANY, IntervalSet.span(0, SERVICE_MAX)
    else:
        where = moved if moved is not None else AddressSet.union_all(
            peer_set(k) for k in changed)
        within = IntervalSet.union_all(rules[k][0].services.values for k in changed)
    # only the rules that can match some service within are resolved and swept
    peers = {k: peer_set(k) for k, (r, _) in rules.items() if r.services.values.overlaps(within)}
    bad_services = region.services.values & within
    closed = collateral = opened = 0
    for fam in (Family.V4, Family.V6):
        space = where.family(fam)
        bits: dict[int, int] = {}  # id(rule) -> k (its mask bit is 4 << k)
        sets: list[tuple[int, IntervalSet]] = []
        for k, peers_k in peers.items():
            inside = peers_k.family(fam) & space
            if inside:
                bits[k] = len(sets)
                sets.append((4 << bits[k], inside))
        was = _Verdicts([(bits[id(r)], r) for r in old if id(r) in bits], before.kind,
                        before.default, within)
        now = _Verdicts([(bits[id(r)], r) for r in new if id(r) in bits], after.kind,
                        after.default, within)
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
