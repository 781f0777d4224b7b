"""Rules and filters: the cloud's own rule sets, normalised, with provenance.

A :class:`Filter` is one rule set the cloud evaluates as a unit (an AWS security group or
network ACL, an Azure NSG or admin rule collection, a GCP firewall tier). Its
:class:`FilterKind` names the verdict function that decides it; the functions themselves live
in :mod:`pathwarden.engine.verdicts` and are cloud-neutral.

A :class:`Rule` keeps the symbols the cloud wrote (:class:`Peer`: a CIDR, a security group, a
prefix list, a service tag, an ASG, a network tag, a service account); the engine resolves them
to addresses, while planners and renderers edit the symbol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pathwarden.model.services import ServiceSet


class Action(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    ALWAYS_ALLOW = "always_allow"  # Azure AVNM admin rule: accept, skip every later stage
    GOTO_NEXT = "goto_next"  # no verdict here: the next stage decides (GCP goto_next, AVNM Allow)


class Direction(StrEnum):
    INGRESS = "ingress"
    EGRESS = "egress"


class FilterKind(StrEnum):
    """How the rules of one filter combine into a verdict.

    - ``union``: allow rules only, no order; a flow passes if any rule matches
      (AWS security groups, "the rules from each security group are aggregated").
    - ``first-match``: ascending ``order``, the first matching rule decides
      (AWS NACL rule numbers, Azure NSG and admin-rule priorities).
    - ``priority``: ascending ``order``; at equal order a deny beats an allow
      (GCP firewall rules and policies).
    - ``route``: a route table as the engine looks it up: the matching rule with the lowest
      ``order`` (the most specific destination, then the cloud's tie-breaks) is the route
      taken; an allow rule forwards, a deny rule drops (AWS blackhole, Azure ``None``).
    """

    UNION = "union"
    FIRST_MATCH = "first-match"
    PRIORITY = "priority"
    ROUTE = "route"


class PeerKind(StrEnum):
    ANY = "any"
    CIDR = "cidr"
    SECURITY_GROUP = "security_group"
    PREFIX_LIST = "prefix_list"
    SERVICE_TAG = "service_tag"
    ASG = "asg"
    NETWORK_TAG = "network_tag"
    SERVICE_ACCOUNT = "service_account"


@dataclass(frozen=True, slots=True)
class Peer:
    """One address reference exactly as the cloud names it."""

    kind: PeerKind
    value: str = ""
    account: str | None = None  # owner of a referenced group (AWS UserId)
    network: str | None = None  # scope of a tag/service account/peered group
    peering: str | None = None  # AWS VpcPeeringConnectionId of a peered reference
    peering_status: str | None = None

    def label(self) -> str:
        if self.kind is PeerKind.ANY:
            return "any"
        if self.kind is PeerKind.CIDR:
            return self.value
        owner = f"{self.account}/" if self.account else ""
        return f"{self.kind.value}:{owner}{self.value}"


ANY_PEER = Peer(PeerKind.ANY)


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule with its provenance (``id`` is the cloud's own rule id where it has one).

    ``src`` and ``dst`` are unions of peers; an empty tuple means any address. ``order`` is the
    rule number or priority (0 for unordered filters). ``src_ports`` restricts source ports
    (Azure ``sourcePortRanges``); ``None`` means any source port. ``route`` is set on the rules
    the engine makes of routes (:class:`FilterKind` ``route``): the route as explanations say
    it, ``10.2.0.0/16 -> tgw-0b2``.
    """

    id: str
    filter_id: str
    action: Action
    direction: Direction
    services: ServiceSet
    src: tuple[Peer, ...] = ()
    dst: tuple[Peer, ...] = ()
    order: int = 0
    src_ports: tuple[tuple[int, int], ...] | None = None
    description: str = ""
    implied: bool = False
    disabled: bool = False
    route: str = ""

    def summary(self) -> str:
        if self.route:
            return self.route
        peers = self.src if self.direction is Direction.INGRESS else self.dst
        where = ", ".join(p.label() for p in peers) or "any"
        word = "from" if self.direction is Direction.INGRESS else "to"
        order = f"#{self.order} " if self.order else ""
        return f"{order}{self.action.value} {self.services.describe()} {word} {where}"


@dataclass(frozen=True, slots=True)
class Filter:
    """A rule set evaluated as a unit. ``default`` decides what no rule matched."""

    id: str
    kind: FilterKind
    cloud: str
    rules: tuple[Rule, ...]
    name: str = ""
    network: str = ""
    account: str = ""
    region: str = ""
    default: Action = Action.DENY
    layer: str = ""  # aws_sg, aws_nacl, az_nsg, az_admin, gcp_vpc, gcp_policy, implied ...
    tags: tuple[tuple[str, str], ...] = field(default=())

    def direction(self, direction: Direction) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.direction is direction and not r.disabled)
