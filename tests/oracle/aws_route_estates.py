"""Random AWS routing files for the estates of ``aws_estates.py`` (``routes=True``).

Written in the shapes ``aws ec2 describe-*`` writes (compare /work/shared/realdata/aws-api):
``describe-route-tables.json`` (a main table per VPC plus tables with explicit subnet
associations; local, peering, transit gateway, internet, NAT, egress-only, virtual private
gateway routes, blackholes and managed-prefix-list destinations), the internet, NAT and
egress-only gateway files, and a transit gateway with its attachments (VPC attachments with
``SubnetIds``, one per Availability Zone; a VPN attachment), route tables and
``search-transit-gateway-routes/<tgw-rtb-id>.json`` (static, propagated and blackhole routes).

Ties the spec leaves to the generators are avoided: one destination per table, at most one
prefix-list route per table, no prefix lists in transit tables, one attachment per transit
route. With ``appliances=True`` some routes name an ENI whose source/destination check is off
(mostly); an appliance's own subnet never uses a table with appliance routes, so no chain of
appliances is generated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

Json = dict[str, Any]
OWNER = "111122223333"
ZONES = [("us-east-1a", "use1-az1"), ("us-east-1b", "use1-az2")]
TGW = "tgw-0000000a"
VPN_ATTACHMENT = "tgw-attach-0000ffff"
OUTSIDE_ROUTES_V4 = ["0.0.0.0/0", "192.0.2.0/24", "203.0.113.0/24", "10.0.0.0/8"]


def _one_in(draw: st.DrawFn, n: int) -> bool:
    return bool(draw(st.integers(0, 10 * n - 1)) % n == n // 2)


@dataclass
class RouteFiles:
    files: dict[str, Json] = field(default_factory=dict)


@dataclass
class _Vpc:
    vpc: Json
    subnets: list[Json]
    igw: str = ""
    nat: str = ""
    eigw: str = ""
    attachment: str = ""  # its transit gateway attachment ("" when none)
    appliance: Json | None = None

    @property
    def id(self) -> str:
        return str(self.vpc["VpcId"])

    @property
    def v4(self) -> str:
        return str(self.vpc["CidrBlock"])

    @property
    def v6(self) -> str:
        sets = self.vpc.get("Ipv6CidrBlockAssociationSet") or []
        return str(sets[0]["Ipv6CidrBlock"]) if sets else ""


def route_files(
    draw: st.DrawFn,
    vpcs: list[Json],
    subnets: list[Json],
    enis: list[Json],
    peerings: list[Json],
    prefix_lists: dict[str, tuple[str, list[str]]],
    appliances: bool,
) -> dict[str, Json]:
    """The routing files of one estate. ``peerings`` are the pcx objects written to
    describe-vpc-peering-connections.json; ``prefix_lists`` id -> (family, entries)."""
    nets = [_Vpc(v, [s for s in subnets if s["VpcId"] == v["VpcId"]]) for v in vpcs]
    files: dict[str, Json] = {}
    igws, nats, eigws = [], [], []
    for n, net in enumerate(nets):
        if draw(st.integers(0, 4)) < 3:
            net.igw = f"igw-{n + 1:08x}"
            igws.append({"InternetGatewayId": net.igw, "OwnerId": OWNER, "Tags": [],
                         "Attachments": [{"State": "available", "VpcId": net.id}]})
        if _one_in(draw, 3):
            net.nat = f"nat-{n + 1:08x}"
            home = draw(st.sampled_from(net.subnets))
            nats.append({"NatGatewayId": net.nat, "SubnetId": home["SubnetId"],
                         "VpcId": net.id, "State": "available", "ConnectivityType": "public",
                         "CreateTime": "2026-01-01T00:00:00+00:00", "Tags": [],
                         "NatGatewayAddresses": [{
                             "AllocationId": f"eipalloc-{n + 1:08x}",
                             "NetworkInterfaceId": f"eni-0a7{n:05x}",
                             "PrivateIp": home["CidrBlock"].rsplit(".", 1)[0] + ".250",
                             "PublicIp": f"198.51.100.{200 + n}"}]})
        if net.v6 and draw(st.booleans()):
            net.eigw = f"eigw-{n + 1:08x}"
            eigws.append({"EgressOnlyInternetGatewayId": net.eigw,
                          "Attachments": [{"State": "attached", "VpcId": net.id}]})
        if appliances and draw(st.integers(0, 3)) > 0:
            mine = [e for e in enis if e["VpcId"] == net.id]
            if mine:
                net.appliance = draw(st.sampled_from(mine))
                net.appliance["SourceDestCheck"] = _one_in(draw, 5)  # mostly off: forwards
    files["describe-internet-gateways.json"] = {"InternetGateways": igws}
    files["describe-nat-gateways.json"] = {"NatGateways": nats}
    files["describe-egress-only-internet-gateways.json"] = {"EgressOnlyInternetGateways": eigws}
    if len(nets) >= 2 and draw(st.integers(0, 4)) < 3:
        files.update(_transit(draw, nets))
    # One way between each pair of VPCs that both sides mostly follow (a random way per table
    # would almost never agree on both sides and hide every transit path).
    ways: dict[frozenset[str], str] = {}
    for i, a in enumerate(nets):
        for b in nets[i + 1 :]:
            # (hypothesis favours the first choice: the interesting ones come first)
            choices: list[str] = []
            if a.attachment and b.attachment:
                choices += ["tgw", "tgw", "tgw"]
            if any({p["RequesterVpcInfo"]["VpcId"], p["AccepterVpcInfo"]["VpcId"]}
                   == {a.id, b.id} for p in peerings):
                choices += ["pcx", "pcx"]
            choices.append("none")
            ways[frozenset((a.id, b.id))] = draw(st.sampled_from(choices))
    tables: list[Json] = []
    for n, net in enumerate(nets):
        tables += _tables(draw, n, net, nets, peerings, prefix_lists, ways)
    files["describe-route-tables.json"] = {"RouteTables": tables}
    return files


# -- transit gateway ------------------------------------------------------------------------------
def _transit(draw: st.DrawFn, nets: list[_Vpc]) -> dict[str, Json]:
    """One transit gateway, VPC attachments (one subnet per AZ, some AZs left out), a VPN
    attachment, one or two route tables with propagated, static and blackhole routes."""
    rtbs = [f"tgw-rtb-{k + 1:08x}" for k in range(draw(st.integers(1, 2)))]
    attachments: list[Json] = []
    vpc_attachments: list[Json] = []
    for n, net in enumerate(nets):
        if _one_in(draw, 10):
            continue  # this VPC is not attached
        net.attachment = f"tgw-attach-{n + 1:08x}"
        chosen: list[str] = []
        for _zone, zone_id in ZONES:
            here = [s for s in net.subnets if s["AvailabilityZoneId"] == zone_id]
            if here and not _one_in(draw, 10):
                chosen.append(draw(st.sampled_from(here))["SubnetId"])
        vpc_attachments.append({
            "TransitGatewayAttachmentId": net.attachment, "TransitGatewayId": TGW,
            "VpcId": net.id, "VpcOwnerId": OWNER, "State": "available", "SubnetIds": chosen,
            "CreationTime": "2026-01-01T00:00:00+00:00",
            "Options": {"DnsSupport": "enable", "Ipv6Support": "disable",
                        "ApplianceModeSupport": "disable"}, "Tags": []})
        attachments.append(_attachment(draw, net.attachment, "vpc", net.id, rtbs))
    vpn = draw(st.booleans())
    if vpn:
        attachments.append(_attachment(draw, VPN_ATTACHMENT, "vpn", "vpn-0000000b", rtbs))
    files: dict[str, Json] = {
        "describe-transit-gateways.json": {"TransitGateways": [{
            "TransitGatewayId": TGW, "TransitGatewayArn":
            f"arn:aws:ec2:us-east-1:{OWNER}:transit-gateway/{TGW}", "State": "available",
            "OwnerId": OWNER, "Description": "hub",
            "CreationTime": "2026-01-01T00:00:00+00:00",
            "Options": {"AmazonSideAsn": 64512, "AutoAcceptSharedAttachments": "disable",
                        "DefaultRouteTableAssociation": "enable",
                        "AssociationDefaultRouteTableId": rtbs[0],
                        "DefaultRouteTablePropagation": "enable",
                        "PropagationDefaultRouteTableId": rtbs[0],
                        "VpnEcmpSupport": "enable", "DnsSupport": "enable"}, "Tags": []}]},
        "describe-transit-gateway-attachments.json": {"TransitGatewayAttachments": attachments},
        "describe-transit-gateway-vpc-attachments.json":
            {"TransitGatewayVpcAttachments": vpc_attachments},
        "describe-transit-gateway-route-tables.json": {"TransitGatewayRouteTables": [
            {"TransitGatewayRouteTableId": t, "TransitGatewayId": TGW, "State": "available",
             "DefaultAssociationRouteTable": k == 0, "DefaultPropagationRouteTable": k == 0,
             "CreationTime": "2026-01-01T00:00:00+00:00", "Tags": []}
            for k, t in enumerate(rtbs)]},
    }
    for t in rtbs:
        files[f"search-transit-gateway-routes/{t}.json"] = {
            "Routes": _tgw_routes(draw, nets, vpn), "AdditionalRoutesAvailable": False}
    return files


def _attachment(draw: st.DrawFn, aid: str, kind: str, resource: str, rtbs: list[str]) -> Json:
    item: Json = {"TransitGatewayAttachmentId": aid, "TransitGatewayId": TGW,
                  "TransitGatewayOwnerId": OWNER, "ResourceOwnerId": OWNER,
                  "ResourceType": kind, "ResourceId": resource, "State": "available",
                  "CreationTime": "2026-01-01T00:00:00+00:00", "Tags": []}
    if not _one_in(draw, 12):  # else associated with no route table: its traffic is dropped
        item["Association"] = {"TransitGatewayRouteTableId": draw(st.sampled_from(rtbs)),
                               "State": "associated"}
    return item


def _tgw_routes(draw: st.DrawFn, nets: list[_Vpc], vpn: bool) -> list[Json]:
    """Propagated routes of (most) attached VPCs, static routes (a VPC, the VPN, a default
    route), blackholes; a static and a propagated route may share a destination."""
    out: list[Json] = []
    seen: set[tuple[str, str]] = set()

    def add(dest: str, kind: str, aid: str | None, resource: tuple[str, str] = ("", "")) -> None:
        if (dest, kind) in seen:
            return
        seen.add((dest, kind))
        r: Json = {"DestinationCidrBlock": dest, "Type": kind,
                   "State": "blackhole" if aid is None else "active"}
        if aid is not None:
            r["TransitGatewayAttachments"] = [{"ResourceId": resource[0],
                                               "TransitGatewayAttachmentId": aid,
                                               "ResourceType": resource[1]}]
        out.append(r)

    attached = [n for n in nets if n.attachment]
    for net in attached:
        if not _one_in(draw, 12):
            add(net.v4, "propagated", net.attachment, (net.id, "vpc"))
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["vpc", "vpc", "vpn", "blackhole"]))
        dest = draw(st.sampled_from(
            [n.v4 for n in nets] + [s["CidrBlock"] for n in nets for s in n.subnets[:1]]
            + OUTSIDE_ROUTES_V4))
        if kind == "vpc" and attached:
            net = draw(st.sampled_from(attached))
            add(dest, "static", net.attachment, (net.id, "vpc"))
        elif kind == "vpn" and vpn:
            add(dest, "static", VPN_ATTACHMENT, ("vpn-0000000b", "vpn"))
        elif kind == "blackhole":
            add(dest, "static", None)
    return out


# -- VPC route tables -----------------------------------------------------------------------------
def _tables(draw: st.DrawFn, n: int, net: _Vpc, nets: list[_Vpc], peerings: list[Json],
            prefix_lists: dict[str, tuple[str, list[str]]],
            ways: dict[frozenset[str], str]) -> list[Json]:
    count = 1 + draw(st.integers(0, min(2, len(net.subnets))))
    ids = [f"rtb-{16 * n + k + 1:08x}" for k in range(count)]
    use: dict[str, int] = {}  # subnet -> table index (0: the main table, implicitly)
    for s in net.subnets:
        use[s["SubnetId"]] = draw(st.integers(0, count - 1))
    box = net.appliance
    box_table = use[box["SubnetId"]] if box is not None else -1
    out = []
    for k, tid in enumerate(ids):
        assocs: list[Json] = []
        if k == 0:
            assocs.append({"Main": True, "RouteTableAssociationId": f"rtbassoc-m{n}{k:06x}",
                           "RouteTableId": tid, "AssociationState": {"State": "associated"}})
        for s in net.subnets:
            if use[s["SubnetId"]] == k and (k > 0 or _one_in(draw, 4)):
                assocs.append({"Main": False, "SubnetId": s["SubnetId"], "RouteTableId": tid,
                               "RouteTableAssociationId": f"rtbassoc-{s['SubnetId'][7:]}",
                               "AssociationState": {"State": "associated"}})
        routes = _routes(draw, net, nets, peerings, prefix_lists, ways,
                         appliance=box if k != box_table else None)
        out.append({"RouteTableId": tid, "VpcId": net.id, "OwnerId": OWNER,
                    "Associations": assocs, "Routes": routes, "PropagatingVgws": [],
                    "Tags": [{"Key": "Name", "Value": f"{net.id}-{k}"}]})
    return out


def _routes(draw: st.DrawFn, net: _Vpc, nets: list[_Vpc], peerings: list[Json],
            prefix_lists: dict[str, tuple[str, list[str]]], ways: dict[frozenset[str], str],
            appliance: Json | None) -> list[Json]:
    routes: list[Json] = [{"DestinationCidrBlock": net.v4, "GatewayId": "local",
                           "Origin": "CreateRouteTable", "State": "active"}]
    if net.v6:
        routes.append({"DestinationIpv6CidrBlock": net.v6, "GatewayId": "local",
                       "Origin": "CreateRouteTable", "State": "active"})
    taken = {net.v4, net.v6}

    def add(dest: str, target: Json, state: str = "active") -> None:
        if dest in taken:
            return
        taken.add(dest)
        key = "DestinationIpv6CidrBlock" if ":" in dest else "DestinationCidrBlock"
        if dest.startswith("pl-"):
            key = "DestinationPrefixListId"
        routes.append({key: dest, **target, "Origin": "CreateRoute", "State": state})

    def pcx_to(other: _Vpc) -> Json | None:
        for p in peerings:
            ends = {p["RequesterVpcInfo"]["VpcId"], p["AccepterVpcInfo"]["VpcId"]}
            if ends == {net.id, other.id}:
                return p
        return None

    options = ["tgw", "pcx", "pcx", "none", "blackhole"]
    if appliance is not None:
        options.append("appliance")
    for other in nets:
        if other is net:
            continue
        how = ways[frozenset((net.id, other.id))]
        if _one_in(draw, 8):  # this table does not follow the pair's way
            how = draw(st.sampled_from(options))
        pcx = pcx_to(other)
        for dest in [other.v4] + ([other.v6] if other.v6 and draw(st.booleans()) else []):
            if how == "pcx" and pcx is not None:
                live = pcx["Status"]["Code"] == "active"
                # AWS turns routes to a peering that is gone into blackholes
                add(dest, {"VpcPeeringConnectionId": pcx["VpcPeeringConnectionId"]},
                    "active" if live else "blackhole")
            elif how == "tgw" and net.attachment and ":" not in dest:
                add(dest, {"TransitGatewayId": TGW})
            elif how == "blackhole":
                add(dest, {"NatGatewayId": "nat-0dead0001"}, "blackhole")
            elif how == "appliance" and appliance is not None:
                add(dest, _appliance_target(appliance))
    if net.attachment and _one_in(draw, 3):
        add("10.0.0.0/8", {"TransitGatewayId": TGW})  # a summary route to the hub
    default = draw(st.sampled_from(["igw", "igw", "nat", "tgw", "vgw", "none", "appliance"]))
    target: Json | None = None
    if default == "igw" and net.igw:
        target = {"GatewayId": net.igw}
    elif default == "nat" and net.nat:
        target = {"NatGatewayId": net.nat}
    elif default == "tgw" and net.attachment:
        target = {"TransitGatewayId": TGW}
    elif default == "vgw":
        target = {"GatewayId": "vgw-0000000c"}
    elif default == "appliance" and appliance is not None:
        target = _appliance_target(appliance)
    if target is not None:
        add("0.0.0.0/0", target)
    if net.v6:
        v6 = draw(st.sampled_from(["igw", "eigw", "none"]))
        if v6 == "igw" and net.igw:
            add("::/0", {"GatewayId": net.igw})
        elif v6 == "eigw" and net.eigw:
            add("::/0", {"EgressOnlyInternetGatewayId": net.eigw})
    if appliance is not None and draw(st.booleans()):
        # middlebox routing: more specific than local, to another subnet of the VPC
        others = [s for s in net.subnets if s["SubnetId"] != appliance["SubnetId"]]
        if others:
            add(draw(st.sampled_from(others))["CidrBlock"], _appliance_target(appliance))
    if prefix_lists and _one_in(draw, 3):
        pl = draw(st.sampled_from(sorted(prefix_lists)))
        how = draw(st.sampled_from(["igw", "tgw", "blackhole"]))
        if how == "igw" and net.igw:
            add(pl, {"GatewayId": net.igw})
        elif how == "tgw" and net.attachment:
            add(pl, {"TransitGatewayId": TGW})
        elif how == "blackhole":
            add(pl, {"GatewayId": "igw-0dead0001"}, "blackhole")
    if _one_in(draw, 4):
        add(draw(st.sampled_from(OUTSIDE_ROUTES_V4[1:3])), {"GatewayId": "vgw-0000000c"})
    return routes


def _appliance_target(eni: Json) -> Json:
    """An instance route names the instance, its owner and its ENI (describe-route-tables)."""
    target: Json = {"NetworkInterfaceId": eni["NetworkInterfaceId"]}
    attachment = eni.get("Attachment")
    if attachment:
        target = {"InstanceId": attachment["InstanceId"], "InstanceOwnerId": OWNER, **target}
    return target
