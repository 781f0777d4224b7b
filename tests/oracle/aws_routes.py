"""The routing step of the brute-force AWS oracle, from the AWS docs and the routing spec.

It reads the raw routing files of a snapshot folder with :mod:`json` only (no pathwarden code)
and answers, for one (source, destination) pair, whether the packet and its reply are routed,
which way they go (the stretches whose network ACLs apply) and, when they are not, **why**
(``"dropped at tgw-rtb-1: 10.0.128.0/17 blackhole"``). Every lookup loops over the raw routes
and tests membership with :mod:`ipaddress`. Sources:

- [RT] VPC_Route_Tables.html / route-tables-priority.html ("Route priority": longest prefix,
  then static routes, then prefix-list routes, then propagated routes)
- [TGW] tgw/how-transit-gateways-work.html and tgw/tgw-vpc-attachments.html ("traffic is
  forwarded to the transit gateway only when the transit gateway has an attachment in a subnet
  in the same Availability Zone")
- [TGWRT] tgw/tgw-route-tables.html (an attachment is associated with one route table;
  static routes beat propagated routes for the same destination; blackhole routes drop)
- [TGWNACL] tgw/tgw-nacls.html (which subnet's NACL sees which leg)
- [IGW] VPC_Internet_Gateway.html (a public IPv4 address is needed to talk to the internet over
  IPv4; IPv6 addresses are public), [NAT] vpc-nat-gateway.html, [EIGW]
  egress-only-internet-gateway.html (outbound only)
- [SGR] security-group-rules.md (middlebox: a reference to a security group does not match
  traffic routed through an appliance)

A packet's way is a tuple of :class:`Stretch`: one hop from one subnet (or outside) to another,
directly or through a transit gateway. Its NACL legs are :meth:`Stretch.legs`.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

Json = dict[str, Any]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
GONE = ("disassociated", "failed", "disassociating")


@cache
def _net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def _contains(cidr: str, ip: IPAddress) -> bool:
    n = _net(cidr)
    return n.version == ip.version and ip in n


@dataclass(frozen=True)
class Stretch:
    """One stretch of a packet's way, from subnet ``a`` to subnet ``b`` (``None``: outside).
    Through a transit gateway ``ta``/``tb`` are the attachment subnets on ``a``'s and ``b``'s
    side ([TGWNACL]): instance -> TGW is evaluated always (``a`` out, ``ta`` in, even when they
    are one subnet), TGW -> instance only when ``tb`` and ``b`` differ."""

    a: str | None
    b: str | None
    tgw: bool = False
    ta: str | None = None
    tb: str | None = None

    def legs(self) -> list[tuple[str, bool]]:
        """(subnet, egress) NACL evaluations of a packet along this stretch."""
        if not self.tgw:
            if self.a == self.b:
                return []  # [NACL] "not as it is routed within a subnet"
            out = [(self.a, True)] if self.a else []
            return out + ([(self.b, False)] if self.b else [])
        legs: list[tuple[str, bool]] = []
        if self.a is not None and self.ta is not None:
            legs += [(self.a, True), (self.ta, False)]
        if self.b is not None and self.tb is not None and self.tb != self.b:
            legs += [(self.tb, True), (self.b, False)]
        return legs

    def reversed(self) -> Stretch:
        return Stretch(self.b, self.a, self.tgw, self.tb, self.ta)


@dataclass(frozen=True)
class Way:
    """The routing step's answer for one pair of ends."""

    ok: bool
    reason: str = ""  # why not (the hop that decided), "" when ok
    forward: tuple[Stretch, ...] = ()
    reply: tuple[Stretch, ...] = ()
    appliances: tuple[str, ...] = ()  # ENIs whose filters the forward packet crosses
    trace: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _Hop:
    ok: bool
    reason: str = ""
    stretches: tuple[Stretch, ...] = ()
    appliances: tuple[str, ...] = ()
    trace: tuple[str, ...] = ()


def _fail(reason: str, trace: tuple[str, ...] = ()) -> _Hop:
    return _Hop(False, reason, trace=trace)


class AwsRouting:
    """Route tables, gateways and transit gateways of one snapshot folder, and the lookups."""

    def __init__(self, folder: Path, oracle: Any, enabled: bool = True) -> None:
        self.o = oracle  # AwsOracle: enis, subnets, vpcs, peerings, prefix_lists
        self.tables: list[Json] = self._load(folder, "describe-route-tables.json", "RouteTables")
        self.routed_vpcs = {t["VpcId"] for t in self.tables} if enabled else set()
        self.attachments = {
            a["TransitGatewayAttachmentId"]: a
            for a in self._load(
                folder, "describe-transit-gateway-attachments.json", "TransitGatewayAttachments"
            )
        }
        self.attachment_subnets: dict[str, list[str]] = {
            a["TransitGatewayAttachmentId"]: list(a.get("SubnetIds") or [])
            for a in self._load(
                folder,
                "describe-transit-gateway-vpc-attachments.json",
                "TransitGatewayVpcAttachments",
            )
        }
        self.tgw_routes: dict[str, list[Json]] = {}
        for f in sorted((folder / "search-transit-gateway-routes").glob("*.json")):
            self.tgw_routes[f.stem] = json.loads(f.read_text()).get("Routes", [])

    @staticmethod
    def _load(folder: Path, name: str, key: str) -> list[Json]:
        path = folder / name
        if not path.exists():
            return []
        items: list[Json] = json.loads(path.read_text()).get(key, [])
        return items

    # ------------------------------------------------------------------ facts
    def routed(self, vpc: str) -> bool:
        return vpc in self.routed_vpcs

    def table_of(self, subnet_id: str) -> Json | None:
        """[RT] "a subnet ... that is not explicitly associated with any route table is
        implicitly associated with the main route table"."""
        vpc = self.o.subnets[subnet_id]["VpcId"]
        main = None
        for t in self.tables:
            for a in t.get("Associations", []):
                if a.get("AssociationState", {}).get("State") in GONE:
                    continue
                if a.get("SubnetId") == subnet_id:
                    return t
                if a.get("Main") and t["VpcId"] == vpc:
                    main = t
        return main

    def az(self, subnet_id: str) -> str:
        s = self.o.subnets[subnet_id]
        return str(s.get("AvailabilityZoneId") or s.get("AvailabilityZone") or "")

    def public_v4(self, eni: Json) -> bool:
        """[IGW]: the ENI's public IPv4 (``Association.PublicIp``, also per private address)."""
        if (eni.get("Association") or {}).get("PublicIp"):
            return True
        return any((p.get("Association") or {}).get("PublicIp")
                   for p in eni.get("PrivateIpAddresses", []))

    def peer_of(self, pcx_id: str, vpc: str) -> tuple[str | None, str]:
        """(the other VPC of an active peering, its status)."""
        for pc in self.o.peerings:
            if pc["VpcPeeringConnectionId"] != pcx_id:
                continue
            status = pc.get("Status", {}).get("Code", "")
            ends = [pc["RequesterVpcInfo"]["VpcId"], pc["AccepterVpcInfo"]["VpcId"]]
            other = ends[1] if ends[0] == vpc else ends[0]
            return (other if status == "active" else None), status
        return None, "unknown"

    # ------------------------------------------------------------------ lookups
    def lookup(self, table: Json, ip: IPAddress) -> tuple[Json | None, str]:
        """[RT] longest prefix; at equal length a CIDR (static) route beats a prefix-list route.
        A prefix list matches with the length of its most specific entry holding ``ip``."""
        best: Json | None = None
        best_key = (-1, -1)
        best_dest = ""
        for r in table.get("Routes", []):
            if r.get("State") == "inactive":
                continue
            cidr = r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock")
            if cidr:
                if not _contains(cidr, ip):
                    continue
                key, dest = (_net(cidr).prefixlen, 1), cidr
            elif r.get("DestinationPrefixListId"):
                pl = r["DestinationPrefixListId"]
                lengths = [_net(c).prefixlen for c in self.o.prefix_lists.get(pl, [])
                           if _contains(c, ip)]
                if not lengths:
                    continue
                key, dest = (max(lengths), 0), pl
            else:
                continue
            if key > best_key:
                best, best_key, best_dest = r, key, dest
        return best, best_dest

    def tgw_lookup(self, tid: str, ip: IPAddress) -> tuple[Json | None, str]:
        """[TGWRT] longest prefix; static beats propagated for the same destination."""
        best: Json | None = None
        best_key = (-1, -1)
        best_dest = ""
        for r in self.tgw_routes.get(tid, []):
            cidr = r.get("DestinationCidrBlock")
            if cidr and _contains(cidr, ip):
                key = (_net(cidr).prefixlen, 1 if r.get("Type") == "static" else 0)
                if key > best_key:
                    best, best_key, best_dest = r, key, cidr
        return best, best_dest

    @staticmethod
    def target(route: Json) -> str:
        """The route's target id (API_Route): an instance route names both the instance and
        its ENI, and the ENI is the hop."""
        for k in ("NetworkInterfaceId", "InstanceId", "NatGatewayId", "TransitGatewayId",
                  "VpcPeeringConnectionId", "EgressOnlyInternetGatewayId", "GatewayId",
                  "LocalGatewayId", "CarrierGatewayId", "CoreNetworkArn"):
            if route.get(k):
                return str(route[k])
        return ""

    def appliance_eni(self, target: str) -> Json | None:
        enis: dict[str, Json] = self.o.enis
        if target.startswith("eni-"):
            return enis.get(target)
        for e in enis.values():  # an instance: its primary ENI
            att = e.get("Attachment") or {}
            if att.get("InstanceId") == target and att.get("DeviceIndex", 0) == 0:
                return e
        return None

    def _entry(self, at: Json, tgw: str) -> tuple[Json | None, str | None, str]:
        """The VPC attachment of ``at``'s VPC to ``tgw`` with a subnet in ``at``'s AZ:
        (attachment, that subnet, why not)."""
        zone = self.az(at["SubnetId"])
        for aid, a in sorted(self.attachments.items()):
            if (a.get("TransitGatewayId") != tgw or a.get("ResourceType") != "vpc"
                    or a.get("ResourceId") != at["VpcId"] or a.get("State") != "available"):
                continue
            for s in self.attachment_subnets.get(aid, []):
                if s in self.o.subnets and self.az(s) == zone:
                    return a, s, ""
        return None, None, f"{tgw} has no available attachment of {at['VpcId']} in {zone}"

    @staticmethod
    def _association(a: Json) -> str:
        assoc = a.get("Association") or {}
        if assoc.get("State") in GONE:
            return ""
        return str(assoc.get("TransitGatewayRouteTableId") or "")

    def _subnet_in(self, aid: str, zone: str) -> str | None:
        for s in self.attachment_subnets.get(aid, []):
            if s in self.o.subnets and self.az(s) == zone:
                return s
        return None

    # ------------------------------------------------------------------ forward
    def forward(self, at: Json, d: IPAddress, dst: Json | None, src: Json,
                via_appliance: bool = False) -> _Hop:
        """One lookup at workload ``at`` (the source, or an appliance) for ``d``; ``dst`` is the
        destination ENI (``None``: an outside address), ``src`` the source ENI."""
        table = self.table_of(at["SubnetId"])
        if table is None:
            return _fail(f"no-route: {at['SubnetId']} has no route table (no main table)")
        tid = table["RouteTableId"]
        r, dest = self.lookup(table, d)
        if r is None:
            return _fail(f"no-route at {tid} for {d}")
        target = self.target(r)
        step = f"route {tid}: {dest} -> {target}"
        trace: tuple[str, ...] = (step,)
        if r.get("State") == "blackhole":
            return _fail(f"dropped at {tid}: {dest} blackhole ({target})", trace)
        here = at["SubnetId"]
        there = dst["SubnetId"] if dst is not None else None
        direct = (Stretch(here, there),)
        if target == "local":
            if dst is None or dst["VpcId"] == table["VpcId"]:
                return _Hop(True, stretches=direct, trace=trace)
            return _fail(f"{step}: local, but {dst['VpcId']} is another VPC", trace)
        if target.startswith("pcx-"):
            peer, status = self.peer_of(target, table["VpcId"])
            if peer is None:
                return _fail(f"{step}: peering is {status}", trace)
            if dst is None or dst["VpcId"] == peer:
                return _Hop(True, stretches=direct, trace=trace)
            return _fail(f"{step}: peers {peer}, not {dst['VpcId']} (no transit)", trace)
        if target.startswith("tgw-"):
            return self._transit(at, target, d, dst, trace)
        if target.startswith("igw-"):
            if dst is not None:
                return _fail(f"{step}: internet gateway, but {d} is a workload", trace)
            if d.version == 4 and not self.public_v4(src):
                return _fail(f"{step}: {src['NetworkInterfaceId']} has no public IPv4", trace)
            return _Hop(True, stretches=direct, trace=trace)
        if target.startswith("nat-") or target.startswith("eigw-"):
            family = 4 if target.startswith("nat-") else 6
            if dst is not None or d.version != family:
                return _fail(f"{step}: outbound to IPv{family} outside addresses only", trace)
            return _Hop(True, stretches=direct, trace=trace)
        if target.startswith(("eni-", "i-")):
            return self._appliance(at, target, d, dst, src, via_appliance, trace)
        # vgw-, vpce-, lgw-, cagw-, core network: the packet leaves the estate
        if dst is not None:
            return _fail(f"{step}: leaves the estate, but {d} is a workload", trace)
        return _Hop(True, stretches=direct, trace=trace)

    def _transit(self, at: Json, tgw: str, d: IPAddress, dst: Json | None,
                 trace: tuple[str, ...]) -> _Hop:
        entry, ta, why = self._entry(at, tgw)
        if entry is None:
            return _fail(f"dropped at {tgw}: {why}", trace)
        tid = self._association(entry)
        if not tid:
            return _fail(f"dropped at {tgw}: {entry['TransitGatewayAttachmentId']} is "
                         "associated with no route table", trace)
        r, dest = self.tgw_lookup(tid, d)
        if r is None:
            return _fail(f"no-route at {tid} for {d}", trace)
        if r.get("State") == "blackhole":
            return _fail(f"dropped at {tid}: {dest} blackhole", trace)
        aid = (r.get("TransitGatewayAttachments") or [{}])[0].get("TransitGatewayAttachmentId")
        target = self.attachments.get(str(aid))
        if target is None:
            return _fail(f"dropped at {tid}: {dest} -> unknown attachment {aid}", trace)
        kind, resource = target.get("ResourceType"), target.get("ResourceId")
        trace = (*trace, f"{tid}: {dest} -> {aid} ({resource if kind == 'vpc' else kind})")
        here = at["SubnetId"]
        if dst is None:
            return _Hop(True, stretches=(Stretch(here, None, True, ta, None),), trace=trace)
        if kind != "vpc" or resource != dst["VpcId"]:
            return _fail(f"{tid}: {dest} -> {aid} ({resource}), not {dst['VpcId']}", trace)
        tb = self._subnet_in(str(aid), self.az(dst["SubnetId"]))
        if tb is None:
            return _fail(f"dropped at {tgw}: {aid} has no subnet in "
                         f"{self.az(dst['SubnetId'])} (the reply cannot enter)", trace)
        return _Hop(True, stretches=(Stretch(here, dst["SubnetId"], True, ta, tb),), trace=trace)

    def _appliance(self, at: Json, target: str, d: IPAddress, dst: Json | None, src: Json,
                   via_appliance: bool, trace: tuple[str, ...]) -> _Hop:
        box = self.appliance_eni(target)
        if box is None:
            return _fail(f"dropped: appliance {target} is not in the snapshot", trace)
        here = at["SubnetId"]
        if dst is not None and box["NetworkInterfaceId"] == dst["NetworkInterfaceId"]:
            # the packet is addressed to the appliance itself: delivered there
            return _Hop(True, stretches=(Stretch(here, dst["SubnetId"]),), trace=trace)
        if via_appliance:  # a second appliance is not followed: open there (appliance-chain)
            return _Hop(True, stretches=(Stretch(here, box["SubnetId"]),),
                        trace=(*trace, "appliance-chain"))
        if box.get("SourceDestCheck") is not False:
            return _fail(f"dropped: appliance {box['NetworkInterfaceId']} does not forward "
                         "(source/destination check on)", trace)
        onward = self.forward(box, d, dst, src, via_appliance=True)
        trace = (*trace, *(f"appliance {box['NetworkInterfaceId']}: {t}" for t in onward.trace))
        if not onward.ok:
            return _fail(f"after appliance {box['NetworkInterfaceId']}: {onward.reason}", trace)
        return _Hop(True, stretches=(Stretch(here, box["SubnetId"]), *onward.stretches),
                    appliances=(box["NetworkInterfaceId"], *onward.appliances), trace=trace)

    # ------------------------------------------------------------------ reply
    def reply(self, at: Json, s: IPAddress, src: Json | None, dst: Json,
              via_appliance: bool = False) -> _Hop:
        """The reply lookup at workload ``at`` (the destination, or an appliance it replies
        through) for the source address ``s``; ``src`` is the source ENI or ``None``."""
        table = self.table_of(at["SubnetId"])
        if table is None:
            return _fail(f"return no-route: {at['SubnetId']} has no route table")
        tid = table["RouteTableId"]
        r, dest = self.lookup(table, s)
        if r is None:
            return _fail(f"return no-route at {tid} for {s}")
        target = self.target(r)
        step = f"return route {tid}: {dest} -> {target}"
        trace: tuple[str, ...] = (step,)
        if r.get("State") == "blackhole":
            return _fail(f"return dropped at {tid}: {dest} blackhole ({target})", trace)
        here = at["SubnetId"]
        there = src["SubnetId"] if src is not None else None
        direct = (Stretch(here, there),)
        if target == "local":
            if src is None or src["VpcId"] == table["VpcId"]:
                return _Hop(True, stretches=direct, trace=trace)
            return _fail(f"{step}: local, but the source is in {src['VpcId']}", trace)
        if target.startswith("pcx-"):
            peer, status = self.peer_of(target, table["VpcId"])
            if peer is None:
                return _fail(f"{step}: peering is {status}", trace)
            if src is None or src["VpcId"] == peer:
                return _Hop(True, stretches=direct, trace=trace)
            return _fail(f"{step}: peers {peer}, not the source's {src['VpcId']}", trace)
        if target.startswith("tgw-"):
            return self._transit_reply(at, target, s, src, trace)
        if target.startswith("igw-"):
            if src is not None:
                return _fail(f"{step}: internet gateway, but the source is a workload", trace)
            if s.version == 4 and not self.public_v4(dst):
                return _fail(f"{step}: {dst['NetworkInterfaceId']} has no public IPv4, so "
                             "nothing outside reaches it", trace)
            return _Hop(True, stretches=direct, trace=trace)
        if target.startswith(("nat-", "eigw-")):
            return _fail(f"{step}: outbound only", trace)
        if target.startswith(("eni-", "i-")):
            box = self.appliance_eni(target)
            if box is None:
                return _fail(f"{step}: appliance not in the snapshot", trace)
            if src is not None and box["NetworkInterfaceId"] == src["NetworkInterfaceId"]:
                return _Hop(True, stretches=direct, trace=trace)
            if via_appliance:
                return _fail(f"{step}: a second appliance on the return way", trace)
            if box.get("SourceDestCheck") is not False:
                return _fail(f"{step}: appliance does not forward", trace)
            back = self.reply(box, s, src, dst, via_appliance=True)
            trace = (*trace, *(f"appliance {box['NetworkInterfaceId']}: {t}" for t in back.trace))
            if not back.ok:
                return _fail(f"return after appliance {box['NetworkInterfaceId']}: "
                             f"{back.reason}", trace)
            return _Hop(True, stretches=(Stretch(here, box["SubnetId"]), *back.stretches),
                        trace=trace)
        if src is not None:
            return _fail(f"{step}: leaves the estate, but the source is a workload", trace)
        return _Hop(True, stretches=direct, trace=trace)

    def _transit_reply(self, at: Json, tgw: str, s: IPAddress, src: Json | None,
                       trace: tuple[str, ...]) -> _Hop:
        entry, tb, why = self._entry(at, tgw)
        if entry is None:
            return _fail(f"return dropped at {tgw}: {why}", trace)
        tid = self._association(entry)
        if not tid:
            return _fail(f"return dropped at {tgw}: {entry['TransitGatewayAttachmentId']} is "
                         "associated with no route table", trace)
        r, dest = self.tgw_lookup(tid, s)
        if r is None:
            return _fail(f"return no-route at {tid} for {s}", trace)
        if r.get("State") == "blackhole":
            return _fail(f"return dropped at {tid}: {dest} blackhole", trace)
        aid = str((r.get("TransitGatewayAttachments") or [{}])[0].get("TransitGatewayAttachmentId"))
        target = self.attachments.get(aid)
        if target is None:
            return _fail(f"return dropped at {tid}: {dest} -> unknown attachment {aid}", trace)
        kind, resource = target.get("ResourceType"), target.get("ResourceId")
        trace = (*trace, f"return {tid}: {dest} -> {aid} "
                         f"({resource if kind == 'vpc' else kind})")
        here = at["SubnetId"]
        if src is None:
            return _Hop(True, stretches=(Stretch(here, None, True, tb, None),), trace=trace)
        if kind != "vpc" or resource != src["VpcId"]:
            return _fail(f"return {tid}: {dest} -> {aid} ({resource}), not the source's "
                         f"{src['VpcId']}", trace)
        ta = self._subnet_in(aid, self.az(src["SubnetId"]))
        if ta is None:
            return _fail(f"return dropped at {tgw}: {aid} has no subnet in "
                         f"{self.az(src['SubnetId'])}", trace)
        return _Hop(True, stretches=(Stretch(here, src["SubnetId"], True, tb, ta),), trace=trace)

    # ------------------------------------------------------------------ both ways
    def way(self, src: Json | None, dst: Json | None, a: IPAddress, b: IPAddress) -> Way:
        """Route the packet ``a -> b`` and its reply. ``src``/``dst`` are ENIs or ``None``."""
        if src is not None and dst is not None and src["SubnetId"] == dst["SubnetId"]:
            return Way(True)  # delivered inside the subnet: no lookup, no NACL
        fwd: _Hop | None = None
        if src is not None:
            if self.routed(src["VpcId"]):
                fwd = self.forward(src, b, dst, src)
                if not fwd.ok:
                    return Way(False, fwd.reason, trace=fwd.trace)
            else:
                if dst is not None and not self._old_rule(src["VpcId"], dst["VpcId"]):
                    return Way(False, f"no route: {src['VpcId']} (routes not in snapshot) is "
                                      f"neither {dst['VpcId']} nor peered with it")
                fwd = _Hop(True, stretches=(Stretch(src["SubnetId"],
                                                    dst["SubnetId"] if dst else None),))
        back: _Hop | None = None
        if dst is not None and self.routed(dst["VpcId"]):
            back = self.reply(dst, a, src, dst)
            if not back.ok:
                trace = (fwd.trace if fwd else ()) + back.trace
                return Way(False, back.reason, trace=trace)
        if fwd is None:  # an outside source: it comes in the way the reply goes out
            assert back is not None or dst is not None
            if back is None:
                assert dst is not None
                back = _Hop(True, stretches=(Stretch(dst["SubnetId"], None),))
            fwd = _Hop(True, stretches=tuple(s.reversed() for s in reversed(back.stretches)))
        if back is None:  # no reply lookup: the reply goes back the way the packet came
            back = _Hop(True, stretches=tuple(s.reversed() for s in reversed(fwd.stretches)))
        return Way(True, "", fwd.stretches, back.stretches, fwd.appliances,
                   fwd.trace + back.trace)

    def _old_rule(self, vpc_a: str, vpc_b: str) -> bool:
        """Unrouted: same VPC, or an active peering between them."""
        if vpc_a == vpc_b:
            return True
        for pc in self.o.peerings:
            ends = {pc["RequesterVpcInfo"]["VpcId"], pc["AccepterVpcInfo"]["VpcId"]}
            if pc.get("Status", {}).get("Code") == "active" and ends == {vpc_a, vpc_b}:
                return True
        return False
