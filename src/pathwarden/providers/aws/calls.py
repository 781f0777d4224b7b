"""Every AWS API call discovery makes, in one table, with the IAM action it needs.

This table is the single source for three things: what :mod:`.discover` calls (it iterates
:data:`REGION_CALLS` and never calls an operation that is not declared here), the
least-privilege policy ``pathwarden iam discover-policy`` prints (:func:`discovery_policy`),
and the permission test that hooks botocore's ``before-call`` event and fails on any
operation made without a declaration. File names and top-level keys come from the offline
loader (:mod:`.load`), so discovery writes exactly the files the loader reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pathwarden.providers.aws import files as snapshot


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One API operation. ``file``/``top_key`` are set for calls whose response is saved.

    ``page_size`` is the ``MaxResults`` sent with each page (the API's maximum, so the number
    of requests is the paginated minimum); 0 sends none.
    """

    service: str  # boto3 client name: "ec2", "sts"
    operation: str  # botocore operation name: "DescribeSecurityGroups"
    method: str  # boto3 method: "describe_security_groups"
    purpose: str
    file: str = ""
    top_key: str = ""
    page_size: int = 0

    @property
    def action(self) -> str:
        """The IAM action, e.g. ``ec2:DescribeSecurityGroups``."""
        return f"{self.service}:{self.operation}"


def _saved(spec: snapshot.SnapshotFile, operation: str, method: str, purpose: str,
           page_size: int = 1000) -> ApiCall:
    return ApiCall("ec2", operation, method, purpose, spec.name, spec.top_key, page_size)


GET_CALLER_IDENTITY = ApiCall(
    "sts", "GetCallerIdentity", "get_caller_identity",
    "the account id of the caller's credentials (needs no permission; listed for completeness)",
)
ASSUME_ROLE = ApiCall(
    "sts", "AssumeRole", "assume_role",
    "one session per account from the --role-arn template (granted in the caller's account)",
)
DESCRIBE_REGIONS = ApiCall(
    "ec2", "DescribeRegions", "describe_regions",
    "the enabled regions of an account when --regions is not given",
)
VPCS = _saved(snapshot.VPCS, "DescribeVpcs", "describe_vpcs", "VPC CIDR blocks")
SUBNETS = _saved(snapshot.SUBNETS, "DescribeSubnets", "describe_subnets",
                 "subnet CIDR blocks and names")
SECURITY_GROUPS = _saved(snapshot.SECURITY_GROUPS, "DescribeSecurityGroups",
                         "describe_security_groups", "security groups and their rules")
SG_RULES = _saved(snapshot.SG_RULES, "DescribeSecurityGroupRules",
                  "describe_security_group_rules", "the sgr-... id of every security group rule")
NETWORK_ACLS = _saved(snapshot.NETWORK_ACLS, "DescribeNetworkAcls", "describe_network_acls",
                      "network ACL entries and subnet associations")
NETWORK_INTERFACES = _saved(snapshot.NETWORK_INTERFACES, "DescribeNetworkInterfaces",
                            "describe_network_interfaces",
                            "every ENI (instances, NAT gateways, endpoints) with its groups")
INSTANCES = _saved(snapshot.INSTANCES, "DescribeInstances", "describe_instances",
                   "instance names and tags")
PREFIX_LISTS = _saved(snapshot.PREFIX_LISTS, "DescribeManagedPrefixLists",
                      "describe_managed_prefix_lists", "managed prefix lists", page_size=100)
PREFIX_LIST_ENTRIES = ApiCall(
    "ec2", "GetManagedPrefixListEntries", "get_managed_prefix_list_entries",
    "the CIDRs of each prefix list", snapshot.PREFIX_LIST_ENTRIES_DIR,
    snapshot.PREFIX_LIST_ENTRIES.top_key, page_size=100,
)
PEERINGS = _saved(snapshot.PEERINGS, "DescribeVpcPeeringConnections",
                  "describe_vpc_peering_connections", "VPC peering connections")

ROUTE_TABLES = _saved(snapshot.ROUTE_TABLES, "DescribeRouteTables", "describe_route_tables",
                      "route tables, their routes and subnet associations", page_size=100)
INTERNET_GATEWAYS = _saved(snapshot.INTERNET_GATEWAYS, "DescribeInternetGateways",
                           "describe_internet_gateways", "internet gateways and their VPCs")
EGRESS_ONLY_GATEWAYS = _saved(snapshot.EGRESS_ONLY_GATEWAYS, "DescribeEgressOnlyInternetGateways",
                              "describe_egress_only_internet_gateways",
                              "egress-only internet gateways and their VPCs", page_size=255)
NAT_GATEWAYS = _saved(snapshot.NAT_GATEWAYS, "DescribeNatGateways", "describe_nat_gateways",
                      "NAT gateways, their subnets and public IPs")
TRANSIT_GATEWAYS = _saved(snapshot.TRANSIT_GATEWAYS, "DescribeTransitGateways",
                          "describe_transit_gateways",
                          "transit gateways and their default route tables")
TGW_ATTACHMENTS = _saved(snapshot.TGW_ATTACHMENTS, "DescribeTransitGatewayAttachments",
                         "describe_transit_gateway_attachments",
                         "transit gateway attachments and their route table associations")
TGW_VPC_ATTACHMENTS = _saved(snapshot.TGW_VPC_ATTACHMENTS, "DescribeTransitGatewayVpcAttachments",
                             "describe_transit_gateway_vpc_attachments",
                             "the subnets of each transit gateway VPC attachment")
TGW_ROUTE_TABLES = _saved(snapshot.TGW_ROUTE_TABLES, "DescribeTransitGatewayRouteTables",
                          "describe_transit_gateway_route_tables", "transit gateway route tables")
TGW_ROUTES = ApiCall(
    "ec2", "SearchTransitGatewayRoutes", "search_transit_gateway_routes",
    "the active and blackhole routes of each transit gateway route table",
    snapshot.TGW_ROUTES_DIR, snapshot.TGW_ROUTES.top_key,
    # no MaxResults: the API's default is its maximum, 1,000 (see .discover_routes)
)

REGION_CALLS: tuple[ApiCall, ...] = (
    VPCS, SUBNETS, SECURITY_GROUPS, SG_RULES, NETWORK_ACLS, NETWORK_INTERFACES, INSTANCES,
    PREFIX_LISTS, PEERINGS, ROUTE_TABLES, INTERNET_GATEWAYS, EGRESS_ONLY_GATEWAYS, NAT_GATEWAYS,
    TRANSIT_GATEWAYS, TGW_ATTACHMENTS, TGW_VPC_ATTACHMENTS, TGW_ROUTE_TABLES,
)
"""Made once per account and region, in this order (each call of :data:`PER_ITEM` right after
the listing it follows)."""

PER_ITEM: dict[ApiCall, tuple[ApiCall, str]] = {
    PREFIX_LISTS: (PREFIX_LIST_ENTRIES, "PrefixListId"),
    TGW_ROUTE_TABLES: (TGW_ROUTES, "TransitGatewayRouteTableId"),
}
"""A listing -> the call made once per listed item, and the item's id field."""

SETUP_CALLS: tuple[ApiCall, ...] = (GET_CALLER_IDENTITY, ASSUME_ROLE, DESCRIBE_REGIONS)

ALL_CALLS: tuple[ApiCall, ...] = (
    *SETUP_CALLS, *REGION_CALLS, *(call for call, _ in PER_ITEM.values()),
)
"""Every operation discovery may make: the permission test compares against this."""


def declared_operations() -> frozenset[tuple[str, str]]:
    """``{("ec2", "DescribeVpcs"), ...}``: what the permission test allows."""
    return frozenset((c.service, c.operation) for c in ALL_CALLS)


def discovery_policy(role_arns: tuple[str, ...] = ()) -> dict[str, Any]:
    """The least-privilege IAM policy document for discovery, generated from :data:`ALL_CALLS`.

    Without ``role_arns`` the document holds the read actions only (attach it to the identity
    that runs discovery, or to the role it assumes in each account). With ``role_arns`` (ARNs,
    ``*`` allowed) a second statement grants ``sts:AssumeRole`` on exactly those roles.
    """
    reads = sorted({c.action for c in ALL_CALLS if c is not ASSUME_ROLE})
    statements: list[dict[str, Any]] = [
        {"Sid": "PathwardenDiscoveryRead", "Effect": "Allow", "Action": reads, "Resource": "*"}
    ]
    if role_arns:
        statements.append({
            "Sid": "PathwardenAssumeDiscoveryRole",
            "Effect": "Allow",
            "Action": [ASSUME_ROLE.action],
            "Resource": sorted(set(role_arns)),
        })
    return {"Version": "2012-10-17", "Statement": statements}
