"""Azure evaluation semantics (docs/azure-semantics.md is the specification).

A flow from NIC A (subnet X, VNet P) to NIC B (subnet Y, VNet Q) passes two chains, and both
must let it through (network-security-group-how-it-works.md):

- outbound at A: P's AVNM security admin rules (a tier: ``AlwaysAllow`` accepts, ``Deny``
  refuses, ``Allow`` goes on; concept-security-admins.md), then A's NIC NSG, then X's subnet NSG;
- inbound at B: Q's admin rules, then Y's subnet NSG, then B's NIC NSG.

Each NSG is first-match by ascending priority; a missing NSG at a level allows everything; the
subnet NSG applies inside the subnet too. Service tags resolve per VNet: ``VirtualNetwork`` is
the VNet's address space, its connected peers' spaces and 168.63.129.16 (service-tags-overview.md);
``Internet`` is everything else. 168.63.129.16 and 169.254.169.254 are never a path.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import replace

from pathwarden.engine.routing import RouteBook, table_sets
from pathwarden.engine.semantics import NO_HALF, Half, HalfStage, Joined, Role, two_chains
from pathwarden.engine.stages import FilterStage
from pathwarden.engine.verdicts import Decision, Mode
from pathwarden.model import (
    ANY,
    NOWHERE,
    Action,
    AddressSet,
    Direction,
    Estate,
    Filter,
    FilterKind,
    Peer,
    PeerKind,
    RouteTable,
    Workload,
)
from pathwarden.model.addresses import parse_network
from pathwarden.providers import routed
from pathwarden.providers.azure.load import asg_set_id, service_tag_id
from pathwarden.providers.azure.routes import SYSTEM
from pathwarden.providers.azure.rules import CLOUD, INTERNET, LOAD_BALANCER, VIRTUAL_NETWORK
from pathwarden.providers.azure.shapes import key, name_of
from pathwarden.providers.base import private_route

HOST_VIP = AddressSet.parse("168.63.129.16/32")
# network-security-groups-overview.md § Azure platform considerations: the host virtual IP and
# the instance metadata service are not subject to NSGs.
PLATFORM = HOST_VIP | AddressSet.parse("169.254.169.254/32")


class AzureSemantics:
    cloud = CLOUD

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.networks = {k: n for k, n in estate.networks.items() if n.cloud == CLOUD}
        self._vnet: dict[str, AddressSet] = {}
        self._cidrs: dict[str, AddressSet] = {}
        self._admin = {
            f.network: f
            for f in estate.filters.values()
            if f.cloud == CLOUD and f.layer == "az_admin"
        }
        self._scoped: dict[tuple[str, str], Filter] = {}
        self._stages: dict[Hashable, FilterStage] = {}
        self._fallback_asg: dict[str, AddressSet] | None = None
        # a route names a service tag bare ("Storage"); its prefixes, each with its own length
        # (virtual-networks-udr-overview: "the most specific prefix within the tag"), are
        # the tag's entries
        tags = {r.destination: estate.prefix_lists[service_tag_id(r.destination)]
                for t in estate.route_tables.values() for r in t.routes
                if service_tag_id(r.destination) in estate.prefix_lists}
        self.book = RouteBook(CLOUD, {**estate.prefix_lists, **tags})
        self._holders: dict[str, Workload] | None = None

    # -- Semantics protocol -------------------------------------------------------------------
    def class_key(self, workload: Workload) -> Hashable:
        # ASG membership is per address, so the atoms (not the class) carry it.
        return (workload.network, workload.subnet, tuple(workload.filters),
                self._exposure(workload))

    def resolve(self, peer: Peer, owner: Filter) -> AddressSet:
        kind = peer.kind
        if kind is PeerKind.ANY:
            return ANY
        if kind is PeerKind.CIDR:
            hit = self._cidrs.get(peer.value)
            if hit is None:
                hit = self._cidrs[peer.value] = AddressSet.of_network(parse_network(peer.value))
            return hit
        if kind is PeerKind.SERVICE_TAG:
            return self.service_tag(peer.value, owner.network)
        if kind is PeerKind.ASG:
            return self.asg(peer.value)
        return NOWHERE

    def address_sets(self) -> Iterable[AddressSet]:
        for vnet in self.networks:
            yield self.virtual_network(vnet)
        yield HOST_VIP
        seen: set[Peer] = set()
        for f in self.estate.filters.values():
            if f.cloud != CLOUD:
                continue
            for r in f.rules:
                for p in r.src + r.dst:
                    if p in seen or p.kind is PeerKind.ANY:
                        continue
                    seen.add(p)
                    if p.kind is not PeerKind.SERVICE_TAG or key(p.value) not in _PER_VNET:
                        yield self.resolve(p, f)
        tables = [t for t in self.estate.route_tables.values() if t.cloud == CLOUD]
        yield from table_sets(tables, self.book.prefix_lists)

    def platform(self) -> AddressSet:
        return PLATFORM

    def half(self, w: Workload | None, role: Role) -> Half:
        if w is None:
            return NO_HALF
        direction = Direction.EGRESS if role is Role.SOURCE else Direction.INGRESS
        stages = [HalfStage(s) for s in self._chain(w, direction)]
        stages.extend(routed.routing_stages(self, w, role))
        return Half(tuple(stages))

    def place(self, w: Workload | None) -> Hashable:
        if w is None:
            return None
        return (w.network, w.subnet, (True, True), self._exposure(w))

    def link(self, src: Hashable, dst: Hashable) -> Hashable | None:
        """Same VNet or a peered one where no routed VNet is on the way; else the VNets'
        routes decide (:mod:`pathwarden.providers.routed`)."""
        return routed.ends(self.routed, src, dst, self._unrouted)

    def join(self, link: Hashable, src: Half, src_decisions: tuple[Decision, ...], dst: Half,
             dst_decisions: tuple[Decision, ...]) -> Joined:
        """Both chains must let it through: outbound at the source, inbound at the
        destination (network-security-group-how-it-works.md); and, in routed VNets, the
        routes both ways (virtual-networks-udr-overview.md)."""
        if isinstance(link, routed.Ends):
            return routed.join(self, link, src, src_decisions, dst, dst_decisions)
        return two_chains(src, src_decisions, dst, dst_decisions)

    # -- routes (pathwarden.providers.routed.Network) ------------------------------------------
    def routed(self, vnet: str) -> bool:
        n = self.networks.get(vnet)
        return n is not None and n.routed

    def linked(self, a: str, b: str) -> bool:
        return private_route(self.estate, a, b)

    def appliance(self, target: str) -> Workload | None:
        """The NIC holding a ``VirtualAppliance`` next hop's address."""
        if self._holders is None:
            self._holders = {}
            for w in self.estate.workloads:
                if w.cloud == CLOUD:
                    for a in w.addresses:
                        self._holders.setdefault(a, w)
        return self._holders.get(target)

    def own_chain(self, w: Workload, role: Role) -> tuple[FilterStage, ...]:
        return self._chain(w, Direction.EGRESS if role is Role.SOURCE else Direction.INGRESS)

    def exposure(self, w: Workload) -> tuple[tuple[bool, bool], tuple[bool, bool]]:
        return (True, True), self._exposure(w)

    def forwarded(self, appliance_net: str, to_net: str) -> bool:
        """Traffic an appliance forwards into a peered VNet needs that VNet's peering to allow
        forwarded traffic ("allowForwardedTraffic: Whether the forwarded traffic from the VMs
        in the local virtual network will be allowed/disallowed in remote virtual network",
        virtual-network-peering-overview.md)."""
        if appliance_net == to_net:
            return True
        n = self.networks.get(to_net)
        return n is not None and any(p.remote.lower() == appliance_net.lower()
                                     and p.allow_forwarded for p in n.peerings)

    def _unrouted(self, src: Hashable, dst: Hashable) -> Hashable | None:
        if src is None or dst is None:
            return "outside"
        assert isinstance(src, tuple) and isinstance(dst, tuple)
        return "vnet" if private_route(self.estate, str(src[0]), str(dst[0])) else None

    def _exposure(self, w: Workload) -> tuple[bool, bool]:
        """Whether the NIC can be reached from the internet (a public IPv4, a public IPv6);
        only a routed VNet looks."""
        if not self.routed(w.network):
            return (False, False)
        return (any(":" not in a for a in w.public_addresses),
                any(":" in a for a in w.public_addresses))

    def lookup(self, w: Workload, *, reply: bool) -> HalfStage | None:
        """The subnet's effective routes: its route table's user routes and the VNet's system
        routes, the most specific prefix first, a user route before a system route of the
        same prefix ("If multiple routes contain the same address prefix, Azure selects ...
        User-defined route, BGP route, System route", virtual-networks-udr-overview.md)."""
        if not self.routed(w.network):
            return None
        tables: list[tuple[RouteTable, int]] = []
        subnet = self.estate.subnets.get(w.subnet)
        user = self.estate.route_tables.get(subnet.route_table) if subnet else None
        if user is not None:
            tables.append((user, 0))
        system = self.estate.route_tables.get(f"{w.network}{SYSTEM}")
        if system is not None:
            tables.append((system, 1))
        if not tables:
            return None
        name = " + ".join(t.name or name_of(t.id) for t, _ in tables)
        stage = self.book.stage(tuple(t.id for t, _ in tables), name,
                                ((t, r, tie) for t, tie in tables for r in t.routes),
                                reply=reply)
        return HalfStage(stage, reply=reply)

    # -- address sets --------------------------------------------------------------------------
    def virtual_network(self, vnet: str) -> AddressSet:
        """service-tags-overview.md: "the virtual network address space ... all connected
        address spaces ... peered virtual networks ... the virtual IP address of the host"."""
        hit = self._vnet.get(vnet)
        if hit is None:
            n = self.networks.get(vnet)
            parts = [HOST_VIP]
            if n is not None:
                parts.append(n.cidrs)
                parts.extend(
                    self.networks[p].cidrs for p in n.peers if p in self.networks
                )
            hit = self._vnet[vnet] = AddressSet.union_all(parts)
        return hit

    def service_tag(self, name: str, vnet: str) -> AddressSet:
        k = key(name)
        if k == key(VIRTUAL_NETWORK):
            return self.virtual_network(vnet) if vnet else NOWHERE
        if k == key(INTERNET):
            return ANY - self.virtual_network(vnet) if vnet else ANY - HOST_VIP
        listed = self.estate.prefix_lists.get(service_tag_id(name))
        if listed is not None:
            return listed.addresses
        if k == key(LOAD_BALANCER):
            return HOST_VIP
        return NOWHERE

    def asg(self, asg_id: str) -> AddressSet:
        listed = self.estate.prefix_lists.get(asg_set_id(asg_id))
        if listed is not None:
            return listed.addresses
        if self._fallback_asg is None:  # an estate built without per-address membership
            members: dict[str, list[str]] = {}
            for w in self.estate.workloads:
                for label in w.labels:
                    members.setdefault(key(label), []).extend(w.addresses)
            self._fallback_asg = {
                k: AddressSet.of_texts(v)
                for k, v in members.items()
            }
        return self._fallback_asg.get(key(asg_id), NOWHERE)

    # -- chains --------------------------------------------------------------------------------
    def _chain(self, w: Workload, direction: Direction) -> tuple[FilterStage, ...]:
        stages: list[FilterStage] = []
        admin = self._admin.get(w.network)
        if admin is not None:
            stages.append(self._stage("admin", admin, w.network, direction, w.network))
        subnet = self.estate.subnets.get(w.subnet)
        subnet_nsg = self._nsg(subnet.filters if subnet else (), w.network)
        nic_nsg = self._nsg(w.filters, w.network)
        levels = [("NIC", nic_nsg, w.name or w.id), ("subnet", subnet_nsg, name_of(w.subnet))]
        if direction is Direction.INGRESS:
            levels.reverse()
        for level, f, where in levels:
            if f is not None:
                stages.append(self._stage(level, f, w.network, direction, where))
        return tuple(stages)

    def _nsg(self, ids: tuple[str, ...], vnet: str) -> Filter | None:
        for fid in ids:
            f = self.estate.filters.get(fid)
            if f is not None:
                return self._in_vnet(f, vnet)
        return None  # no NSG (or an unknown one) at this level: it allows everything

    def _in_vnet(self, f: Filter, vnet: str) -> Filter:
        """The NSG as evaluated in ``vnet`` (its tags resolve there). An NSG associated in
        several VNets gets one variant per VNet, with an id of its own for the memo."""
        if f.network == vnet:
            return f
        k = (f.id, vnet)
        hit = self._scoped.get(k)
        if hit is None:
            hit = self._scoped[k] = replace(f, id=f"{f.id}@{vnet}", network=vnet)
        return hit

    def _stage(
        self, level: str, f: Filter, vnet: str, direction: Direction, where: str
    ) -> FilterStage:
        k = (level, f.id, direction, where)
        hit = self._stages.get(k)
        if hit is None:
            if level == "admin":
                hit = FilterStage(
                    f"security admin rules of {name_of(vnet)} ({direction.value})",
                    (f,), direction, FilterKind.PRIORITY, Action.GOTO_NEXT, Mode.TIER,
                    part="admin",
                )
            else:
                hit = FilterStage(
                    f"{level} NSG {f.name or name_of(f.id)} ({direction.value}, {where})",
                    (f,), direction, FilterKind.FIRST_MATCH, Action.DENY, Mode.GATE,
                    part="nsg",
                )
            self._stages[k] = hit
        return hit


_PER_VNET = {key(VIRTUAL_NETWORK), key(INTERNET)}
