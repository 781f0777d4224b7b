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
from dataclasses import replace
from functools import lru_cache

from pathwarden.engine import verdicts
from pathwarden.engine.routing import RouteBook, table_sets
from pathwarden.engine.semantics import (
    DESTINATION_SLOT,
    JOINT_SLOT,
    NO_HALF,
    SOURCE_SLOT,
    Half,
    HalfStage,
    Hop,
    Joined,
    Role,
)
from pathwarden.engine.stages import FilterStage
from pathwarden.engine.verdicts import Contribution, Decision
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
    NextHop,
    Peer,
    PeerKind,
    RouteTable,
    ServiceSet,
    Workload,
)
from pathwarden.model.addresses import parse_network
from pathwarden.model.intervals import IntervalSet
from pathwarden.model.services import BLOCK, ICMP, ICMPV6, TCP, UDP
from pathwarden.providers.aws import paths
from pathwarden.providers.aws.paths import (
    APP_ACL_IN,
    APP_ACL_OUT,
    APP_IN,
    APP_OUT,
    APP_ROUTE,
    SAME_SUBNET,
    SG_DIRECT,
    TGW_BACK,
    TGW_FWD,
    TGW_TABLE,
    Link,
    Router,
)

SAME = "same"
CROSS = "cross"
REPLY = "reply"

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


def reply_decision(legs: tuple[Decision, ...], ephemeral: tuple[int, int]) -> Decision:
    """The forward services the reply legs (network ACLs evaluated on the reply) let back.

    Each leg's rules are credited for the forward services their replies make possible; replies
    with nothing to answer (one-way ICMP) need no rule. A leg's deny rules are credited, in leg
    order, for the refused forward services some of whose replies they deny (a TCP flow whose
    replies to every ephemeral port are refused: the first rule on the way back that refuses
    them).
    """
    back = ALL_SERVICES
    for d in legs:
        back = back & d.allow
    forward = forward_from_return(back, ephemeral)
    refused = ALL_SERVICES - forward
    contributions = []
    for d in legs:
        for c in d.contributions:
            if c.rule.action is Action.ALLOW:
                fwd = forward_from_return(c.services & back, ephemeral) - ONE_WAY
                fwd = fwd & forward
            elif c.rule.action is Action.DENY:
                fwd = (forward_from_return(c.services, ephemeral) - ONE_WAY) & refused
            else:
                continue
            if fwd:
                contributions.append(Contribution(c.rule, fwd))
    return Decision(allow=forward, deny=refused, contributions=tuple(contributions))


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
            sg: AddressSet.of_texts(addrs)
            for sg, addrs in members.items()
        }
        self._cidrs: dict[str, AddressSet] = {}
        self._stages: dict[Hashable, FilterStage | None] = {}
        self._replies: dict[tuple[int, ...], tuple[tuple[Decision, ...], Decision]] = {}
        self.book = RouteBook(self.cloud, estate.prefix_lists)
        self.router = Router(estate, self.book)

    def class_key(self, workload: Workload) -> Hashable:
        key = (workload.network, workload.subnet, tuple(sorted(workload.filters)))
        if self.router.routed(workload.network):
            return (*key, _public_v4(workload))
        return key

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
        tables = [t for t in self.estate.route_tables.values() if t.cloud == "aws"]
        yield from table_sets(tables, self.estate.prefix_lists)

    def platform(self) -> AddressSet:
        resolvers: list[int] = []
        for n in self.estate.networks.values():
            if n.cloud == "aws":
                resolvers.extend(lo + 2 for lo, _ in n.cidrs.v4)
        return PLATFORM | AddressSet.union_all(
            [AddressSet.of_ips(ipaddress.IPv4Address(a) for a in resolvers)]
        )

    # -- halves ------------------------------------------------------------------------------
    def place(self, workload: Workload | None) -> Hashable:
        if workload is None:
            return None
        public = self.router.routed(workload.network) and _public_v4(workload)
        return (workload.network, workload.subnet, public)

    def link(self, src: Hashable, dst: Hashable) -> Hashable | None:
        """``cross`` when the flow leaves a subnet (network ACLs apply, vpc-network-acls.md:
        "not as it is routed within a subnet"), ``same`` inside one; ``None`` between
        networks with neither a shared network nor an active peering. Where a routed VPC is
        on the way, a :class:`~pathwarden.providers.aws.paths.Link` (its routes decide)."""
        return paths.link(self.router, src, dst, SAME, CROSS)

    def half(self, w: Workload | None, role: Role) -> Half:
        """Source: security groups (egress), the subnet's ACL outbound, and its ACL inbound on
        the reply. Destination: the subnet's ACL inbound, security groups (ingress), and its
        ACL outbound on the reply."""
        if w is None:
            return NO_HALF
        egress = role is Role.SOURCE
        sg = HalfStage(self._sg_stage(w, Direction.EGRESS if egress else Direction.INGRESS))
        out = Direction.EGRESS if egress else Direction.INGRESS
        back = Direction.INGRESS if egress else Direction.EGRESS
        nacl = self._nacl_stage(w.subnet, out)
        reply = self._nacl_stage(w.subnet, back)
        stages: list[HalfStage] = [sg]
        if nacl is not None:
            stages.insert(1 if egress else 0, HalfStage(nacl))
        if reply is not None:
            stages.append(HalfStage(reply, reply=True, joint=REPLY))
        stages.extend(self._routing(w, role))
        return Half(tuple(stages))

    def _routing(self, w: Workload, role: Role) -> list[HalfStage]:
        """A routed VPC's stages (docs/aws-semantics.md, "The routing step"): the subnet's
        route table (at the destination, looked up on the reply), and per transit gateway
        attachment with a subnet in the workload's zone, its route table and the attachment
        subnet's ACL where tgw-nacls.html evaluates it."""
        r = self.router
        source = role is Role.SOURCE
        out: list[HalfStage] = []
        table = r.table(w) if r.routed(w.network) else None
        if table is not None:
            out.append(r.lookup(table, reply=not source))
            out.extend(self._appliances(w, table, source))
        if not source and r.with_appliances:
            out.append(HalfStage(self._direct_sg(w)))
        for a in r.attachments.get(w.network, ()):
            tgw_table = self.estate.route_tables.get(a.route_table)
            sub = r.attachment_subnet(a, w)
            if tgw_table is None or sub is None:
                continue
            same = sub == w.subnet
            out.append(r.lookup(tgw_table, reply=not source,
                                part=f"{TGW_TABLE}|{a.id}|{SAME_SUBNET if same else ''}",
                                label=f"transit gateway route table {tgw_table.id}"))
            # source: instance -> TGW (attachment subnet in, always), TGW -> instance on the
            # reply (attachment subnet out, unless it is the instance's own subnet);
            # destination: TGW -> instance (out, unless own), instance -> TGW on the reply
            fwd = self._attachment_acl(a, sub, Direction.INGRESS if source else
                                       Direction.EGRESS, TGW_FWD)
            back = self._attachment_acl(a, sub, Direction.EGRESS if source else
                                        Direction.INGRESS, TGW_BACK)
            if fwd is not None and (source or not same):
                out.append(HalfStage(fwd))
            if back is not None and (not source or not same):
                out.append(HalfStage(back, reply=True, joint=REPLY))
        return out

    def _appliances(self, w: Workload, table: RouteTable, source: bool) -> list[HalfStage]:
        """Per forwarding appliance ENI the table routes to (in the workload's VPC): at the
        source its subnet's ACL and its security groups on the flow and its subnet's route
        table (docs/aws-semantics.md, "Appliances"); at the destination its route table and
        its subnet's ACL for the reply."""
        r = self.router
        out: list[HalfStage] = []
        for target in self.book.targets(r.lookup(table, reply=False).stage, NextHop.APPLIANCE):
            p = r.appliance(target)
            app_table = r.table(p) if p is not None else None
            if p is None or not p.forwarding or p.network != w.network or app_table is None:
                continue
            name = p.name or p.id
            acl_in = self._nacl_stage(p.subnet, Direction.INGRESS)
            acl_out = self._nacl_stage(p.subnet, Direction.EGRESS)
            if source:
                parts = ((APP_ACL_IN, acl_in), (APP_IN, self._sg_stage(p, Direction.INGRESS)),
                         (APP_OUT, self._sg_stage(p, Direction.EGRESS)),
                         (APP_ACL_OUT, acl_out))
                out.extend(HalfStage(replace(st, part=f"{part}|{p.id}",
                                             label=f"appliance {name}: {st.label}"))
                           for part, st in parts if st is not None)
            else:
                out.extend(HalfStage(replace(st, part=f"{part}|{p.id}",
                                             label=f"appliance {name}: {st.label}"),
                                     reply=True, joint=REPLY)
                           for part, st in ((APP_ACL_IN, acl_in), (APP_ACL_OUT, acl_out))
                           if st is not None)
            out.append(r.lookup(app_table, reply=not source, part=f"{APP_ROUTE}|{p.id}"))
        return out

    def _direct_sg(self, w: Workload) -> FilterStage:
        """The destination's groups for a flow that came through an appliance: rules that
        reference a security group do not match it ("If your traffic is routed through a
        middlebox appliance, referencing the security group of the other instance does not
        allow the traffic", security-group-rules.md)."""
        base = self._sg_stage(w, Direction.INGRESS)
        key = (SG_DIRECT, base.label)
        hit = self._stages.get(key)
        if hit is None:
            direct = tuple(replace(f, id=f"{f.id}#direct", rules=tuple(
                r for r in f.rules
                if not any(p.kind is PeerKind.SECURITY_GROUP for p in r.src + r.dst)))
                for f in base.filters)
            hit = self._stages[key] = replace(
                base, filters=direct, part=SG_DIRECT,
                label=base.label.replace("destination)", "destination, through an appliance: "
                                         "group references do not match)"))
        return hit

    def _attachment_acl(self, a: object, subnet: str, direction: Direction, kind: str
                        ) -> FilterStage | None:
        aid = getattr(a, "id", "")
        key = (kind, aid, subnet, direction)
        if key not in self._stages:
            stage = self._nacl_stage(subnet, direction)
            if stage is not None:
                acl = stage.filters[0].id
                stage = replace(stage, part=f"{kind}|{aid}", label=(
                    f"network ACL {acl} ({direction.value}, {subnet}, transit gateway "
                    f"attachment {aid})"))
            self._stages[key] = stage
        return self._stages[key]

    def join(self, link: Hashable, src: Half, src_decisions: tuple[Decision, ...], dst: Half,
             dst_decisions: tuple[Decision, ...]) -> Joined:
        """In series, each hop alone: source groups, source ACL, destination ACL, destination
        groups, then the stateless reply over both ACLs; inside one subnet only the two groups.
        Where a routed VPC is on the way, :func:`pathwarden.providers.aws.paths.join` walks
        the routes."""
        if isinstance(link, Link):
            return paths.join(self.router, self._reply, link, src, src_decisions, dst,
                              dst_decisions)
        hops: list[Hop] = []
        legs: dict[str, tuple[list[Decision], list[str]]] = {SOURCE_SLOT: ([], []),
                                                            DESTINATION_SLOT: ([], [])}
        opened = ALL_SERVICES
        for slot, half, decisions in ((SOURCE_SLOT, src, src_decisions),
                                      (DESTINATION_SLOT, dst, dst_decisions)):
            for i, (h, d) in enumerate(zip(half.stages, decisions, strict=True)):
                if h.stage.part not in ("sg", "nacl") or (h.stage.part == "nacl"
                                                          and link == SAME):
                    continue  # routing stages: only a routed link looks at them
                if h.joint:
                    if link == CROSS:
                        legs[slot][0].append(d)
                        legs[slot][1].extend(f.id for f in h.stage.filters)
                    continue
                hops.append(Hop(h.stage.label, d, (slot, i), h.stage.mode))
                opened = opened & verdicts.combine([(h.stage.mode, d)])
        # the reply leaves the destination's subnet first, then enters the source's
        order = (legs[DESTINATION_SLOT], legs[SOURCE_SLOT])
        decisions = tuple(d for ds, _ in order for d in ds)
        names = [n for _, ns in order for n in ns]
        if link == CROSS and decisions:
            back = self._reply(decisions)
            hops.append(Hop(f"network ACL return path ({', '.join(names)})", back,
                            (JOINT_SLOT, REPLY)))
            opened = opened & back.allow
        return Joined(opened, tuple(hops))

    def _reply(self, legs: tuple[Decision, ...]) -> Decision:
        """:func:`reply_decision`, memoised per pair of ACL decisions (few distinct ones)."""
        key = tuple(id(d) for d in legs)
        hit = self._replies.get(key)
        if hit is None or any(a is not b for a, b in zip(hit[0], legs, strict=True)):
            if len(self._replies) >= 100_000:
                self._replies.clear()
            hit = self._replies[key] = (legs, reply_decision(legs, self.ephemeral))
        return hit[1]

    def _sg_stage(self, w: Workload, direction: Direction) -> FilterStage:
        known = self.estate.filters
        groups = tuple(known[g] for g in sorted(w.filters) if g in known)
        side = "source" if direction is Direction.EGRESS else "destination"
        names = ", ".join(g.id for g in groups) or "none"
        key = (tuple(g.id for g in groups), direction)
        hit = self._stages.get(key)
        if hit is None:
            hit = self._stages[key] = FilterStage(
                f"security groups {names} ({direction.value}, {side})",
                groups,
                direction,
                FilterKind.UNION,
                part="sg",
            )
        return hit

    def _nacl_stage(self, subnet_id: str, direction: Direction) -> FilterStage | None:
        key = (subnet_id, direction)
        if key in self._stages:
            return self._stages[key]
        subnet = self.estate.subnets.get(subnet_id)
        stage = None
        if subnet is not None:
            acls = tuple(self.estate.filters[a] for a in subnet.filters
                         if a in self.estate.filters)
            if acls:
                stage = FilterStage(
                    f"network ACL {acls[0].id} ({direction.value}, {subnet_id})",
                    acls[:1],
                    direction,
                    FilterKind.FIRST_MATCH,
                    part="nacl",
                )
        self._stages[key] = stage
        return stage


def _public_v4(w: Workload) -> bool:
    """Whether the workload has a public IPv4 (an internet gateway carries its IPv4)."""
    return any(":" not in a for a in w.public_addresses)
