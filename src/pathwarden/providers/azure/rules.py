"""NSG security rules and AVNM security admin rules -> :class:`Filter` / :class:`Rule`.

Wire format only (networkSecurityGroup.json, the AVNM admin-rule REST shape); how a flow is
decided is in :mod:`.semantics`. Symbols are kept: a rule naming ``VirtualNetwork`` or an ASG
keeps that name as a :class:`Peer`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import lru_cache

from pathwarden.model import (
    ANY_PEER,
    Action,
    Direction,
    Filter,
    FilterKind,
    Notice,
    Peer,
    PeerKind,
    Rule,
    ServiceSet,
)
from pathwarden.providers.azure.shapes import (
    FULL_PORTS,
    name_of,
    parse_ports,
    port_services,
    props,
    protocol_numbers,
    refs,
    segment,
    services,
    singular_plural,
    tag_pairs,
)
from pathwarden.providers.jsondoc import Node

CLOUD = "azure"
VIRTUAL_NETWORK = "VirtualNetwork"
INTERNET = "Internet"
LOAD_BALANCER = "AzureLoadBalancer"
# Current names and the classic aliases the API still accepts.
TAG_ALIASES = {
    "virtualnetwork": VIRTUAL_NETWORK,
    "virtual_network": VIRTUAL_NETWORK,
    "internet": INTERNET,
    "azureloadbalancer": LOAD_BALANCER,
    "azure_loadbalancer": LOAD_BALANCER,
}
ANY_WORDS = {"*", "any"}

# network-security-groups-overview.md § Default security rules; API names (DefaultSecurityRule).
DEFAULT_RULES: tuple[tuple[str, Direction, int, str, str, Action], ...] = (
    ("AllowVnetInBound", Direction.INGRESS, 65000, VIRTUAL_NETWORK, VIRTUAL_NETWORK, Action.ALLOW),
    ("AllowAzureLoadBalancerInBound", Direction.INGRESS, 65001, LOAD_BALANCER, "*", Action.ALLOW),
    ("DenyAllInBound", Direction.INGRESS, 65500, "*", "*", Action.DENY),
    ("AllowVnetOutBound", Direction.EGRESS, 65000, VIRTUAL_NETWORK, VIRTUAL_NETWORK, Action.ALLOW),
    ("AllowInternetOutBound", Direction.EGRESS, 65001, "*", INTERNET, Action.ALLOW),
    ("DenyAllOutBound", Direction.EGRESS, 65500, "*", "*", Action.DENY),
)
_DEFAULT_NAMES = {d[0].lower(): d[0] for d in DEFAULT_RULES} | {
    "defaultinbounddenyall": "DenyAllInBound",  # effective-rules spelling
    "defaultoutbounddenyall": "DenyAllOutBound",
}
DIRECTIONS = {"inbound": Direction.INGRESS, "outbound": Direction.EGRESS}
NSG_ACCESS = {"allow": Action.ALLOW, "deny": Action.DENY}
# concept-security-admins.md: Allow continues to the NSGs, AlwaysAllow and Deny terminate.
ADMIN_ACCESS = {"allow": Action.GOTO_NEXT, "alwaysallow": Action.ALWAYS_ALLOW, "deny": Action.DENY}


def default_rule_name(name: str) -> str:
    """``DefaultRule_DenyAllInBound``, ``defaultSecurityRules/DenyAllInbound``,
    ``DefaultInboundDenyAll`` -> ``DenyAllInBound``; other names are returned unchanged."""
    bare = name.rsplit("/", 1)[-1]
    low = bare.lower().removeprefix("defaultrule_")
    return _DEFAULT_NAMES.get(low, bare)


@lru_cache(maxsize=65536)
def address_peer(text: str) -> Peer:
    """``*``/``Any`` -> any; an address or CIDR (host bits cleared); else a service tag."""
    value = text.strip()
    if value.lower() in ANY_WORDS:
        return ANY_PEER
    try:
        return Peer(PeerKind.CIDR, str(ipaddress.ip_network(value, strict=False)))
    except ValueError:
        pass
    return Peer(PeerKind.SERVICE_TAG, TAG_ALIASES.get(value.lower(), value))


@dataclass
class RuleParser:
    """Parses rules and keeps what the loader reports afterwards."""

    notices: list[Notice] = field(default_factory=list)
    asg_refs: list[tuple[str, str]] = field(default_factory=list)  # (rule id, asg id)
    tag_refs: dict[str, str] = field(default_factory=dict)  # tag -> first rule id naming it

    # -- NSGs ----------------------------------------------------------------------------------
    def nsg(self, node: Node) -> tuple[Filter, list[str], list[str]]:
        """The NSG's filter plus the subnet and NIC ids it lists as associated."""
        nsg_id = node.require_text("id")
        p = props(node)
        rules = [self.security_rule(r, nsg_id, implied=False) for r in p.children("securityRules")]
        defaults = [
            self.security_rule(r, nsg_id, implied=True) for r in p.children("defaultSecurityRules")
        ]
        have = {r.id.rsplit("/", 1)[-1].lower() for r in defaults}
        for name, direction, prio, src, dst, action in DEFAULT_RULES:
            if name.lower() not in have:  # defaults "cannot be removed": synthesise the absent
                defaults.append(
                    Rule(
                        id=f"{nsg_id}/defaultSecurityRules/{name}",
                        filter_id=nsg_id,
                        action=action,
                        direction=direction,
                        services=services(None, FULL_PORTS),
                        src=_any_if_empty(_peers([src])),
                        dst=_any_if_empty(_peers([dst])),
                        order=prio,
                        implied=True,
                    )
                )
        self._check_priorities(nsg_id, rules)
        ordered = sorted(rules + defaults, key=lambda r: (r.direction, r.order, r.id.lower()))
        f = Filter(
            id=nsg_id,
            kind=FilterKind.FIRST_MATCH,
            cloud=CLOUD,
            rules=tuple(ordered),
            name=node.text("name") or name_of(nsg_id),
            account=segment(nsg_id, "subscriptions"),
            region=node.text("location"),
            default=Action.DENY,
            layer="az_nsg",
            tags=tag_pairs(node),
        )
        return f, refs(p, "subnets"), refs(p, "networkInterfaces")

    def security_rule(self, node: Node, nsg_id: str, *, implied: bool) -> Rule:
        p = props(node)
        name = (node.text("name") or p.text("name")).rsplit("/", 1)[-1]
        if implied:
            name = default_rule_name(name)
        kind = "defaultSecurityRules" if implied else "securityRules"
        rule_id = node.text("id") or f"{nsg_id}/{kind}/{name}"
        if implied:
            rule_id = f"{rule_id.rsplit('/', 1)[0]}/{name}"
        direction = _direction(p)
        action = _action(p, "access", NSG_ACCESS)
        dst_ports = parse_ports(
            p, "destinationPortRange",
            singular_plural(p, "destinationPortRange", "destinationPortRanges"),
        )
        src_ports = parse_ports(
            p, "sourcePortRange", singular_plural(p, "sourcePortRange", "sourcePortRanges")
        )
        svc = services(protocol_numbers(p, "protocol"), dst_ports)
        svc = _source_port_reading(svc, action, src_ports)
        src = _peers(singular_plural(p, "sourceAddressPrefix", "sourceAddressPrefixes"))
        dst = _peers(singular_plural(p, "destinationAddressPrefix", "destinationAddressPrefixes"))
        src = src + tuple(Peer(PeerKind.ASG, a) for a in refs(p, "sourceApplicationSecurityGroups"))
        dst = dst + tuple(
            Peer(PeerKind.ASG, a) for a in refs(p, "destinationApplicationSecurityGroups")
        )
        self._note_refs(rule_id, src + dst)
        return Rule(
            id=rule_id,
            filter_id=nsg_id,
            action=action,
            direction=direction,
            services=svc,
            src=_any_if_empty(src),
            dst=_any_if_empty(dst),
            order=p.require_integer("priority"),
            src_ports=None if src_ports == FULL_PORTS else src_ports,
            description=p.text("description"),
            implied=implied,
        )

    def _check_priorities(self, nsg_id: str, rules: list[Rule]) -> None:
        seen: dict[tuple[Direction, int], str] = {}
        for r in rules:
            k = (r.direction, r.order)
            if k in seen:
                self.notices.append(Notice(
                    "duplicate-priority",
                    f"{nsg_id}: rules {name_of(seen[k])} and {name_of(r.id)} share priority "
                    f"{r.order} ({r.direction.value}), which Azure does not allow; they are "
                    "evaluated in name order",
                    nsg_id,
                ))
            else:
                seen[k] = r.id

    # -- AVNM admin rules ----------------------------------------------------------------------
    def admin_filter(self, vnet_id: str, items: list[Node]) -> Filter:
        """The effective security admin rules of one VNet as one tier."""
        fid = f"{vnet_id}/securityAdminRules"
        rules = [self.admin_rule(n, fid) for n in items]
        return Filter(
            id=fid,
            kind=FilterKind.PRIORITY,
            cloud=CLOUD,
            rules=tuple(sorted(rules, key=lambda r: (r.direction, r.order, r.id.lower()))),
            name=f"security admin rules of {name_of(vnet_id)}",
            network=vnet_id,
            account=segment(vnet_id, "subscriptions"),
            default=Action.GOTO_NEXT,
            layer="az_admin",
        )

    def admin_rule(self, node: Node, filter_id: str) -> Rule:
        p = props(node)
        rule_id = node.text("id") or f"{filter_id}/{node.text('name') or p.text('name')}"
        action = _action(p, "access", ADMIN_ACCESS)
        dst_ports = parse_ports(p, "destinationPortRanges", _port_list(p, "destinationPortRanges"))
        src_ports = parse_ports(p, "sourcePortRanges", _port_list(p, "sourcePortRanges"))
        svc = services(protocol_numbers(p, "protocol"), dst_ports)
        svc = _source_port_reading(svc, action, src_ports)
        src = _peers([a.text("addressPrefix") for a in p.children("sources")])
        dst = _peers([a.text("addressPrefix") for a in p.children("destinations")])
        self._note_refs(rule_id, src + dst)
        return Rule(
            id=rule_id,
            filter_id=filter_id,
            action=action,
            direction=_direction(p),
            services=svc,
            src=_any_if_empty(src),
            dst=_any_if_empty(dst),
            order=p.require_integer("priority"),
            src_ports=None if src_ports == FULL_PORTS else src_ports,
            description=p.text("description"),
        )

    def _note_refs(self, rule_id: str, peers: tuple[Peer, ...]) -> None:
        for peer in peers:
            if peer.kind is PeerKind.ASG:
                self.asg_refs.append((rule_id, peer.value))
            elif peer.kind is PeerKind.SERVICE_TAG:
                self.tag_refs.setdefault(peer.value, rule_id)


def _source_port_reading(
    svc: ServiceSet, action: Action, src_ports: tuple[tuple[int, int], ...]
) -> ServiceSet:
    """The conservative reading of a source-port restriction (docs/azure-semantics.md).

    The client picks its source port. A rule that lets traffic through (Allow, AlwaysAllow,
    admin Allow) still matches: the client can pick a port inside the range. A Deny rule does
    not stop TCP or UDP: the client can pick a port outside it. Protocols without ports ignore
    the field."""
    if src_ports == FULL_PORTS or action is not Action.DENY:
        return svc
    return svc - port_services()


def _peers(items: list[str]) -> tuple[Peer, ...]:
    return tuple(address_peer(t) for t in items if t.strip())


def _any_if_empty(peers: tuple[Peer, ...]) -> tuple[Peer, ...]:
    """An empty side or one naming ``*`` matches every address (the model's ``()``)."""
    if any(p.kind is PeerKind.ANY for p in peers):
        return ()
    return peers


def _port_list(node: Node, field: str) -> list[str]:
    return [t for t in (x.strip() for x in _strings(node, field)) if t]


def _strings(node: Node, field: str) -> list[str]:
    value = node.data.get(field)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        node.fail(field, "expected a list of strings")
    return list(value)


def _action(node: Node, field_name: str, values: dict[str, Action]) -> Action:
    text = node.require_text(field_name)
    hit = values.get(text.strip().lower())
    if hit is None:
        node.fail(field_name, f"expected one of {', '.join(sorted(values))}, found {text!r}")
    return hit


def _direction(node: Node) -> Direction:
    text = node.require_text("direction")
    hit = DIRECTIONS.get(text.strip().lower())
    if hit is None:
        node.fail("direction", f"expected Inbound or Outbound, found {text!r}")
    return hit
