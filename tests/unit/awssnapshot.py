"""Write hand-made AWS snapshot folders (CLI JSON shapes) for the loader tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FILES = {
    "security_groups": ("describe-security-groups.json", "SecurityGroups"),
    "interfaces": ("describe-network-interfaces.json", "NetworkInterfaces"),
    "instances": ("describe-instances.json", "Reservations"),
    "acls": ("describe-network-acls.json", "NetworkAcls"),
    "subnets": ("describe-subnets.json", "Subnets"),
    "vpcs": ("describe-vpcs.json", "Vpcs"),
    "sg_rules": ("describe-security-group-rules.json", "SecurityGroupRules"),
    "prefix_lists": ("describe-managed-prefix-lists.json", "PrefixLists"),
    "peerings": ("describe-vpc-peering-connections.json", "VpcPeeringConnections"),
    "route_tables": ("describe-route-tables.json", "RouteTables"),
    "igws": ("describe-internet-gateways.json", "InternetGateways"),
    "eigws": ("describe-egress-only-internet-gateways.json", "EgressOnlyInternetGateways"),
    "nats": ("describe-nat-gateways.json", "NatGateways"),
    "tgws": ("describe-transit-gateways.json", "TransitGateways"),
    "tgw_attachments": ("describe-transit-gateway-attachments.json", "TransitGatewayAttachments"),
    "tgw_vpc_attachments": (
        "describe-transit-gateway-vpc-attachments.json", "TransitGatewayVpcAttachments"),
    "tgw_tables": ("describe-transit-gateway-route-tables.json", "TransitGatewayRouteTables"),
}


def write_snapshot(folder: Path, **items: list[dict[str, Any]]) -> Path:
    """``write_snapshot(dir, security_groups=[...], interfaces=[...])``; the two required files
    are written empty when not given."""
    folder.mkdir(parents=True, exist_ok=True)
    items.setdefault("security_groups", [])
    if "instances" not in items:
        items.setdefault("interfaces", [])
    for key, value in items.items():
        name, top = FILES[key]
        (folder / name).write_text(json.dumps({top: value}, indent=4))
    return folder


def write_entries(folder: Path, pl_id: str, cidrs: list[str]) -> None:
    sub = folder / "get-managed-prefix-list-entries"
    sub.mkdir(parents=True, exist_ok=True)
    (sub / f"{pl_id}.json").write_text(json.dumps({"Entries": [{"Cidr": c} for c in cidrs]}))


def sg(
    gid: str,
    vpc: str = "vpc-1",
    ingress: list[dict[str, Any]] | None = None,
    egress: list[dict[str, Any]] | None = None,
    owner: str = "111122223333",
) -> dict[str, Any]:
    return {
        "GroupId": gid,
        "GroupName": gid.removeprefix("sg-"),
        "VpcId": vpc,
        "OwnerId": owner,
        "Description": "test",
        "IpPermissions": ingress or [],
        "IpPermissionsEgress": egress or [],
    }


def perm(
    proto: str,
    lo: int | None = None,
    hi: int | None = None,
    *,
    cidrs: tuple[str, ...] = (),
    cidrs6: tuple[str, ...] = (),
    groups: tuple[dict[str, Any], ...] = (),
    prefix_lists: tuple[str, ...] = (),
) -> dict[str, Any]:
    p: dict[str, Any] = {
        "IpProtocol": proto,
        "IpRanges": [{"CidrIp": c} for c in cidrs],
        "Ipv6Ranges": [{"CidrIpv6": c} for c in cidrs6],
        "PrefixListIds": [{"PrefixListId": pl} for pl in prefix_lists],
        "UserIdGroupPairs": list(groups),
    }
    if lo is not None:
        p["FromPort"] = lo
    if hi is not None:
        p["ToPort"] = hi
    return p


def eni(
    eni_id: str,
    ips: list[str],
    groups: list[str],
    subnet: str = "subnet-1",
    vpc: str = "vpc-1",
    zone: str = "us-east-1a",
    **extra: Any,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "NetworkInterfaceId": eni_id,
        "SubnetId": subnet,
        "VpcId": vpc,
        "AvailabilityZone": zone,
        "OwnerId": "111122223333",
        "InterfaceType": "interface",
        "Description": "",
        "Groups": [{"GroupId": g, "GroupName": g} for g in groups],
        "PrivateIpAddress": ips[0] if ips else None,
        "PrivateIpAddresses": [
            {"PrivateIpAddress": ip, "Primary": i == 0} for i, ip in enumerate(ips)
        ],
        "Ipv6Addresses": [],
        "TagSet": [],
    }
    item.update(extra)
    return item


def entry(
    number: int, action: str, cidr: str, *, egress: bool = False, proto: str = "-1", **extra: Any
) -> dict[str, Any]:
    key = "Ipv6CidrBlock" if ":" in cidr else "CidrBlock"
    item: dict[str, Any] = {
        "RuleNumber": number,
        "RuleAction": action,
        "Egress": egress,
        "Protocol": proto,
        key: cidr,
    }
    item.update(extra)
    return item


def acl(
    acl_id: str,
    vpc: str,
    entries: list[dict[str, Any]],
    subnets: tuple[str, ...] = (),
    default: bool = False,
) -> dict[str, Any]:
    return {
        "NetworkAclId": acl_id,
        "VpcId": vpc,
        "IsDefault": default,
        "OwnerId": "111122223333",
        "Associations": [
            {"NetworkAclId": acl_id, "SubnetId": s, "NetworkAclAssociationId": f"aclassoc-{s}"}
            for s in subnets
        ],
        "Entries": entries,
        "Tags": [],
    }
