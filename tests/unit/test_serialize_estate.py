"""The normalised estate JSON: exact round trips, readable services, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathwarden.errors import InputError
from pathwarden.model import (
    ALL_SERVICES,
    Action,
    AddressSet,
    Attachment,
    Direction,
    Estate,
    Filter,
    FilterKind,
    Gateway,
    IntervalSet,
    Network,
    NextHop,
    Notice,
    Peer,
    PeerKind,
    PrefixList,
    Route,
    RouteTable,
    Rule,
    ServiceSet,
    Subnet,
    Workload,
)
from pathwarden.model.serialize import (
    estate_from_json,
    estate_to_json,
    services_from_text,
    services_text,
)
from pathwarden.model.services import ICMP, ICMPV6, TCP, UDP
from pathwarden.providers.load import load_estate

ROOT = Path(__file__).resolve().parents[2]


def _roundtrip(e: Estate) -> Estate:
    return estate_from_json(json.loads(json.dumps(estate_to_json(e))))


def test_the_example_estate_round_trips_exactly() -> None:
    e = load_estate([ROOT / "examples" / "backup-console" / "snapshot"])
    back = _roundtrip(e)
    assert back == e
    assert back.options["aws.ephemeral_ports"] == (1024, 65535)
    assert [f.rules for f in back.filters.values()] == [f.rules for f in e.filters.values()]


ROUTE_TABLES = {
    "rtb-1": RouteTable(
        "rtb-1", "aws", "vpc",
        (Route("rtb-1:10.0.0.0/16", "10.0.0.0/16", AddressSet.parse("10.0.0.0/16"),
               NextHop.LOCAL, "local", origin="CreateRouteTable"),
         Route("rtb-1:pl-1", "pl-1", AddressSet.parse("198.51.100.0/24")
               | AddressSet.parse("2001:db8::/48"), NextHop.GATEWAY, "vpce-1"),
         Route("rtb-1:10.9.0.0/16", "10.9.0.0/16", AddressSet.parse("10.9.0.0/16"),
               NextHop.DROP, "eni-gone", 7, ("web", "db"), "blackhole", "CreateRoute")),
        "vpc-1", True, ("sub-1", "sub-2"), account="1", region="r", name="main"),
    "tgw-rtb-1": RouteTable(
        "tgw-rtb-1", "aws", "transit",
        # two routes with one id: a destination spread over two attachments
        (Route("tgw-rtb-1:10.2.0.0/16", "10.2.0.0/16", AddressSet.parse("10.2.0.0/16"),
               NextHop.ATTACHMENT, "tgw-attach-1", origin="propagated"),
         Route("tgw-rtb-1:10.2.0.0/16", "10.2.0.0/16", AddressSet.parse("10.2.0.0/16"),
               NextHop.ATTACHMENT, "tgw-attach-2", origin="propagated")),
        gateway="tgw-1", attachments=("tgw-attach-1",)),
}


def test_every_field_round_trips() -> None:
    peer = Peer(PeerKind.SECURITY_GROUP, "sg-9", account="444455556666", network="vpc-9",
                peering="pcx-1", peering_status="deleted")
    rules = (
        Rule("r/1~x", "f-1", Action.DENY, Direction.EGRESS, ServiceSet.icmp(ICMP, 3, 4),
             dst=(Peer(PeerKind.CIDR, "2001:db8::/32"), peer), order=7, src_ports=((1, 2),),
             description="d", implied=True, disabled=True),
        Rule("r2", "f-1", Action.ALLOW, Direction.INGRESS, ALL_SERVICES),
    )
    e = Estate(
        workloads=(Workload("eni-1", "aws", ("10.0.0.1", "2001:db8::1"), "vpc-1", "sub-1",
                            ("f-1",), "1", "r", "n", "i-1", "k", (("a", "b"),), (("c", "d"),),
                            ("tag",), "sa", "desc", ("198.51.100.9", "2001:db8::1"), True),),
        filters={"f-1": Filter("f-1", FilterKind.PRIORITY, "gcp", rules, "name", "net", "acct",
                               "reg", Action.ALLOW, "layer", (("t", "v"),))},
        subnets={"sub-1": Subnet("sub-1", "aws", "vpc-1", AddressSet.parse("10.0.0.0/24"),
                                 ("f-1",), "1", "r", "s", (("Name", "s"),), "rtb-1")},
        networks={"vpc-1": Network("vpc-1", "aws", AddressSet.parse("10.0.0.0/16")
                                   | AddressSet.parse("2001:db8::/56"), "1", "r", "v",
                                   ("vpc-2",), (("Name", "v"),), True)},
        prefix_lists={"pl-1": PrefixList("pl-1", "office", AddressSet.parse("198.51.100.0/24"),
                                         ("198.51.100.0/24",), 5)},
        route_tables=ROUTE_TABLES,
        attachments={"tgw-attach-1": Attachment("tgw-attach-1", "tgw-1", "vpc", "vpc-1",
                                                ("sub-1",), "tgw-rtb-1", "pending", "1", "r")},
        gateways={
            "nat-1": Gateway("nat-1", "aws", NextHop.NAT, "vpc-1", "sub-1",
                             AddressSet.parse("198.51.100.7"), "deleting", "1", "r"),
            "tgw-1": Gateway("tgw-1", "aws", NextHop.TRANSIT, account="1", region="r",
                             association_table="tgw-rtb-1", propagation_table="tgw-rtb-2"),
        },
        notices=(Notice("code", "message", "src"),),
        partial=True,
        sources=("a", "b"),
        options={"aws.ephemeral_ports": (32768, 60999), "flag": True},
    )
    assert _roundtrip(e) == e


def test_routing_members_are_keyed_by_id_and_routes_keep_their_order() -> None:
    doc = estate_to_json(Estate(route_tables=ROUTE_TABLES))
    table = doc["route_tables"]["rtb-1"]
    assert [r["id"] for r in table["routes"]] == [
        "rtb-1:10.0.0.0/16", "rtb-1:pl-1", "rtb-1:10.9.0.0/16"]
    assert table["routes"][1]["addresses"] == ["198.51.100.0/24", "2001:db8::/48"]
    assert table["routes"][2]["next_hop"] == "drop"
    assert doc["attachments"] == {} and doc["gateways"] == {}
    back = _roundtrip(Estate(route_tables=ROUTE_TABLES))
    assert back.route_tables["tgw-rtb-1"].routes == ROUTE_TABLES["tgw-rtb-1"].routes


def test_a_document_without_routing_members_reads_as_no_routes() -> None:
    doc = estate_to_json(Estate(networks={"vpc-1": Network("vpc-1", "aws")}))
    for key in ("route_tables", "attachments", "gateways"):
        del doc[key]
    del doc["networks"]["vpc-1"]["routed"]
    back = estate_from_json(doc)
    assert back.route_tables == {} and back.gateways == {} and back.attachments == {}
    assert back.networks["vpc-1"].routed is False


def test_rules_are_keyed_by_their_cloud_id() -> None:
    e = load_estate([ROOT / "examples" / "backup-console" / "snapshot"])
    doc = estate_to_json(e)
    assert "sgr-0cb5a65e9050f9b73" in doc["filters"]["sg-0backup"]["rules"]
    rule = doc["filters"]["sg-0backup"]["rules"]["sgr-0cb5a65e9050f9b73"]
    assert rule["services"] == "tcp/443"
    assert rule["src"][0]["value"] == "10.0.0.0/8"


@pytest.mark.parametrize(("services", "text"), [
    (ServiceSet.tcp(443), "tcp/443"),
    (ServiceSet.tcp(22) | ServiceSet.tcp(1024, 65535) | ServiceSet.protocol(UDP),
     "tcp/22,1024-65535 udp"),
    (ServiceSet.icmp(ICMP, 3, 4), "icmp/3:4"),
    (ServiceSet.icmp(ICMPV6, 128), "icmpv6/128:0-128:255"),
    (ServiceSet.protocol(50), "50"),
    (ALL_SERVICES, "all"),
    (ServiceSet(), ""),
])
def test_services_text_is_readable_and_exact(services: ServiceSet, text: str) -> None:
    assert services_text(services) == text
    assert services_from_text(text) == services


ranges = st.lists(st.tuples(st.integers(0, 255), st.integers(0, 65535), st.integers(0, 400)),
                  max_size=6)


@given(ranges)
def test_services_text_round_trips(items: list[tuple[int, int, int]]) -> None:
    spans = [(p * 65536 + lo, p * 65536 + min(lo + w, 65535)) for p, lo, w in items]
    s = ServiceSet(IntervalSet(spans))
    assert services_from_text(services_text(s)) == s


@pytest.mark.parametrize("bad", ["nope/1", "tcp/70000", "tcp/9-1", "icmp/x", "300"])
def test_bad_services_text_is_one_clear_error(bad: str) -> None:
    with pytest.raises(InputError, match="services"):
        services_from_text(bad)


def test_a_document_of_another_format_is_refused() -> None:
    with pytest.raises(InputError, match="normalised estate"):
        estate_from_json({"format": "something else", "version": 1})
    doc = estate_to_json(Estate())
    del doc["filters"]
    with pytest.raises(InputError, match="malformed"):
        estate_from_json(doc)


def test_services_use_the_protocol_numbers_they_name() -> None:
    assert services_from_text("tcp") == ServiceSet.protocol(TCP)
    assert services_from_text("6/22") == ServiceSet.tcp(22)
