"""Candidate edits that close one problem, one *hop* at a time.

A flow crosses several filters in series (DESIGN.md); closing any one hop for the whole
forbidden region closes the path. For each hop the planner can edit, every rule on it that
lets part of the region through gets one of these per-rule options:

- ``narrow_cidr``: the rule's CIDR minus the forbidden addresses, merged back to the fewest
  prefixes (the first prefix replaces the rule in place, the others are added);
- ``swap_ref``: the CIDR replaced by the security group every source of an approved path
  through this rule carries (the symbol, never its expanded addresses); when the group is
  already referenced by an equal rule, the CIDR rule is simply removed;
- ``narrow_ports``: the rule's services minus the forbidden ones (TCP/UDP ranges only);
- ``remove``: the rule goes.

A hop candidate takes, for each rule, its best option (least collateral, then fewest edits),
or one strategy throughout where it applies. The NACL hop instead inserts deny entries for
the forbidden sources just before the first entry that lets them in. Candidates are ranked
by (collateral, edits); :mod:`.choice` proves them in that order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pathwarden.model import (
    ALL_SERVICES,
    ANY,
    Action,
    AddressSet,
    Direction,
    Estate,
    Filter,
    Peer,
    PeerKind,
    Rule,
    ServiceSet,
)
from pathwarden.model.addresses import Family, parse_address
from pathwarden.model.services import ICMPS, PORT_MAX, TCP, UDP
from pathwarden.planner.edits import (
    NEW_PREFIX,
    OpKind,
    RuleOp,
    apply_to_filter,
    new_rule_body,
    new_rule_id,
)
from pathwarden.planner.problems import Keep, Problem
from pathwarden.planner.volume import Resolver, Volume, filter_volume

SG_RULES_PER_DIRECTION = 60  # per family (amazon-vpc-limits.md)
NACL_ENTRIES_PER_DIRECTION = 20  # per family, the default * entry included
MAX_PIECES = 8
NACL_DEFAULT_ORDERS = (32767, 32768)


@dataclass(frozen=True, slots=True)
class Candidate:
    hop: str
    strategy: str
    ops: tuple[RuleOp, ...]
    volume: Volume
    quota_problem: str = ""
    per_filter: tuple[tuple[str, Volume], ...] = ()

    @property
    def edits(self) -> int:
        return len(self.ops)

    def rank(self) -> tuple[int, int, int]:
        return (1 if self.quota_problem else 0, self.volume.collateral, self.edits)

    def describe(self) -> str:
        return f"{self.hop}: {self.strategy} ({self.edits} edit(s))"


def split_services(services: ServiceSet) -> list[ServiceSet] | None:
    """Pieces each expressible as one AWS rule (all, a whole protocol, one TCP/UDP range, one
    ICMP type or type+code), or ``None`` when that takes more than :data:`MAX_PIECES`."""
    if services == ALL_SERVICES:
        return [services]
    pieces: list[ServiceSet] = []
    for proto, ranges in services.by_protocol():
        if ranges == ((0, PORT_MAX),) or proto not in (TCP, UDP, *ICMPS):
            if ranges != ((0, PORT_MAX),):
                return None
            pieces.append(ServiceSet.protocol(proto))
            continue
        for lo, hi in ranges:
            if proto in ICMPS:
                for t in range(lo // 256, hi // 256 + 1):
                    c_lo, c_hi = max(lo, t * 256) - t * 256, min(hi, t * 256 + 255) - t * 256
                    if (c_lo, c_hi) == (0, 255):
                        pieces.append(ServiceSet.icmp(proto, t))
                    else:
                        pieces.extend(ServiceSet.icmp(proto, t, c) for c in range(c_lo, c_hi + 1))
                    if len(pieces) > MAX_PIECES:
                        return None
            else:
                pieces.append(ServiceSet.ports(proto, lo, hi))
        if len(pieces) > MAX_PIECES:
            return None
    return pieces


class Hops:
    """Everything candidate generation needs about one estate."""

    def __init__(self, estate: Estate, resolve: Resolver) -> None:
        self.estate = estate
        self.resolve = resolve
        self.members: dict[str, list[str]] = {}
        for w in estate.workloads:
            for fid in w.filters:
                self.members.setdefault(fid, []).extend(w.addresses)
            subnet = estate.subnets.get(w.subnet)
            for fid in subnet.filters if subnet else ():
                self.members.setdefault(fid, []).extend(w.addresses)

        # the estate never changes under one Hops: each filter's members and each rule's
        # peers are parsed and resolved once, however many options and candidates ask
        self._member_sets: dict[str, AddressSet] = {}
        self._peer_sets: dict[tuple[str, Rule], AddressSet] = {}
        self._volumes: dict[tuple[object, ...],
                            tuple[Filter, Problem, tuple[RuleOp, ...], Volume]] = {}

    def member_addresses(self, fid: str) -> AddressSet:
        hit = self._member_sets.get(fid)
        if hit is not None:
            return hit
        ips = []
        for a in self.members.get(fid, []):
            try:
                ips.append(parse_address(a))
            except ValueError:
                continue
        hit = self._member_sets[fid] = AddressSet.of_ips(ips)
        return hit

    def peer_set(self, r: Rule, f: Filter) -> AddressSet:
        key = (f.id, r)
        hit = self._peer_sets.get(key)
        if hit is not None:
            return hit
        peers = r.src if r.direction is Direction.INGRESS else r.dst
        if not peers or any(p.kind is PeerKind.ANY for p in peers):
            hit = ANY
        else:
            hit = AddressSet.union_all(self.resolve(p, f) for p in peers)
        self._peer_sets[key] = hit
        return hit

    def volume(self, f: Filter, ops: Iterable[RuleOp], direction: Direction,
               problem: Problem) -> Volume:
        mine = tuple(op for op in ops if op.filter_id == f.id)  # the others leave f alone
        # a candidate re-weighs the options its rules were chosen by: once is enough (keyed
        # by identity; the key's objects are kept alive with the answer)
        key = (id(f), direction, id(problem), tuple(map(id, mine)))
        hit = self._volumes.get(key)
        if hit is None:
            after = apply_to_filter(f, list(mine))
            hit = self._volumes[key] = (f, problem, mine, filter_volume(
                f, after, direction, self.member_addresses(f.id), problem.region(),
                self.resolve))
        return hit[3]


# -- per-rule options ------------------------------------------------------------------------
def _new(f: Filter, like: Rule, services: ServiceSet, peer: Peer) -> Rule:
    ingress = like.direction is Direction.INGRESS
    rule = Rule("", f.id, Action.ALLOW, like.direction, services,
                src=(peer,) if ingress else (), dst=() if ingress else (peer,),
                description=like.description)
    return replace(rule, id=new_rule_id(rule))


def _new_cidrs(f: Filter, like: Rule, services: ServiceSet, cidrs: list[str]) -> list[Rule]:
    """``[_new(f, like, services, Peer(CIDR, c)) for c in cidrs]``, the ids hashed from one
    canonical body with the CIDR spliced in (a narrowed ``0.0.0.0/0`` takes thousands)."""
    if not cidrs:
        return []
    ingress = like.direction is Direction.INGRESS
    mark = Peer(PeerKind.CIDR, "\0")  # JSON writes it as "\u0000", in no CIDR text
    template = Rule("", f.id, Action.ALLOW, like.direction, services,
                    src=(mark,) if ingress else (), dst=() if ingress else (mark,),
                    description=like.description)
    parts = new_rule_body(template).split(b'"\\u0000"')
    if len(parts) != 2:  # an id or description that is the mark itself: one by one
        return [_new(f, like, services, Peer(PeerKind.CIDR, c)) for c in cidrs]
    head, tail = parts
    out = []
    for c in cidrs:
        peer = Peer(PeerKind.CIDR, c)
        digest = hashlib.sha256(b"".join((head, json.dumps(c).encode(), tail))).hexdigest()
        out.append(Rule(NEW_PREFIX + digest[:12], f.id, Action.ALLOW, like.direction, services,
                        src=(peer,) if ingress else (), dst=() if ingress else (peer,),
                        description=like.description))
    return out


def _modify(r: Rule, new: Rule, strategy: str, reason: str) -> RuleOp:
    return RuleOp(OpKind.MODIFY, r.filter_id, r.id, replace(new, id=r.id), r, strategy, reason)


def _add(new: Rule, strategy: str, reason: str) -> RuleOp:
    return RuleOp(OpKind.ADD, new.filter_id, new.id, new, None, strategy, reason)


def _remove(r: Rule, strategy: str, reason: str) -> RuleOp:
    return RuleOp(OpKind.REMOVE, r.filter_id, r.id, None, r, strategy, reason)


def _replace_with(f: Filter, r: Rule, rules: list[Rule], strategy: str, reason: str
                  ) -> list[RuleOp]:
    """``r`` becomes ``rules``: the first in place, the others added before it changes."""
    if not rules:
        return [_remove(r, strategy, reason)]
    return [_add(n, strategy, reason) for n in rules[1:]] + [
        _modify(r, rules[0], strategy, reason)
    ]


def rule_options(hops: Hops, f: Filter, r: Rule, problem: Problem, keeps: list[Keep]
                 ) -> dict[str, list[RuleOp]]:
    region = problem.region()
    ingress = r.direction is Direction.INGRESS
    bad_peers = region.src if ingress else region.dst
    peers = r.src if ingress else r.dst
    label = peers[0].label() if len(peers) == 1 else "any"
    what = f"{r.services.describe()} {'from' if ingress else 'to'} {label}"
    options: dict[str, list[RuleOp]] = {
        "remove": [_remove(r, "remove", f"remove {what}: no approved path needs it")]
    }
    if len(peers) == 1 and peers[0].kind is PeerKind.CIDR:
        rest = hops.peer_set(r, f) - bad_peers
        nets = rest.cidrs()
        if nets:
            new = _new_cidrs(f, r, r.services, nets)
            why = (f"narrow {what} to {len(nets)} prefix(es) without the forbidden "
                   f"addresses")
            options["narrow_cidr"] = _replace_with(f, r, new, "narrow_cidr", why)
        swap = _swap_ref(hops, f, r, problem, keeps)
        if swap is not None:
            options["swap_ref"] = swap
    rest_services = r.services - region.services
    pieces = split_services(rest_services) if rest_services else None
    if pieces and all({proto for proto, _ in p.by_protocol()} <= {TCP, UDP} for p in pieces):
        new = [_new(f, r, p, peers[0]) for p in pieces] if len(peers) == 1 else []
        if new:
            why = f"narrow {what} to {rest_services.describe()}"
            options["narrow_ports"] = _replace_with(f, r, new, "narrow_ports", why)
    return options


def _swap_ref(hops: Hops, f: Filter, r: Rule, problem: Problem, keeps: list[Keep]
              ) -> list[RuleOp] | None:
    if r.direction is not Direction.INGRESS:
        return None
    region = problem.region()
    allowed = hops.peer_set(r, f) - region.src
    members = set(hops.members.get(f.id, []))
    for k in keeps:
        if not (k.services & r.services) or not k.src.members:
            continue
        if not any(a in members for m in k.dst.members for a in m.addresses):
            continue
        if not k.src.addresses().overlaps(hops.peer_set(r, f)):
            continue
        common = set.intersection(*(set(m.workload.filters) for m in k.src.members))
        for g in sorted(common):
            ref = Peer(PeerKind.SECURITY_GROUP, g, account=f.account or None)
            addrs = hops.resolve(ref, f)
            if not addrs or (addrs - allowed):
                continue
            why = f"replace {r.services.describe()} from {r.src[0].label()} by the reference " \
                  f"to {g}, the group of approved path {k.path}"
            same = [x for x in f.rules if x.direction is r.direction and x.services == r.services
                    and len(x.src) == 1 and x.src[0].kind is PeerKind.SECURITY_GROUP
                    and x.src[0].value == g]
            if same:
                return [_remove(r, "swap_ref", why + f" (already allowed by {same[0].id})")]
            return [_modify(r, _new(f, r, r.services, ref), "swap_ref", why)]
    return None


# -- hops ------------------------------------------------------------------------------------
def _sg_hop(hops: Hops, problem: Problem, keeps: list[Keep], direction: Direction
            ) -> list[Candidate]:
    ingress = direction is Direction.INGRESS
    side = problem.dst if ingress else problem.src
    region = problem.region()
    bad_peers = region.src if ingress else region.dst
    groups = sorted({g for m in side.members for g in m.workload.filters})
    involved: list[tuple[Filter, Rule, dict[str, list[RuleOp]]]] = []
    for gid in groups:
        f = hops.estate.filters.get(gid)
        if f is None or f.layer != "aws_sg":
            continue
        for r in f.direction(direction):
            if r.action is Action.ALLOW and (r.services & region.services) and (
                    hops.peer_set(r, f).overlaps(bad_peers)):
                involved.append((f, r, rule_options(hops, f, r, problem, keeps)))
    if not involved:
        return []
    hop = f"{'destination' if ingress else 'source'} security groups ({direction.value})"

    def best(f: Filter, opts: dict[str, list[RuleOp]]) -> list[RuleOp]:
        scored = sorted(opts.items(), key=lambda kv: (
            hops.volume(f, kv[1], direction, problem).collateral, len(kv[1]), kv[0]))
        return scored[0][1]

    bests = [best(f, opts) for f, _r, opts in involved]  # weighed once, used by every variant
    variants: dict[str, list[RuleOp]] = {"best per rule": []}
    for b in bests:
        variants["best per rule"] += b
    for strategy in ("narrow_cidr", "swap_ref", "narrow_ports", "remove"):
        chosen: list[RuleOp] = []
        for (_f, _r, opts), b in zip(involved, bests, strict=True):
            chosen += opts.get(strategy) or b
        variants[strategy] = chosen
    out: list[Candidate] = []
    seen: set[tuple[RuleOp, ...]] = set()
    for name, ops in variants.items():
        key = tuple(ops)
        if key in seen:
            continue
        seen.add(key)
        out.append(_candidate(hops, hop, name, key, direction, problem))
    return out


def _candidate(hops: Hops, hop: str, name: str, ops: tuple[RuleOp, ...], direction: Direction,
               problem: Problem) -> Candidate:
    volume = Volume()
    quota = ""
    per_filter = []
    by_filter: dict[str, list[RuleOp]] = {}  # each filter's ops, in order: read once, not
    for op in ops:                            # once per filter (thousands of ops, hundreds)
        by_filter.setdefault(op.filter_id, []).append(op)
    for fid, mine in by_filter.items():
        f = hops.estate.filters[fid]
        part = hops.volume(f, mine, direction, problem)
        per_filter.append((fid, part))
        volume = volume + part
        quota = quota or quota_problem(apply_to_filter(f, mine))
    return Candidate(hop, name, ops, volume, quota, tuple(per_filter))


def _families(r: Rule) -> set[Family]:
    peers = r.src + r.dst
    fams: set[Family] = set()
    for p in peers:
        if p.kind is PeerKind.CIDR:
            fams.add(Family.V6 if ":" in p.value else Family.V4)
        else:
            fams |= {Family.V4, Family.V6}
    return fams or {Family.V4, Family.V6}


def rule_counts(f: Filter) -> dict[tuple[Direction, Family], int]:
    counts: dict[tuple[Direction, Family], int] = {}
    for r in f.rules:
        for fam in _families(r):
            counts[(r.direction, fam)] = counts.get((r.direction, fam), 0) + 1
    return counts


def quota_problem(f: Filter) -> str:
    """Why ``f`` would break its quota, or ``""``."""
    limit = SG_RULES_PER_DIRECTION if f.layer == "aws_sg" else NACL_ENTRIES_PER_DIRECTION
    if f.layer not in ("aws_sg", "aws_nacl"):
        return ""
    for (direction, fam), n in sorted(rule_counts(f).items()):
        if n > limit:
            return (f"{f.id} would hold {n} {direction.value} IPv{fam.value} rules; the quota "
                    f"is {limit}")
    return ""


def _nacl_hop(hops: Hops, problem: Problem) -> list[Candidate]:
    region = problem.region()
    pieces = split_services(region.services)
    nets = list(region.src.networks())
    if not pieces or not nets or len(nets) * len(pieces) > NACL_ENTRIES_PER_DIRECTION:
        return []
    acls: list[str] = []
    for m in problem.dst.members:
        subnet = hops.estate.subnets.get(m.workload.subnet)
        for fid in subnet.filters if subnet else ():
            f = hops.estate.filters.get(fid)
            if f is not None and f.layer == "aws_nacl" and fid not in acls:
                acls.append(fid)
    out = []
    for fid in acls:
        f = hops.estate.filters[fid]
        ops = _nacl_denies(hops, f, problem, [str(n) for n in nets], pieces)
        if ops:
            out.append(_candidate(hops, f"destination network ACL {fid} (ingress)",
                                  "deny entries", tuple(ops), Direction.INGRESS, problem))
    return out


def _nacl_denies(hops: Hops, f: Filter, problem: Problem, nets: list[str],
                 pieces: list[ServiceSet]) -> list[RuleOp]:
    region = problem.region()
    rules = sorted(f.direction(Direction.INGRESS), key=lambda r: r.order)
    first = next((r.order for r in rules if r.action is Action.ALLOW
                  and (r.services & region.services)
                  and hops.peer_set(r, f).overlaps(region.src)), None)
    if first is None:
        return []
    used = {r.order for r in rules}
    free = [n for n in range(first - 1, 0, -1) if n not in used]
    need = len(nets) * len(pieces)
    if len(free) < need:
        return []
    numbers = sorted(free[:need])
    ops = []
    why = f"deny {problem.finding.path} sources before entry #{first}"
    for net in nets:
        for piece in pieces:
            rule = Rule("", f.id, Action.DENY, Direction.INGRESS, piece,
                        src=(Peer(PeerKind.CIDR, net),), order=numbers.pop(0),
                        description=f"pathwarden: {problem.finding.path}")
            rule = replace(rule, id=new_rule_id(rule))
            ops.append(_add(rule, "nacl_deny", why))
    return ops


def candidates(hops: Hops, problem: Problem, keeps: list[Keep]) -> list[Candidate]:
    """Every hop candidate for ``problem``, best first (see the module docstring)."""
    from pathwarden.planner.cloud_candidates import cloud_candidates

    found = (_sg_hop(hops, problem, keeps, Direction.INGRESS)
             + _sg_hop(hops, problem, keeps, Direction.EGRESS)
             + _nacl_hop(hops, problem)
             + cloud_candidates(hops, problem))
    return sorted(found, key=Candidate.rank)

