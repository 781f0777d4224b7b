"""Routing files that do not add up: a notice each, partial where a path would be decided on
routes the snapshot does not have, and one-line errors for malformed JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pathwarden.errors import SnapshotError
from pathwarden.providers.load import load_estate
from tests.unit.awsroutes import (
    attachment,
    igw,
    local,
    nat,
    route,
    rtb,
    tgw_route,
    tgw_table,
    write_tgw_routes,
)
from tests.unit.awssnapshot import eni, write_snapshot
from tests.unit.test_aws_load_routes import hub, hub_tables, peering

Edit = Callable[[Path], None]


def tables_with(table: int, extra: dict[str, Any]) -> list[dict[str, Any]]:
    tables = hub_tables()
    tables[table]["Routes"].append(extra)
    return tables


def rewrite(name: str, change: Callable[[Any], None]) -> Edit:
    def edit(snap: Path) -> None:
        path = snap / name
        doc = json.loads(path.read_text())
        change(doc)
        path.write_text(json.dumps(doc))
    return edit


PARTIAL: list[tuple[str, dict[str, list[dict[str, Any]]], Edit | None, str, str]] = [
    # (case, snapshot override, edit, notice code, words of the message)
    ("igw not in its file", {"igws": [igw("igw-other", "vpc-hub")]}, None,
     "route-target-missing", "rtb-hub:0.0.0.0/0 routes to igw-1, which "
     "describe-internet-gateways.json does not hold"),
    ("nat not in its file", {"nats": [nat("nat-2", "subnet-app", "vpc-hub")]}, None,
     "route-target-missing", "rtb-app:0.0.0.0/0 routes to nat-1"),
    ("peering not in its file", {"peerings": []}, None, "route-target-missing",
     "routes to pcx-1, which describe-vpc-peering-connections.json does not hold"),
    ("unknown kind of target", {"route_tables": tables_with(1, route(
        "10.7.0.0/16", OdbNetworkArn="x", GatewayId="zzz-1"))}, None, "route-target-unknown",
     "rtb-app:10.7.0.0/16 routes to zzz-1, a kind of target pathwarden does not know"),
    ("appliance ENI unknown", {"route_tables": tables_with(1, route(
        "10.8.0.0/16", NetworkInterfaceId="eni-nowhere"))}, None, "route-reference-missing",
     "rtb-app:10.8.0.0/16 routes to eni-nowhere, which is not in the snapshot"),
    ("appliance instance unknown", {"route_tables": tables_with(1, route(
        "10.8.0.0/16", InstanceId="i-nowhere"))}, None, "route-reference-missing",
     "routes to i-nowhere"),
    ("attachment's VPC unknown", {"tgw_attachments": [
        attachment("tgw-attach-hub", "tgw-1", "vpc-hub", "tgw-rtb-1"),
        attachment("tgw-attach-spoke", "tgw-1", "vpc-spoke", "tgw-rtb-1"),
        attachment("tgw-attach-far", "tgw-1", "vpc-far", "tgw-rtb-1")]}, None,
     "route-reference-missing", "tgw-attach-far attaches vpc-far to tgw-1, but that VPC"),
    ("attachment's table unknown", {"tgw_attachments": [
        attachment("tgw-attach-hub", "tgw-1", "vpc-hub", "tgw-rtb-1"),
        attachment("tgw-attach-spoke", "tgw-1", "vpc-spoke", "tgw-rtb-9")]}, None,
     "route-reference-missing", "associated with transit route table tgw-rtb-9"),
    ("transit route to an unknown attachment", {}, lambda s: write_tgw_routes(
        s, "tgw-rtb-1", [tgw_route("10.1.0.0/16", "tgw-attach-gone")]),
     "route-reference-missing", "tgw-rtb-1:10.1.0.0/16 routes to attachment tgw-attach-gone"),
    ("active transit route without attachment", {}, lambda s: write_tgw_routes(
        s, "tgw-rtb-1", [tgw_route("10.1.0.0/16")]),
     "route-reference-missing", "routes to attachment (none)"),
    ("transit table without its routes", {"tgw_tables": [
        tgw_table("tgw-rtb-1", "tgw-1"), tgw_table("tgw-rtb-2", "tgw-1")]}, None,
     "transit-routes-missing", "the routes of transit gateway route table tgw-rtb-2"),
    ("route search cut short", {}, lambda s: write_tgw_routes(
        s, "tgw-rtb-1", [tgw_route("10.1.0.0/16", "tgw-attach-spoke")], more=True),
     "truncated-output", "AdditionalRoutesAvailable is true"),
    ("VPC without main table", {"route_tables": [t for t in hub_tables()
                                                 if t["RouteTableId"] != "rtb-hub"]}, None,
     "main-route-table-missing", "vpc-hub has no main route table"),
    ("prefix list to a TGW unknown", {"route_tables": tables_with(1, route(
        "pl-gone", TransitGatewayId="tgw-1"))}, None, "prefix-list-missing",
     "prefix list pl-gone is the destination of 1 route(s) (rtb-app:pl-gone)"),
]


@pytest.mark.parametrize(("case", "override", "edit", "code", "words"), PARTIAL,
                         ids=[p[0] for p in PARTIAL])
def test_missing_references_make_the_estate_partial(
    tmp_path: Path, case: str, override: dict[str, list[dict[str, Any]]], edit: Edit | None,
    code: str, words: str,
) -> None:
    snap = hub(tmp_path / "s", **override)
    if edit is not None:
        edit(snap)
    estate = load_estate([snap])
    assert estate.partial, case
    assert any(n.code == code and words in n.message for n in estate.notices), [
        (n.code, n.message) for n in estate.notices]


NOTICE_ONLY: list[tuple[str, dict[str, list[dict[str, Any]]], str, str]] = [
    ("no IGW file", {}, "missing-file", "describe-internet-gateways.json is not in the "
     "snapshot: routes name igw-1, taken as attached to the route table's VPC"),
    ("inactive peering", {"peerings": [{**peering(), "Status": {"Code": "deleted"}}]},
     "route-target-inactive", "rtb-app:10.2.0.0/16 routes to pcx-1, which is deleted"),
    ("prefix list to an endpoint unknown", {"route_tables": tables_with(1, route(
        "pl-s3", GatewayId="vpce-2"))}, "prefix-list-missing", "prefix list pl-s3"),
    ("edge association", {"route_tables": [*hub_tables(), rtb(
        "rtb-edge", "vpc-hub", [local("10.0.0.0/16")],
        Associations=[{"Main": False, "GatewayId": "igw-1", "RouteTableId": "rtb-edge"}])]},
     "gateway-route-table", "rtb-edge is associated with igw-1"),
    ("VPC missing from the route tables", {"route_tables": hub_tables()[:2]},
     "routes-missing", "describe-route-tables.json has no route table of vpc-spoke"),
    ("blackhole to anything", {"route_tables": tables_with(1, route(
        "10.8.0.0/16", state="blackhole", TransitGatewayId="tgw-gone"))},
     "", ""),
]


@pytest.mark.parametrize(("case", "override", "code", "words"), NOTICE_ONLY,
                         ids=[p[0] for p in NOTICE_ONLY])
def test_what_only_deserves_a_notice(tmp_path: Path, case: str,
                                     override: dict[str, list[dict[str, Any]]], code: str,
                                     words: str) -> None:
    snap = hub(tmp_path / "s", **override)
    if case == "no IGW file":
        (snap / "describe-internet-gateways.json").unlink()
    estate = load_estate([snap])
    assert not estate.partial, [(n.code, n.message) for n in estate.notices]
    if code:
        assert any(n.code == code and words in n.message for n in estate.notices), [
            (n.code, n.message) for n in estate.notices]


# -- malformed input: one line, the file and the JSON path -----------------------------------
def error(snap: Path) -> SnapshotError:
    with pytest.raises(SnapshotError) as info:
        load_estate([snap])
    assert "\n" not in str(info.value)
    return info.value


@pytest.mark.parametrize(("file", "change", "keypath", "words"), [
    ("describe-route-tables.json", lambda d: d["RouteTables"][1]["Routes"][2].pop(
        "DestinationCidrBlock"), "RouteTables[1].Routes[2]", "expected exactly one of "
     "DestinationCidrBlock, DestinationIpv6CidrBlock, DestinationPrefixListId; found none"),
    ("describe-route-tables.json", lambda d: d["RouteTables"][0]["Routes"][0].update(
        DestinationCidrBlock="10.0.0.0/33"), "RouteTables[0].Routes[0].DestinationCidrBlock",
     "expected a CIDR block, found '10.0.0.0/33'"),
    ("describe-route-tables.json", lambda d: d["RouteTables"][0]["Routes"][4].update(
        DestinationIpv6CidrBlock="0.0.0.0/0"), "RouteTables[0].Routes[4].DestinationIpv6CidrBlock",
     "expected an IPv6 CIDR block"),
    ("describe-route-tables.json", lambda d: d["RouteTables"][0].update(Associations={}),
     "RouteTables[0].Associations", "expected a list"),
    ("describe-route-tables.json", lambda d: d["RouteTables"][0].pop("VpcId"),
     "RouteTables[0].VpcId", "missing"),
    ("describe-transit-gateway-vpc-attachments.json",
     lambda d: d["TransitGatewayVpcAttachments"][0].update(SubnetIds=["subnet-tgw", 7]),
     "TransitGatewayVpcAttachments[0].SubnetIds[1]", "expected a non-empty string, found 7"),
    ("describe-transit-gateway-attachments.json",
     lambda d: d["TransitGatewayAttachments"][0].update(Association="tgw-rtb-1"),
     "TransitGatewayAttachments[0].Association", "expected an object"),
    ("describe-nat-gateways.json",
     lambda d: d["NatGateways"][0]["NatGatewayAddresses"][0].update(PublicIp="1.2.3"),
     "NatGateways[0].NatGatewayAddresses[0].PublicIp", "expected an IP address, found '1.2.3'"),
    ("describe-transit-gateways.json", lambda d: d["TransitGateways"][0].update(Options=[]),
     "TransitGateways[0].Options", "expected an object"),
    ("search-transit-gateway-routes/tgw-rtb-1.json",
     lambda d: d["Routes"][0].update(PrefixListId="pl-1"), "Routes[0]",
     "expected exactly one of DestinationCidrBlock, PrefixListId; found both"),
    ("describe-network-interfaces.json",
     lambda d: d["NetworkInterfaces"][1]["PrivateIpAddresses"][1]["Association"].update(
         PublicIp="nope"), "NetworkInterfaces[1].PrivateIpAddresses[1].Association.PublicIp",
     "expected an IP address, found 'nope'"),
    ("describe-network-interfaces.json",
     lambda d: d["NetworkInterfaces"][0].update(SourceDestCheck="false"),
     "NetworkInterfaces[0].SourceDestCheck", "expected true or false"),
])
def test_malformed_routing_json_is_one_line_naming_file_and_path(
    tmp_path: Path, file: str, change: Callable[[Any], None], keypath: str, words: str,
) -> None:
    snap = hub(tmp_path / "s")
    rewrite(file, change)(snap)
    e = error(snap)
    assert e.file == str(snap / file)
    assert e.keypath == keypath
    assert words in e.message


def test_wrong_top_level_key_names_the_command(tmp_path: Path) -> None:
    snap = hub(tmp_path / "s")
    (snap / "describe-route-tables.json").write_text('{"routeTableSet": []}')
    e = error(snap)
    assert "expected an object with key 'RouteTables' as `aws ec2 describe-route-tables " \
           "--output json` writes" in e.message


def test_a_snapshot_with_only_routing_files_needs_its_required_files(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s", interfaces=[eni("eni-1", ["10.0.0.5"], [])])
    (snap / "describe-route-tables.json").write_text('{"RouteTables": []}')
    (snap / "describe-security-groups.json").unlink()
    assert "missing describe-security-groups.json" in error(snap).message
