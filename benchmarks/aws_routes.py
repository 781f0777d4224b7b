"""The routing files of the synthetic AWS estate (``gen_aws --routes``): route tables, internet,
egress-only and NAT gateways, one transit gateway with its attachments and route table, in the
shapes ``aws ec2 describe-* --output json`` and ``search-transit-gateway-routes`` write.

Only new files are written: the estate's other files are the same bytes with and without
routes (this module draws from its own random stream), so a check of the routed estate against
the plain one measures what routing adds.

The shape, per VPC (docs: VPC_Route_Tables.html, tgw/how-transit-gateways-work.html):

- an internet gateway; an egress-only internet gateway in the IPv6 VPCs; a NAT gateway per
  availability zone in a public subnet of that zone (a public one for the zone when it has
  none);
- a **main** table: local routes, 0.0.0.0/0 -> the NAT gateway of the first zone, ::/0 -> the
  egress-only gateway, the peered VPC's CIDRs -> the peering connection, every other VPC's
  CIDR -> the transit gateway;
- an explicit **public** table for the public subnets (0.0.0.0/0 and ::/0 -> the internet
  gateway), a **private** table per zone for most app subnets (0.0.0.0/0 -> that zone's NAT
  gateway, the S3 prefix list -> a gateway endpoint) and a **data** table per zone for most
  data subnets (no default route; S3 through the endpoint); mgmt subnets and the rest use the
  main table;
- a few blackhole routes: a retired peering's range in some private tables.

One transit gateway, default association and propagation on, one route table: every VPC is
attached with one subnet per availability zone (a mgmt or app subnet of the zone) and
propagates its CIDRs; static blackholes drop a quarantined subnet of the last VPC and a retired
on-premises range. No new subnets or ENIs: the ENI count stays what ``--enis`` asked.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from benchmarks.aws_groups import Net
from benchmarks.aws_rules import OWNER, REGION, PrefixList

Json = dict[str, Any]
CREATED = "2025-03-14T09:26:53+00:00"
RETIRED_PEER = "172.31.0.0/16"  # a peering deleted long ago; its routes went blackhole
RETIRED_ONPREM = "192.168.64.0/18"  # a data centre closed; the TGW drops it


class SubnetLike(Protocol):
    """What is read of the generator's subnets."""

    id: str
    vpc: str
    az: str
    role: str
    cidr: ipaddress.IPv4Network


@dataclass(frozen=True)
class RouteSummary:
    route_tables: int
    routes: int
    explicit_subnets: int
    nat_gateways: int
    transit_routes: int
    blackholes: int
    public_enis: int


class _Ids:
    """AWS-style ids from the routes' own stream (the estate's other ids are untouched)."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"route-ids-{seed}")

    def __call__(self, prefix: str) -> str:
        return f"{prefix}-0{self._rng.getrandbits(64):016x}"


def write_routes(out: Path, nets: Sequence[Net], subnets: Sequence[SubnetLike],
                 lists: Sequence[PrefixList], enis: Sequence[Json], seed: int,
                 write: Callable[[Path, Json], None]) -> RouteSummary:
    """Write the routing files next to the estate in ``out``; ``enis`` is
    describe-network-interfaces' list (for free NAT addresses and the public-IP count)."""
    return _Writer(out, list(nets), list(subnets), list(lists), enis, seed, write).run()


@dataclass
class _Writer:
    out: Path
    nets: list[Net]
    subnets: list[SubnetLike]
    lists: list[PrefixList]
    enis: Sequence[Json]
    seed: int
    write: Callable[[Path, Json], None]

    def run(self) -> RouteSummary:
        self.rng = random.Random(f"routes-{self.seed}")
        self.new_id = _Ids(self.seed)
        self.used = {e["PrivateIpAddress"] for e in self.enis} | {
            a["PrivateIpAddress"] for e in self.enis for a in e["PrivateIpAddresses"]}
        self.tgw = self.new_id("tgw")
        self.tgw_table = self.new_id("tgw-rtb")
        self.s3 = next((p.id for p in self.lists if p.name.endswith(".s3")), "")
        igws = {n.id: self.new_id("igw") for n in self.nets}
        eigws = {n.id: self.new_id("eigw") for n in self.nets if n.v6}
        nats = self._nat_gateways()
        attachments = {n.id: self.new_id("tgw-attach") for n in self.nets}
        tables = [t for n in self.nets for t in self._tables(n, igws[n.id], eigws.get(n.id, ""),
                                                             nats[n.id])]
        self.write(self.out / "describe-route-tables.json", {"RouteTables": tables})
        self.write(self.out / "describe-internet-gateways.json", {"InternetGateways": [
            _igw(g, v) for v, g in igws.items()]})
        self.write(self.out / "describe-egress-only-internet-gateways.json", {
            "EgressOnlyInternetGateways": [_eigw(g, v) for v, g in eigws.items()]})
        self.write(self.out / "describe-nat-gateways.json", {"NatGateways": [
            g for per_az in nats.values() for g in per_az.values()]})
        transit = self._transit(attachments)
        blackholes = sum(r["State"] == "blackhole" for t in tables for r in t["Routes"])
        blackholes += sum(r["State"] == "blackhole" for r in transit)
        return RouteSummary(
            route_tables=len(tables) + 1,
            routes=sum(len(t["Routes"]) for t in tables),
            explicit_subnets=sum(not a["Main"] for t in tables for a in t["Associations"]),
            nat_gateways=sum(len(v) for v in nats.values()),
            transit_routes=len(transit), blackholes=blackholes,
            public_enis=sum("Association" in e for e in self.enis))

    # -- gateways ----------------------------------------------------------------------------
    def _free_ip(self, s: SubnetLike) -> str:
        for n in range(4, s.cidr.num_addresses - 1):
            ip = str(s.cidr.network_address + n)
            if ip not in self.used:
                self.used.add(ip)
                return ip
        raise ValueError(f"{s.id} has no free address for a NAT gateway")

    def _nat_gateways(self) -> dict[str, dict[str, Json]]:
        """VPC -> availability zone -> its NAT gateway (in a public subnet of the zone)."""
        out: dict[str, dict[str, Json]] = {}
        for n in self.nets:
            mine = [s for s in self.subnets if s.vpc == n.id]
            for az in sorted({s.az for s in mine}):
                here = [s for s in mine if s.az == az]
                home = next((s for s in here if s.role == "public"), None) or next(
                    (s for s in mine if s.role == "public"), here[0])
                gid = self.new_id("nat")
                public = (f"{self.rng.choice([3, 18, 34, 44, 52, 54])}.{self.rng.randrange(256)}."
                          f"{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}")
                out.setdefault(n.id, {})[az] = {
                    "CreateTime": CREATED,
                    "NatGatewayAddresses": [{
                        "AllocationId": self.new_id("eipalloc"),
                        "NetworkInterfaceId": self.new_id("eni"),
                        "PrivateIp": self._free_ip(home), "PublicIp": public,
                        "AssociationId": self.new_id("eipassoc"), "IsPrimary": True,
                        "Status": "succeeded"}],
                    "NatGatewayId": gid, "State": "available", "SubnetId": home.id,
                    "VpcId": n.id, "Tags": [{"Key": "Name", "Value": f"nat-{az}"}],
                    "ConnectivityType": "public"}
        return out

    # -- VPC route tables ----------------------------------------------------------------------
    def _tables(self, n: Net, igw: str, eigw: str, nats: dict[str, Json]) -> list[Json]:
        mine = [s for s in self.subnets if s.vpc == n.id]
        zones = sorted(nats)
        vpce = self.new_id("vpce")
        between = self._between(n)
        first_nat = nats[zones[0]]["NatGatewayId"]
        main = self._table(n, "main", [], True, [
            *self._local(n), _route("0.0.0.0/0", NatGatewayId=first_nat),
            *([_route("::/0", EgressOnlyInternetGatewayId=eigw)] if eigw else []), *between])
        public = [s for s in mine if s.role == "public"]
        out = [main]
        if public:
            out.append(self._table(n, "public", public, False, [
                *self._local(n), _route("0.0.0.0/0", GatewayId=igw),
                *([_route("::/0", GatewayId=igw)] if n.v6 else []), *between]))
        for az in zones:
            nat = nats[az]["NatGatewayId"]
            private = [s for s in mine if s.az == az and s.role == "app"
                       and self.rng.random() < 0.7]
            data = [s for s in mine if s.az == az and s.role == "data" and self.rng.random() < 0.7]
            s3 = [_route(self.s3, GatewayId=vpce)] if self.s3 else []
            retired = ([_route(RETIRED_PEER, "blackhole", VpcPeeringConnectionId=self.new_id(
                "pcx"))] if self.rng.random() < 0.4 else [])
            if private:
                out.append(self._table(n, f"private-{az}", private, False, [
                    *self._local(n), _route("0.0.0.0/0", NatGatewayId=nat),
                    *([_route("::/0", EgressOnlyInternetGatewayId=eigw)] if eigw else []),
                    *between, *s3, *retired]))
            if data:
                out.append(self._table(n, f"data-{az}", data, False,
                                       [*self._local(n), *between, *s3]))
        return out

    def _local(self, n: Net) -> list[Json]:
        out = [_route(n.cidr, origin="CreateRouteTable", GatewayId="local")]
        if n.v6:
            out.append(_route(n.v6, origin="CreateRouteTable", GatewayId="local"))
        return out

    def _between(self, n: Net) -> list[Json]:
        """The other VPCs: the peer through the peering connection, the rest through the TGW."""
        out: list[Json] = []
        for other in self.nets:
            if other.id == n.id:
                continue
            if other.id == n.peer:
                out.append(_route(other.cidr, VpcPeeringConnectionId=n.pcx))
                if other.v6 and n.v6:
                    out.append(_route(other.v6, VpcPeeringConnectionId=n.pcx))
            else:
                out.append(_route(other.cidr, TransitGatewayId=self.tgw))
        return out

    def _table(self, n: Net, name: str, subnets: list[SubnetLike], main: bool,
               routes: list[Json]) -> Json:
        tid = self.new_id("rtb")
        associations = [{"Main": False, "RouteTableAssociationId": self.new_id("rtbassoc"),
                         "RouteTableId": tid, "SubnetId": s.id,
                         "AssociationState": {"State": "associated"}} for s in subnets]
        if main:
            associations.append({"Main": True, "RouteTableAssociationId":
                                 self.new_id("rtbassoc"), "RouteTableId": tid,
                                 "AssociationState": {"State": "associated"}})
        return {"Associations": associations, "PropagatingVgws": [], "RouteTableId": tid,
                "Routes": routes, "Tags": [{"Key": "Name", "Value": f"{name}-{n.id[-4:]}"}],
                "VpcId": n.id, "OwnerId": OWNER}

    # -- the transit gateway -------------------------------------------------------------------
    def _transit(self, attachments: dict[str, str]) -> list[Json]:
        """Write the TGW files; return the table's routes."""
        arn = f"arn:aws:ec2:{REGION}:{OWNER}:transit-gateway/{self.tgw}"
        self.write(self.out / "describe-transit-gateways.json", {"TransitGateways": [{
            "TransitGatewayId": self.tgw, "TransitGatewayArn": arn, "State": "available",
            "OwnerId": OWNER, "Description": "benchmark hub", "CreationTime": CREATED,
            "Options": {"AmazonSideAsn": 64512, "AutoAcceptSharedAttachments": "disable",
                        "DefaultRouteTableAssociation": "enable",
                        "AssociationDefaultRouteTableId": self.tgw_table,
                        "DefaultRouteTablePropagation": "enable",
                        "PropagationDefaultRouteTableId": self.tgw_table,
                        "VpnEcmpSupport": "enable", "DnsSupport": "enable"},
            "Tags": [{"Key": "Name", "Value": "hub"}]}]})
        generic, vpc_specific, routes = [], [], []
        for n in self.nets:
            aid = attachments[n.id]
            subnet_ids = self._attachment_subnets(n)
            generic.append({
                "TransitGatewayAttachmentId": aid, "TransitGatewayId": self.tgw,
                "TransitGatewayOwnerId": OWNER, "ResourceOwnerId": OWNER, "ResourceType": "vpc",
                "ResourceId": n.id, "State": "available",
                "Association": {"TransitGatewayRouteTableId": self.tgw_table,
                                "State": "associated"},
                "CreationTime": CREATED, "Tags": []})
            vpc_specific.append({
                "TransitGatewayAttachmentId": aid, "TransitGatewayId": self.tgw, "VpcId": n.id,
                "VpcOwnerId": OWNER, "State": "available", "SubnetIds": subnet_ids,
                "CreationTime": CREATED,
                "Options": {"DnsSupport": "enable", "Ipv6Support": "enable" if n.v6 else
                            "disable", "ApplianceModeSupport": "disable"}, "Tags": []})
            target = [{"ResourceId": n.id, "TransitGatewayAttachmentId": aid,
                       "ResourceType": "vpc"}]
            for cidr in (n.cidr, n.v6):
                if cidr:
                    routes.append({"DestinationCidrBlock": cidr,
                                   "TransitGatewayAttachments": target, "Type": "propagated",
                                   "State": "active"})
        quarantined = [s for s in self.subnets if s.vpc == self.nets[-1].id]
        for cidr in [str(self.rng.choice(quarantined).cidr), RETIRED_ONPREM]:
            routes.append({"DestinationCidrBlock": cidr, "Type": "static", "State": "blackhole"})
        self.write(self.out / "describe-transit-gateway-attachments.json",
                   {"TransitGatewayAttachments": generic})
        self.write(self.out / "describe-transit-gateway-vpc-attachments.json",
                   {"TransitGatewayVpcAttachments": vpc_specific})
        self.write(self.out / "describe-transit-gateway-route-tables.json", {
            "TransitGatewayRouteTables": [{
                "TransitGatewayRouteTableId": self.tgw_table, "TransitGatewayId": self.tgw,
                "State": "available", "DefaultAssociationRouteTable": True,
                "DefaultPropagationRouteTable": True, "CreationTime": CREATED, "Tags": []}]})
        folder = self.out / "search-transit-gateway-routes"
        folder.mkdir(exist_ok=True)
        self.write(folder / f"{self.tgw_table}.json",
                   {"Routes": routes, "AdditionalRoutesAvailable": False})
        return routes

    def _attachment_subnets(self, n: Net) -> list[str]:
        """One subnet per availability zone, a mgmt one where the zone has it."""
        out = []
        mine = [s for s in self.subnets if s.vpc == n.id]
        for az in sorted({s.az for s in mine}):
            here = [s for s in mine if s.az == az]
            pick = next((s for s in here if s.role == "mgmt"), None) or next(
                (s for s in here if s.role == "app"), here[0])
            out.append(pick.id)
        return out


def _route(destination: str, state: str = "active", origin: str = "CreateRoute",
           **target: str) -> Json:
    if destination.startswith("pl-"):
        key = "DestinationPrefixListId"
    elif ":" in destination:
        key = "DestinationIpv6CidrBlock"
    else:
        key = "DestinationCidrBlock"
    return {key: destination, **target, "Origin": origin, "State": state}


def _igw(gid: str, vpc: str) -> Json:
    return {"Attachments": [{"State": "available", "VpcId": vpc}], "InternetGatewayId": gid,
            "OwnerId": OWNER, "Tags": [{"Key": "Name", "Value": f"igw-{vpc[-4:]}"}]}


def _eigw(gid: str, vpc: str) -> Json:
    return {"Attachments": [{"State": "attached", "VpcId": vpc}],
            "EgressOnlyInternetGatewayId": gid, "Tags": []}
