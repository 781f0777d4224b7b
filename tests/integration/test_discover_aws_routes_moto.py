"""Routing discovery against moto in server mode: real boto3 over real HTTP.

A hub VPC (public subnet behind an internet gateway, private subnet behind a NAT gateway and a
firewall ENI) and a spoke VPC are joined by a transit gateway; discovery writes the routing
files, ``load_estate`` reads them, and the model must say what was seeded.

moto gaps, seen with moto 5.2 (the parts are tested with botocore's Stubber instead, in
tests/unit/test_discover_aws_routes.py and test_discover_aws_paging.py):
- SearchTransitGatewayRoutes fails with HTTP 500 when MaxResults is sent, returns static routes
  with an empty ``TransitGatewayAttachments`` and never lists propagated routes;
- a transit gateway always gets a default route table, and every attachment is associated
  with it, even with the defaults disabled and after AssociateTransitGatewayRouteTable.
So no transit route is seeded here, and the attachments' table is moto's default one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pathwarden.model import AddressSet, NextHop
from pathwarden.providers.aws import calls
from pathwarden.providers.aws.discover import discover_aws
from pathwarden.providers.load import load_estate
from tests.integration.moto_server import (
    MotoServer,
    moto_fixture,  # noqa: F401  (the `moto` fixture)
    moto_session_server_fixture,  # noqa: F401  (the `moto_session_server` fixture)
)


def _seed(ec2: Any) -> dict[str, str]:
    ids: dict[str, str] = {}
    ids["hub"] = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ids["spoke"] = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]

    def subnet(name: str, vpc: str, cidr: str) -> None:
        ids[name] = ec2.create_subnet(VpcId=ids[vpc], CidrBlock=cidr)["Subnet"]["SubnetId"]

    subnet("public", "hub", "10.0.1.0/24")
    subnet("private", "hub", "10.0.2.0/24")
    subnet("spoke_subnet", "spoke", "10.1.1.0/24")
    ids["igw"] = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=ids["igw"], VpcId=ids["hub"])
    ids["eigw"] = ec2.create_egress_only_internet_gateway(VpcId=ids["hub"])[
        "EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    eip = ec2.allocate_address(Domain="vpc")
    ids["nat"] = ec2.create_nat_gateway(SubnetId=ids["public"], AllocationId=eip["AllocationId"])[
        "NatGateway"]["NatGatewayId"]
    ids["nat_ip"] = ec2.describe_nat_gateways(NatGatewayIds=[ids["nat"]])["NatGateways"][0][
        "NatGatewayAddresses"][0]["PublicIp"]
    fw = ec2.create_network_interface(SubnetId=ids["public"], PrivateIpAddress="10.0.1.10")
    ids["fw"] = fw["NetworkInterface"]["NetworkInterfaceId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=ids["fw"],
                                           SourceDestCheck={"Value": False})
    fw_ip = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=fw_ip["AllocationId"], NetworkInterfaceId=ids["fw"])
    ids["fw_ip"] = fw_ip["PublicIp"]

    tgw = ec2.create_transit_gateway(Options={"DefaultRouteTableAssociation": "disable",
                                              "DefaultRouteTablePropagation": "disable"})
    ids["tgw"] = tgw["TransitGateway"]["TransitGatewayId"]
    for name, vpc, sub in (("att_hub", "hub", "private"), ("att_spoke", "spoke", "spoke_subnet")):
        ids[name] = ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=ids["tgw"], VpcId=ids[vpc], SubnetIds=[ids[sub]])[
            "TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    ids["tgw_rtb"] = ec2.create_transit_gateway_route_table(TransitGatewayId=ids["tgw"])[
        "TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]

    def table(name: str, vpc: str, sub: str) -> str:
        tid = str(ec2.create_route_table(VpcId=ids[vpc])["RouteTable"]["RouteTableId"])
        ec2.associate_route_table(RouteTableId=tid, SubnetId=ids[sub])
        ids[name] = tid
        return tid

    pub = table("rtb_public", "hub", "public")
    ec2.create_route(RouteTableId=pub, DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw"])
    ec2.create_route(RouteTableId=pub, DestinationIpv6CidrBlock="::/0",
                     EgressOnlyInternetGatewayId=ids["eigw"])
    priv = table("rtb_private", "hub", "private")
    ec2.create_route(RouteTableId=priv, DestinationCidrBlock="0.0.0.0/0",
                     NatGatewayId=ids["nat"])
    ec2.create_route(RouteTableId=priv, DestinationCidrBlock="10.1.0.0/16",
                     TransitGatewayId=ids["tgw"])
    ec2.create_route(RouteTableId=priv, DestinationCidrBlock="192.168.0.0/16",
                     NetworkInterfaceId=ids["fw"])
    main = ec2.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [ids["spoke"]]},
        {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]["RouteTableId"]
    ids["rtb_spoke_main"] = main
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0",
                     TransitGatewayId=ids["tgw"])
    return ids


def test_discover_and_load_routes(moto: MotoServer, tmp_path: Path) -> None:
    ec2 = moto.client("ec2")
    s = _seed(ec2)
    out = tmp_path / "snap"
    manifest = discover_aws(out, regions=["us-east-1"], endpoint_url=moto.url, progress=False)
    assert not manifest.partial
    estate = load_estate([out])
    assert not estate.partial, [n.message for n in estate.notices]

    # the calls: GetCallerIdentity, every region call once (moto answers in one page), one
    # entries listing per prefix list, one route search per transit route table
    lists = len(ec2.describe_managed_prefix_lists()["PrefixLists"])
    tgw_tables = len(ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"])
    assert tgw_tables == 2  # the seeded one and moto's default (see the module docstring)
    assert manifest.requests() == 1 + len(calls.REGION_CALLS) + lists + tgw_tables

    t = estate.route_tables
    hops = {r.id: (r.next_hop, r.target) for r in t[s["rtb_private"]].routes}
    assert hops == {
        f"{s['rtb_private']}:10.0.0.0/16": (NextHop.LOCAL, "local"),
        f"{s['rtb_private']}:0.0.0.0/0": (NextHop.NAT, s["nat"]),
        f"{s['rtb_private']}:10.1.0.0/16": (NextHop.TRANSIT, s["tgw"]),
        f"{s['rtb_private']}:192.168.0.0/16": (NextHop.APPLIANCE, s["fw"]),
    }
    public = {r.destination: (r.next_hop, r.target) for r in t[s["rtb_public"]].routes}
    assert public["0.0.0.0/0"] == (NextHop.INTERNET, s["igw"])
    assert public["::/0"] == (NextHop.EGRESS_ONLY, s["eigw"])
    assert t[s["rtb_public"]].subnets == (s["public"],) and not t[s["rtb_public"]].main
    spoke_main = t[s["rtb_spoke_main"]]
    assert (spoke_main.main, spoke_main.network) == (True, s["spoke"])
    assert [(r.next_hop, r.target) for r in spoke_main.routes if r.destination == "0.0.0.0/0"] \
        == [(NextHop.TRANSIT, s["tgw"])]
    assert estate.subnets[s["private"]].route_table == s["rtb_private"]
    assert estate.subnets[s["spoke_subnet"]].route_table == ""  # the main table
    assert estate.networks[s["hub"]].routed and estate.networks[s["spoke"]].routed

    g = estate.gateways
    assert (g[s["igw"]].kind, g[s["igw"]].network) == (NextHop.INTERNET, s["hub"])
    assert (g[s["eigw"]].kind, g[s["eigw"]].network) == (NextHop.EGRESS_ONLY, s["hub"])
    assert (g[s["nat"]].kind, g[s["nat"]].subnet, g[s["nat"]].public) == (
        NextHop.NAT, s["public"], AddressSet.parse(s["nat_ip"]))
    assert g[s["tgw"]].kind is NextHop.TRANSIT
    assert g[s["tgw"]].association_table == ""  # the defaults were disabled

    hub_att, spoke_att = estate.attachments[s["att_hub"]], estate.attachments[s["att_spoke"]]
    assert (hub_att.gateway, hub_att.kind, hub_att.resource, hub_att.subnets) == (
        s["tgw"], "vpc", s["hub"], (s["private"],))
    assert (spoke_att.resource, spoke_att.subnets) == (s["spoke"], (s["spoke_subnet"],))
    assert hub_att.route_table in t and t[hub_att.route_table].kind == "transit"
    assert t[s["tgw_rtb"]].gateway == s["tgw"]
    assert set(t[hub_att.route_table].attachments) == {s["att_hub"], s["att_spoke"]}

    fw = estate.workload(s["fw"])
    assert fw is not None
    assert (fw.forwarding, fw.public_addresses) == (True, (s["fw_ip"],))
