"""The declared call table: it covers the snapshot layout, matches the botocore models, and
generates the least-privilege policy `pathwarden iam discover-policy` prints."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pathwarden.cli.discover_cmd import iam
from pathwarden.cli.main import _Group
from pathwarden.providers.aws import calls
from pathwarden.providers.aws import load as snapshot

READ_ACTIONS = [
    "ec2:DescribeEgressOnlyInternetGateways",
    "ec2:DescribeInstances",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeManagedPrefixLists",
    "ec2:DescribeNatGateways",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeRegions",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeTransitGatewayAttachments",
    "ec2:DescribeTransitGatewayRouteTables",
    "ec2:DescribeTransitGatewayVpcAttachments",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeVpcs",
    "ec2:GetManagedPrefixListEntries",
    "ec2:SearchTransitGatewayRoutes",
    "sts:GetCallerIdentity",
]


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_Group("pathwarden", commands=[iam]), list(args))
    return result.exit_code, result.stdout, result.stderr


def test_discovery_writes_every_file_the_loader_reads() -> None:
    written = {(c.file, c.top_key) for c in calls.REGION_CALLS}
    assert written == {(f.name, f.top_key) for f in snapshot.ALL_FILES}
    entries = calls.PREFIX_LIST_ENTRIES
    assert (entries.file, entries.top_key) == ("get-managed-prefix-list-entries", "Entries")
    routes = calls.TGW_ROUTES
    assert (routes.file, routes.top_key) == ("search-transit-gateway-routes", "Routes")
    per_item = {calls.PREFIX_LISTS: (entries, "PrefixListId"),
                calls.TGW_ROUTE_TABLES: (routes, "TransitGatewayRouteTableId")}
    assert per_item == calls.PER_ITEM


def test_declarations_match_the_botocore_models() -> None:
    import boto3
    from botocore import xform_name

    clients = {s: boto3.client(s, region_name="us-east-1", aws_access_key_id="x",
                               aws_secret_access_key="x") for s in ("ec2", "sts")}
    for call in calls.ALL_CALLS:
        model = clients[call.service].meta.service_model
        assert call.operation in model.operation_names, call
        assert call.method == xform_name(call.operation), call
    ec2 = clients["ec2"]
    for call in (*calls.REGION_CALLS, calls.PREFIX_LIST_ENTRIES):
        assert ec2.can_paginate(call.method), f"{call.operation} has a paginator: use it"
        shape = ec2.meta.service_model.operation_model(call.operation).input_shape
        limit = shape.members["MaxResults"].metadata.get("max", 1000)
        assert 0 < call.page_size <= limit, call
    # the route search sends no MaxResults: its documented default is its maximum
    search = ec2.meta.service_model.operation_model("SearchTransitGatewayRoutes").input_shape
    assert search.members["MaxResults"].metadata["max"] == 1000
    assert calls.TGW_ROUTES.page_size == 0


def test_policy_lists_exactly_the_read_actions() -> None:
    code, out, _ = _cli("iam", "discover-policy")
    assert code == 0
    assert json.loads(out) == {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "PathwardenDiscoveryRead", "Effect": "Allow",
                       "Action": READ_ACTIONS, "Resource": "*"}],
    }


def test_policy_grants_assume_role_on_the_named_roles_only() -> None:
    template = "arn:aws:iam::{account}:role/Discovery"
    code, out, _ = _cli("iam", "discover-policy", "--role-arn", template,
                        "--accounts", "111122223333,444455556666")
    assert code == 0
    statements = json.loads(out)["Statement"]
    assert statements[1] == {
        "Sid": "PathwardenAssumeDiscoveryRole", "Effect": "Allow", "Action": ["sts:AssumeRole"],
        "Resource": ["arn:aws:iam::111122223333:role/Discovery",
                     "arn:aws:iam::444455556666:role/Discovery"],
    }
    code, out, _ = _cli("iam", "discover-policy", "--role-arn", template)
    assert json.loads(out)["Statement"][1]["Resource"] == ["arn:aws:iam::*:role/Discovery"]


@pytest.mark.parametrize("args, message", [
    (["--accounts", "111122223333"], "--accounts needs --role-arn"),
    (["--role-arn", "arn:aws:iam::{account}:role/D", "--accounts", "12"],
     "--accounts: '12' is not a 12-digit AWS account id"),
])
def test_policy_options_errors_are_one_line(args: list[str], message: str) -> None:
    code, out, err = _cli("iam", "discover-policy", *args)
    assert code == 1 and out == ""
    assert err.strip() == f"pathwarden: error: {message}"
