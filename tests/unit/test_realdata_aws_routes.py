"""The AWS routing files on real, published API responses (tests/fixtures/aws-api, NOTICE.md).

Each scenario is loaded the way tests/unit/test_realdata_aws.py loads them (envelope
unwrapped, written under the contract file name). Expected values are read off the JSON files
by hand.
"""

from __future__ import annotations

from pathlib import Path

from pathwarden.model import AddressSet, Gateway, NextHop, Route
from tests.unit.test_realdata_aws import codes, load


def hops(routes: tuple[Route, ...]) -> list[tuple[str, NextHop, str]]:
    return [(r.id, r.next_hop, r.target) for r in routes]


def test_igw_subnet_tables_main_and_explicit(tmp_path: Path) -> None:
    estate = load(
        tmp_path,
        "custodian-igw-subnet-describe-instances.json",
        "custodian-igw-subnet-describe-route-tables.json",
        "custodian-igw-subnet-describe-subnets.json",
    )
    assert set(estate.route_tables) == {
        "rtb-0ec6756e539873794", "rtb-75bad00b", "rtb-0ce1e28a01f647d5a", "rtb-093c0ae5ab7524554"}
    main = estate.route_tables["rtb-0ec6756e539873794"]
    assert (main.network, main.main, main.subnets, main.account) == (
        "vpc-06a22444b7946ea01", True, (), "644160558196")
    public = estate.route_tables["rtb-093c0ae5ab7524554"]
    assert hops(public.routes) == [
        ("rtb-093c0ae5ab7524554:10.0.0.0/16", NextHop.LOCAL, "local"),
        ("rtb-093c0ae5ab7524554:0.0.0.0/0", NextHop.INTERNET, "igw-0186e33a1d5903db5"),
    ]
    assert public.routes[0].origin == "CreateRouteTable"
    assert estate.subnets["subnet-02e1a5b426e2b16a9"].route_table == "rtb-093c0ae5ab7524554"
    assert estate.subnets["subnet-00a7ff0f29a2f7dd7"].route_table == "rtb-0ce1e28a01f647d5a"
    assert estate.networks["vpc-06a22444b7946ea01"].routed
    assert estate.networks["vpc-330ae54e"].routed  # the default VPC, from its main table
    # one instance ENI has an auto-assigned public IP (IpOwnerId amazon); every ENI checks
    # source and destination
    public_ips = {w.id: w.public_addresses for w in estate.workloads if w.public_addresses}
    assert public_ips == {"eni-052eccd7377227328": ("3.83.45.205",)}
    assert not any(w.forwarding for w in estate.workloads)
    # IGW file absent: a notice, the routes still say "internet", and nothing routing-related
    # makes the estate partial (the recording's security groups and VPCs are not in it)
    assert "route-reference-missing" not in codes(estate)
    assert "missing-file" in codes(estate)


def test_nat_gateway_scenario(tmp_path: Path) -> None:
    estate = load(
        tmp_path,
        "custodian-natgw-describe-nat-gateways.json",
        "custodian-natgw-describe-route-tables.json",
        "custodian-natgw-describe-subnets.json",
    )
    assert len(estate.route_tables) == 13
    assert [t.id for t in estate.route_tables.values() if t.main] == ["rtb-0c26eee79085b11b4"]
    private = estate.route_tables["rtb-0790946c364d31f08"]
    assert hops(private.routes) == [
        ("rtb-0790946c364d31f08:10.0.0.0/21", NextHop.LOCAL, "local"),
        ("rtb-0790946c364d31f08:0.0.0.0/0", NextHop.NAT, "nat-06e9acaa9c0ab8799"),
        ("rtb-0790946c364d31f08:pl-00a54069", NextHop.GATEWAY, "vpce-00cf599081019f56d"),
        ("rtb-0790946c364d31f08:pl-68a54001", NextHop.GATEWAY, "vpce-036452b71622c1bf8"),
    ]
    assert private.subnets == ("subnet-01989283067fcc12f",)
    # three private tables use the NAT gateway in us-west-2a (the recording's cross-AZ case)
    via_nat = sorted(t.id for t in estate.route_tables.values()
                     if any(r.target == "nat-06e9acaa9c0ab8799" for r in t.routes))
    assert via_nat == ["rtb-0564036d8c3e1e117", "rtb-0790946c364d31f08", "rtb-0da8d0fc8d7c46a45"]
    assert estate.gateways["nat-06e9acaa9c0ab8799"] == Gateway(
        "nat-06e9acaa9c0ab8799", "aws", NextHop.NAT, "vpc-012347c909f1f1896",
        "subnet-059f1e047a5ca7c1f", AddressSet.parse("2.2.2.2"), region="us-west-2")
    assert estate.gateways["nat-0df07e596f7513ead"].public == AddressSet.parse("1.1.1.1")
    # the S3/DynamoDB prefix lists have no entries here: their endpoint routes match nothing,
    # which only concerns traffic leaving the estate, so the estate stays complete
    missing = [n for n in estate.notices if n.code == "prefix-list-missing"]
    assert sorted(n.source for n in missing) == ["pl-00a54069", "pl-68a54001"]
    assert "9 route(s)" in missing[0].message
    assert not estate.partial


def test_peering_and_blackhole_scenario(tmp_path: Path) -> None:
    estate = load(
        tmp_path,
        "custodian-peering-describe-route-tables-blackhole.json",
        "custodian-peering-describe-vpc-peering-connections.json",
    )
    k8s = estate.route_tables["rtb-e888328d"]
    assert (k8s.main, k8s.subnets) == (True, ("subnet-3766a96e",))
    assert hops(k8s.routes)[:4] == [
        (f"rtb-e888328d:10.244.{i}.0/24", NextHop.DROP, eni)
        for i, eni in enumerate(["eni-961cc8ce", "eni-a91cc8f1", "eni-4a1dc912",
                                 "eni-6a1dc932"], 1)]
    assert all(r.state == "blackhole" for r in k8s.routes[:4])
    assert hops(k8s.routes)[5] == ("rtb-e888328d:10.0.0.0/16", NextHop.PEERING, "pcx-36096b5f")
    other = estate.route_tables["rtb-0d91a368"]
    assert hops(other.routes)[0] == ("rtb-0d91a368:172.20.0.0/16", NextHop.PEERING,
                                     "pcx-36096b5f")
    assert estate.networks["vpc-1cc8e779"].peers == ("vpc-cb3e8cae",)
    assert {n.id for n in estate.networks.values() if n.routed} == {
        "vpc-399e3d52", "vpc-1cc8e779", "vpc-cb3e8cae"}
    # the blackholed ENIs are gone; a dropping route does not need them
    assert not estate.partial
    assert "route-reference-missing" not in codes(estate)


def test_gateways(tmp_path: Path) -> None:
    estate = load(tmp_path, "custodian-describe-internet-gateways.json")
    assert {g.id: (g.kind, g.network, g.state, g.account) for g in estate.gateways.values()} == {
        "igw-06504e6dde1dff527": (NextHop.INTERNET, "vpc-06fbfb0683669c546", "available",
                                  "644160558196"),
        "igw-0d6b3a79ec7460614": (NextHop.INTERNET, "vpc-056651ecc06e0c9d3", "available",
                                  "644160558196"),
    }
    eigw = load(tmp_path / "e", "awscli-describe-egress-only-internet-gateways.json")
    assert eigw.gateways["eigw-015e0e244e24dfe8a"] == Gateway(
        "eigw-015e0e244e24dfe8a", "aws", NextHop.EGRESS_ONLY, "vpc-0c62a468", state="attached")


def test_transit_gateway_and_attachment(tmp_path: Path) -> None:
    estate = load(
        tmp_path,
        "custodian-tgw-describe-transit-gateways.json",
        "custodian-tgw-describe-transit-gateway-attachments.json",
    )
    assert estate.gateways["tgw-05e7c047df9e9d1ce"] == Gateway(
        "tgw-05e7c047df9e9d1ce", "aws", NextHop.TRANSIT, account="644160558196",
        association_table="tgw-rtb-0fa4bd52512d99611",
        propagation_table="tgw-rtb-0fa4bd52512d99611")
    att = estate.attachments["tgw-attach-0aca50c09e4248a85"]
    assert (att.gateway, att.kind, att.resource, att.route_table, att.state, att.account) == (
        "tgw-05e7c047df9e9d1ce", "vpc", "vpc-f1516b97", "tgw-rtb-0fa4bd52512d99611",
        "available", "644160558196")
    # neither the VPC nor the TGW route table are in this recording: partial, and said why
    missing = sorted(n.message for n in estate.notices if n.code == "route-reference-missing")
    assert missing == [
        "tgw-attach-0aca50c09e4248a85 attaches vpc-f1516b97 to tgw-05e7c047df9e9d1ce, but that "
        "VPC is not in the snapshot",
        "tgw-attach-0aca50c09e4248a85 is associated with transit route table "
        "tgw-rtb-0fa4bd52512d99611, which is not in the snapshot",
    ]
    assert estate.partial


def test_transit_route_tables_and_routes(tmp_path: Path) -> None:
    tables = load(tmp_path, "awscli-describe-transit-gateway-route-tables.json")
    assert {t.id: (t.kind, t.gateway, t.routes) for t in tables.route_tables.values()} == {
        "tgw-rtb-0ca78a549EXAMPLE": ("transit", "tgw-0bc994abffEXAMPLE", ()),
        "tgw-rtb-0e8f48f148EXAMPLE": ("transit", "tgw-0043d72bb4EXAMPLE", ()),
    }
    assert tables.partial  # described, but their routes are not in the snapshot
    assert codes(tables).count("transit-routes-missing") == 2

    estate = load(
        tmp_path / "s",
        "awscli-get-transit-gateway-route-table-associations.json",
        "awscli-search-transit-gateway-routes.json",
    )
    table = estate.route_tables["tgw-rtb-0a823edbdeEXAMPLE"]
    assert [(r.id, r.next_hop, r.target, r.origin, r.addresses) for r in table.routes] == [
        ("tgw-rtb-0a823edbdeEXAMPLE:10.0.2.0/24", NextHop.ATTACHMENT,
         "tgw-attach-09b52ccdb5EXAMPLE", "static", AddressSet.parse("10.0.2.0/24")),
        ("tgw-rtb-0a823edbdeEXAMPLE:10.1.0.0/24", NextHop.ATTACHMENT,
         "tgw-attach-09b52ccdb5EXAMPLE", "static", AddressSet.parse("10.1.0.0/24")),
    ]
    assert table.attachments == ("tgw-attach-09b52ccdb5EXAMPLE",)  # state "associating"
    att = estate.attachments["tgw-attach-09b52ccdb5EXAMPLE"]
    assert (att.kind, att.resource, att.route_table) == (
        "vpc", "vpc-4d7de228", "tgw-rtb-0a823edbdeEXAMPLE")
    assert "snapshot-inconsistent" in codes(estate)  # routes of a table nothing describes
    assert estate.partial  # vpc-4d7de228 is not in the excerpt


def test_propagations_of_a_table_without_routes_add_nothing(tmp_path: Path) -> None:
    estate = load(tmp_path, "awscli-get-transit-gateway-route-table-propagations.json")
    assert estate.route_tables == {} and estate.attachments == {}
    assert not estate.partial
