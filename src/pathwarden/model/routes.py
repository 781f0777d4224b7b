"""Routing, normalised: route tables, their routes, transit-gateway attachments and gateways.

One vocabulary for the three clouds (cloud names stay in the providers):

- a :class:`RouteTable` is what a flow's next hop is looked up in: an AWS VPC route table
  (``kind="vpc"``: explicit subnet associations, else the VPC's main table), an AWS transit
  gateway route table (``kind="transit"``: its associated attachments look up there), an Azure
  route table of user-defined routes (``kind="subnet"``, associated with subnets) and, per
  VNet, the table of system routes the loader synthesises (``kind="subnet"``, ``main=True``,
  ``network`` = the VNet: every subnet of the VNet looks up there too, and a user route wins
  over a system route of the same prefix), a GCP network's routes (``kind="network"``: every
  instance of the network, filtered by each route's network tags);
- a :class:`Route` keeps the destination as the cloud wrote it (a CIDR or a prefix-list id) and
  its resolved addresses; its :class:`NextHop` says what kind of hop the target is;
- an :class:`Attachment` is an AWS transit-gateway attachment (which network it connects, its
  subnets, the route table it is associated with);
- a :class:`Gateway` is an internet, NAT or egress-only gateway (AWS IGW, NAT gateway, EIGW;
  GCP Cloud NAT on a router), where the flow leaves for, or arrives from, outside addresses;
- a :class:`Peering` is one network's side of a peering with the flags that decide what
  crosses it (Azure access, forwarded traffic and gateway transit; GCP custom route exchange),
  kept on :attr:`Network.peerings <pathwarden.model.estate.Network.peerings>`.

Workloads carry what exposure needs: public addresses (``Workload.public_addresses``) and
whether they forward traffic not addressed to them (``Workload.forwarding``: AWS source/dest
check off, Azure IP forwarding, GCP ``canIpForward``). A network whose routes are in the
snapshot says so (``Network.routed``); elsewhere the engine assumes "same network or an active
peering", with a notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pathwarden.model.addresses import NOWHERE, AddressSet


class NextHop(StrEnum):
    LOCAL = "local"  # inside the network (AWS local, Azure VnetLocal, GCP subnet routes)
    PEERING = "peering"  # AWS pcx-, Azure VNetPeering, GCP peering routes
    TRANSIT = "transit"  # AWS tgw-: continue in the attachment's transit route table
    ATTACHMENT = "attachment"  # a transit route table's target: the attachment's network
    INTERNET = "internet"  # AWS igw-, Azure Internet, GCP default-internet-gateway
    EGRESS_ONLY = "egress_only"  # AWS eigw-: IPv6 out, nothing in
    NAT = "nat"  # AWS nat-: out, nothing in
    APPLIANCE = "appliance"  # an ENI, instance, IP or load balancer that forwards (NVA)
    GATEWAY = "gateway"  # VPN/virtual network gateways, endpoints: leaves the estate
    DROP = "drop"  # blackhole routes, Azure next hop None


@dataclass(frozen=True, slots=True)
class Route:
    """One route. ``id`` names it in explanations (``rtb-0a1:10.2.0.0/16``). ``target`` is the
    cloud's own id of the next hop (``igw-...``, ``tgw-...``, ``pcx-...``, ``eni-...``, an
    instance id, an IP address, a TGW attachment id, ``local``). ``priority``: GCP route
    priority (lower wins between equally long prefixes); ``tags``: GCP network tags the route
    applies to (none: every instance of the network). ``state`` is ``active``, ``blackhole``
    (a blackhole route drops: its next hop is :attr:`NextHop.DROP`) or ``inactive`` (listed
    but not in use: a GCP route whose ``routeStatus`` is not ``ACTIVE``)."""

    id: str
    destination: str
    addresses: AddressSet
    next_hop: NextHop
    target: str = ""
    priority: int = 0
    tags: tuple[str, ...] = ()
    state: str = "active"
    origin: str = ""  # static, propagated, CreateRouteTable, system, user ...


@dataclass(frozen=True, slots=True)
class RouteTable:
    id: str
    cloud: str
    kind: str  # "vpc", "transit", "subnet", "network"
    routes: tuple[Route, ...]
    network: str = ""  # the VPC/VNet/network it belongs to ("" for transit tables)
    main: bool = False  # AWS: the VPC's main table (subnets without an association use it)
    subnets: tuple[str, ...] = ()  # explicitly associated subnets
    gateway: str = ""  # transit tables: the transit gateway id
    attachments: tuple[str, ...] = ()  # transit tables: the associated attachments
    account: str = ""
    region: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class Attachment:
    """An AWS transit gateway attachment (``kind``: vpc, peering, vpn, direct-connect-gateway,
    connect). ``resource`` is the attached network (a VPC id for ``vpc``); ``subnets`` the
    attachment's subnets in it; ``route_table`` the transit route table it is associated with
    ("" when none: its traffic is dropped)."""

    id: str
    gateway: str
    kind: str
    resource: str = ""
    subnets: tuple[str, ...] = ()
    route_table: str = ""
    state: str = "available"
    account: str = ""
    region: str = ""

    def merged(self, other: Attachment) -> Attachment:
        """The same attachment seen from two snapshots (the transit gateway owner's and the
        VPC owner's account): each may lack what only the other lists (the association, the
        subnets), so what one of them knows is kept; ``other`` wins where both know."""
        return Attachment(
            self.id,
            other.gateway or self.gateway,
            other.kind or self.kind,
            other.resource or self.resource,
            other.subnets or self.subnets,
            other.route_table or self.route_table,
            other.state or self.state,
            other.account or self.account,
            other.region or self.region,
        )


@dataclass(frozen=True, slots=True)
class Gateway:
    """Where flows leave for (or arrive from) outside addresses: ``kind`` internet (AWS IGW),
    egress_only (AWS EIGW), nat (AWS NAT gateway, GCP Cloud NAT). ``network`` is the VPC it is
    attached to; ``subnet`` the NAT gateway's subnet; ``public`` its public addresses.
    ``subnets``: the subnets whose workloads it serves when not all of them (GCP Cloud NAT
    ``LIST_OF_SUBNETWORKS``); empty means every subnet of ``network`` (for a regional gateway
    such as Cloud NAT: every subnet in ``region``).

    An AWS transit gateway is kept here too, as ``kind`` transit (no ``network``: it joins
    many), so routes to it can be checked against it and new attachments find its defaults:
    ``association_table`` and ``propagation_table`` are its default association and
    propagation route tables ("" when that default is disabled)."""

    id: str
    cloud: str
    kind: NextHop
    network: str = ""
    subnet: str = ""
    public: AddressSet = NOWHERE
    state: str = "available"
    account: str = ""
    region: str = ""
    subnets: tuple[str, ...] = ()
    association_table: str = ""  # transit gateways: default association route table
    propagation_table: str = ""  # transit gateways: default propagation route table


@dataclass(frozen=True, slots=True)
class Peering:
    """One side of a peering, as the network that holds it writes it.

    ``remote`` is the peer network's id, ``name`` the peering's own name (GCP peering routes
    name it in ``nextHopPeering``), ``state`` the cloud's word for it (Azure ``Connected``,
    ``Initiated``, ``Disconnected``; GCP ``ACTIVE``, ``INACTIVE``). Azure: ``allow_access``
    (``allowVirtualNetworkAccess``), ``allow_forwarded`` (``allowForwardedTraffic``),
    ``allow_gateway_transit`` (``allowGatewayTransit``), ``use_remote_gateways``
    (``useRemoteGateways``). GCP: ``export_custom_routes`` / ``import_custom_routes``
    (``exportCustomRoutes`` / ``importCustomRoutes``); subnet routes are always exchanged."""

    remote: str
    name: str = ""
    state: str = ""
    allow_access: bool = True
    allow_forwarded: bool = False
    allow_gateway_transit: bool = False
    use_remote_gateways: bool = False
    export_custom_routes: bool = False
    import_custom_routes: bool = False
