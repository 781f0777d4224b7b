"""GCP routing files -> :class:`RouteTable` / :class:`Route` and Cloud NAT :class:`Gateway`.

Wire format only; how a flow is routed is the engine's (docs/gcp-semantics.md, "Routing
files"). Read:

- ``routes.json`` (``gcloud compute routes list --format=json``, or the REST page
  ``{"items": [...]}`` discovery writes): one :class:`RouteTable` (``kind="network"``, id
  ``<network id>/routes``) per network of the project, one :class:`Route` per route, id the
  route's path ``projects/P/global/routes/NAME``, with ``destRange``, ``priority`` (default
  1000) and ``tags``. Next hops: ``nextHopGateway`` (the default internet gateway) ->
  INTERNET; ``nextHopInstance``, ``nextHopIp``, ``nextHopIlb`` -> APPLIANCE (target the
  instance path, the address, or the forwarding rule path or address); ``nextHopNetwork`` of
  the route's own network, or ``routeType`` ``SUBNET`` -> LOCAL; ``nextHopNetwork`` of another
  network or ``nextHopPeering`` -> PEERING (target the peer network, found by the peering's
  name in ``networks.json``); ``nextHopVpnTunnel``, ``nextHopInterconnectAttachment`` and
  ``nextHopHub`` -> GATEWAY (they leave what the snapshot holds). A ``routeStatus`` other than
  ``ACTIVE`` makes the route ``inactive``;
- ``routers.json`` (``gcloud compute routers list --format=json``, or the
  ``routers.aggregatedList`` page discovery writes): one :class:`Gateway` (kind NAT) per
  public Cloud NAT of a router, ``<router path>/nats/<name>``, serving the subnets it lists
  (``LIST_OF_SUBNETWORKS``) or every subnet of the network in the router's region.

A reference to an object the snapshot should hold and does not (the route's network, a peering,
a next-hop instance of the same project, an address no instance holds, a NAT's subnet) is a
notice and makes the estate partial; an internal load balancer next hop always is, since
forwarding rules and their backends are not read.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from functools import cached_property

from pathwarden.model import AddressSet, Gateway, NextHop, Notice, Route, RouteTable
from pathwarden.model.addresses import parse_network
from pathwarden.providers.gcp.inventory import Inventory
from pathwarden.providers.gcp.shapes import CLOUD, last, network_id, path_of, priority, segment
from pathwarden.providers.jsondoc import Node

ROUTES = "routes.json"
ROUTERS = "routers.json"
ROUTES_ABSENT = "routes not in snapshot: same network or peering assumed"
INTERNET_GATEWAY = "default-internet-gateway"
DEFAULT_PRIORITY = 1000  # routes.insert: "Default value is 1000"
GATEWAY_HOPS = ("nextHopVpnTunnel", "nextHopInterconnectAttachment", "nextHopHub")
ALL_SUBNETS = ("ALL_SUBNETWORKS_ALL_IP_RANGES", "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES")
LISTED_SUBNETS = "LIST_OF_SUBNETWORKS"


@dataclass
class RouteReader:
    inv: Inventory
    project: str
    source: str
    networks_listed: bool
    instances_listed: bool
    subnets_listed: bool
    notices: list[Notice] = field(default_factory=list)
    partial: bool = False

    def note(self, code: str, message: str, source: str, *, partial: bool = False) -> None:
        self.notices.append(Notice(code, message, source or self.source))
        self.partial = self.partial or partial

    # -- routes.json ---------------------------------------------------------------------------
    def routes(self, nodes: list[Node] | None) -> dict[str, RouteTable]:
        if nodes is None:
            self.notices.append(Notice("routes-not-in-snapshot", ROUTES_ABSENT, CLOUD))
            return {}
        by_network: dict[str, list[Route]] = {}
        for node in nodes:
            nid, r = self._route(node)
            by_network.setdefault(nid, []).append(r)
        out: dict[str, RouteTable] = {}
        for nid in sorted(self.inv.networks):
            net = self.inv.networks[nid]
            if net.stub and nid not in by_network:
                continue  # only referenced here (a Shared VPC host network): not this file's
            routes = by_network.get(nid, [])
            table = RouteTable(
                id=f"{nid}/routes", cloud=CLOUD, kind="network", routes=tuple(routes),
                network=nid, account=segment(nid, "projects"), name=f"routes of {net.name}",
            )
            out[table.id] = table
            self.inv.networks[nid] = replace(net, routed=True)
        return out

    def _route(self, node: Node) -> tuple[str, Route]:
        project = segment(node.text("selfLink"), "projects") or self.project
        name = node.require_text("name")
        rid = path_of(node.text("selfLink")) or f"projects/{project}/global/routes/{name}"
        nid = self._network(network_id(node.require_text("network"), project), rid)
        dest = node.require_text("destRange").strip()
        try:
            addresses = AddressSet.of_network(parse_network(dest))
        except ValueError:
            node.fail("destRange", f"expected a CIDR range, found {dest!r}")
        hop, target, origin = self._next_hop(node, nid, rid, project)
        status = node.text("routeStatus", "ACTIVE")
        warnings = sorted({w.text("code") for w in node.children("warnings") if w.text("code")})
        if warnings:
            self.note("route-warning", f"route {name} of {last(nid)} carries the API's "
                      f"warnings {', '.join(warnings)}", rid)
        tags = node.data.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            node.fail("tags", "expected a list of network tags")
        return nid, Route(
            id=rid, destination=dest, addresses=addresses, next_hop=hop, target=target,
            priority=priority(node, DEFAULT_PRIORITY), tags=tuple(sorted(set(tags))),
            state="active" if status == "ACTIVE" else "inactive", origin=origin,
        )

    def _next_hop(self, node: Node, nid: str, rid: str,
                  project: str) -> tuple[NextHop, str, str]:
        """(kind, target, origin) of one route."""
        kind = node.text("routeType").lower()
        gateway = node.text("nextHopGateway")
        if gateway:
            if last(gateway) != INTERNET_GATEWAY:
                node.fail("nextHopGateway", f"expected the {INTERNET_GATEWAY}, found "
                          f"{gateway!r}")
            return NextHop.INTERNET, path_of(gateway), kind or "static"
        if node.text("nextHopPeering"):
            return NextHop.PEERING, self._peer(nid, node.text("nextHopPeering"), rid), \
                kind or "peering"
        network = node.text("nextHopNetwork")
        if network:
            other = network_id(network, project)
            if other == nid:
                return NextHop.LOCAL, nid, kind or "subnet"
            return NextHop.PEERING, other, kind or "peering"
        instance = node.text("nextHopInstance")
        if instance:
            return NextHop.APPLIANCE, self._instance(path_of(instance), rid), kind or "static"
        address = node.text("nextHopIp")
        if address:
            return NextHop.APPLIANCE, self._appliance(node, "nextHopIp", address, rid), \
                kind or "static"
        ilb = node.text("nextHopIlb")
        if ilb:
            target = path_of(ilb) if "/" in ilb else ilb
            self.note("load-balancer-next-hop", f"route {last(rid)} sends "
                      f"{node.text('destRange')} to internal load balancer {last(target)}, "
                      "whose backends are not in the snapshot: the hop cannot be evaluated",
                      rid, partial=True)
            return NextHop.APPLIANCE, target, kind or "static"
        for field_name in GATEWAY_HOPS:
            if node.text(field_name):
                return NextHop.GATEWAY, path_of(node.text(field_name)), kind or "static"
        if kind == "subnet":
            return NextHop.LOCAL, nid, kind
        node.fail(None, "no next hop (expected one of nextHopGateway, nextHopInstance, "
                  "nextHopIp, nextHopIlb, nextHopNetwork, nextHopPeering, nextHopVpnTunnel, "
                  "nextHopInterconnectAttachment, nextHopHub)")

    def _network(self, nid: str, by: str) -> str:
        known = nid in self.inv.networks and not self.inv.networks[nid].stub
        if not known and self.networks_listed and segment(nid, "projects") == self.project:
            self.note("network-unknown", f"{last(by)} names network {nid}, which is not in "
                      "networks.json", by, partial=True)
        self.inv.ensure_network(nid)
        return nid

    def _peer(self, nid: str, name: str, rid: str) -> str:
        for p in self.inv.networks[nid].peerings:
            if p.name == name:
                return p.remote
        if self.networks_listed:
            self.note("peering-unknown", f"route {last(rid)} goes through peering {name}, which "
                      f"{last(nid)} does not list in networks.json: its peer network is unknown",
                      rid, partial=True)
        return name

    @cached_property
    def _instances(self) -> set[str]:
        """The instance paths of the snapshot (a workload id is the path plus ``/nicN``)."""
        return {w.id.rsplit("/", 1)[0] for w in self.inv.workloads.values()}

    @cached_property
    def _addresses(self) -> set[str]:
        return {a for w in self.inv.workloads.values() for a in w.addresses}

    def _instance(self, target: str, rid: str) -> str:
        held = target in self._instances
        if not held and self.instances_listed and segment(target, "projects") == self.project:
            self.note("appliance-unknown", f"route {last(rid)} sends traffic to instance "
                      f"{target}, which is not in instances.json: the hop cannot be evaluated",
                      rid, partial=True)
        return target

    def _appliance(self, node: Node, field_name: str, text: str, rid: str) -> str:
        try:
            address = str(ipaddress.ip_address(text.strip()))
        except ValueError:
            node.fail(field_name, f"expected an IP address, found {text!r}")
        if address not in self._addresses and self.instances_listed:
            self.note("appliance-unknown", f"route {last(rid)} sends traffic to {address}, "
                      "which no instance in this snapshot holds (an instance of another "
                      "project, or a load balancer, is not read here): the hop cannot be "
                      "evaluated", rid, partial=True)
        return address

    # -- routers.json ----------------------------------------------------------------------------
    def routers(self, nodes: list[Node] | None) -> dict[str, Gateway]:
        out: dict[str, Gateway] = {}
        for node in nodes or ():
            project = segment(node.text("selfLink"), "projects") or self.project
            name = node.require_text("name")
            region = last(node.text("region")) or segment(node.text("selfLink"), "regions")
            router = path_of(node.text("selfLink")) or \
                f"projects/{project}/regions/{region}/routers/{name}"
            nid = self._network(network_id(node.require_text("network"), project), router)
            for nat in node.children("nats"):
                g = self._nat(nat, router, nid, project, region)
                if g is not None:
                    out[g.id] = g
        return out

    def _nat(self, nat: Node, router: str, nid: str, project: str,
             region: str) -> Gateway | None:
        name = nat.require_text("name")
        gid = f"{router}/nats/{name}"
        if nat.text("type", "PUBLIC") != "PUBLIC":
            self.note("nat-not-modelled", f"Cloud NAT {name} of {last(router)} is of type "
                      f"{nat.text('type')} (translation between private networks), which is "
                      "not modelled", gid)
            return None
        scope = nat.text("sourceSubnetworkIpRangesToNat", ALL_SUBNETS[0])
        subnets: list[str] = []
        if scope == LISTED_SUBNETS:
            for s in nat.children("subnetworks"):
                ref = s.require_text("name")
                sid = path_of(ref) if "/" in ref else \
                    f"projects/{project}/regions/{region}/subnetworks/{ref}"
                if sid not in self.inv.subnets and self.subnets_listed:
                    self.note("subnet-unknown", f"Cloud NAT {name} of {last(router)} serves "
                              f"subnet {sid}, which is not in subnets.json", gid, partial=True)
                subnets.append(sid)
        elif scope not in ALL_SUBNETS:
            nat.fail("sourceSubnetworkIpRangesToNat", f"expected {', '.join(ALL_SUBNETS)} or "
                     f"{LISTED_SUBNETS}, found {scope!r}")
        return Gateway(id=gid, cloud=CLOUD, kind=NextHop.NAT, network=nid, account=project,
                       region=region, subnets=tuple(sorted(set(subnets))))
