"""The files of an AWS snapshot folder: name, top-level key, and the CLI command that writes
each (DESIGN.md, "Snapshot directory" and "Routing files").

The offline loader reads exactly these and live discovery (:mod:`.calls`) writes exactly
these, so both sides take the names from here. ``missing`` is the notice an absent optional
file gives; the routing files give none of their own (one ``routes-not-in-snapshot`` notice
stands for all of them, see :mod:`.routing`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SnapshotFile:
    name: str
    top_key: str
    command: str
    missing: str = ""  # the notice when an optional file is absent


SECURITY_GROUPS = SnapshotFile(
    "describe-security-groups.json",
    "SecurityGroups",
    "aws ec2 describe-security-groups --output json",
)
NETWORK_INTERFACES = SnapshotFile(
    "describe-network-interfaces.json",
    "NetworkInterfaces",
    "aws ec2 describe-network-interfaces --output json",
    "only instance ENIs from describe-instances.json are known; NAT gateway, endpoint and "
    "other service ENIs are not",
)
INSTANCES = SnapshotFile(
    "describe-instances.json",
    "Reservations",
    "aws ec2 describe-instances --output json",
    "workloads carry no instance names or instance tags",
)
NETWORK_ACLS = SnapshotFile(
    "describe-network-acls.json",
    "NetworkAcls",
    "aws ec2 describe-network-acls --output json",
    "network ACLs are assumed to allow everything",
)
SUBNETS = SnapshotFile(
    "describe-subnets.json",
    "Subnets",
    "aws ec2 describe-subnets --output json",
    "subnets are known only from their ENIs (no CIDR blocks or names)",
)
VPCS = SnapshotFile(
    "describe-vpcs.json",
    "Vpcs",
    "aws ec2 describe-vpcs --output json",
    "VPCs are known only from their subnets and ENIs (no CIDR blocks)",
)
PEERINGS = SnapshotFile(
    "describe-vpc-peering-connections.json",
    "VpcPeeringConnections",
    "aws ec2 describe-vpc-peering-connections --output json",
    "no VPC peering is known, so no path crosses VPCs",
)
SG_RULES = SnapshotFile(
    "describe-security-group-rules.json",
    "SecurityGroupRules",
    "aws ec2 describe-security-group-rules --output json",
    "security group rules get synthetic ids instead of sgr-... ids",
)
PREFIX_LISTS = SnapshotFile(
    "describe-managed-prefix-lists.json",
    "PrefixLists",
    "aws ec2 describe-managed-prefix-lists --output json",
)
PREFIX_LIST_ENTRIES_DIR = "get-managed-prefix-list-entries"
PREFIX_LIST_ENTRIES = SnapshotFile(
    "", "Entries", "aws ec2 get-managed-prefix-list-entries --prefix-list-id PL --output json"
)
ROUTE_TABLES = SnapshotFile(
    "describe-route-tables.json",
    "RouteTables",
    "aws ec2 describe-route-tables --output json",
)
INTERNET_GATEWAYS = SnapshotFile(
    "describe-internet-gateways.json",
    "InternetGateways",
    "aws ec2 describe-internet-gateways --output json",
)
EGRESS_ONLY_GATEWAYS = SnapshotFile(
    "describe-egress-only-internet-gateways.json",
    "EgressOnlyInternetGateways",
    "aws ec2 describe-egress-only-internet-gateways --output json",
)
NAT_GATEWAYS = SnapshotFile(
    "describe-nat-gateways.json",
    "NatGateways",
    "aws ec2 describe-nat-gateways --output json",
)
TRANSIT_GATEWAYS = SnapshotFile(
    "describe-transit-gateways.json",
    "TransitGateways",
    "aws ec2 describe-transit-gateways --output json",
)
TGW_ATTACHMENTS = SnapshotFile(
    "describe-transit-gateway-attachments.json",
    "TransitGatewayAttachments",
    "aws ec2 describe-transit-gateway-attachments --output json",
)
TGW_VPC_ATTACHMENTS = SnapshotFile(
    "describe-transit-gateway-vpc-attachments.json",
    "TransitGatewayVpcAttachments",
    "aws ec2 describe-transit-gateway-vpc-attachments --output json",
)
TGW_ROUTE_TABLES = SnapshotFile(
    "describe-transit-gateway-route-tables.json",
    "TransitGatewayRouteTables",
    "aws ec2 describe-transit-gateway-route-tables --output json",
)
TGW_ROUTES_DIR = "search-transit-gateway-routes"
TGW_ROUTES = SnapshotFile(
    "",
    "Routes",
    "aws ec2 search-transit-gateway-routes --transit-gateway-route-table-id TGW-RTB "
    "--filters Name=state,Values=active,blackhole --output json",
)
# Not written by discovery (the attachments' Association and the routes' Type say the same);
# read when present, e.g. from an export that has them instead.
TGW_ASSOCIATIONS_DIR = "get-transit-gateway-route-table-associations"
TGW_ASSOCIATIONS = SnapshotFile(
    "",
    "Associations",
    "aws ec2 get-transit-gateway-route-table-associations --transit-gateway-route-table-id "
    "TGW-RTB --output json",
)
TGW_PROPAGATIONS_DIR = "get-transit-gateway-route-table-propagations"
TGW_PROPAGATIONS = SnapshotFile(
    "",
    "TransitGatewayRouteTablePropagations",
    "aws ec2 get-transit-gateway-route-table-propagations --transit-gateway-route-table-id "
    "TGW-RTB --output json",
)
ROUTE_FILES = (
    ROUTE_TABLES,
    INTERNET_GATEWAYS,
    EGRESS_ONLY_GATEWAYS,
    NAT_GATEWAYS,
    TRANSIT_GATEWAYS,
    TGW_ATTACHMENTS,
    TGW_VPC_ATTACHMENTS,
    TGW_ROUTE_TABLES,
)
ALL_FILES = (
    SECURITY_GROUPS,
    NETWORK_INTERFACES,
    NETWORK_ACLS,
    SUBNETS,
    VPCS,
    INSTANCES,
    SG_RULES,
    PREFIX_LISTS,
    PEERINGS,
    *ROUTE_FILES,
)
MARKERS = (SECURITY_GROUPS.name, NETWORK_INTERFACES.name)
EXPECTED = (
    *(f.name for f in ALL_FILES),
    f"{PREFIX_LIST_ENTRIES_DIR}/<pl-id>.json",
    f"{TGW_ROUTES_DIR}/<tgw-rtb-id>.json",
    f"{TGW_ASSOCIATIONS_DIR}/<tgw-rtb-id>.json",
    f"{TGW_PROPAGATIONS_DIR}/<tgw-rtb-id>.json",
)
