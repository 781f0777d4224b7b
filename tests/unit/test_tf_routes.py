"""The overlay's routing: route tables, routes, gateways and transit gateways after a plan.

Small plans in the documented ``terraform show -json`` shape (tests/unit/tfplans.py); the
engine does not use routes yet, so these assert the after-estate's model, written by hand
from each plan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pathwarden.model import AddressSet, Estate, NextHop
from pathwarden.providers.load import load_estate
from pathwarden.terraform import overlay, parse_plan, read_plan
from pathwarden.terraform.overlay import Overlay
from tests.unit.awsroutes import (
    attachment,
    local,
    route,
    rtb,
    tgw,
    tgw_route,
    tgw_table,
    vpc_attachment,
    write_tgw_routes,
)
from tests.unit.awssnapshot import eni, write_snapshot
from tests.unit.tfplans import FIXTURES, change, plan

Json = dict[str, Any]


def ref(*targets: str) -> Json:
    return {"references": [x for t in targets for x in (f"{t}.id", t)]}


def cfg(address: str, **exprs: Json) -> Json:
    return {"address": address, "expressions": exprs}


def run(changes: list[Json], config: list[Json], base: Estate | None = None) -> Overlay:
    return overlay(parse_plan(plan(changes, config=config), "t.json"), base)


def hops(estate: Estate, table: str) -> list[tuple[str, NextHop, str, str]]:
    return [(r.id, r.next_hop, r.target, r.origin) for r in estate.route_tables[table].routes]


def assumed(ov: Overlay) -> list[tuple[str, str]]:
    return [(a.address, a.attribute) for a in ov.assumptions]


# -- a hub and a spoke, all created by the plan ----------------------------------------------
def hub_and_spoke() -> tuple[list[Json], list[Json]]:
    unknown_id = {"id": True}
    changes = [
        change("aws_vpc", "hub", ["create"], None, {"cidr_block": "10.0.0.0/16"}, unknown_id),
        change("aws_vpc", "spoke", ["create"], None, {"cidr_block": "10.1.0.0/16"}, unknown_id),
        change("aws_subnet", "app", ["create"], None, {"cidr_block": "10.0.1.0/24"},
               {"id": True, "vpc_id": True}),
        change("aws_internet_gateway", "igw", ["create"], None, {}, {"id": True, "vpc_id": True}),
        change("aws_nat_gateway", "nat", ["create"], None, {"connectivity_type": "public"},
               {"id": True, "subnet_id": True, "public_ip": True}),
        change("aws_ec2_transit_gateway", "tgw", ["create"], None,
               {"default_route_table_association": "enable",
                "default_route_table_propagation": "enable"},
               {"id": True, "association_default_route_table_id": True,
                "propagation_default_route_table_id": True}),
        *[change("aws_ec2_transit_gateway_vpc_attachment", name, ["create"], None,
                 {"transit_gateway_default_route_table_association": None,
                  "transit_gateway_default_route_table_propagation": None},
                 {"id": True, "transit_gateway_id": True, "vpc_id": True, "subnet_ids": True})
          for name in ("hub", "spoke")],
        change("aws_route_table", "app", ["create"], None, {"tags": {"Name": "app"}},
               {"id": True, "vpc_id": True, "route": True}),
        change("aws_route", "to_spoke", ["create"], None,
               {"destination_cidr_block": "10.1.0.0/16", "transit_gateway_id": None},
               {"id": True, "route_table_id": True, "transit_gateway_id": True,
                "gateway_id": True, "nat_gateway_id": True, "instance_id": True,
                "network_interface_id": True, "destination_prefix_list_id": True}),
        change("aws_route", "out", ["create"], None, {"destination_cidr_block": "0.0.0.0/0"},
               {"id": True, "route_table_id": True, "nat_gateway_id": True}),
        change("aws_route", "v6", ["create"], None, {"destination_ipv6_cidr_block": "::/0"},
               {"id": True, "route_table_id": True, "gateway_id": True}),
        change("aws_route_table_association", "app", ["create"], None, {},
               {"id": True, "route_table_id": True, "subnet_id": True}),
    ]
    config = [
        cfg("aws_subnet.app", vpc_id=ref("aws_vpc.hub")),
        cfg("aws_internet_gateway.igw", vpc_id=ref("aws_vpc.hub")),
        cfg("aws_nat_gateway.nat", subnet_id=ref("aws_subnet.app")),
        cfg("aws_ec2_transit_gateway_vpc_attachment.hub", transit_gateway_id=ref(
            "aws_ec2_transit_gateway.tgw"), vpc_id=ref("aws_vpc.hub"),
            subnet_ids={"references": ["aws_subnet.app.id", "aws_subnet.app"]}),
        cfg("aws_ec2_transit_gateway_vpc_attachment.spoke", transit_gateway_id=ref(
            "aws_ec2_transit_gateway.tgw"), vpc_id=ref("aws_vpc.spoke")),
        cfg("aws_route_table.app", vpc_id=ref("aws_vpc.hub")),
        cfg("aws_route.to_spoke", route_table_id=ref("aws_route_table.app"),
            transit_gateway_id=ref("aws_ec2_transit_gateway.tgw")),
        cfg("aws_route.out", route_table_id=ref("aws_route_table.app"),
            nat_gateway_id=ref("aws_nat_gateway.nat")),
        cfg("aws_route.v6", route_table_id=ref("aws_route_table.app"),
            gateway_id=ref("aws_internet_gateway.igw")),
        cfg("aws_route_table_association.app", route_table_id=ref("aws_route_table.app"),
            subnet_id=ref("aws_subnet.app")),
    ]
    return changes, config


def test_created_hub_and_spoke() -> None:
    ov = run(*hub_and_spoke())
    after = ov.after
    app, tgw_id = "tf:aws_route_table.app", "tf:aws_ec2_transit_gateway.tgw"
    assert hops(after, app) == [
        (f"{app}:10.0.0.0/16", NextHop.LOCAL, "local", "CreateRouteTable"),  # implicit
        (f"{app}:10.1.0.0/16", NextHop.TRANSIT, tgw_id, "CreateRoute"),
        (f"{app}:0.0.0.0/0", NextHop.NAT, "tf:aws_nat_gateway.nat", "CreateRoute"),
        (f"{app}:::/0", NextHop.INTERNET, "tf:aws_internet_gateway.igw", "CreateRoute"),
    ]
    table = after.route_tables[app]
    assert (table.network, table.main, table.subnets, table.name) == (
        "tf:aws_vpc.hub", False, ("tf:aws_subnet.app",), "app")
    assert after.subnets["tf:aws_subnet.app"].route_table == app
    # the default table the transit gateway creates, named until apply names it
    default = "tf:aws_ec2_transit_gateway.tgw.default_route_table"
    gw = after.gateways[tgw_id]
    assert (gw.kind, gw.association_table, gw.propagation_table) == (
        NextHop.TRANSIT, default, default)
    t = after.route_tables[default]
    assert (t.kind, t.gateway) == ("transit", tgw_id)
    hub, spoke = ("tf:aws_ec2_transit_gateway_vpc_attachment.hub",
                  "tf:aws_ec2_transit_gateway_vpc_attachment.spoke")
    assert t.attachments == (hub, spoke)
    assert hops(after, default) == [  # each attachment propagates its VPC's CIDR
        (f"{default}:10.0.0.0/16", NextHop.ATTACHMENT, hub, "propagated"),
        (f"{default}:10.1.0.0/16", NextHop.ATTACHMENT, spoke, "propagated"),
    ]
    a = after.attachments[hub]
    assert (a.gateway, a.kind, a.resource, a.subnets, a.route_table) == (
        tgw_id, "vpc", "tf:aws_vpc.hub", ("tf:aws_subnet.app",), default)
    assert after.gateways["tf:aws_internet_gateway.igw"].network == "tf:aws_vpc.hub"
    nat = after.gateways["tf:aws_nat_gateway.nat"]
    assert (nat.network, nat.subnet, nat.public) == ("tf:aws_vpc.hub", "tf:aws_subnet.app",
                                                       AddressSet())
    # the hub's tables are all Terraform's: its main table (local routes only) is added
    main = "tf:aws_vpc.hub.main_route_table"
    assert hops(after, main) == [(f"{main}:10.0.0.0/16", NextHop.LOCAL, "local",
                                  "CreateRouteTable")]
    assert after.route_tables[main].main
    assert after.networks["tf:aws_vpc.hub"].routed
    assert not after.networks["tf:aws_vpc.spoke"].routed  # no route table in the plan
    assert ov.before.route_tables == {} and ov.before.gateways == {}
    assert ov.origin[f"{app}:0.0.0.0/0"] == "aws_route.out"
    assert ov.assumptions == ()


def test_default_association_and_propagation_can_be_turned_off() -> None:
    changes, config = hub_and_spoke()
    for c in changes:
        if c["address"] == "aws_ec2_transit_gateway_vpc_attachment.spoke":
            c["change"]["after"] = {"transit_gateway_default_route_table_association": False,
                                    "transit_gateway_default_route_table_propagation": False}
    after = run(changes, config).after
    default = "tf:aws_ec2_transit_gateway.tgw.default_route_table"
    spoke = "tf:aws_ec2_transit_gateway_vpc_attachment.spoke"
    assert after.attachments[spoke].route_table == ""
    assert spoke not in after.route_tables[default].attachments
    assert [r.target for r in after.route_tables[default].routes] == [
        "tf:aws_ec2_transit_gateway_vpc_attachment.hub"]


# -- changes to a snapshot's routes ----------------------------------------------------------
def snapshot(folder: Path) -> Estate:
    snap = write_snapshot(
        folder,
        interfaces=[eni("eni-fw", ["10.0.1.10"], [], subnet="subnet-a", vpc="vpc-hub")],
        subnets=[{"SubnetId": s, "VpcId": "vpc-hub", "CidrBlock": c}
                 for s, c in (("subnet-a", "10.0.1.0/24"), ("subnet-b", "10.0.2.0/24"))],
        vpcs=[{"VpcId": "vpc-hub", "CidrBlock": "10.0.0.0/16"},
              {"VpcId": "vpc-spoke", "CidrBlock": "10.1.0.0/16"}],
        route_tables=[
            rtb("rtb-main", "vpc-hub", [local("10.0.0.0/16"),
                                        route("172.16.0.0/12", GatewayId="vgw-1")], main=True),
            rtb("rtb-a", "vpc-hub", [local("10.0.0.0/16"),
                                     route("10.1.0.0/16", TransitGatewayId="tgw-1"),
                                     route("0.0.0.0/0", GatewayId="igw-1")], ("subnet-a",)),
            rtb("rtb-spoke", "vpc-spoke", [local("10.1.0.0/16")], main=True)],
        tgws=[tgw("tgw-1")],
        tgw_attachments=[attachment("tgw-attach-hub", "tgw-1", "vpc-hub", "tgw-rtb-1"),
                         attachment("tgw-attach-spoke", "tgw-1", "vpc-spoke", None)],
        tgw_vpc_attachments=[vpc_attachment("tgw-attach-hub", "tgw-1", "vpc-hub", ["subnet-a"])],
        tgw_tables=[tgw_table("tgw-rtb-1", "tgw-1")])
    write_tgw_routes(snap, "tgw-rtb-1", [tgw_route("10.0.0.0/16", "tgw-attach-hub",
                                                   kind="propagated")])
    return load_estate([snap])


def test_routes_added_removed_and_replaced_on_a_snapshot(tmp_path: Path) -> None:
    base = snapshot(tmp_path / "s")
    assert not base.partial
    changes = [
        # inline routes replace the table's routes; the local route stays
        change("aws_route_table", "a", ["update"], {"id": "rtb-a", "vpc_id": "vpc-hub", "route": [
                   {"cidr_block": "10.1.0.0/16", "transit_gateway_id": "tgw-1"},
                   {"cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"}]},
               {"id": "rtb-a", "vpc_id": "vpc-hub", "route": [
                   {"cidr_block": "10.1.0.0/16", "transit_gateway_id": "tgw-1",
                    "gateway_id": "", "nat_gateway_id": ""},
                   {"cidr_block": "192.168.0.0/16", "network_interface_id": "eni-fw",
                    "gateway_id": ""}]}),
        change("aws_route", "gone", ["delete"], {"route_table_id": "rtb-main",
                                                 "destination_cidr_block": "172.16.0.0/12",
                                                 "gateway_id": "vgw-1"}, None),
        change("aws_route_table_association", "b", ["create"], None,
               {"subnet_id": "subnet-b", "route_table_id": "rtb-a"}, {"id": True}),
        change("aws_main_route_table_association", "m", ["create"], None,
               {"vpc_id": "vpc-hub", "route_table_id": "rtb-a"},
               {"id": True, "original_route_table_id": True}),
        # the spoke gets a table of its own on the TGW, its routes propagated there
        change("aws_ec2_transit_gateway_route_table", "spoke", ["create"], None,
               {"transit_gateway_id": "tgw-1"}, {"id": True}),
        change("aws_ec2_transit_gateway_route_table_association", "spoke", ["create"], None,
               {"transit_gateway_attachment_id": "tgw-attach-spoke"},
               {"id": True, "transit_gateway_route_table_id": True}),
        change("aws_ec2_transit_gateway_route_table_propagation", "hub", ["create"], None,
               {"transit_gateway_attachment_id": "tgw-attach-hub"},
               {"id": True, "transit_gateway_route_table_id": True}),
        change("aws_ec2_transit_gateway_route", "back", ["create"], None,
               {"destination_cidr_block": "10.1.0.0/16", "blackhole": False,
                "transit_gateway_attachment_id": "tgw-attach-spoke",
                "transit_gateway_route_table_id": "tgw-rtb-1"}, {"id": True}),
        change("aws_ec2_transit_gateway_route", "hole", ["create"], None,
               {"destination_cidr_block": "10.9.0.0/16", "blackhole": True,
                "transit_gateway_route_table_id": "tgw-rtb-1"}, {"id": True}),
    ]
    spoke_rtb = "aws_ec2_transit_gateway_route_table.spoke"
    config = [cfg("aws_ec2_transit_gateway_route_table_association.spoke",
                  transit_gateway_route_table_id=ref(spoke_rtb)),
              cfg("aws_ec2_transit_gateway_route_table_propagation.hub",
                  transit_gateway_route_table_id=ref(spoke_rtb))]
    ov = run(changes, config, base)
    before, after = ov.before, ov.after
    assert before.route_tables == base.route_tables  # no prior state: the snapshot itself
    assert hops(after, "rtb-a") == [
        ("rtb-a:10.0.0.0/16", NextHop.LOCAL, "local", "CreateRouteTable"),
        ("rtb-a:10.1.0.0/16", NextHop.TRANSIT, "tgw-1", "CreateRoute"),
        ("rtb-a:192.168.0.0/16", NextHop.APPLIANCE, "eni-fw", "CreateRoute"),
    ]  # the internet route is gone
    assert hops(after, "rtb-main") == [
        ("rtb-main:10.0.0.0/16", NextHop.LOCAL, "local", "CreateRouteTable")]
    assert after.route_tables["rtb-a"].subnets == ("subnet-a", "subnet-b")
    assert after.subnets["subnet-b"].route_table == "rtb-a"
    assert (after.route_tables["rtb-a"].main, after.route_tables["rtb-main"].main) == (
        True, False)
    spoke_table = "tf:aws_ec2_transit_gateway_route_table.spoke"
    assert after.attachments["tgw-attach-spoke"].route_table == spoke_table
    assert after.route_tables[spoke_table].attachments == ("tgw-attach-spoke",)
    assert hops(after, spoke_table) == [
        (f"{spoke_table}:10.0.0.0/16", NextHop.ATTACHMENT, "tgw-attach-hub", "propagated")]
    assert hops(after, "tgw-rtb-1") == [
        ("tgw-rtb-1:10.0.0.0/16", NextHop.ATTACHMENT, "tgw-attach-hub", "propagated"),
        ("tgw-rtb-1:10.1.0.0/16", NextHop.ATTACHMENT, "tgw-attach-spoke", "static"),
        ("tgw-rtb-1:10.9.0.0/16", NextHop.DROP, "", "static"),
    ]
    assert after.networks["vpc-hub"].routed  # from the snapshot
    assert ov.origin["tgw-rtb-1:10.1.0.0/16"] == "aws_ec2_transit_gateway_route.back"
    assert ov.assumptions == ()


def test_deleting_an_attachment_drops_what_it_carried(tmp_path: Path) -> None:
    base = snapshot(tmp_path / "s")
    ov = run([change("aws_ec2_transit_gateway_vpc_attachment", "hub", ["delete"],
                     {"id": "tgw-attach-hub", "transit_gateway_id": "tgw-1",
                      "vpc_id": "vpc-hub"}, None)], [], base)
    after = ov.after
    assert "tgw-attach-hub" not in after.attachments
    table = after.route_tables["tgw-rtb-1"]
    assert (table.routes, table.attachments) == ((), ())  # its propagated route went with it
    assert "tgw-attach-hub" in ov.before.attachments


def test_unknown_table_or_target_is_reported_not_guessed() -> None:
    changes = [
        change("aws_route", "r", ["create"], None, {"destination_cidr_block": "0.0.0.0/0"},
               {"id": True, "route_table_id": True, "gateway_id": True}),
        change("aws_route", "t", ["create"], None,
               {"destination_cidr_block": "0.0.0.0/0", "route_table_id": "rtb-1"},
               {"id": True, "gateway_id": True}),
    ]
    config = [cfg("aws_route.r", route_table_id={"references": ["module.net.rtb"]}),
              cfg("aws_route.t", gateway_id={"references": ["data.aws_vpn_gateway.x.id"]})]
    ov = run(changes, config)
    assert assumed(ov) == [("aws_route.r", "route_table_id"), ("aws_route.t", "target")]
    assert ov.after.route_tables == {}


def test_count_index_picks_the_same_instance() -> None:
    changes = []
    for i in range(2):
        for rtype, name in (("aws_route_table", "private"), ("aws_nat_gateway", "nat"),
                            ("aws_route", "out")):
            c = change(rtype, name, ["create"], None,
                       {"destination_cidr_block": "0.0.0.0/0"} if rtype == "aws_route" else {},
                       {"id": True, "route_table_id": True, "nat_gateway_id": True,
                        "vpc_id": True})
            c["address"] = f"{rtype}.{name}[{i}]"
            c["index"] = i
            changes.append(c)
    config = [cfg("aws_route.out", route_table_id={"references": [
                  "aws_route_table.private", "count.index"]},
                  nat_gateway_id={"references": ["aws_nat_gateway.nat", "count.index"]})]
    after = run(changes, config).after
    for i in range(2):
        table = f"tf:aws_route_table.private[{i}]"
        assert [(r.id, r.target) for r in after.route_tables[table].routes] == [
            (f"{table}:0.0.0.0/0", f"tf:aws_nat_gateway.nat[{i}]")]


def test_terraform_aws_modules_vpc_plan() -> None:
    """A real plan (terraform-aws-modules/vpc, Terraform 0.12): three NAT gateways, a public
    table routing to the internet gateway, three private tables each to its own NAT gateway
    (``count.index``), six associations. Its VPC id comes through a ``local``, which plan JSON
    does not carry: the tables' VPC is unknown, so no local routes and nothing ``routed``."""
    ov = overlay(read_plan(FIXTURES / "tfcompliance-aws-natgw-routes-tf0.12.json"), None)
    after = ov.after
    m = "tf:module.vpc."
    assert hops(after, f"{m}aws_route_table.public[0]") == [
        (f"{m}aws_route_table.public[0]:0.0.0.0/0", NextHop.INTERNET,
         f"{m}aws_internet_gateway.this[0]", "CreateRoute")]
    for i in range(3):
        table = f"{m}aws_route_table.private[{i}]"
        assert hops(after, table) == [
            (f"{table}:0.0.0.0/0", NextHop.NAT, f"{m}aws_nat_gateway.this[{i}]", "CreateRoute")]
        assert after.route_tables[table].subnets == (f"{m}aws_subnet.private[{i}]",)
        assert after.gateways[f"{m}aws_nat_gateway.this[{i}]"].subnet == (
            f"{m}aws_subnet.public[{i}]")
    assert after.route_tables[f"{m}aws_route_table.public[0]"].subnets == tuple(
        f"{m}aws_subnet.public[{i}]" for i in range(3))
    assert not any(n.routed for n in after.networks.values())
    vpc_unknown = sorted(a for a, attr in assumed(ov) if attr == "vpc_id")
    assert vpc_unknown == ["module.vpc.aws_internet_gateway.this[0]",
                           *[f"module.vpc.aws_route_table.private[{i}]" for i in range(3)],
                           "module.vpc.aws_route_table.public[0]"]


def test_hcl_inline_routes_resolve_their_references(tmp_path: Path) -> None:
    """``tf review --hcl``: the same overlay from ``.tf`` files (python-hcl2)."""
    from pathwarden.terraform.hcl_plan import hcl_plan

    (tmp_path / "main.tf").write_text("""
resource "aws_vpc" "hub" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_internet_gateway" "igw" {
  vpc_id = aws_vpc.hub.id
}
resource "aws_route_table" "app" {
  vpc_id = aws_vpc.hub.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.igw.id
  }
  route {
    cidr_block         = "10.1.0.0/16"
    transit_gateway_id = "tgw-0123"
  }
}
""")
    pseudo, notes = hcl_plan(tmp_path)
    ov = overlay(pseudo, None)
    app = "tf:aws_route_table.app"
    assert hops(ov.after, app) == [
        (f"{app}:10.0.0.0/16", NextHop.LOCAL, "local", "CreateRouteTable"),
        (f"{app}:0.0.0.0/0", NextHop.INTERNET, "tf:aws_internet_gateway.igw", "CreateRoute"),
        (f"{app}:10.1.0.0/16", NextHop.TRANSIT, "tgw-0123", "CreateRoute"),
    ]
    assert ov.after.networks["tf:aws_vpc.hub"].routed
    assert (notes, ov.assumptions) == ([], ())
