"""The AWS loader's routing files on hand-made snapshots: what lands in the model.

The estate: a hub VPC (10.0.0.0/16) and a spoke VPC (10.1.0.0/16) joined by transit gateway
tgw-1, an isolated VPC (10.2.0.0/16) peered with the hub, an appliance ENI in the hub, an
internet gateway, an egress-only gateway and a NAT gateway. Expected values are written from
the JSON below, by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pathwarden.model import AddressSet, Attachment, Estate, Gateway, NextHop, Notice, Route
from pathwarden.providers.load import load_estate
from tests.unit.awsroutes import (
    attachment,
    eigw,
    igw,
    local,
    nat,
    route,
    rtb,
    tgw,
    tgw_route,
    tgw_table,
    vpc_attachment,
    write_tgw_routes,
)
from tests.unit.awssnapshot import eni, write_entries, write_snapshot

NO_ROUTES = Notice("routes-not-in-snapshot",
                   "routes not in snapshot: same network or peering assumed", "aws")


def hub_tables() -> list[dict[str, Any]]:
    return [
        rtb("rtb-hub", "vpc-hub", [
            local("10.0.0.0/16"),
            local("2001:db8:0:100::/56"),
            route("10.1.0.0/16", TransitGatewayId="tgw-1"),
            route("0.0.0.0/0", GatewayId="igw-1"),
            route("::/0", EgressOnlyInternetGatewayId="eigw-1"),
            route("10.9.0.0/16", state="blackhole", NetworkInterfaceId="eni-gone"),
        ], main=True),
        rtb("rtb-app", "vpc-hub", [
            local("10.0.0.0/16"),
            route("0.0.0.0/0", NatGatewayId="nat-1"),
            route("10.1.0.0/16", TransitGatewayId="tgw-1"),
            route("192.168.0.0/16", InstanceId="i-fw", InstanceOwnerId="111122223333",
                  NetworkInterfaceId="eni-fw"),
            route("pl-office", GatewayId="vpce-1"),
            route("172.16.0.0/12", origin="EnableVgwRoutePropagation", GatewayId="vgw-1"),
            route("10.2.0.0/16", VpcPeeringConnectionId="pcx-1"),
        ], subnets=("subnet-app",)),
        rtb("rtb-spoke", "vpc-spoke", [
            local("10.1.0.0/16"),
            route("0.0.0.0/0", TransitGatewayId="tgw-1"),
        ], main=True, OwnerId="444455556666"),
        rtb("rtb-iso", "vpc-iso", [local("10.2.0.0/16"),
                                   route("10.0.0.0/16", VpcPeeringConnectionId="pcx-1")],
            main=True),
    ]


def peering() -> dict[str, Any]:
    return {"VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
            "RequesterVpcInfo": {"VpcId": "vpc-hub"}, "AccepterVpcInfo": {"VpcId": "vpc-iso"}}


def hub(folder: Path, **override: list[dict[str, Any]]) -> Path:
    items: dict[str, list[dict[str, Any]]] = {
        "interfaces": [
            eni("eni-fw", ["10.0.1.10"], [], subnet="subnet-app", vpc="vpc-hub",
                SourceDestCheck=False, Attachment={"InstanceId": "i-fw"},
                Association={"PublicIp": "198.51.100.10"}),
            eni("eni-web", ["10.0.1.20", "10.0.1.21"], [], subnet="subnet-app", vpc="vpc-hub",
                SourceDestCheck=True,
                PrivateIpAddresses=[
                    {"PrivateIpAddress": "10.0.1.20", "Primary": True},
                    {"PrivateIpAddress": "10.0.1.21", "Primary": False,
                     "Association": {"PublicIp": "198.51.100.21"}}],
                Ipv6Addresses=[{"Ipv6Address": "2001:db8:0:100::20"}]),
            eni("eni-spoke", ["10.1.1.10"], [], subnet="subnet-spoke", vpc="vpc-spoke"),
        ],
        "subnets": [
            {"SubnetId": "subnet-app", "VpcId": "vpc-hub", "CidrBlock": "10.0.1.0/24"},
            {"SubnetId": "subnet-tgw", "VpcId": "vpc-hub", "CidrBlock": "10.0.9.0/28"},
            {"SubnetId": "subnet-spoke", "VpcId": "vpc-spoke", "CidrBlock": "10.1.1.0/24"},
        ],
        "vpcs": [{"VpcId": "vpc-hub", "CidrBlock": "10.0.0.0/16"},
                 {"VpcId": "vpc-spoke", "CidrBlock": "10.1.0.0/16"}],
        "prefix_lists": [{"PrefixListId": "pl-office", "PrefixListName": "office"}],
        "peerings": [peering()],
        "route_tables": hub_tables(),
        "igws": [igw("igw-1", "vpc-hub"), igw("igw-spare", None)],
        "eigws": [eigw("eigw-1", "vpc-hub")],
        "nats": [nat("nat-1", "subnet-app", "vpc-hub")],
        "tgws": [tgw("tgw-1", "tgw-rtb-1", "tgw-rtb-1")],
        "tgw_attachments": [attachment("tgw-attach-hub", "tgw-1", "vpc-hub", "tgw-rtb-1"),
                            attachment("tgw-attach-spoke", "tgw-1", "vpc-spoke", "tgw-rtb-1",
                                       owner="444455556666")],
        "tgw_vpc_attachments": [vpc_attachment("tgw-attach-hub", "tgw-1", "vpc-hub",
                                               ["subnet-tgw"])],
        "tgw_tables": [tgw_table("tgw-rtb-1", "tgw-1"), tgw_table("tgw-rtb-old", "tgw-1",
                                                                  state="deleted")],
    }
    items.update(override)
    snap = write_snapshot(folder, **items)
    write_entries(snap, "pl-office", ["198.51.100.0/24"])
    write_tgw_routes(snap, "tgw-rtb-1", [
        tgw_route("10.0.0.0/16", "tgw-attach-hub", kind="propagated"),
        tgw_route("10.1.0.0/16", "tgw-attach-spoke"),
        tgw_route("10.9.0.0/16", state="blackhole"),
        tgw_route("10.5.0.0/16", "tgw-attach-hub", "tgw-attach-spoke"),
    ])
    return snap


@pytest.fixture
def estate(tmp_path: Path) -> Estate:
    return load_estate([hub(tmp_path / "snap")])


def routes(estate: Estate, table: str) -> dict[str, tuple[NextHop, str]]:
    return {r.id: (r.next_hop, r.target) for r in estate.route_tables[table].routes}


def codes(estate: Estate) -> list[str]:
    return [n.code for n in estate.notices]


# -- without routing files -------------------------------------------------------------------
def test_no_route_file_keeps_the_old_assumption_and_says_so_once(tmp_path: Path) -> None:
    a = write_snapshot(tmp_path / "111122223333" / "us-east-1",
                       interfaces=[eni("eni-1", ["10.0.0.5"], [])])
    write_snapshot(tmp_path / "111122223333" / "eu-west-1",
                   interfaces=[eni("eni-2", ["10.8.0.5"], [])])
    estate = load_estate([tmp_path])
    assert [n for n in estate.notices if n.code == NO_ROUTES.code] == [NO_ROUTES]
    assert estate.route_tables == {} and estate.gateways == {} and estate.attachments == {}
    assert not any(n.routed for n in estate.networks.values())
    assert not estate.partial
    assert load_estate([a]).notices.count(NO_ROUTES) == 1


# -- VPC route tables ------------------------------------------------------------------------
def test_vpc_tables_main_flag_and_explicit_associations(estate: Estate) -> None:
    hub_main, app = estate.route_tables["rtb-hub"], estate.route_tables["rtb-app"]
    assert (hub_main.kind, hub_main.network, hub_main.main, hub_main.subnets) == (
        "vpc", "vpc-hub", True, ())
    assert (app.main, app.subnets, app.account) == (False, ("subnet-app",), "111122223333")
    assert estate.route_tables["rtb-spoke"].account == "444455556666"
    assert estate.subnets["subnet-app"].route_table == "rtb-app"
    assert estate.subnets["subnet-tgw"].route_table == ""  # the main table, implicitly
    assert {n.id for n in estate.networks.values() if n.routed} == {
        "vpc-hub", "vpc-spoke", "vpc-iso"}
    assert estate.networks["vpc-iso"].cidrs == AddressSet()  # known only from its table


def test_next_hop_by_target_prefix(estate: Estate) -> None:
    assert routes(estate, "rtb-hub") == {
        "rtb-hub:10.0.0.0/16": (NextHop.LOCAL, "local"),
        "rtb-hub:2001:db8:0:100::/56": (NextHop.LOCAL, "local"),
        "rtb-hub:10.1.0.0/16": (NextHop.TRANSIT, "tgw-1"),
        "rtb-hub:0.0.0.0/0": (NextHop.INTERNET, "igw-1"),
        "rtb-hub:::/0": (NextHop.EGRESS_ONLY, "eigw-1"),
        "rtb-hub:10.9.0.0/16": (NextHop.DROP, "eni-gone"),  # blackhole
    }
    assert routes(estate, "rtb-app") == {
        "rtb-app:10.0.0.0/16": (NextHop.LOCAL, "local"),
        "rtb-app:0.0.0.0/0": (NextHop.NAT, "nat-1"),
        "rtb-app:10.1.0.0/16": (NextHop.TRANSIT, "tgw-1"),
        "rtb-app:192.168.0.0/16": (NextHop.APPLIANCE, "eni-fw"),  # the ENI, not i-fw
        "rtb-app:pl-office": (NextHop.GATEWAY, "vpce-1"),
        "rtb-app:172.16.0.0/12": (NextHop.GATEWAY, "vgw-1"),
        "rtb-app:10.2.0.0/16": (NextHop.PEERING, "pcx-1"),
    }


def test_route_destinations_states_and_origins(estate: Estate) -> None:
    by_id = {r.id: r for r in estate.route_tables["rtb-app"].routes}
    assert by_id["rtb-app:pl-office"].addresses == AddressSet.parse("198.51.100.0/24")
    assert by_id["rtb-app:pl-office"].destination == "pl-office"
    assert by_id["rtb-app:172.16.0.0/12"].origin == "EnableVgwRoutePropagation"
    hole = next(r for r in estate.route_tables["rtb-hub"].routes if r.target == "eni-gone")
    assert (hole.state, hole.addresses) == ("blackhole", AddressSet.parse("10.9.0.0/16"))
    v6 = next(r for r in estate.route_tables["rtb-hub"].routes if r.destination == "::/0")
    assert v6.addresses == AddressSet.parse("::/0")


# -- gateways --------------------------------------------------------------------------------
def test_internet_egress_only_and_nat_gateways(estate: Estate) -> None:
    g = estate.gateways
    # the region comes from the ENIs' availability zone (us-east-1a)
    assert g["igw-1"] == Gateway("igw-1", "aws", NextHop.INTERNET, "vpc-hub",
                                 account="111122223333", region="us-east-1")
    assert (g["igw-spare"].network, g["igw-spare"].state) == ("", "detached")
    assert (g["eigw-1"].kind, g["eigw-1"].network, g["eigw-1"].state) == (
        NextHop.EGRESS_ONLY, "vpc-hub", "attached")
    assert g["nat-1"] == Gateway("nat-1", "aws", NextHop.NAT, "vpc-hub", "subnet-app",
                                 AddressSet.parse("203.0.113.10"), region="us-east-1")


def test_private_nat_gateway_has_no_public_address(tmp_path: Path) -> None:
    snap = hub(tmp_path / "s", nats=[nat("nat-1", "subnet-app", "vpc-hub", public=None)])
    assert load_estate([snap]).gateways["nat-1"].public == AddressSet()


# -- transit gateways ------------------------------------------------------------------------
def test_transit_gateway_attachments_and_tables(estate: Estate) -> None:
    assert estate.gateways["tgw-1"] == Gateway(
        "tgw-1", "aws", NextHop.TRANSIT, account="111122223333", region="us-east-1",
        association_table="tgw-rtb-1", propagation_table="tgw-rtb-1")
    assert estate.attachments["tgw-attach-hub"] == Attachment(
        "tgw-attach-hub", "tgw-1", "vpc", "vpc-hub", ("subnet-tgw",), "tgw-rtb-1",
        account="111122223333", region="us-east-1")
    spoke = estate.attachments["tgw-attach-spoke"]
    assert (spoke.resource, spoke.subnets, spoke.account) == ("vpc-spoke", (), "444455556666")
    table = estate.route_tables["tgw-rtb-1"]
    assert (table.kind, table.gateway, table.network, table.name) == ("transit", "tgw-1", "", "1")
    assert table.attachments == ("tgw-attach-hub", "tgw-attach-spoke")
    assert "tgw-rtb-old" not in estate.route_tables  # state deleted


def test_transit_routes_blackhole_origin_and_equal_cost(estate: Estate) -> None:
    got = [(r.id, r.next_hop, r.target, r.origin) for r in estate.route_tables["tgw-rtb-1"].routes]
    assert got == [
        ("tgw-rtb-1:10.0.0.0/16", NextHop.ATTACHMENT, "tgw-attach-hub", "propagated"),
        ("tgw-rtb-1:10.1.0.0/16", NextHop.ATTACHMENT, "tgw-attach-spoke", "static"),
        ("tgw-rtb-1:10.9.0.0/16", NextHop.DROP, "", "static"),
        ("tgw-rtb-1:10.5.0.0/16", NextHop.ATTACHMENT, "tgw-attach-hub", "static"),
        ("tgw-rtb-1:10.5.0.0/16", NextHop.ATTACHMENT, "tgw-attach-spoke", "static"),
    ]


def test_a_consistent_hub_and_spoke_is_complete(estate: Estate) -> None:
    assert not estate.partial
    assert "route-reference-missing" not in codes(estate)
    assert NO_ROUTES not in estate.notices


# -- workloads -------------------------------------------------------------------------------
def test_public_addresses_and_forwarding(estate: Estate) -> None:
    fw, web, spoke = (estate.workload(w) for w in ("eni-fw", "eni-web", "eni-spoke"))
    assert fw is not None and web is not None and spoke is not None
    assert (fw.public_addresses, fw.forwarding) == (("198.51.100.10",), True)
    # the second private address's Elastic IP, then the IPv6 address (a public candidate)
    assert web.public_addresses == ("198.51.100.21", "2001:db8:0:100::20")
    assert web.forwarding is False
    assert (spoke.public_addresses, spoke.forwarding) == ((), False)  # no SourceDestCheck


def test_instance_embedded_enis_carry_public_ip_and_forwarding(tmp_path: Path) -> None:
    nic = eni("eni-i", ["10.0.1.30"], [], SourceDestCheck=False,
              Association={"PublicIp": "198.51.100.30"})
    snap = write_snapshot(tmp_path / "s", instances=[
        {"ReservationId": "r-1", "Instances": [{"InstanceId": "i-1", "NetworkInterfaces": [nic]}]}])
    w = load_estate([snap]).workload("eni-i")
    assert w is not None and (w.public_addresses, w.forwarding) == (("198.51.100.30",), True)


# -- the nested layout and several accounts --------------------------------------------------
def test_spoke_and_network_accounts_complete_each_other(tmp_path: Path) -> None:
    """The spoke account holds its VPC's table; the network account the TGW, its tables and
    the attachments. Alone, the spoke's route to tgw-1 leads nowhere known: partial."""
    spoke = write_snapshot(
        tmp_path / "444455556666" / "eu-west-1",
        interfaces=[eni("eni-spoke", ["10.1.1.10"], [], subnet="subnet-spoke", vpc="vpc-spoke")],
        vpcs=[{"VpcId": "vpc-spoke", "CidrBlock": "10.1.0.0/16"}],
        # the VPC owner's view of the attachment: its subnets, but not its association
        tgw_attachments=[attachment("tgw-attach-spoke", "tgw-1", "vpc-spoke", None,
                                    owner="444455556666")],
        tgw_vpc_attachments=[vpc_attachment("tgw-attach-spoke", "tgw-1", "vpc-spoke",
                                            ["subnet-spoke"])],
        route_tables=[rtb("rtb-spoke", "vpc-spoke", [local("10.1.0.0/16"),
                                                      route("0.0.0.0/0", TransitGatewayId="tgw-1")],
                          main=True, OwnerId="444455556666")])
    network = write_snapshot(
        tmp_path / "111122223333" / "eu-west-1",
        route_tables=[],
        tgws=[tgw("tgw-1")],
        tgw_attachments=[attachment("tgw-attach-spoke", "tgw-1", "vpc-spoke", "tgw-rtb-1",
                                    owner="444455556666")],
        tgw_tables=[tgw_table("tgw-rtb-1", "tgw-1")])
    write_tgw_routes(network, "tgw-rtb-1", [tgw_route("10.1.0.0/16", "tgw-attach-spoke")])

    alone = load_estate([spoke])
    assert alone.partial  # the TGW's route tables are in the network account
    (missing,) = [n for n in alone.notices if n.code == "route-reference-missing"]
    assert missing.message == "rtb-spoke:0.0.0.0/0 routes to tgw-1, whose route tables are " \
        "not in the snapshot (they are in the transit gateway owner's account): paths through " \
        "it are not known"

    both = load_estate([tmp_path])  # the spoke's folder is read last
    assert not both.partial
    assert both.attachments["tgw-attach-spoke"] == Attachment(
        "tgw-attach-spoke", "tgw-1", "vpc", "vpc-spoke", ("subnet-spoke",), "tgw-rtb-1",
        account="444455556666", region="eu-west-1")
    assert "route-reference-missing" not in codes(both)
    assert (both.route_tables["tgw-rtb-1"].account, both.route_tables["tgw-rtb-1"].region) == (
        "111122223333", "eu-west-1")
    assert both.gateways["tgw-1"].region == "eu-west-1"
    assert both.attachments["tgw-attach-spoke"].region == "eu-west-1"
    assert both.route_tables["rtb-spoke"].region == "eu-west-1"


def test_optional_association_and_propagation_listings(tmp_path: Path) -> None:
    snap = hub(tmp_path / "s", tgw_attachments=[
        attachment("tgw-attach-hub", "tgw-1", "vpc-hub", None),
        attachment("tgw-attach-spoke", "tgw-1", "vpc-spoke", "tgw-rtb-1")])
    write_tgw_routes(snap, "tgw-rtb-1", [
        {"TransitGatewayAttachmentId": "tgw-attach-hub", "ResourceId": "vpc-hub",
         "ResourceType": "vpc", "State": "associating"}],
        sub="get-transit-gateway-route-table-associations", key="Associations")
    write_tgw_routes(snap, "tgw-rtb-1", [
        {"TransitGatewayAttachmentId": a, "ResourceId": "vpc-x", "ResourceType": "vpc",
         "State": "enabled"} for a in ("tgw-attach-hub", "tgw-attach-spoke")],
        sub="get-transit-gateway-route-table-propagations",
        key="TransitGatewayRouteTablePropagations")
    estate = load_estate([snap])
    assert estate.attachments["tgw-attach-hub"].route_table == "tgw-rtb-1"
    assert estate.route_tables["tgw-rtb-1"].attachments == ("tgw-attach-hub", "tgw-attach-spoke")
    # only the hub's 10.0.0.0/16 is a propagated route: the spoke's propagation left none
    (odd,) = [n for n in estate.notices if n.code == "snapshot-inconsistent"]
    assert "tgw-attach-spoke propagate into tgw-rtb-1" in odd.message
    assert not estate.partial


def test_route_ids_name_table_and_destination(estate: Estate) -> None:
    ids = [r.id for t in estate.route_tables.values() for r in t.routes]
    assert all(i.startswith(t + ":") for t in estate.route_tables
               for i in (r.id for r in estate.route_tables[t].routes))
    assert "rtb-app:192.168.0.0/16" in ids
    assert isinstance(estate.route_tables["rtb-app"].routes[0], Route)
