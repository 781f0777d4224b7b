"""VPC route tables, internet, egress-only and NAT gateways -> model values (wire format only).

A VPC route table (``describe-route-tables``) becomes a :class:`RouteTable` of kind ``vpc``:
``main`` from its ``Associations[].Main``, ``subnets`` from the explicit subnet associations,
one :class:`Route` per entry of ``Routes``, named ``<table>:<destination>``
(``rtb-0a1:10.2.0.0/16``). The destination is ``DestinationCidrBlock``,
``DestinationIpv6CidrBlock`` or ``DestinationPrefixListId`` (resolved through the snapshot's
managed prefix lists). The next hop follows the target's id prefix (VPC_Route_Tables.md,
"Route table concepts" and "Routes"): ``local``; ``igw-`` internet; ``eigw-`` egress only; ``nat-``;
``tgw-`` transit; ``pcx-`` peering; ``eni-`` or an instance id an appliance; ``vgw-``,
``vpce-``, ``lgw-``, ``cagw-`` and a core network ARN a gateway that leaves the estate. A route
in state ``blackhole`` drops whatever its target was. A table associated with a gateway
instead of subnets (an *edge association*, VPC_Route_Tables.md "Gateway route tables") is
read like any other and reported, since it routes traffic entering the VPC.

How a flow uses these tables is the engine's business; this module only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pathwarden.model import NOWHERE, AddressSet, Gateway, NextHop, PrefixList, Route, RouteTable
from pathwarden.model.addresses import parse_address
from pathwarden.providers.aws.rules import CidrCache
from pathwarden.providers.jsondoc import Node, tag_value

# Target fields of a route, in the order they are looked at: an instance route carries both
# InstanceId and NetworkInterfaceId, and the ENI is the hop.
TARGET_KEYS = (
    "NatGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "EgressOnlyInternetGatewayId",
    "NetworkInterfaceId",
    "InstanceId",
    "GatewayId",
    "LocalGatewayId",
    "CarrierGatewayId",
    "CoreNetworkArn",
)
PREFIXES = (
    ("igw-", NextHop.INTERNET),
    ("eigw-", NextHop.EGRESS_ONLY),
    ("nat-", NextHop.NAT),
    ("tgw-", NextHop.TRANSIT),
    ("pcx-", NextHop.PEERING),
    ("eni-", NextHop.APPLIANCE),
    ("i-", NextHop.APPLIANCE),
    ("vgw-", NextHop.GATEWAY),
    ("vpce-", NextHop.GATEWAY),
    ("lgw-", NextHop.GATEWAY),
    ("cagw-", NextHop.GATEWAY),
    ("arn:", NextHop.GATEWAY),
)
DESTINATION_KEYS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
GONE = frozenset({"disassociated", "failed"})  # association states that no longer route
ATTACHED = frozenset({"attached", "attaching", "available"})  # IGW/EIGW attachment states


def next_hop(target: str) -> NextHop | None:
    """The kind of hop a route target id names; ``None`` when the prefix is unknown."""
    if target == "local":
        return NextHop.LOCAL
    for prefix, hop in PREFIXES:
        if target.startswith(prefix):
            return hop
    return None


def live(association: Node) -> bool:
    """An association that still routes (``associating`` and ``disassociating`` count: the
    snapshot may catch either side, and a path that may exist is not hidden)."""
    state = association.child("AssociationState")
    return state is None or state.text("State") not in GONE


@dataclass
class VpcTables:
    """What ``describe-route-tables.json`` says, plus what the loader must check or report."""

    tables: dict[str, RouteTable] = field(default_factory=dict)
    associations: dict[str, str] = field(default_factory=dict)  # subnet -> table
    routed: dict[str, str] = field(default_factory=dict)  # VPC -> its account
    unknown_targets: list[tuple[str, str]] = field(default_factory=list)  # route id, target
    edge: list[tuple[str, str]] = field(default_factory=list)  # table, gateway (edge assoc.)
    missing_lists: list[tuple[str, str, NextHop]] = field(default_factory=list)


@dataclass
class RouteParser:
    account: str
    region: str
    cidrs: CidrCache
    prefix_lists: dict[str, PrefixList]
    out: VpcTables = field(default_factory=VpcTables)

    def table(self, n: Node) -> RouteTable:
        tid = n.require_text("RouteTableId")
        vpc = n.require_text("VpcId")
        main = False
        subnets: list[str] = []
        for a in n.children("Associations"):
            if not live(a):
                continue
            main = main or a.flag("Main") is True
            subnet, gateway = a.text("SubnetId"), a.text("GatewayId")
            if subnet:
                subnets.append(subnet)
                self.out.associations[subnet] = tid
            elif gateway:
                self.out.edge.append((tid, gateway))
        tags = n.tags("Tags")
        table = RouteTable(
            id=tid,
            cloud="aws",
            kind="vpc",
            routes=tuple(self.route(tid, r) for r in n.children("Routes")),
            network=vpc,
            main=main,
            subnets=tuple(subnets),
            account=n.text("OwnerId") or self.account,
            region=self.region,
            name=tag_value(tags, "Name"),
        )
        self.out.tables[tid] = table
        self.out.routed.setdefault(vpc, table.account)
        return table

    def route(self, table: str, r: Node) -> Route:
        destination, addresses = self.destination(r)
        target = next((r.text(k) for k in TARGET_KEYS if r.text(k)), "")
        state = r.text("State", "active")
        hop = next_hop(target)
        route_id = f"{table}:{destination}"
        if state == "blackhole":
            hop = NextHop.DROP
        elif hop is None:
            self.out.unknown_targets.append((route_id, target))
            hop = NextHop.GATEWAY
        if destination.startswith("pl-") and not addresses:
            self.out.missing_lists.append((route_id, destination, hop))
        return Route(route_id, destination, addresses, hop, target, state=state,
                     origin=r.text("Origin"))

    def destination(self, r: Node) -> tuple[str, AddressSet]:
        present = [k for k in DESTINATION_KEYS if r.text(k)]
        if len(present) != 1:
            found = f"{' and '.join(present)}" if present else "none"
            r.fail(None, f"expected exactly one of {', '.join(DESTINATION_KEYS)}; found {found}")
        key = present[0]
        text = r.data[key]
        if key == "DestinationPrefixListId":
            pl = self.prefix_lists.get(text)
            return text, pl.addresses if pl is not None else NOWHERE
        return text, self.cidrs.parse(r, key, 4 if key == "DestinationCidrBlock" else 6)


# -- gateways ------------------------------------------------------------------------------------
def attached_gateway(n: Node, id_key: str, kind: NextHop, account: str, region: str) -> Gateway:
    """An internet (``InternetGatewayId``) or egress-only (``EgressOnlyInternetGatewayId``)
    gateway: ``network`` is the VPC of its live attachment ("" and state ``detached`` when it
    has none; IGWs report an attachment as ``available``, EIGWs as ``attached``)."""
    vpc, state = "", "detached"
    for a in n.children("Attachments"):
        st = a.text("State")
        if st in ATTACHED or not st:
            vpc, state = a.require_text("VpcId"), st or "attached"
            break
    return Gateway(
        id=n.require_text(id_key),
        cloud="aws",
        kind=kind,
        network=vpc,
        state=state,
        account=n.text("OwnerId") or account,
        region=region,
    )


def nat_gateway(n: Node, account: str, region: str) -> Gateway:
    """A NAT gateway: its subnet, VPC, state and the public IPs of ``NatGatewayAddresses``
    (none for ``ConnectivityType: private``)."""
    public = [_address(a, "PublicIp") for a in n.children("NatGatewayAddresses")
              if a.text("PublicIp")]
    return Gateway(
        id=n.require_text("NatGatewayId"),
        cloud="aws",
        kind=NextHop.NAT,
        network=n.text("VpcId"),
        subnet=n.text("SubnetId"),
        public=AddressSet.union_all(public),
        state=n.text("State", "available"),
        account=account,
        region=region,
    )


def _address(n: Node, key: str) -> AddressSet:
    text = n.require_text(key)
    try:
        return AddressSet.of_ips([parse_address(text)])
    except ValueError:
        n.fail(key, f"expected an IP address, found {text!r}")
