"""``gen_aws --routes``: the synthetic estate with its routing files, for measuring what the
routing step costs (issue 13). The routed estate is the plain one plus new files only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from benchmarks.gen_aws import Summary, generate
from benchmarks.policy_scale import ROUTING_FILES, without_routes

from pathwarden.api import load_estate
from pathwarden.model import NextHop

SIZES: dict[str, int] = {"enis": 300, "sgs": 60, "rules": 600, "subnets": 12, "prefix_lists": 6}


@pytest.fixture(scope="module")
def estates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Summary]:
    plain, routed = tmp_path_factory.mktemp("plain"), tmp_path_factory.mktemp("routed")
    generate(plain, seed=3, **SIZES)
    return plain, routed, generate(routed, seed=3, routes=True, **SIZES)


def _doc(directory: Path, name: str) -> Any:
    return json.loads((directory / name).read_text())


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*.json"))}


def test_routes_only_add_files(estates: tuple[Path, Path, Summary]) -> None:
    plain, routed, _ = estates
    before, after = _files(plain), _files(routed)
    assert {k: after[k] for k in before} == before
    added = {k.split("/")[0] for k in set(after) - set(before)}
    assert added == {"describe-route-tables.json", "describe-internet-gateways.json",
                     "describe-egress-only-internet-gateways.json", "describe-nat-gateways.json",
                     "describe-transit-gateways.json", "describe-transit-gateway-attachments.json",
                     "describe-transit-gateway-vpc-attachments.json",
                     "describe-transit-gateway-route-tables.json",
                     "search-transit-gateway-routes"}
    assert added <= set(ROUTING_FILES)


def test_same_seed_same_routes(estates: tuple[Path, Path, Summary], tmp_path: Path) -> None:
    _, routed, _ = estates
    generate(tmp_path, seed=3, routes=True, **SIZES)
    assert _files(tmp_path) == _files(routed)


def test_every_vpc_has_a_main_table_and_the_tgw_the_others(
    estates: tuple[Path, Path, Summary],
) -> None:
    _, d, summary = estates
    vpcs = {v["VpcId"]: v["CidrBlock"] for v in _doc(d, "describe-vpcs.json")["Vpcs"]}
    tables = _doc(d, "describe-route-tables.json")["RouteTables"]
    tgw = _doc(d, "describe-transit-gateways.json")["TransitGateways"][0]["TransitGatewayId"]
    (pcx,) = _doc(d, "describe-vpc-peering-connections.json")["VpcPeeringConnections"]
    peered = {pcx["AccepterVpcInfo"]["VpcId"], pcx["RequesterVpcInfo"]["VpcId"]}
    for vpc, cidr in vpcs.items():
        (main,) = [t for t in tables if t["VpcId"] == vpc
                   and any(a["Main"] for a in t["Associations"])]
        by_dest = {r.get("DestinationCidrBlock"): r for r in main["Routes"]}
        assert by_dest[cidr]["GatewayId"] == "local"
        assert by_dest["0.0.0.0/0"]["NatGatewayId"].startswith("nat-")
        for other, other_cidr in vpcs.items():
            if other == vpc:
                continue
            hop = by_dest[other_cidr]
            if {vpc, other} == peered:
                assert hop["VpcPeeringConnectionId"] == pcx["VpcPeeringConnectionId"]
            else:
                assert hop["TransitGatewayId"] == tgw
    assert summary.routes is not None
    assert summary.routes.explicit_subnets > 0 and summary.routes.blackholes >= 2
    assert summary.routes.public_enis > 0


def test_attachments_have_one_subnet_per_zone(estates: tuple[Path, Path, Summary]) -> None:
    _, d, _ = estates
    subnets = {s["SubnetId"]: s for s in _doc(d, "describe-subnets.json")["Subnets"]}
    attachments = _doc(d, "describe-transit-gateway-vpc-attachments.json")[
        "TransitGatewayVpcAttachments"]
    assert len(attachments) == 3
    for a in attachments:
        zones = [subnets[s]["AvailabilityZoneId"] for s in a["SubnetIds"]]
        assert all(subnets[s]["VpcId"] == a["VpcId"] for s in a["SubnetIds"])
        assert len(zones) == len(set(zones)) == len(
            {s["AvailabilityZoneId"] for s in subnets.values() if s["VpcId"] == a["VpcId"]})
    (table,) = _doc(d, "describe-transit-gateway-route-tables.json")["TransitGatewayRouteTables"]
    routes = _doc(d, f"search-transit-gateway-routes/{table['TransitGatewayRouteTableId']}.json")
    propagated = {r["DestinationCidrBlock"] for r in routes["Routes"] if r["Type"] == "propagated"}
    assert {v["CidrBlock"] for v in _doc(d, "describe-vpcs.json")["Vpcs"]} <= propagated
    assert [r for r in routes["Routes"] if r["State"] == "blackhole"]


def test_the_routed_estate_loads_whole(estates: tuple[Path, Path, Summary]) -> None:
    plain, routed, _ = estates
    estate = load_estate([routed])
    assert not estate.partial and estate.notices == ()
    assert all(n.routed for n in estate.networks.values())
    assert len(estate.workloads) == SIZES["enis"]
    assert any(r.next_hop is NextHop.DROP for t in estate.route_tables.values()
               for r in t.routes)
    assert [n.code for n in load_estate([plain]).notices] == ["routes-not-in-snapshot"]


def test_the_plain_twin_is_the_routed_estate_without_its_routing_files(
    estates: tuple[Path, Path, Summary], tmp_path: Path,
) -> None:
    plain, routed, _ = estates
    twin = without_routes(routed, tmp_path / "twin")
    assert _files(twin) == _files(plain)
    with pytest.raises(ValueError, match="no routing files"):
        without_routes(plain, tmp_path / "again")
