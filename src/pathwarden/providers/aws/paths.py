"""How an AWS flow is routed, hop by hop (docs/aws-semantics.md, "The routing step").

For VPCs whose route tables are in the snapshot. The source subnet's route table (explicit
association, else the VPC's main table) is looked up for the destination, the destination
subnet's for the source on the reply (VPC_Route_Tables.md, "Route priority": the most
specific route wins). A transit gateway hop continues in the route table associated with the
source VPC's attachment, whose route names the attachment the flow leaves by
(tgw/how-transit-gateways-work.html). Through a transit gateway the attachment subnets' network
ACLs apply as tgw/tgw-nacls.html says: "instance -> transit gateway" the instance subnet's
outbound and the attachment subnet's inbound rules, always; "transit gateway -> instance" the
attachment subnet's outbound and the instance subnet's inbound rules, unless both are one
subnet. Exposure: an internet gateway carries IPv4 only for a workload with a public IPv4 (in
and out); NAT and egress-only gateways carry flows out, never in.

Stages a routed half adds (their ``part`` tells the join what they are): ``route`` (the
subnet's table; at the destination on the reply), and per transit gateway attachment of the
VPC with a subnet in the workload's zone ``tgw-table|<attachment>|<same>`` (its table),
``tgw-fwd|<attachment>`` and ``tgw-back|<attachment>`` (the attachment subnet's ACL on the
flow and on the reply, where tgw-nacls.html evaluates them); ``<same>`` says whether the
attachment subnet is the workload's own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from pathwarden.engine import verdicts
from pathwarden.engine.routing import ROUTE_PART, RouteBook, Taken
from pathwarden.engine.semantics import (
    DESTINATION_SLOT,
    JOINT_SLOT,
    SOURCE_SLOT,
    Half,
    HalfStage,
    Hop,
    Joined,
    dead_end,
)
from pathwarden.engine.verdicts import Decision
from pathwarden.model import (
    ALL_SERVICES,
    NO_SERVICES,
    Attachment,
    Estate,
    NextHop,
    Route,
    RouteTable,
    ServiceSet,
    Workload,
)
from pathwarden.providers.base import private_route

ROUTED = "routed"  # link kinds: two workloads (one VPC routed at least)
OUT = "out"  # a workload of a routed VPC to an outside address
IN = "in"  # an outside address to a workload of a routed VPC
TGW_TABLE = "tgw-table"
TGW_FWD = "tgw-fwd"
TGW_BACK = "tgw-back"
SAME_SUBNET = "same"
APP_IN, APP_OUT, APP_ROUTE = "app-in", "app-out", "app-route"  # "<kind>|<appliance ENI>"
APP_ACL_IN, APP_ACL_OUT = "app-acl-in", "app-acl-out"
SG_DIRECT = "sg-direct"  # the destination's groups without security-group references
DIRECT = ""  # a path's kind: direct, or the attachment id it enters the transit gateway by
Item = tuple[int, HalfStage, Decision]
ReplyDecision = Callable[[tuple[Decision, ...]], Decision]


@dataclass(frozen=True, slots=True)
class Link:
    """What the join knows of two places: the kind, each end's VPC (``""``: outside) and
    whether it has a public IPv4."""

    kind: str
    src_vpc: str = ""
    dst_vpc: str = ""
    src_public: bool = False
    dst_public: bool = False
    src_subnet: str = ""  # the subnets, only where an appliance route is in either VPC
    dst_subnet: str = ""


def route_tie(table: RouteTable, route: Route) -> int:
    """At equal prefix a CIDR destination beats a prefix list (VPC_Route_Tables.md, "Route
    priority"), a static transit route beats a propagated one (tgw-route-tables.html)."""
    if table.kind == "transit":
        return 1 if route.origin == "propagated" else 0
    return 1 if route.destination.startswith("pl-") else 0


class Router:
    """The routing facts of one estate, and the stages that look routes up."""

    def __init__(self, estate: Estate, book: RouteBook) -> None:
        self.estate = estate
        self.book = book
        self.main: dict[str, RouteTable] = {}
        for t in estate.route_tables.values():
            if t.cloud == "aws" and t.kind == "vpc" and t.main:
                self.main[t.network] = t
        self.attachments: dict[str, list[Attachment]] = {}
        for a in sorted(estate.attachments.values(), key=lambda a: a.id):
            if a.kind == "vpc" and a.state == "available" and a.resource:
                self.attachments.setdefault(a.resource, []).append(a)
        self.with_appliances = {t.network for t in estate.route_tables.values()
                                if t.cloud == "aws" and t.kind == "vpc"
                                and any(r.next_hop is NextHop.APPLIANCE for r in t.routes)}
        self._by_id = {w.id: w for w in estate.workloads if w.cloud == "aws"}
        self._by_instance: dict[str, Workload] = {}
        for w in sorted(self._by_id.values(), key=lambda w: w.id):
            if w.instance:
                self._by_instance.setdefault(w.instance, w)
        self.peer: dict[tuple[str, str], str] = {}  # (vpc, pcx id) -> the VPC across it
        for n in estate.networks.values():
            if n.cloud == "aws":
                for p in n.peerings:
                    if p.state == "active":
                        self.peer[(n.id, p.name)] = p.remote

    def appliance(self, target: str) -> Workload | None:
        """The ENI a route's ``eni-``/instance target names (an instance: its first ENI)."""
        return self._by_id.get(target) or self._by_instance.get(target)

    def routed(self, vpc: str) -> bool:
        n = self.estate.networks.get(vpc)
        return n is not None and n.routed

    def table(self, w: Workload) -> RouteTable | None:
        s = self.estate.subnets.get(w.subnet)
        if s is not None and s.route_table in self.estate.route_tables:
            return self.estate.route_tables[s.route_table]
        return self.main.get(w.network)

    def lookup(self, table: RouteTable, *, reply: bool, part: str = ROUTE_PART,
               label: str = "") -> HalfStage:
        stage = self.book.stage(table.id, table.id,
                                ((table, r, route_tie(table, r)) for r in table.routes),
                                reply=reply)
        if part != ROUTE_PART or label:
            from dataclasses import replace

            stage = replace(stage, part=part, label=label or stage.label)
        return HalfStage(stage, reply=reply)

    def attachment_subnet(self, a: Attachment, w: Workload) -> str | None:
        """The attachment's subnet in the workload's Availability Zone (a subnet's traffic
        enters the transit gateway only by an attachment subnet of its own zone)."""
        if w.subnet in a.subnets:
            return w.subnet
        own = self.estate.subnets.get(w.subnet)
        zone = own.zone if own is not None else ""
        for sid in a.subnets:
            s = self.estate.subnets.get(sid)
            if zone and s is not None and s.zone == zone:
                return sid
        return None


def link(router: Router, src: Hashable, dst: Hashable, same: Hashable, cross: Hashable
         ) -> Hashable | None:
    """The link of two places ``(vpc, subnet, public)`` (``None``: outside); ``same`` and
    ``cross`` (the unrouted links) where no routed VPC is on the way."""
    if src is None and dst is None:
        return None
    if src is None:
        assert isinstance(dst, tuple)
        if not router.routed(dst[0]):
            return cross
        # the subnet, where an appliance may share it (its ACL is then not crossed)
        sub = dst[1] if dst[0] in router.with_appliances else ""
        return Link(IN, "", dst[0], False, dst[2], dst_subnet=sub)
    if dst is None:
        assert isinstance(src, tuple)
        if not router.routed(src[0]):
            return cross
        sub = src[1] if src[0] in router.with_appliances else ""
        return Link(OUT, src[0], "", src[2], False, src_subnet=sub)
    assert isinstance(src, tuple) and isinstance(dst, tuple)
    if src[1] == dst[1]:
        return same  # inside one subnet: no route lookup, no network ACL
    if not router.routed(src[0]) and not router.routed(dst[0]):
        return cross if private_route(router.estate, src[0], dst[0]) else None
    # between two workloads no internet gateway carries the flow: their public addresses
    # do not matter, and leaving them out keeps links (and joins) few
    if src[0] in router.with_appliances or dst[0] in router.with_appliances:
        return Link(ROUTED, src[0], dst[0], src_subnet=src[1], dst_subnet=dst[1])
    return Link(ROUTED, src[0], dst[0])


class _Side:
    """One half's stages by part, with their decisions and slots."""

    def __init__(self, slot: str, half: Half, decisions: tuple[Decision, ...]) -> None:
        self.slot = slot
        self.items: list[Item] = []
        for i, (h, d) in enumerate(zip(half.stages, decisions, strict=True)):
            self.items.append((i, h, d))

    def get(self, part: str, reply: bool | None = None) -> Item | None:
        for item in self.items:
            h = item[1]
            if h.stage.part == part and (reply is None or h.reply == reply):
                return item
        return None

    def attachment(self, gateway: str, estate: Estate) -> tuple[Attachment, Item, bool] | None:
        """This end's attachment to ``gateway`` (with a subnet in its zone): the attachment,
        its route table stage, and whether the attachment subnet is the end's own."""
        for item in self.items:
            bits = item[1].stage.part.split("|")
            if bits[0] == TGW_TABLE:
                a = estate.attachments.get(bits[1])
                if a is not None and a.gateway == gateway:
                    return a, item, bits[2] == SAME_SUBNET
        return None


@dataclass
class _Path:
    """Where the walk is: the kind of path so far and whether each end's own subnet ACL is
    skipped (a transit path whose attachment subnet is the end's own)."""

    via: str = DIRECT  # the source side's attachment id on a transit path
    appliance: str = ""  # the appliance ENI the flow went through
    back: str = ""  # the appliance ENI the reply goes through
    via_dst: str = DIRECT  # the destination side's attachment id on a transit path
    src_same: bool = False
    dst_same: bool = False


class _Walk:
    """Builds a routed path's hops and what it lets through."""

    def __init__(self, router: Router, ln: Link, src: _Side, dst: _Side) -> None:
        self.router = router
        self.link = ln
        self.src = src
        self.dst = dst
        self.hops: list[Hop] = []
        self.opened: ServiceSet = ALL_SERVICES
        self.legs: list[Item] = []  # the return path's ACL stages, in the reply's order

    def gate(self, side: _Side, item: Item | None) -> None:
        if item is None:
            return
        i, h, d = item
        self.hops.append(Hop(h.stage.label, d, (side.slot, i)))
        self.opened = self.opened & verdicts.combine([(h.stage.mode, d)])

    def route(self, side: _Side, item: Item, prefix: str) -> Taken | None:
        """A route lookup's hop; ``None`` (and nothing open) when it drops."""
        i, h, d = item
        taken = self.router.book.taken(d)
        table = h.stage.filters[0].name
        says = taken.says() if taken is not None else f"{table}: no route"
        if taken is not None and taken.hop is NextHop.ATTACHMENT:
            a = self.router.estate.attachments.get(taken.route.target)
            says += f" ({a.resource})" if a is not None and a.resource else ""
        self.hops.append(Hop(f"{prefix}{says}", d, (side.slot, i)))
        if taken is None or taken.hop is NextHop.DROP:
            self.opened = NO_SERVICES
            return None
        return taken

    def drop(self) -> None:
        self.opened = NO_SERVICES


def join(router: Router, reply_decision: ReplyDecision, ln: Link, src_half: Half,
         src_decisions: tuple[Decision, ...], dst_half: Half,
         dst_decisions: tuple[Decision, ...]) -> Joined:
    """A routed path: the source's filters and route (and the transit gateway's), the
    destination's filters and return route, then the stateless return path over the network
    ACLs the flow crossed."""
    w = _Walk(router, ln, _Side(SOURCE_SLOT, src_half, src_decisions),
              _Side(DESTINATION_SLOT, dst_half, dst_decisions))
    path = _Path()
    ok = _inbound(w, path) if ln.kind == IN else _forward(w, path)
    if ok:
        _arrive(w, path)
        if ln.kind == ROUTED:
            ok = _return_route(w, path)
    if not ok:
        w.drop()
        dead_end(w.hops)
    elif w.opened:
        _return_path(w, path, reply_decision)
    return Joined(w.opened, tuple(w.hops))


def _forward(w: _Walk, path: _Path) -> bool:
    """The source's hops up to where the flow leaves its VPC's routing."""
    ln, r = w.link, w.router
    w.gate(w.src, w.src.get("sg"))
    w.gate(w.src, w.src.get("nacl", reply=False))
    if not r.routed(ln.src_vpc):  # the pre-routing rule for a VPC without its routes
        return (ln.kind == OUT or ln.dst_vpc == ln.src_vpc
                or private_route(r.estate, ln.src_vpc, ln.dst_vpc))
    item = w.src.get(ROUTE_PART)
    if item is None:  # a routed VPC without a table for this subnet: nothing is routed
        return False
    taken = w.route(w.src, item, "route ")
    if taken is None:
        return False
    hop, outside = taken.hop, ln.kind == OUT
    if hop is NextHop.LOCAL:
        return outside or ln.dst_vpc == ln.src_vpc
    if hop is NextHop.PEERING:
        other = r.peer.get((ln.src_vpc, taken.route.target))
        return other is not None and (outside or ln.dst_vpc == other)
    if hop is NextHop.TRANSIT:
        return _transit(w, path, taken.route.target)
    if hop is NextHop.APPLIANCE:
        return _through(w, path, taken.route.target)
    if not outside:
        return False
    if hop is NextHop.INTERNET:
        return taken.v6 or ln.src_public
    if hop is NextHop.NAT:
        return not taken.v6
    if hop is NextHop.EGRESS_ONLY:
        return taken.v6
    return True  # a gateway out of the estate (VPN, endpoint ...)


def _through(w: _Walk, path: _Path, target: str) -> bool:
    """Through an appliance ENI (source/destination check off): its subnet's ACL in (from
    another subnet), its security groups in and out, its subnet's ACL out (to another
    subnet), then its subnet's route table; the destination's security-group references do
    not match what came through it (security-group-rules.md, middlebox limitation). A route
    to a transit gateway or another appliance from there is not followed: taken to carry
    the flow on."""
    ln, r = w.link, w.router
    p = r.appliance(target)
    if p is None:
        return True  # not in the snapshot (a notice says so): not evaluated
    if not p.forwarding or p.network != ln.src_vpc:
        return False
    path.appliance = p.id
    if p.subnet != ln.src_subnet:
        w.gate(w.src, w.src.get(f"{APP_ACL_IN}|{p.id}"))
    w.gate(w.src, w.src.get(f"{APP_IN}|{p.id}"))
    w.gate(w.src, w.src.get(f"{APP_OUT}|{p.id}"))
    if p.subnet != ln.dst_subnet:
        w.gate(w.src, w.src.get(f"{APP_ACL_OUT}|{p.id}"))
    item = w.src.get(f"{APP_ROUTE}|{p.id}")
    if item is None:
        return False
    taken = w.route(w.src, item, f"route (appliance {p.name or p.id}) ")
    if taken is None:
        return False
    hop, outside = taken.hop, ln.kind == OUT
    if hop is NextHop.LOCAL:
        return outside or ln.dst_vpc == p.network
    if hop is NextHop.PEERING:
        other = r.peer.get((p.network, taken.route.target))
        return other is not None and (outside or ln.dst_vpc == other)
    if hop in (NextHop.TRANSIT, NextHop.APPLIANCE):
        return True
    if not outside:
        return False
    if hop is NextHop.INTERNET:
        return taken.v6 or any(":" not in a for a in p.public_addresses)
    if hop is NextHop.NAT:
        return not taken.v6
    if hop is NextHop.EGRESS_ONLY:
        return taken.v6
    return True


def _transit(w: _Walk, path: _Path, gateway: str) -> bool:
    """Into the transit gateway by the source VPC's attachment (in its zone), through the
    route table associated with that attachment, out by the attachment its route names."""
    found = w.src.attachment(gateway, w.router.estate)
    if found is None:
        return False  # no attachment of this VPC, none in the zone, or none associated
    a, table_item, same = found
    path.via, path.src_same = a.id, same
    w.gate(w.src, w.src.get(f"{TGW_FWD}|{a.id}"))
    taken = w.route(w.src, table_item, "route ")
    if taken is None:
        return False
    target = w.router.estate.attachments.get(taken.route.target)
    if w.link.kind == OUT:
        return True  # any attachment: a VPN, a peer gateway, or a VPC address
    if target is None or target.kind != "vpc" or target.resource != w.link.dst_vpc:
        return False
    found_dst = w.dst.attachment(target.gateway, w.router.estate)
    if found_dst is None or found_dst[0].id != target.id:
        return False  # no subnet of the attachment in the destination's zone
    path.via_dst, path.dst_same = target.id, found_dst[2]
    return True


def _inbound(w: _Walk, path: _Path) -> bool:
    """From outside: the way in is the way the reply goes out (the destination's return
    route): an internet gateway needs a public address, NAT and egress-only gateways let
    nothing in, a transit gateway any attachment."""
    if not w.router.routed(w.link.dst_vpc):
        return True
    item = w.dst.get(ROUTE_PART)
    if item is None:
        return False
    taken = w.route(w.dst, item, "return route ")
    if taken is None:
        return False
    hop = taken.hop
    if hop is NextHop.INTERNET:
        return taken.v6 or w.link.dst_public
    if hop in (NextHop.NAT, NextHop.EGRESS_ONLY):
        return False
    if hop is NextHop.APPLIANCE:
        return _back_through(w, path, taken.route.target)
    if hop is NextHop.TRANSIT:
        found = w.dst.attachment(taken.route.target, w.router.estate)
        if found is None:
            return False
        a, table_item, same = found
        path.via_dst, path.dst_same = a.id, same
        return w.route(w.dst, table_item, "return route ") is not None
    return True


def _arrive(w: _Walk, path: _Path) -> None:
    """The destination's hops on the flow: the attachment subnet's ACL out (transit, when it
    is another subnet), its own subnet's ACL in, its security groups."""
    if w.link.kind == OUT:
        return
    if path.via_dst:
        w.gate(w.dst, w.dst.get(f"{TGW_FWD}|{path.via_dst}"))
    if not (path.via_dst and path.dst_same):
        w.gate(w.dst, w.dst.get("nacl", reply=False))
    direct = w.dst.get(SG_DIRECT) if path.appliance else None
    w.gate(w.dst, direct or w.dst.get("sg"))


def _return_route(w: _Walk, path: _Path) -> bool:
    """The destination's route back to the source workload: the same VPC, a peering to its
    VPC, or a transit gateway whose table names the source VPC's attachment."""
    ln, r = w.link, w.router
    if not r.routed(ln.dst_vpc):
        return True
    item = w.dst.get(ROUTE_PART)
    if item is None:
        return False
    taken = w.route(w.dst, item, "return route ")
    if taken is None:
        return False
    hop = taken.hop
    if hop is NextHop.LOCAL:
        return ln.src_vpc == ln.dst_vpc
    if hop is NextHop.PEERING:
        return r.peer.get((ln.dst_vpc, taken.route.target)) == ln.src_vpc
    if hop is NextHop.APPLIANCE:
        return _back_through(w, path, taken.route.target)
    if hop is not NextHop.TRANSIT:
        return False
    found = w.dst.attachment(taken.route.target, r.estate)
    if found is None:
        return False
    back = w.route(w.dst, found[1], "return route ")
    if back is None:
        return False
    target = r.estate.attachments.get(back.route.target)
    return target is not None and target.kind == "vpc" and target.resource == ln.src_vpc


def _back_through(w: _Walk, path: _Path, target: str) -> bool:
    """The reply through an appliance ENI: its subnet's route table must send it straight
    back to the source's VPC (the same VPC or a peering to it)."""
    ln, r = w.link, w.router
    p = r.appliance(target)
    if p is None:
        return True  # not evaluated
    if not p.forwarding or p.network != ln.dst_vpc:
        return False
    path.back = p.id
    item = w.dst.get(f"{APP_ROUTE}|{p.id}")
    if item is None:
        return False
    taken = w.route(w.dst, item, f"return route (appliance {p.name or p.id}) ")
    if taken is None:
        return False
    hop = taken.hop
    if ln.kind == IN:  # back out to an outside address, as from the destination itself
        if hop is NextHop.INTERNET:
            return taken.v6 or any(":" not in a for a in p.public_addresses)
        return hop not in (NextHop.NAT, NextHop.EGRESS_ONLY)
    if hop is NextHop.LOCAL:
        return ln.src_vpc == p.network
    return hop is NextHop.PEERING and r.peer.get((p.network, taken.route.target)) == ln.src_vpc


def _return_path(w: _Walk, path: _Path, reply_decision: ReplyDecision) -> None:
    """The stateless network ACLs on the reply, in the reply's order: leaving the
    destination's subnet (and entering its attachment subnet), then leaving the source's
    attachment subnet and entering the source's subnet (unless they are one)."""
    legs: list[Item | None] = []
    if w.link.kind != OUT:
        legs.append(w.dst.get("nacl", reply=True))
        if path.via_dst:
            legs.append(w.dst.get(f"{TGW_BACK}|{path.via_dst}"))
        p = w.router.appliance(path.back) if path.back else None
        if p is not None:  # through the appliance's subnet, where it is another subnet
            if p.subnet != w.link.dst_subnet:
                legs.append(w.dst.get(f"{APP_ACL_IN}|{p.id}"))
            if p.subnet != w.link.src_subnet:
                legs.append(w.dst.get(f"{APP_ACL_OUT}|{p.id}"))
    if w.link.kind != IN:
        if path.via:
            legs.append(w.src.get(f"{TGW_BACK}|{path.via}"))
        if not (path.via and path.src_same):
            legs.append(w.src.get("nacl", reply=True))
    found = [item for item in legs if item is not None]
    if not found:
        return
    back = reply_decision(tuple(d for _, _, d in found))
    names = ", ".join(f.id for _, h, _ in found for f in h.stage.filters)
    tag = "reply"  # the hop depends on the link, its legs' decisions and, through a
    if path.via or path.via_dst or path.back:  # transit gateway or appliance, which legs
        tag = (f"reply|{path.via}|{path.src_same:d}|{path.via_dst}|{path.dst_same:d}|"
               f"{path.back}")
    w.hops.append(Hop(f"network ACL return path ({names})", back, (JOINT_SLOT, tag)))
    w.opened = w.opened & back.allow
