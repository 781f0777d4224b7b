"""Azure routing files -> :class:`RouteTable` / :class:`Route`, public IPs on workloads.

Wire format only; how a flow is routed is the engine's (docs/azure-semantics.md, "Routing
files"). Read:

- ``network-route-table-list.json`` (``az network route-table list -o json``, or the ARM REST
  page ``{"value": [...]}`` discovery writes): one :class:`RouteTable` (``kind="subnet"``) per
  route table, one :class:`Route` per user-defined route, id ``<route table name>:<route
  name>``; ``addressPrefix`` is a CIDR or a service tag (kept as the destination, resolved
  through ``network-service-tags.json`` like the NSG rules' tags);
- per VNet of ``network-vnet-list.json``, when the route-table file is present, the system
  routes Azure creates (virtual-networks-udr-overview.md, "System routes"): one table
  ``<vnet id>#system`` (``main=True``): each address prefix of the VNet -> ``VnetLocal``,
  ``0.0.0.0/0`` -> ``Internet`` (and ``::/0`` for a VNet with IPv6 space), the reserved
  ranges 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 and 100.64.0.0/10 -> ``None`` unless the
  VNet or a connected peer uses them, and per connected peering each prefix of the peer ->
  ``VNetPeering``. Gateway (BGP) routes and service-endpoint routes are not in the snapshot;
- ``network-public-ip-list.json`` (``az network public-ip list -o json``): the ``ipAddress``
  of each public IP, given to the workload whose IP configuration names it (or that the
  public IP's ``ipConfiguration`` names).

A reference to an object that is not there (a subnet's route table, a route table's subnet, a
NIC's public IP, an appliance address no NIC holds) is a notice and makes the estate partial.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pathwarden.model import NOWHERE, AddressSet, Network, NextHop, Notice, Route, RouteTable
from pathwarden.model.addresses import parse_network
from pathwarden.providers.azure.inventory import Inventory
from pathwarden.providers.azure.rules import CLOUD
from pathwarden.providers.azure.shapes import key, name_of, parent_id, props, ref, refs, segment
from pathwarden.providers.jsondoc import Node

ROUTE_TABLES = "network-route-table-list.json"
PUBLIC_IPS = "network-public-ip-list.json"
ROUTES_ABSENT = "routes not in snapshot: same network or peering assumed"
# route.json RouteNextHopType; the cloud's spelling is kept as the route's target
NEXT_HOPS = {
    "virtualappliance": (NextHop.APPLIANCE, "VirtualAppliance"),
    "vnetlocal": (NextHop.LOCAL, "VnetLocal"),
    "internet": (NextHop.INTERNET, "Internet"),
    "virtualnetworkgateway": (NextHop.GATEWAY, "VirtualNetworkGateway"),
    "none": (NextHop.DROP, "None"),
}
RESERVED = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
SYSTEM = "#system"
USER, SYSTEM_ORIGIN = "user", "system"

Items = Callable[[str], list[Node] | None]
TagLookup = Callable[[str], AddressSet | None]


@dataclass
class RouteReader:
    """Reads the two routing files into ``inv`` and the route tables it returns."""

    inv: Inventory
    items: Items  # the loader's list-file reader (both shapes, nextLink -> partial)
    tag_addresses: TagLookup  # a service tag's prefixes (None: unknown)
    source: str
    vnets_listed: bool
    nics_listed: bool
    notices: list[Notice] = field(default_factory=list)
    partial: bool = False

    def note(self, code: str, message: str, source: str = "", *, partial: bool = False) -> None:
        self.notices.append(Notice(code, message, source or self.source))
        self.partial = self.partial or partial

    def read(self) -> dict[str, RouteTable]:
        self._public_ips()
        nodes = self.items(ROUTE_TABLES)
        if nodes is None:
            self.notices.append(Notice("routes-not-in-snapshot", ROUTES_ABSENT, CLOUD))
            return {}
        tables: dict[str, RouteTable] = {}
        back: dict[str, list[str]] = {}  # table id -> subnets it lists
        for node in nodes:
            t = self._table(node)
            tables[t.id] = t
            self.inv.canonical[key(t.id)] = t.id
            back[t.id] = [self.inv.canon(s) for s in refs(props(node), "subnets")]
        tables = self._associate(tables, back)
        for vid in sorted(self.inv.networks):
            vnet = self.inv.networks[vid]
            if vnet.stub or vid not in self.inv.spaces:
                continue  # only VNets the snapshot describes have known system routes
            system = self._system(vnet)
            tables[system.id] = system
            self.inv.networks[vid] = replace(vnet, routed=True)
        return tables

    # -- user-defined routes ------------------------------------------------------------------
    def _table(self, node: Node) -> RouteTable:
        tid = _typed_id(node, "routeTables", "a route table", ROUTE_TABLES)
        name = node.text("name") or name_of(tid)
        routes = [self._route(r, name) for r in props(node).children("routes")]
        return RouteTable(
            id=tid, cloud=CLOUD, kind="subnet", routes=tuple(routes),
            account=segment(tid, "subscriptions"), region=node.text("location"), name=name,
        )

    def _route(self, node: Node, table: str) -> Route:
        p = props(node)
        name = node.require_text("name")
        prefix = p.require_text("addressPrefix").strip()
        hop = p.require_text("nextHopType")
        kind, target = NEXT_HOPS.get(hop.lower(), (None, ""))
        if kind is None:
            p.fail("nextHopType", f"expected VirtualAppliance, VnetLocal, Internet, "
                   f"VirtualNetworkGateway or None, found {hop!r}")
        rid = f"{table}:{name}"
        if kind is NextHop.APPLIANCE:
            target = _address(p.require_text("nextHopIpAddress").strip())
            if not target:
                p.fail("nextHopIpAddress", f"expected an IP address, found "
                       f"{p.text('nextHopIpAddress')!r}")
        return Route(id=rid, destination=prefix, addresses=self._destination(prefix, rid),
                     next_hop=kind, target=target, origin=USER)

    def _destination(self, prefix: str, rid: str) -> AddressSet:
        """A CIDR, or a service tag resolved like the NSG rules' tags (route.json:
        "The destination CIDR ... or a service tag")."""
        cidr = _cidr(prefix)
        if cidr is not None:
            return cidr
        found = self.tag_addresses(prefix)
        if found is None:
            self.note("route-service-tag-unknown", f"route {rid} sends service tag {prefix}, "
                      "whose prefixes are not known (network-service-tags.json missing or "
                      "without it): it matches no address", rid)
            return NOWHERE
        return found

    def _associate(self, tables: dict[str, RouteTable],
                   back: dict[str, list[str]]) -> dict[str, RouteTable]:
        """Subnets name their table (``routeTable.id``), tables their subnets: both count."""
        inv = self.inv
        users: dict[str, set[str]] = {tid: set() for tid in tables}
        for sid, s in list(inv.subnets.items()):
            if not s.route_table:
                continue
            tid = inv.canon(s.route_table)
            inv.subnets[sid] = replace(s, route_table=tid)
            if tid in users:
                users[tid].add(sid)
            else:
                self.note("route-table-unknown", f"subnet {s.name} uses route table "
                          f"{name_of(tid)}, which is not in {ROUTE_TABLES}: its routes are "
                          "unknown", sid, partial=True)
        for tid, listed in back.items():
            for sid in listed:
                users[tid].add(sid)  # the table's own list, known subnet or not
                listed_subnet = inv.subnets.get(sid)
                if listed_subnet is None:
                    if self.vnets_listed:
                        self.note("route-table-subnet-unknown", f"route table "
                                  f"{name_of(tid)} lists subnet {sid}, which is not in "
                                  "network-vnet-list.json", tid, partial=True)
                elif not listed_subnet.route_table:
                    inv.subnets[sid] = replace(listed_subnet, route_table=tid)
        out: dict[str, RouteTable] = {}
        for tid, t in tables.items():
            subnets = tuple(sorted(users[tid]))
            vnets = {inv.subnets[s].network if s in inv.subnets else parent_id(s)
                     for s in subnets}
            out[tid] = replace(t, subnets=subnets,
                               network=next(iter(vnets)) if len(vnets) == 1 else "")
        return out

    # -- system routes ------------------------------------------------------------------------
    def _system(self, n: Network) -> RouteTable:
        own = self.inv.spaces.get(n.id, [])
        tag = f"{n.name}/system"
        routes: list[Route] = []

        def add(prefix: str, hop: NextHop, target: str) -> None:
            routes.append(Route(id=f"{tag}:{prefix}", destination=prefix,
                                addresses=AddressSet.parse(prefix), next_hop=hop,
                                target=target, origin=SYSTEM_ORIGIN))

        for prefix in own:
            add(prefix, NextHop.LOCAL, "VnetLocal")
        used = AddressSet.union_all(AddressSet.parse(p) for p in own)
        for pe in n.peerings:
            if pe.state.lower() != "connected":
                continue
            for prefix in self._peer_prefixes(pe.remote):
                add(prefix, NextHop.PEERING, pe.remote)
                used = used | AddressSet.parse(prefix)
        add("0.0.0.0/0", NextHop.INTERNET, "Internet")
        if any(":" in p for p in own):
            add("::/0", NextHop.INTERNET, "Internet")
        for prefix in RESERVED:
            # "If you assign any of the previous address ranges within the address space of
            # a virtual network, Azure automatically changes the next hop type ... from None
            # to Virtual network" (virtual-networks-udr-overview.md)
            if not AddressSet.parse(prefix) - used:
                continue
            add(prefix, NextHop.DROP, "None")
        return RouteTable(
            id=f"{n.id}{SYSTEM}", cloud=CLOUD, kind="subnet", routes=tuple(routes),
            network=n.id, main=True, account=n.account, region=n.region, name=tag,
        )

    def _peer_prefixes(self, remote: str) -> list[str]:
        """The peer's own address space when the snapshot holds it, else what the peering
        lists."""
        known = self.inv.spaces.get(remote)
        if known is not None:
            return known
        return self.inv.peer_prefixes.get(key(remote), [])

    # -- public IPs -----------------------------------------------------------------------------
    def _public_ips(self) -> None:
        nodes = self.items(PUBLIC_IPS)
        inv = self.inv
        referenced = any(pip for refs_ in inv.public_refs.values() for _, pip in refs_)
        if nodes is None:
            if referenced:
                self.note("public-ips-not-in-snapshot", f"{PUBLIC_IPS} is not in the "
                          "snapshot: the public IP addresses of NICs are unknown")
            return
        by_id: dict[str, str] = {}  # key(public IP id) -> address ("" when unallocated)
        by_config: dict[str, str] = {}  # key(IP configuration id) -> address
        for n in nodes:
            pid = _typed_id(n, "publicIPAddresses", "a public IP address", PUBLIC_IPS)
            p = props(n)
            written = p.text("ipAddress").strip()
            address = _address(written) if written else ""
            if written and not address:
                p.fail("ipAddress", f"expected an IP address, found {written!r}")
            by_id[key(pid)] = address
            config = ref(p, "ipConfiguration")
            if config and address:
                by_config[key(config)] = address
        for wid, pairs in inv.public_refs.items():
            found: list[str] = []
            for config, pip in pairs:
                address = by_config.get(key(config), "") if config else ""
                if pip:
                    if key(pip) not in by_id:
                        self.note("public-ip-unknown", f"{name_of(wid)} names public IP "
                                  f"{name_of(pip)}, which is not in {PUBLIC_IPS}: its address "
                                  "is unknown", wid, partial=True)
                    address = by_id.get(key(pip), "") or address
                if address and address not in found:
                    found.append(address)
            if found:
                inv.workloads[wid] = replace(inv.workloads[wid], public_addresses=tuple(found))

    # -- appliances ---------------------------------------------------------------------------
    def check_appliances(self, tables: dict[str, RouteTable]) -> None:
        """A ``VirtualAppliance`` next hop no NIC in the snapshot holds cannot be followed."""
        if not self.nics_listed:
            return
        held = {a for w in self.inv.workloads.values() for a in w.addresses}
        for t in tables.values():
            for r in t.routes:
                if r.next_hop is NextHop.APPLIANCE and r.target not in held:
                    self.note("appliance-unknown", f"route {r.id} sends {r.destination} to "
                              f"{r.target}, which no NIC in the snapshot holds (an Azure "
                              "Firewall or a load balancer frontend is not read): the hop "
                              "cannot be evaluated", t.id, partial=True)


@lru_cache(maxsize=65536)
def _cidr(prefix: str) -> AddressSet | None:
    """A route prefix's addresses (None: not a CIDR); prefixes repeat across tables."""
    try:
        return AddressSet.of_network(parse_network(prefix))
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _address(text: str) -> str:
    """The address in canonical form ("" when ``text`` is none)."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return ""


def _typed_id(node: Node, kind: str, what: str, file: str) -> str:
    """The resource's ARM id, which must name a ``Microsoft.Network/<kind>`` resource: a
    file of something else (an effective route list, a virtual hub's route tables) is
    rejected in one line rather than read as an empty table."""
    if node.data.get("id") is None and "nextHopType" in node.data:
        node.fail(None, f"an effective route (`az network nic show-effective-route-table` "
                  f"output), not {what}: {file} holds `az network {_cli(kind)} list -o json`")
    rid = node.require_text("id")
    parts = [p.lower() for p in rid.strip("/").split("/")]
    if len(parts) < 2 or parts[-2] != kind.lower() or "microsoft.network" not in parts:
        node.fail("id", f"expected the id of {what} (.../providers/Microsoft.Network/{kind}/"
                  f"NAME), found {rid!r}: {file} holds `az network {_cli(kind)} list -o json`")
    return rid


def _cli(kind: str) -> str:
    return {"routeTables": "route-table", "publicIPAddresses": "public-ip"}[kind]
