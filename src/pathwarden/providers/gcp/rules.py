"""VPC firewall rules and firewall-policy rules -> :class:`Rule`, grouped into :class:`Filter`.

A GCP rule applies to the instances its *targets* select (firewalls REST reference: target
tags, target service accounts, none = every instance of the network; policy rules add
``targetResources``, the networks). The model's :class:`Rule` has no target, so rules are
grouped by (container, target) into one :class:`Filter` each; the filter's ``tags`` carry the
target and where the container sits, as ``(key, value)`` pairs:

- ``("tier", L)`` with ``L`` one of :data:`LAYERS` (also ``Filter.layer``);
- ``("container", id)``: the network (VPC rules) or the policy the rules belong to;
- ``("rank", "N")``: hierarchical policies, evaluation order (organization first);
- ``("applies", network-id or "*")``: the networks a policy is associated with;
- ``("region", r)``: a regional network firewall policy's region;
- ``("target_tag", t)``, ``("target_sa", s)``, ``("target_network", n)``,
  ``("target_secure_tag", t)``: the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pathwarden.model import (
    ALL_SERVICES,
    Action,
    Direction,
    Filter,
    FilterKind,
    Notice,
    Peer,
    PeerKind,
    Rule,
)
from pathwarden.model.addresses import parse_network
from pathwarden.model.services import NO_SERVICES, ServiceSet
from pathwarden.providers.gcp.shapes import CLOUD, path_of, priority, services, texts
from pathwarden.providers.jsondoc import Node

HIERARCHY, VPC, NETWORK, REGIONAL = "gcp_hfw", "gcp_vpc", "gcp_gnfp", "gcp_rnfp"
IMPLIED = "implied"
LAYERS = (HIERARCHY, VPC, NETWORK, REGIONAL, IMPLIED)
ANY_V4 = "0.0.0.0/0"
IMPLIED_PRIORITY = 65535
ACTIONS = {
    "allow": Action.ALLOW,
    "deny": Action.DENY,
    "goto_next": Action.GOTO_NEXT,
    # L7 inspection of allowed traffic (FirewallPolicyRule.action): the packet is let through.
    "apply_security_profile_group": Action.ALLOW,
}
# Policy matchers pathwarden cannot resolve to addresses: they match nothing here.
UNRESOLVED = ("SecureTags", "Fqdns", "RegionCodes", "ThreatIntelligences", "AddressGroups",
              "NetworkScope", "NetworkType")


@dataclass(frozen=True, slots=True)
class Target:
    tags: tuple[str, ...] = ()
    service_accounts: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    secure_tags: tuple[str, ...] = ()

    def pairs(self) -> tuple[tuple[str, str], ...]:
        return (
            tuple(("target_tag", t) for t in self.tags)
            + tuple(("target_sa", s) for s in self.service_accounts)
            + tuple(("target_network", n) for n in self.networks)
            + tuple(("target_secure_tag", t) for t in self.secure_tags)
        )

    def key(self) -> str:
        return ";".join(f"{k}={v}" for k, v in self.pairs())


@dataclass
class Container:
    """One rule container: a network's VPC firewall rules or one firewall policy."""

    id: str
    layer: str
    name: str
    project: str = ""
    network: str = ""
    region: str = ""
    rank: int = 0
    applies: set[str] = field(default_factory=set)
    rules: list[tuple[Rule, Target]] = field(default_factory=list)

    def filters(self) -> list[Filter]:
        groups: dict[Target, list[Rule]] = {}
        for r, t in self.rules:
            groups.setdefault(t, []).append(r)
        meta = [("tier", self.layer), ("container", self.id)]
        if self.layer == HIERARCHY:
            meta.append(("rank", str(self.rank)))
        meta.extend(("applies", a) for a in sorted(self.applies))
        if self.region:
            meta.append(("region", self.region))
        out = []
        for target, rules in sorted(groups.items(), key=lambda kv: kv[0].key()):
            fid = f"{self.id}@{target.key()}" if target.key() else self.id
            out.append(Filter(
                id=fid, kind=FilterKind.PRIORITY, cloud=CLOUD,
                rules=tuple(r if r.filter_id == fid else _refile(r, fid) for r in rules),
                name=self.name, network=self.network, account=self.project,
                region=self.region, default=Action.GOTO_NEXT, layer=self.layer,
                tags=tuple(meta) + target.pairs(),
            ))
        return out


def _refile(r: Rule, fid: str) -> Rule:
    return Rule(r.id, fid, r.action, r.direction, r.services, r.src, r.dst, r.order,
                r.src_ports, r.description, r.implied, r.disabled)


def _cidrs(node: Node, key: str, values: list[str]) -> list[Peer]:
    out = []
    for v in values:
        try:
            parse_network(v)
        except ValueError:
            node.fail(key, f"{v!r} is not an IP address or CIDR range")
        out.append(Peer(PeerKind.CIDR, v))
    return out


def _direction(node: Node) -> Direction:
    text = node.text("direction", "INGRESS").upper()
    if text not in ("INGRESS", "EGRESS"):
        node.fail("direction", f"expected INGRESS or EGRESS, found {text!r}")
    return Direction.INGRESS if text == "INGRESS" else Direction.EGRESS


class RuleParser:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def firewall(self, node: Node, network: str, project: str) -> tuple[Rule, Target]:
        """One VPC firewall rule (``compute#firewall``; firewalls REST reference)."""
        name = node.require_text("name")
        rid = path_of(node.text("selfLink")) or f"projects/{project}/global/firewalls/{name}"
        direction = _direction(node)
        allowed, denied = node.children("allowed"), node.children("denied")
        if allowed and denied:
            node.fail("denied", "a firewall rule has either allowed[] or denied[], not both")
        action = Action.DENY if denied else Action.ALLOW
        svc = ServiceSet.union_all(services(e, "IPProtocol") for e in allowed or denied)
        ranges = _cidrs(node, "sourceRanges", texts(node, "sourceRanges"))
        dests = _cidrs(node, "destinationRanges", texts(node, "destinationRanges"))
        src: list[Peer]
        dst: list[Peer]
        if direction is Direction.INGRESS:
            # sources are OR'd: ranges, tags (or service accounts); none given = 0.0.0.0/0
            src = ranges
            src += [Peer(PeerKind.NETWORK_TAG, t, network=network)
                    for t in texts(node, "sourceTags")]
            src += [Peer(PeerKind.SERVICE_ACCOUNT, s, network=network)
                    for s in texts(node, "sourceServiceAccounts")]
            if not src:
                src = [Peer(PeerKind.CIDR, ANY_V4)]
            dst = dests
        else:
            dst = dests or [Peer(PeerKind.CIDR, ANY_V4)]
            src = ranges
        target = Target(tags=tuple(sorted(texts(node, "targetTags"))),
                        service_accounts=tuple(sorted(texts(node, "targetServiceAccounts"))))
        rule = Rule(
            id=rid, filter_id="", action=action, direction=direction, services=svc,
            src=tuple(src), dst=tuple(dst), order=priority(node, 1000),
            description=node.text("description") or name,
            disabled=bool(node.flag("disabled")),
        )
        return rule, target

    def policy_rule(self, node: Node, policy_id: str, network: str) -> tuple[Rule, Target]:
        """One firewall-policy rule (``compute#firewallPolicyRule``)."""
        prio = priority(node, -1)
        if prio < 0:
            node.fail("priority", "missing (a policy rule's priority is its identifier)")
        rid = f"{policy_id}#{prio}"
        direction = _direction(node)
        word = node.text("action").lower()
        action = ACTIONS.get(word)
        if action is None:
            node.fail("action", f"expected allow, deny, goto_next or "
                      f"apply_security_profile_group, found {word!r}")
        match = node.child("match") or Node({}, node.doc, node, "match")
        l4 = match.children("layer4Configs")
        svc = ServiceSet.union_all(services(e, "ipProtocol") for e in l4) if l4 else NO_SERVICES
        src = self._side(match, "src", rid, network)
        dst = self._side(match, "dest", rid, network)
        secure = [n.text("name") for n in node.children("targetSecureTags")]
        target = Target(
            service_accounts=tuple(sorted(texts(node, "targetServiceAccounts"))),
            networks=tuple(sorted(path_of(r) for r in texts(node, "targetResources"))),
            secure_tags=tuple(sorted(s for s in secure if s)),
        )
        if target.secure_tags:
            self.notices.append(Notice("gcp-secure-tags", f"{rid} targets secure tags, which "
                                "pathwarden does not read: the rule applies to no instance", rid))
        rule = Rule(
            id=rid, filter_id="", action=action, direction=direction, services=svc,
            src=tuple(src), dst=tuple(dst), order=prio,
            description=node.text("description") or node.text("ruleName") or word,
            disabled=bool(node.flag("disabled")),
        )
        return rule, target

    def _side(self, match: Node, side: str, rid: str, network: str) -> list[Peer]:
        """``srcIpRanges`` OR the other matchers of one side; unresolvable ones match nothing."""
        peers = _cidrs(match, f"{side}IpRanges", texts(match, f"{side}IpRanges"))
        unresolved = False
        for suffix in UNRESOLVED:
            key = f"{side}{suffix}"
            value = match.data.get(key)
            if not value:
                continue
            unresolved = True
            if suffix == "SecureTags" and isinstance(value, list):
                names = [v.get("name", "") for v in value if isinstance(v, dict)]
            else:
                names = [str(v) for v in (value if isinstance(value, list) else [value])]
            peers += [Peer(PeerKind.SERVICE_TAG, f"{key}:{n}", network=network) for n in names]
        if unresolved:
            self.notices.append(Notice("gcp-unresolved-match", f"{rid} matches on secure tags, "
                                "FQDNs, geolocations, threat intelligence or address groups, "
                                "which pathwarden does not resolve: those parts match nothing",
                                rid))
        return peers


def implied_filter(network: str, project: str) -> Filter:
    """Every VPC network's implied rules (not returned by firewalls.list): allow egress to any
    destination, deny ingress from any source, priority 65535 (vpc/docs/firewalls § Implied
    rules; IPv6 equivalents exist when IPv6 is enabled, so they are written for both)."""
    fid = f"{network}/implied"
    rules = (
        Rule(f"{network}/implied-allow-egress", fid, Action.ALLOW, Direction.EGRESS,
             ALL_SERVICES, order=IMPLIED_PRIORITY, implied=True,
             description="implied allow egress"),
        Rule(f"{network}/implied-deny-ingress", fid, Action.DENY, Direction.INGRESS,
             ALL_SERVICES, order=IMPLIED_PRIORITY, implied=True,
             description="implied deny ingress"),
    )
    return Filter(id=fid, kind=FilterKind.PRIORITY, cloud=CLOUD, rules=rules,
                  name="implied rules", network=network, account=project,
                  default=Action.DENY, layer=IMPLIED,
                  tags=(("tier", IMPLIED), ("container", network)))

