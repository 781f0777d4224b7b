"""Hand-made AWS routing objects in the CLI's JSON shapes (aws ec2 describe-route-tables,
describe-*-gateways, describe-transit-gateway-*, search-transit-gateway-routes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OWNER = "111122223333"


def rtb(tid: str, vpc: str, routes: list[dict[str, Any]], subnets: tuple[str, ...] = (),
        main: bool = False, **extra: Any) -> dict[str, Any]:
    assocs: list[dict[str, Any]] = [
        {"Main": False, "RouteTableId": tid, "SubnetId": s,
         "RouteTableAssociationId": f"rtbassoc-{s}", "AssociationState": {"State": "associated"}}
        for s in subnets
    ]
    if main:
        assocs.append({"Main": True, "RouteTableId": tid, "RouteTableAssociationId": f"main-{tid}",
                       "AssociationState": {"State": "associated"}})
    item = {"RouteTableId": tid, "VpcId": vpc, "OwnerId": OWNER, "Associations": assocs,
            "Routes": routes, "PropagatingVgws": [], "Tags": []}
    item.update(extra)
    return item


def route(destination: str, state: str = "active", origin: str = "CreateRoute",
          **target: str) -> dict[str, Any]:
    """``route("10.1.0.0/16", TransitGatewayId="tgw-1")``; a ``pl-`` destination is a
    prefix list, one with ``:`` an IPv6 CIDR."""
    if destination.startswith("pl-"):
        key = "DestinationPrefixListId"
    elif ":" in destination:
        key = "DestinationIpv6CidrBlock"
    else:
        key = "DestinationCidrBlock"
    return {key: destination, "State": state, "Origin": origin, **target}


def local(cidr: str) -> dict[str, Any]:
    return route(cidr, origin="CreateRouteTable", GatewayId="local")


def igw(gid: str, vpc: str | None, state: str = "available") -> dict[str, Any]:
    attachments = [{"State": state, "VpcId": vpc}] if vpc else []
    return {"InternetGatewayId": gid, "OwnerId": OWNER, "Attachments": attachments, "Tags": []}


def eigw(gid: str, vpc: str) -> dict[str, Any]:
    return {"EgressOnlyInternetGatewayId": gid, "Attachments": [{"State": "attached",
                                                                  "VpcId": vpc}]}


def nat(gid: str, subnet: str, vpc: str, public: str | None = "203.0.113.10") -> dict[str, Any]:
    address: dict[str, Any] = {"AllocationId": "eipalloc-1", "NetworkInterfaceId": "eni-nat",
                               "PrivateIp": "10.0.1.5"}
    if public:
        address["PublicIp"] = public
    return {"NatGatewayId": gid, "SubnetId": subnet, "VpcId": vpc, "State": "available",
            "ConnectivityType": "public" if public else "private",
            "NatGatewayAddresses": [address], "CreateTime": "2026-01-01T00:00:00+00:00"}


def tgw(gid: str, association: str | None = None, propagation: str | None = None,
        owner: str = OWNER) -> dict[str, Any]:
    options: dict[str, Any] = {
        "DefaultRouteTableAssociation": "enable" if association else "disable",
        "DefaultRouteTablePropagation": "enable" if propagation else "disable",
    }
    if association:
        options["AssociationDefaultRouteTableId"] = association
    if propagation:
        options["PropagationDefaultRouteTableId"] = propagation
    return {"TransitGatewayId": gid, "State": "available", "OwnerId": owner, "Options": options}


def attachment(aid: str, gid: str, vpc: str, table: str | None, owner: str = OWNER,
               state: str = "associated", kind: str = "vpc") -> dict[str, Any]:
    item: dict[str, Any] = {"TransitGatewayAttachmentId": aid, "TransitGatewayId": gid,
                            "TransitGatewayOwnerId": OWNER, "ResourceOwnerId": owner,
                            "ResourceType": kind, "ResourceId": vpc, "State": "available"}
    if table:
        item["Association"] = {"TransitGatewayRouteTableId": table, "State": state}
    return item


def vpc_attachment(aid: str, gid: str, vpc: str, subnets: list[str]) -> dict[str, Any]:
    return {"TransitGatewayAttachmentId": aid, "TransitGatewayId": gid, "VpcId": vpc,
            "VpcOwnerId": OWNER, "State": "available", "SubnetIds": subnets,
            "Options": {"ApplianceModeSupport": "disable"}}


def tgw_table(tid: str, gid: str, state: str = "available") -> dict[str, Any]:
    return {"TransitGatewayRouteTableId": tid, "TransitGatewayId": gid, "State": state,
            "DefaultAssociationRouteTable": False, "DefaultPropagationRouteTable": False,
            "Tags": [{"Key": "Name", "Value": tid.removeprefix("tgw-rtb-")}]}


def tgw_route(destination: str, *attachments: str, state: str = "active",
              kind: str = "static") -> dict[str, Any]:
    key = "PrefixListId" if destination.startswith("pl-") else "DestinationCidrBlock"
    item: dict[str, Any] = {key: destination, "Type": kind, "State": state}
    if attachments:
        item["TransitGatewayAttachments"] = [
            {"TransitGatewayAttachmentId": a, "ResourceId": "vpc-x", "ResourceType": "vpc"}
            for a in attachments]
    return item


def write_tgw_routes(folder: Path, tid: str, routes: list[dict[str, Any]],
                     more: bool = False, sub: str = "search-transit-gateway-routes",
                     key: str = "Routes") -> None:
    target = folder / sub
    target.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {key: routes}
    if key == "Routes":
        doc["AdditionalRoutesAvailable"] = more
    (target / f"{tid}.json").write_text(json.dumps(doc, indent=2))
