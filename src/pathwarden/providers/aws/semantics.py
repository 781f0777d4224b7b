"""AWS evaluation semantics (docs/aws-semantics.md is the specification).

A flow from ENI A (subnet X) to ENI B (subnet Y) passes, in series: A's security groups
(egress, a union), NACL(X) egress and NACL(Y) ingress when X != Y (first match by rule
number), B's security groups (ingress), and, when X != Y, the stateless NACL return path
(vpc-network-acls.md: "responses to allowed inbound traffic are subject to the rules for
outbound traffic"). Security-group references resolve to the members' private addresses
(security-group-rules.md § Security group referencing).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from pathwarden.engine.stages import Chain, Context, FilterStage, Stage
from pathwarden.engine.verdicts import Contribution, Decision, Mode
from pathwarden.model import (
    ALL_SERVICES,
    ANY,
    NOWHERE,
    Action,
    AddressSet,
    Direction,
    Estate,
    Filter,
    FilterKind,
    Peer,
    PeerKind,
    ServiceSet,
    Workload,
)
from pathwarden.model.addresses import Family, parse_network
from pathwarden.model.intervals import IntervalSet
from pathwarden.model.services import BLOCK, ICMP, ICMPV6, TCP, UDP
from pathwarden.providers.base import private_route

DEFAULT_EPHEMERAL = (1024, 65535)

# Traffic no security group or NACL filters (VPC_Security.md; security-group-rules.md
# § Limitation): instance metadata, Amazon DNS, Time Sync, ECS task metadata.
PLATFORM = AddressSet.union_all(
    AddressSet.parse(a)
    for a in (
        "169.254.169.254/32",
        "169.254.169.253/32",
        "169.254.169.123/32",
        "169.254.170.2/32",
        "fd00:ec2::254/128",
        "fd00:ec2::253/128",
        "fd00:ec2::123/128",
    )
)

_ECHO = {ICMP: (8, 0), ICMPV6: (128, 129)}  # echo request type -> echo reply type
_SPECIAL = ServiceSet.union_all(ServiceSet.protocol(p) for p in (TCP, UDP, ICMP, ICMPV6))


@lru_cache(maxsize=4096)
def forward_from_return(back: ServiceSet, ephemeral: tuple[int, int]) -> ServiceSet:
    """The forward services whose replies fit in ``back`` (what the return NACLs allow).

    TCP/UDP: a reply goes to one of the client's ephemeral ports; one allowed port suffices,
    since the client (an attacker) picks it. ICMP echo needs the echo reply; other ICMP types
    are one-way. Any other protocol needs the same protocol allowed back (NACL entries for
    those protocols ignore ports, so a whole protocol block is in ``back`` or not).
    """
    parts: list[ServiceSet] = []
    lo, hi = ephemeral
    for proto in (TCP, UDP):
        if back & ServiceSet.ports(proto, lo, hi):
            parts.append(ServiceSet.protocol(proto))
    for proto, (request, reply) in _ECHO.items():
        parts.append(ServiceSet.protocol(proto) - ServiceSet.icmp(proto, request))
        if back.contains(proto, reply * 256):
            parts.append(ServiceSet.icmp(proto, request))
    others = []
    for start, end in (back - _SPECIAL).values:
        first = -(-start // BLOCK)  # protocols whose port 0 lies in [start, end]
        last = end // BLOCK
        if first <= last:
            others.append((first * BLOCK, last * BLOCK + BLOCK - 1))
    parts.append(ServiceSet(IntervalSet(others)) - _SPECIAL)
    return ServiceSet.union_all(parts)


@dataclass(frozen=True, slots=True)
class ReturnStage:
    """The NACL checks on the reply: ``legs`` are evaluated for the reversed flow."""

    label: str
    legs: tuple[FilterStage, ...]
    ephemeral: tuple[int, int]
    mode: Mode = Mode.GATE

    @property
    def key(self) -> Hashable:
        return ("return", tuple(leg.key for leg in self.legs), self.ephemeral)

    def hops(self) -> tuple[FilterStage, ...]:
        return self.legs

    def decide(self, ctx: Context, fam: Family, src_atom: int, dst_atom: int) -> Decision:
        decisions = [ctx.decision(leg, fam, dst_atom, src_atom) for leg in self.legs]
        back = ALL_SERVICES
        for d in decisions:
            back = back & d.allow
        forward = forward_from_return(back, self.ephemeral)
        contributions = []
        for d in decisions:
            for c in d.contributions:
                if c.rule.action is Action.ALLOW:
                    # replies with nothing to answer (one-way ICMP) need no rule: only credit
                    # a rule for the forward services its replies make possible
                    fwd = forward_from_return(c.services & back, self.ephemeral) - ONE_WAY
                    fwd = fwd & forward
                    if fwd:
                        contributions.append(Contribution(c.rule, fwd))
        return Decision(
            allow=forward, deny=ALL_SERVICES - forward, contributions=tuple(contributions)
        )


ONE_WAY = ServiceSet.union_all(
    ServiceSet.protocol(p) - ServiceSet.icmp(p, req) for p, (req, _) in _ECHO.items()
)


class AwsSemantics:
    cloud = "aws"

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        opts = estate.options.get("aws.ephemeral_ports", DEFAULT_EPHEMERAL)
        lo, hi = opts if isinstance(opts, tuple) else DEFAULT_EPHEMERAL
        self.ephemeral = (int(lo), int(hi))
        members: dict[str, list[str]] = {}
        for w in estate.workloads:
            if w.cloud == "aws":
                for sg in w.filters:
                    members.setdefault(sg, []).extend(w.addresses)
        self._members = {
            sg: AddressSet.of_ips(ipaddress.ip_address(a) for a in addrs)
            for sg, addrs in members.items()
        }
        self._cidrs: dict[str, AddressSet] = {}

    def class_key(self, workload: Workload) -> Hashable:
        return (workload.network, workload.subnet, tuple(sorted(workload.filters)))

    def resolve(self, peer: Peer, owner: Filter) -> AddressSet:
        kind = peer.kind
        if kind is PeerKind.ANY:
            return ANY
        if kind is PeerKind.CIDR:
            hit = self._cidrs.get(peer.value)
            if hit is None:
                hit = self._cidrs[peer.value] = AddressSet.of_network(parse_network(peer.value))
            return hit
        if kind is PeerKind.PREFIX_LIST:
            pl = self.estate.prefix_lists.get(peer.value)
            return pl.addresses if pl is not None else NOWHERE
        if kind is PeerKind.SECURITY_GROUP:
            if peer.peering_status not in (None, "", "active"):
                return NOWHERE  # a stale peered reference matches nothing
            return self._members.get(peer.value, NOWHERE)
        return NOWHERE

    def address_sets(self) -> Iterable[AddressSet]:
        seen: set[Peer] = set()
        for f in self.estate.filters.values():
            if f.cloud != "aws":
                continue
            for r in f.rules:
                for p in r.src + r.dst:
                    if p not in seen and p.kind is not PeerKind.ANY:
                        seen.add(p)
                        yield self.resolve(p, f)

    def platform(self) -> AddressSet:
        resolvers: list[int] = []
        for n in self.estate.networks.values():
            if n.cloud == "aws":
                resolvers.extend(lo + 2 for lo, _ in n.cidrs.v4)
        return PLATFORM | AddressSet.union_all(
            [AddressSet.of_ips(ipaddress.IPv4Address(a) for a in resolvers)]
        )

    # -- paths ---------------------------------------------------------------------------------
    def path(self, src: Workload | None, dst: Workload | None) -> tuple[Chain, ...] | None:
        if src is None and dst is None:
            return None
        if src is not None and dst is not None and not private_route(self.estate, src, dst):
            return None
        chains: list[Chain] = []
        crosses = src is None or dst is None or src.subnet != dst.subnet
        if src is not None:
            chains.append((self._sg_stage(src, Direction.EGRESS),))
            nacl = self._nacl_stage(src.subnet, Direction.EGRESS) if crosses else None
            if nacl is not None:
                chains.append((nacl,))
        if dst is not None:
            nacl = self._nacl_stage(dst.subnet, Direction.INGRESS) if crosses else None
            if nacl is not None:
                chains.append((nacl,))
            chains.append((self._sg_stage(dst, Direction.INGRESS),))
        if crosses:
            legs = [
                leg
                for leg in (
                    self._nacl_stage(dst.subnet, Direction.EGRESS) if dst else None,
                    self._nacl_stage(src.subnet, Direction.INGRESS) if src else None,
                )
                if leg is not None
            ]
            if legs:
                names = ", ".join(f.id for leg in legs for f in leg.filters)
                ret: Stage = ReturnStage(
                    f"network ACL return path ({names})", tuple(legs), self.ephemeral
                )
                chains.append((ret,))
        return tuple(chains)

    def _sg_stage(self, w: Workload, direction: Direction) -> FilterStage:
        known = self.estate.filters
        groups = tuple(known[g] for g in sorted(w.filters) if g in known)
        side = "source" if direction is Direction.EGRESS else "destination"
        names = ", ".join(g.id for g in groups) or "none"
        return FilterStage(
            f"security groups {names} ({direction.value}, {side})",
            groups,
            direction,
            FilterKind.UNION,
        )

    def _nacl_stage(self, subnet_id: str, direction: Direction) -> FilterStage | None:
        subnet = self.estate.subnets.get(subnet_id)
        if subnet is None:
            return None
        acls = tuple(self.estate.filters[a] for a in subnet.filters if a in self.estate.filters)
        if not acls:
            return None
        return FilterStage(
            f"network ACL {acls[0].id} ({direction.value}, {subnet_id})",
            acls[:1],
            direction,
            FilterKind.FIRST_MATCH,
        )
