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
    Workload,
)
from pathwarden.model.addresses import parse_network
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

    # -- Semantics protocol -------------------------------------------------------------------
    def class_key(self, workload: Workload) -> Hashable:
        tags = self._target_tags.get(workload.network, set())
        return (
            workload.network,
            workload.region if self._regional else "",
            tuple(sorted(tags.intersection(workload.labels))),
            workload.service_account if workload.service_account in self._target_sas else "",
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

    def platform(self) -> AddressSet:
        return PLATFORM

    def half(self, w: Workload | None, role: Role) -> Half:
        if w is None:
            return NO_HALF
        direction = Direction.EGRESS if role is Role.SOURCE else Direction.INGRESS
        return Half(tuple(HalfStage(s) for s in self.chain(w, direction)))

    def place(self, w: Workload | None) -> Hashable:
        return None if w is None else w.network

    def link(self, src: Hashable, dst: Hashable) -> Hashable | None:
        """Same VPC network or an active peering; different networks otherwise have no
        route."""
        if src is None or dst is None:
            return "outside"
        return "network" if private_route(self.estate, str(src), str(dst)) else None

    def join(self, link: Hashable, src: Half, src_decisions: tuple[Decision, ...], dst: Half,
             dst_decisions: tuple[Decision, ...]) -> Joined:
        """The egress chain at the source and the ingress chain at the destination must both
        let it through."""
        return two_chains(src, src_decisions, dst, dst_decisions)

    # -- chains --------------------------------------------------------------------------------
    def chain(self, w: Workload, direction: Direction) -> tuple[FilterStage, ...]:
        key = (self.class_key(w), direction)
        hit = self._chains.get(key)
        if hit is None:
            hit = self._chains[key] = self._build(w, direction)
        return hit

    def _build(self, w: Workload, direction: Direction) -> tuple[FilterStage, ...]:
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
        stages: list[FilterStage] = []
        for cid, ms in tiers:
            applicable = tuple(m.filter for m in ms if m.targets(w))
            if applicable:
                stages.append(self._stage(ms[0], cid, applicable, direction))
        return tuple(stages)

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

