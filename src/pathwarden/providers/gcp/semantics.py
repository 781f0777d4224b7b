"""GCP evaluation semantics (docs/gcp-semantics.md is the specification).

A flow from VM NIC A to VM NIC B passes two chains, and both must let it through: the egress
chain at A and the ingress chain at B (firewalls are enforced per NIC, connection tracking makes
them stateful). Each chain is a run of tiers (:data:`Mode.TIER`), evaluated in this order
(firewall-policies-rule-eval-order):

1. hierarchical firewall policies, organization first, then folders top-down;
2. VPC firewall rules, then the global, then the regional network firewall policy
   (``AFTER_CLASSIC_FIREWALL``, the default), or the two policies before the VPC rules
   (``BEFORE_CLASSIC_FIREWALL``), per the network's ``networkFirewallPolicyEnforcementOrder``;
3. the implied rules (deny ingress, allow egress, priority 65535).

Inside a tier the lowest priority wins and a deny beats an allow at equal priority
(:func:`verdicts.priority_deny_wins`); ``goto_next`` and an unmatched flow go on to the next
tier. Only the rules whose targets select the NIC take part: one stage per (tier, applicable
rule groups), its key a digest of the applicable filter ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

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
    NextHop,
    Peer,
    PeerKind,
    Route,
    RouteTable,
    Workload,
)
from pathwarden.model.addresses import parse_network
from pathwarden.providers import routed
from pathwarden.providers.base import private_route
from pathwarden.providers.gcp.inventory import BEFORE, ENFORCEMENT_ORDER
from pathwarden.providers.gcp.rules import HIERARCHY, IMPLIED, NETWORK, REGIONAL, VPC
from pathwarden.providers.gcp.shapes import CLOUD, last

# vpc/docs/firewalls § Specifications: traffic to the metadata server is always allowed.
PLATFORM = AddressSet.parse("169.254.169.254/32") | AddressSet.parse("fd20:ce::254/128")
LABELS = {HIERARCHY: "hierarchical firewall policy", VPC: "VPC firewall rules",
          NETWORK: "global network firewall policy", REGIONAL: "regional network firewall "
          "policy", IMPLIED: "implied rules"}


@dataclass
class _Meta:
    """What a GCP filter's ``tags`` say about where it applies (see :mod:`.rules`)."""

    filter: Filter
    layer: str
    container: str
    rank: int = 0
    applies: set[str] = field(default_factory=set)
    region: str = ""
    tags: set[str] = field(default_factory=set)
    sas: set[str] = field(default_factory=set)
    networks: set[str] = field(default_factory=set)
    secure: bool = False

    @classmethod
    def of(cls, f: Filter) -> _Meta:
        m = cls(f, f.layer, f.network or f.id)
        for k, v in f.tags:
            if k == "container":
                m.container = v
            elif k == "rank":
                m.rank = int(v)
            elif k == "applies":
                m.applies.add(v)
            elif k == "region":
                m.region = v
            elif k == "target_tag":
                m.tags.add(v)
            elif k == "target_sa":
                m.sas.add(v)
            elif k == "target_network":
                m.networks.add(v)
            elif k == "target_secure_tag":
                m.secure = True
        return m

    def attached(self, w: Workload) -> bool:
        if self.layer in (VPC, IMPLIED):
            return self.filter.network == w.network
        if "*" not in self.applies and w.network not in self.applies:
            return False
        return not (self.layer == REGIONAL and self.region not in ("", "-", w.region))

    def targets(self, w: Workload) -> bool:
        """VPC rules: target tags OR target service accounts, none = every instance; policy
        rules: target networks AND target service accounts (secure tags: not modelled)."""
        if self.secure:
            return False
        if self.layer == VPC:
            if not self.tags and not self.sas:
                return True
            return bool(self.tags.intersection(w.labels)) or w.service_account in self.sas
        if self.networks and w.network not in self.networks:
            return False
        return not self.sas or w.service_account in self.sas


class GcpSemantics:
    cloud = CLOUD

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self._metas = [_Meta.of(f) for f in estate.filters.values() if f.cloud == CLOUD]
        self._containers: dict[tuple[str, str], list[_Meta]] = {}
        for m in sorted(self._metas, key=lambda m: m.filter.id):
            self._containers.setdefault((m.layer, m.container), []).append(m)
        self._target_tags: dict[str, set[str]] = {}
        self._target_sas: set[str] = set()
        self._regional = False
        for m in self._metas:
            if m.layer == VPC:
                self._target_tags.setdefault(m.filter.network, set()).update(m.tags)
            self._target_sas.update(m.sas)
            self._regional = self._regional or (m.layer == REGIONAL and m.region not in ("", "-"))
        members: dict[tuple[str, str, str], list[str]] = {}
        for w in estate.workloads:
            if w.cloud != CLOUD or w.kind != "nic0":
                continue  # tags and service accounts name primary interfaces only
            for t in w.labels:
                members.setdefault((PeerKind.NETWORK_TAG, w.network, t), []).extend(w.addresses)
            if w.service_account:
                members.setdefault((PeerKind.SERVICE_ACCOUNT, w.network, w.service_account),
                                   []).extend(w.addresses)
        self._members = {k: AddressSet.of_texts(v)
                         for k, v in members.items()}
        self._cidrs: dict[str, AddressSet] = {}
        self._chains: dict[tuple[Hashable, Direction], tuple[FilterStage, ...]] = {}
        self._stages: dict[str, FilterStage] = {}
        self._applicable: dict[Hashable, list[tuple[_Meta, str, tuple[Filter, ...]]]] = {}
        self.book = RouteBook(CLOUD, estate.prefix_lists)
        self._holders: dict[str, Workload] | None = None
        self._tables: dict[str, RouteTable] = {}  # network -> its routes, peering routes too
        self._route_tags: dict[str, set[str]] = {}
        for n in estate.networks.values():
            if n.cloud == CLOUD and n.routed:
                table = self._tables[n.id] = self._table(n.id)
                self._route_tags[n.id] = {tag for r in table.routes for tag in r.tags}

    # -- Semantics protocol -------------------------------------------------------------------
    def class_key(self, workload: Workload) -> Hashable:
        tags = self._target_tags.get(workload.network, set())
        return (
            workload.network,
            workload.region if self._regional else "",
            tuple(sorted(tags.intersection(workload.labels))),
            workload.service_account if workload.service_account in self._target_sas else "",
            *self._route_key(workload),
        )

    def resolve(self, peer: Peer, owner: Filter) -> AddressSet:
        kind = peer.kind
        if kind is PeerKind.ANY:
            return ANY
        if kind is PeerKind.CIDR:
            hit = self._cidrs.get(peer.value)
            if hit is None:
                hit = self._cidrs[peer.value] = AddressSet.of_network(parse_network(peer.value))
            return hit
        if kind in (PeerKind.NETWORK_TAG, PeerKind.SERVICE_ACCOUNT):
            return self._members.get((kind, peer.network or owner.network, peer.value), NOWHERE)
        return NOWHERE  # secure tags, FQDNs, geolocations...: not resolved (a notice says so)

    def address_sets(self) -> Iterable[AddressSet]:
        seen: set[Peer] = set()
        for m in self._metas:
            for r in m.filter.rules:
                for p in r.src + r.dst:
                    if p not in seen and p.kind is not PeerKind.ANY:
                        seen.add(p)
                        yield self.resolve(p, m.filter)
        yield from table_sets(self._tables.values(), self.estate.prefix_lists)

    def platform(self) -> AddressSet:
        return PLATFORM

    def half(self, w: Workload | None, role: Role) -> Half:
        if w is None:
            return NO_HALF
        direction = Direction.EGRESS if role is Role.SOURCE else Direction.INGRESS
        stages = [HalfStage(s) for s in self.chain(w, direction)]
        stages.extend(routed.routing_stages(self, w, role))
        return Half(tuple(stages))

    def place(self, w: Workload | None) -> Hashable:
        if w is None:
            return None
        if w.network not in self._tables:
            return (w.network, (False, False), (False, False))
        return (w.network, *self._exposure(w))

    def link(self, src: Hashable, dst: Hashable) -> Hashable | None:
        """Same VPC network or an active peering where no routed network is on the way
        (different networks otherwise have no route); else the routes decide
        (:mod:`pathwarden.providers.routed`)."""
        return routed.ends(self.routed, src, dst, self._unrouted)

    def join(self, link: Hashable, src: Half, src_decisions: tuple[Decision, ...], dst: Half,
             dst_decisions: tuple[Decision, ...]) -> Joined:
        """The egress chain at the source and the ingress chain at the destination must both
        let it through; in routed networks, the routes both ways too."""
        if isinstance(link, routed.Ends):
            return routed.join(self, link, src, src_decisions, dst, dst_decisions)
        return two_chains(src, src_decisions, dst, dst_decisions)

    # -- routes (pathwarden.providers.routed.Network) ------------------------------------------
    def routed(self, network: str) -> bool:
        return network in self._tables

    def linked(self, a: str, b: str) -> bool:
        return private_route(self.estate, a, b)

    def appliance(self, target: str) -> Workload | None:
        """The NIC a ``nextHopInstance`` (its first interface) or ``nextHopIp`` names."""
        if self._holders is None:
            self._holders = {}
            for w in self.estate.workloads:
                if w.cloud == CLOUD:
                    for a in w.addresses:
                        self._holders.setdefault(a, w)
                    self._holders.setdefault(w.id.rsplit("/", 1)[0], w)
        return self._holders.get(target)

    def own_chain(self, w: Workload, role: Role) -> tuple[FilterStage, ...]:
        return self.chain(w, Direction.EGRESS if role is Role.SOURCE else Direction.INGRESS)

    def exposure(self, w: Workload) -> tuple[tuple[bool, bool], tuple[bool, bool]]:
        return self._exposure(w)

    def forwarded(self, appliance_net: str, to_net: str) -> bool:
        return True

    def _unrouted(self, src: Hashable, dst: Hashable) -> Hashable | None:
        if src is None or dst is None:
            return "outside"
        assert isinstance(src, tuple) and isinstance(dst, tuple)
        return "network" if private_route(self.estate, str(src[0]), str(dst[0])) else None

    def _route_key(self, w: Workload) -> tuple[Hashable, ...]:
        """What routing adds to a class: the instance's tags that routes name, whether it may
        go out and whether it can be reached from outside."""
        if w.network not in self._tables:
            return ()
        tags = tuple(sorted(self._route_tags[w.network].intersection(w.labels)))
        return (tags, *self._exposure(w))

    def _exposure(self, w: Workload) -> tuple[tuple[bool, bool], tuple[bool, bool]]:
        """(may go out by the internet gateway, can be reached from it), per family: an
        external IPv4 or a Cloud NAT serving the subnet (outbound only) for IPv4, an external
        IPv6 for IPv6 (vpc/docs/vpc "Internet access requirements"; nat/docs/overview)."""
        v4 = any(":" not in a for a in w.public_addresses)
        v6 = any(":" in a for a in w.public_addresses)
        nat = any(g.kind is NextHop.NAT and g.network == w.network
                  and (w.subnet in g.subnets if g.subnets else g.region in ("", w.region))
                  for g in self.estate.gateways.values() if g.cloud == CLOUD)
        return (v4 or nat, v6), (v4, v6)

    def _table(self, nid: str) -> RouteTable:
        """The network's routes (routes.json) and what its active peerings bring: the peer's
        subnet ranges, always, and its custom static routes when it exports them and this
        network imports them (vpc/docs/vpc-peering, "Route exchange options")."""
        own = self.estate.route_tables.get(f"{nid}/routes")
        routes = list(own.routes) if own is not None else []
        net = self.estate.networks[nid]
        for p in net.peerings:
            peer = self.estate.networks.get(p.remote)
            if p.state.upper() != "ACTIVE" or peer is None:
                continue
            for sub in sorted(self.estate.subnets.values(), key=lambda s: s.id):
                if sub.network != p.remote:
                    continue
                for cidr in sub.cidrs.networks():
                    routes.append(Route(f"{nid}/peering/{p.name}:{cidr}", str(cidr),
                                        AddressSet.of_network(cidr), NextHop.PEERING,
                                        p.remote, origin="peering-subnet"))
            back = next((q for q in peer.peerings if q.remote == nid), None)
            theirs = self.estate.route_tables.get(f"{p.remote}/routes")
            if theirs is None or back is None or not (p.import_custom_routes
                                                       and back.export_custom_routes):
                continue
            for r in theirs.routes:
                if r.tags or r.next_hop in (NextHop.LOCAL, NextHop.INTERNET, NextHop.PEERING):
                    continue
                routes.append(Route(f"{nid}/peering/{p.name}:{r.id}", r.destination,
                                    r.addresses, NextHop.PEERING, p.remote,
                                    priority=r.priority, origin="peering-custom"))
        return RouteTable(f"{nid}/routes", CLOUD, "network", tuple(routes), network=nid,
                          name=f"{last(nid)} routes")

    def lookup(self, w: Workload, *, reply: bool) -> HalfStage | None:
        """The routes that apply to the instance (no tags, or one of its network tags), the
        most specific first, then the lowest priority (vpc/docs/routes, "Routing order");
        subnet routes (own and peered) before any custom route of the same range."""
        table = self._tables.get(w.network)
        if table is None:
            return None
        tags = set(w.labels)
        usable = [r for r in table.routes if not r.tags or tags.intersection(r.tags)]
        key = (table.id, tuple(sorted(self._route_tags[w.network].intersection(tags))))
        subnet_like = ("peering-subnet",)

        def tie(r: Route) -> int:
            return 0 if r.next_hop is NextHop.LOCAL or r.origin in subnet_like else \
                r.priority + 1

        stage = self.book.stage(key, table.name, ((table, r, tie(r)) for r in usable),
                                reply=reply)
        return HalfStage(stage, reply=reply)

    # -- chains --------------------------------------------------------------------------------
    def chain(self, w: Workload, direction: Direction) -> tuple[FilterStage, ...]:
        key = (self.class_key(w), direction)
        hit = self._chains.get(key)
        if hit is None:
            hit = self._chains[key] = self._build(w, direction)
        return hit

    def _build(self, w: Workload, direction: Direction) -> tuple[FilterStage, ...]:
        return tuple(self._stage(meta, cid, applicable, direction)
                     for meta, cid, applicable in self._tiers(w))

    def _tiers(self, w: Workload) -> list[tuple[_Meta, str, tuple[Filter, ...]]]:
        """Per tier in evaluation order, the filters that target the workload (both
        directions' chains are built from them, once per class)."""
        key = self.class_key(w)
        hit = self._applicable.get(key)
        if hit is not None:
            return hit
        hier = sorted(
            (ms[0].rank, cid, ms) for (layer, cid), ms in self._containers.items()
            if layer == HIERARCHY and ms[0].attached(w)
        )
        tiers = [(cid, ms) for _, cid, ms in hier]
        net = self.estate.networks.get(w.network)
        before = net is not None and (ENFORCEMENT_ORDER, BEFORE) in net.tags
        order = (NETWORK, REGIONAL, VPC) if before else (VPC, NETWORK, REGIONAL)
        for layer in (*order, IMPLIED):
            for (lay, cid), ms in sorted(self._containers.items()):
                if lay == layer and ms[0].attached(w):
                    tiers.append((cid, ms))
        hit = self._applicable[key] = []
        for cid, ms in tiers:
            applicable = tuple(m.filter for m in ms if m.targets(w))
            if applicable:
                hit.append((ms[0], cid, applicable))
        return hit

    def _stage(self, meta: _Meta, cid: str, filters: tuple[Filter, ...],
               direction: Direction) -> FilterStage:
        ids = "\n".join(f.id for f in filters)
        digest = hashlib.blake2b(f"{direction.value}\n{ids}".encode(), digest_size=12).hexdigest()
        hit = self._stages.get(digest)
        if hit is None:
            side = "source" if direction is Direction.EGRESS else "destination"
            name = meta.filter.name if meta.layer in (HIERARCHY, NETWORK, REGIONAL) else last(cid)
            label = f"{LABELS[meta.layer]} {name} ({direction.value}, {side})"
            hit = self._stages[digest] = FilterStage(
                label, filters, direction, FilterKind.PRIORITY,
                Action.DENY if meta.layer == IMPLIED else Action.GOTO_NEXT,
                Mode.TIER, part=meta.layer, digest=f"gcp:{digest}",
            )
        return hit

