"""Transit gateway route search beyond one answer, with botocore's Stubber.

moto's SearchTransitGatewayRoutes fails on MaxResults and leaves static routes without their
attachments, so the search is tested here against the real botocore client and model: paged
where botocore has a paginator (NextToken), split by destination where an answer is cut short
without a token (older API models: boto3 1.34), and reported as failed when even that cannot
list everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from pathwarden.providers.aws.discover import discover_aws
from pathwarden.providers.aws.discover_routes import (
    STATES,
    IncompleteSearch,
    search_routes,
)
from pathwarden.providers.load import load_estate
from pathwarden.providers.manifest import CallStatus
from tests.unit.test_discover_aws_paging import ACCOUNT, REGION, StubbedSession, _plan

TABLE = "tgw-rtb-1"


class NoPaginator:
    """An EC2 client as boto3 1.34 builds it: no paginator for the route search."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def can_paginate(self, method: str) -> bool:
        return method != "search_transit_gateway_routes" and bool(
            self._client.can_paginate(method))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _route(cidr: str) -> dict[str, Any]:
    key = "PrefixListId" if cidr.startswith("pl-") else "DestinationCidrBlock"
    return {key: cidr, "Type": "propagated", "State": "active",
            "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-1"}]}


@pytest.fixture
def ec2() -> tuple[Any, Stubber]:
    client = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.activate()
    return client, stubber


def _answer(stubber: Stubber, routes: list[str], more: bool,
            narrowed: tuple[str, list[str]] | None = None) -> None:
    filters = list(STATES)
    if narrowed:
        filters.append({"Name": narrowed[0], "Values": narrowed[1]})
    stubber.add_response("search_transit_gateway_routes",
                         {"Routes": [_route(r) for r in routes], "AdditionalRoutesAvailable": more},
                         {"TransitGatewayRouteTableId": TABLE, "Filters": filters})


def test_a_cut_short_answer_is_split_by_destination(ec2: tuple[Any, Stubber]) -> None:
    client, stubber = ec2
    subnet_of, exact = "route-search.subnet-of-match", "route-search.exact-match"
    _answer(stubber, ["10.0.0.0/16", "0.0.0.0/0"], more=True)
    _answer(stubber, ["10.0.0.0/16", "0.0.0.0/0"], True, (subnet_of, ["0.0.0.0/0"]))
    _answer(stubber, ["0.0.0.0/0"], False, (exact, ["0.0.0.0/0"]))
    _answer(stubber, ["10.0.0.0/16", "10.1.0.0/16"], False, (subnet_of, ["0.0.0.0/1"]))
    _answer(stubber, ["192.168.0.0/16"], False, (subnet_of, ["128.0.0.0/1"]))
    _answer(stubber, ["2001:db8::/32"], False, (subnet_of, ["::/0"]))
    _answer(stubber, ["pl-1"], False, ("prefix-list-id", ["pl-1", "pl-2"]))
    doc, requests = search_routes(NoPaginator(client), TABLE, ["pl-1", "pl-2", "pl-1"])
    stubber.assert_no_pending_responses()
    assert requests == 7
    assert doc["AdditionalRoutesAvailable"] is False
    found = [r.get("DestinationCidrBlock") or r.get("PrefixListId") for r in doc["Routes"]]
    assert found == ["10.0.0.0/16", "0.0.0.0/0", "10.1.0.0/16", "192.168.0.0/16",
                     "2001:db8::/32", "pl-1"]  # each once


def test_a_complete_first_answer_is_one_request(ec2: tuple[Any, Stubber]) -> None:
    client, stubber = ec2
    _answer(stubber, ["10.0.0.0/16"], more=False)
    doc, requests = search_routes(NoPaginator(client), TABLE, ["pl-1"])
    assert (requests, len(doc["Routes"])) == (1, 1)


def test_what_cannot_be_split_is_incomplete(ec2: tuple[Any, Stubber]) -> None:
    client, stubber = ec2
    _answer(stubber, ["pl-1"], more=True)
    _answer(stubber, [], False, ("route-search.subnet-of-match", ["0.0.0.0/0"]))
    _answer(stubber, [], False, ("route-search.subnet-of-match", ["::/0"]))
    _answer(stubber, ["pl-1"], True, ("prefix-list-id", ["pl-1"]))
    with pytest.raises(IncompleteSearch, match="more prefix-list routes than one search"):
        search_routes(client, TABLE, ["pl-1"])  # paginator, but no NextToken came back


def test_discovery_records_an_incomplete_search_as_failed(tmp_path: Path) -> None:
    """The table's file is not written and the rest of the region goes on; loading says the
    table's routes are missing, so the estate is partial."""
    plan = _plan()
    steps = plan[("ec2", REGION)]
    last = max(i for i, s in enumerate(steps) if s[0] == "SearchTransitGatewayRoutes")
    search = ("SearchTransitGatewayRoutes", {"Routes": [], "AdditionalRoutesAvailable": True},
              {"TransitGatewayRouteTableId": "tgw-rtb-b", "Filters": STATES})

    def narrowed(name: str, values: list[str], more: bool) -> Any:
        return ("SearchTransitGatewayRoutes", {"Routes": [], "AdditionalRoutesAvailable": more},
                {"TransitGatewayRouteTableId": "tgw-rtb-b",
                 "Filters": [*STATES, {"Name": name, "Values": values}]})

    steps[last] = search
    steps[last + 1:last + 1] = [
        narrowed("route-search.subnet-of-match", ["0.0.0.0/0"], False),
        narrowed("route-search.subnet-of-match", ["::/0"], False),
        narrowed("prefix-list-id", ["pl-1", "pl-2"], True),
    ]
    session = StubbedSession(plan)
    manifest = discover_aws(tmp_path / "snap", session_factory=lambda **kw: session,
                            progress=False)
    [failed] = manifest.failures()
    assert (failed.action, failed.target, failed.status) == (
        "ec2:SearchTransitGatewayRoutes", "tgw-rtb-b", CallStatus.FAILED)
    assert "more prefix-list routes than one search returns" in failed.error
    region = tmp_path / "snap" / ACCOUNT / REGION
    assert (region / "search-transit-gateway-routes" / "tgw-rtb-a.json").is_file()
    assert not (region / "search-transit-gateway-routes" / "tgw-rtb-b.json").exists()
    estate = load_estate([tmp_path / "snap"])
    assert estate.partial
    assert any(n.code == "transit-routes-missing" and n.source == "tgw-rtb-b"
               for n in estate.notices)
