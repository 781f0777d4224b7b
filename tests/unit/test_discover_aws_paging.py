"""Pagination and per-call failures with botocore's Stubber (moto ignores pagination).

Real boto3 clients, no network: every page is a queued response, and the Stubber checks the
parameters of each request (page size, NextToken chain). The number of requests must be the
paginated minimum: one per page, and no per-resource calls except one entries listing per
prefix list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
from botocore import xform_name
from botocore.stub import Stubber

from pathwarden.providers.aws.calls import declared_operations
from pathwarden.providers.aws.discover import discover_aws
from pathwarden.providers.aws.discover_routes import STATES
from pathwarden.providers.load import load_estate
from pathwarden.providers.manifest import CallStatus

ACCOUNT = "111122223333"
REGION = "eu-west-1"
Step = tuple[str, dict[str, Any], dict[str, Any] | None]  # operation, response, expected params


class StubbedSession:
    """Stands in for ``boto3.Session``: clients are real, their responses queued per
    (service, region); every operation requested is recorded."""

    def __init__(self, plan: dict[tuple[str, str], list[Step]],
                 errors: dict[str, tuple[str, int]] | None = None) -> None:
        self._session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x",
                                      region_name="us-east-1")
        self.region_name = "us-east-1"
        self.plan = plan
        self.errors = errors or {}
        self.operations: list[str] = []
        self.stubbers: list[Stubber] = []
        self._session.events.register(
            "before-parameter-build",
            lambda model, **_: self.operations.append(f"{model.service_model.service_name}:"
                                                      f"{model.name}"))

    def client(self, service: str, region_name: str, **kwargs: Any) -> Any:
        client = self._session.client(service, region_name=region_name, **kwargs)
        stubber = Stubber(client)
        for op, response, params in self.plan.pop((service, region_name)):
            if op in self.errors:
                code, status = self.errors[op]
                stubber.add_client_error(xform_name(op), code, "denied", status,
                                         expected_params=params)
            else:
                stubber.add_response(xform_name(op), response, params)
        stubber.activate()
        self.stubbers.append(stubber)
        return client


def _pages(op: str, key: str, items: list[dict[str, Any]], per_page: int, size: int,
           **params: Any) -> list[Step]:
    """``items`` split into pages of ``per_page``, chained by NextToken, with the expected
    request parameters of each page (``MaxResults`` = the declared page size)."""
    steps: list[Step] = []
    chunks = [items[i:i + per_page] for i in range(0, len(items), per_page)] or [[]]
    for n, chunk in enumerate(chunks):
        response: dict[str, Any] = {key: chunk}
        if n + 1 < len(chunks):
            response["NextToken"] = f"{op}-{n + 1}"
        expected = {**params, "MaxResults": size}
        if n:
            expected["NextToken"] = f"{op}-{n}"
        steps.append((op, response, expected))
    return steps


def _sg(i: int) -> dict[str, Any]:
    return {"GroupId": f"sg-{i:04d}", "GroupName": f"g{i}", "VpcId": "vpc-1", "OwnerId": ACCOUNT,
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                               "IpRanges": [{"CidrIp": f"10.9.{i}.0/24"}]}],
            "IpPermissionsEgress": []}


def _eni(i: int) -> dict[str, Any]:
    return {"NetworkInterfaceId": f"eni-{i:04d}", "SubnetId": "subnet-1", "VpcId": "vpc-1",
            "PrivateIpAddress": f"10.0.1.{i + 10}", "OwnerId": ACCOUNT,
            "Groups": [{"GroupId": f"sg-{i % 5:04d}", "GroupName": "g"}]}


def _search(table: str, pages: list[list[dict[str, Any]]]) -> list[Step]:
    """SearchTransitGatewayRoutes pages chained by NextToken; no MaxResults is sent."""
    steps: list[Step] = []
    for n, routes in enumerate(pages):
        response: dict[str, Any] = {"Routes": routes, "AdditionalRoutesAvailable": False}
        if n + 1 < len(pages):  # more, and the token to ask for it (newer API models)
            response.update(NextToken=f"{table}-{n + 1}", AdditionalRoutesAvailable=True)
        expected: dict[str, Any] = {"TransitGatewayRouteTableId": table, "Filters": STATES}
        if n:
            expected["NextToken"] = f"{table}-{n}"
        steps.append(("SearchTransitGatewayRoutes", response, expected))
    return steps


def _tgw_route(cidr: str, attachment: str | None) -> dict[str, Any]:
    route: dict[str, Any] = {"DestinationCidrBlock": cidr, "Type": "static",
                             "State": "active" if attachment else "blackhole"}
    if attachment:
        route["TransitGatewayAttachments"] = [{"TransitGatewayAttachmentId": attachment}]
    return route


def _routing() -> list[Step]:
    def table(tid: str, routes: list[dict[str, Any]], assoc: dict[str, Any]) -> dict[str, Any]:
        return {"RouteTableId": tid, "VpcId": "vpc-1", "Associations": [assoc], "Routes": routes}

    local = {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}
    to_tgw = {"DestinationCidrBlock": "10.9.0.0/16", "TransitGatewayId": "tgw-1",
              "State": "active"}
    attachments = [
        {"TransitGatewayAttachmentId": "tgw-attach-1", "TransitGatewayId": "tgw-1",
         "ResourceType": "vpc", "ResourceId": "vpc-1",
         "Association": {"TransitGatewayRouteTableId": "tgw-rtb-a", "State": "associated"}},
        {"TransitGatewayAttachmentId": "tgw-attach-2", "TransitGatewayId": "tgw-1",
         "ResourceType": "vpn", "ResourceId": "vpn-1",
         "Association": {"TransitGatewayRouteTableId": "tgw-rtb-b", "State": "associated"}},
        {"TransitGatewayAttachmentId": "tgw-attach-3", "TransitGatewayId": "tgw-1",
         "ResourceType": "peering", "ResourceId": "tgw-2"},
    ]
    return [
        *_pages("DescribeRouteTables", "RouteTables", [
            table("rtb-1", [local, to_tgw], {"Main": True}),
            table("rtb-2", [local], {"SubnetId": "subnet-1"}),
            table("rtb-3", [local], {"SubnetId": "subnet-2"})], 2, 100),
        *_pages("DescribeInternetGateways", "InternetGateways", [
            {"InternetGatewayId": "igw-1", "Attachments": [{"VpcId": "vpc-1",
                                                             "State": "available"}]}], 1, 1000),
        *_pages("DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGateways", [], 1, 255),
        *_pages("DescribeNatGateways", "NatGateways", [], 1, 1000),
        *_pages("DescribeTransitGateways", "TransitGateways", [
            {"TransitGatewayId": "tgw-1", "State": "available", "OwnerId": ACCOUNT}], 1, 1000),
        *_pages("DescribeTransitGatewayAttachments", "TransitGatewayAttachments", attachments,
                2, 1000),
        *_pages("DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments", [
            {"TransitGatewayAttachmentId": "tgw-attach-1", "TransitGatewayId": "tgw-1",
             "VpcId": "vpc-1", "SubnetIds": ["subnet-3"]}], 1, 1000),
        *_pages("DescribeTransitGatewayRouteTables", "TransitGatewayRouteTables", [
            {"TransitGatewayRouteTableId": t, "TransitGatewayId": "tgw-1", "State": "available"}
            for t in ("tgw-rtb-a", "tgw-rtb-b")], 1, 1000),
        # one search per table, right after the listing; the first needs two pages
        *_search("tgw-rtb-a", [[_tgw_route("10.0.0.0/16", "tgw-attach-1")],
                               [_tgw_route("10.9.0.0/16", "tgw-attach-2")]]),
        *_search("tgw-rtb-b", [[_tgw_route("0.0.0.0/0", None)]]),
    ]


def _plan() -> dict[tuple[str, str], list[Step]]:
    region = [
        *_pages("DescribeVpcs", "Vpcs", [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
                1, 1000),
        *_pages("DescribeSubnets", "Subnets",
                [{"SubnetId": f"subnet-{i}", "VpcId": "vpc-1", "CidrBlock": f"10.0.{i}.0/24"}
                 for i in (1, 2, 3)], 2, 1000),
        *_pages("DescribeSecurityGroups", "SecurityGroups", [_sg(i) for i in range(5)], 2, 1000),
        *_pages("DescribeSecurityGroupRules", "SecurityGroupRules",
                [{"SecurityGroupRuleId": f"sgr-{i}", "GroupId": f"sg-{i:04d}", "IsEgress": False,
                  "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": f"10.9.{i}.0/24"}
                 for i in range(5)], 3, 1000),
        *_pages("DescribeNetworkAcls", "NetworkAcls", [], 1, 1000),
        *_pages("DescribeNetworkInterfaces", "NetworkInterfaces", [_eni(i) for i in range(7)],
                3, 1000),
        *_pages("DescribeInstances", "Reservations",
                [{"ReservationId": f"r-{i}", "Instances": []} for i in range(3)], 2, 1000),
        *_pages("DescribeManagedPrefixLists", "PrefixLists",
                [{"PrefixListId": "pl-1", "PrefixListName": "a", "MaxEntries": 5},
                 {"PrefixListId": "pl-2", "PrefixListName": "b", "MaxEntries": 5}], 1, 100),
        *_pages("GetManagedPrefixListEntries", "Entries",
                [{"Cidr": "192.0.2.0/25"}, {"Cidr": "192.0.2.128/25"}], 1, 100,
                PrefixListId="pl-1"),
        *_pages("GetManagedPrefixListEntries", "Entries", [{"Cidr": "198.51.100.0/24"}], 1, 100,
                PrefixListId="pl-2"),
        *_pages("DescribeVpcPeeringConnections", "VpcPeeringConnections", [], 1, 1000),
        *_routing(),
    ]
    return {
        ("sts", "us-east-1"): [("GetCallerIdentity", {
            "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "UserId": "AIDAEXAMPLE",
        }, {})],
        ("ec2", "us-east-1"): [("DescribeRegions", {"Regions": [{"RegionName": REGION}]}, {})],
        ("ec2", REGION): region,
    }


def test_every_page_is_read_with_the_minimum_number_of_requests(tmp_path: Path) -> None:
    session = StubbedSession(_plan())
    manifest = discover_aws(tmp_path / "snap", session_factory=lambda **kw: session,
                            progress=False)
    for stubber in session.stubbers:
        stubber.assert_no_pending_responses()
    assert not manifest.partial
    # pages: vpcs 1, subnets 2, groups 3, rules 2, nacls 1, enis 3, instances 2, lists 2,
    # entries 2 + 1, peerings 1 = 20; route tables 2, internet, egress-only and NAT gateways
    # 1 each, transit gateways 1, attachments 2, VPC attachments 1, transit tables 2, route
    # searches 2 + 1 = 14; plus GetCallerIdentity and DescribeRegions
    assert len(session.operations) == 36
    assert manifest.requests() == 36
    per_op = {op: session.operations.count(op) for op in set(session.operations)}
    assert per_op["ec2:GetManagedPrefixListEntries"] == 3  # one listing per prefix list
    assert per_op["ec2:SearchTransitGatewayRoutes"] == 3  # one search per table, paged
    assert set(session.operations) <= {f"{s}:{o}" for s, o in declared_operations()}

    estate = load_estate([tmp_path / "snap"])
    assert {f for f in estate.filters if f.startswith("sg-")} == {f"sg-{i:04d}" for i in range(5)}
    assert sorted(w.id for w in estate.workloads) == [f"eni-{i:04d}" for i in range(7)]
    assert set(estate.subnets) == {"subnet-1", "subnet-2", "subnet-3"}
    assert estate.prefix_lists["pl-1"].entries == ("192.0.2.0/25", "192.0.2.128/25")
    items = {(c.action, c.target): c.items for c in manifest.calls}
    assert items[("ec2:DescribeInstances", "")] == 3
    assert items[("ec2:DescribeSecurityGroupRules", "")] == 5
    region_dir = tmp_path / "snap" / ACCOUNT / REGION
    assert (region_dir / "get-managed-prefix-list-entries" / "pl-2.json").is_file()
    # the routing files, loaded, and complete: the estate is partial only because the stubbed
    # NACL page holds no default network ACL of vpc-1
    assert [n.message.split(" is not in")[0] for n in estate.notices
            if n.code == "missing-reference"] == ["default network ACL of VPC vpc-1"]
    assert set(estate.route_tables) == {"rtb-1", "rtb-2", "rtb-3", "tgw-rtb-a", "tgw-rtb-b"}
    assert [(r.destination, r.target) for r in estate.route_tables["tgw-rtb-a"].routes] == [
        ("10.0.0.0/16", "tgw-attach-1"), ("10.9.0.0/16", "tgw-attach-2")]
    assert estate.attachments["tgw-attach-1"].subnets == ("subnet-3",)
    assert estate.subnets["subnet-2"].route_table == "rtb-3"
    assert items[("ec2:SearchTransitGatewayRoutes", "tgw-rtb-a")] == 2
    assert items[("ec2:DescribeTransitGatewayAttachments", "")] == 3


def test_access_denied_on_one_call_keeps_the_others(tmp_path: Path) -> None:
    session = StubbedSession(_plan(), errors={"DescribeInstances": ("UnauthorizedOperation",
                                                                    403)})
    # the denied call is answered once; its later pages are never asked for
    steps = session.plan[("ec2", REGION)]
    first = next(i for i, s in enumerate(steps) if s[0] == "DescribeInstances")
    del steps[first + 1]
    manifest = discover_aws(tmp_path / "snap", session_factory=lambda **kw: session,
                            progress=False, max_attempts=1)
    assert manifest.partial
    [failed] = manifest.failures()
    assert (failed.action, failed.status, failed.region) == (
        "ec2:DescribeInstances", CallStatus.FAILED, REGION)
    assert failed.error.startswith("UnauthorizedOperation")
    later = [c for c in manifest.calls if c.action == "ec2:DescribeVpcPeeringConnections"]
    assert later[0].status is CallStatus.OK
    assert not (tmp_path / "snap" / ACCOUNT / REGION / "describe-instances.json").exists()
    assert manifest.failure_line().startswith(f"{ACCOUNT}/{REGION}: DescribeInstances "
                                              "(UnauthorizedOperation: denied")
