"""Cloud-neutral verdict functions: how the matching rules of one filter decide a flow.

Each function takes the rules of one filter that match a flow's addresses and splits the
service space into what the filter allows, denies, always-allows (accept and skip every later
stage: Azure AVNM ``AlwaysAllow``) and passes on undecided (GCP ``goto_next``, AVNM ``Allow``).
:func:`combine` then runs a chain of such decisions in order.

- :func:`union`: AWS security groups. "The rules from each security group are aggregated to
  form a single set of rules"; allow rules only, no order (security-group-rules.md).
- :func:`first_match`: AWS NACLs ("starting with the lowest numbered rule ... If the traffic
  matches a rule, the rule is applied and we do not evaluate any additional rules",
  vpc-network-acls.md) and Azure NSG / admin rules ("Once traffic matches a rule, processing
  stops", network-security-groups-overview.md).
- :func:`priority_deny_wins`: GCP ("DENY rules take precedence over ALLOW rules if they have
  equal priority", compute/docs/reference/rest/v1/firewalls).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pathwarden.model import ALL_SERVICES, NO_SERVICES, Action, FilterKind, Rule, ServiceSet


@dataclass(frozen=True, slots=True)
class Contribution:
    """The part of the service space one rule decided (after earlier rules took theirs)."""

    rule: Rule
    services: ServiceSet


@dataclass(frozen=True, slots=True)
class Decision:
    allow: ServiceSet = NO_SERVICES
    deny: ServiceSet = NO_SERVICES
    always: ServiceSet = NO_SERVICES
    rest: ServiceSet = NO_SERVICES
    contributions: tuple[Contribution, ...] = ()
    route: str = ""  # a route lookup's decision: the id of the rule (route) taken


def union(rules: Iterable[Rule], default: Action = Action.DENY) -> Decision:
    """Allow-only rules OR'd together; what no rule allows takes ``default``.

    >>> from pathwarden.model import Direction
    >>> a = Rule("r1", "sg-1", Action.ALLOW, Direction.INGRESS, ServiceSet.tcp(22))
    >>> b = Rule("r2", "sg-2", Action.ALLOW, Direction.INGRESS, ServiceSet.tcp(20, 30))
    >>> union([a, b]).allow.describe()
    'tcp/20-30'
    """
    contributions: list[Contribution] = []
    for r in rules:
        if r.action is not Action.ALLOW:
            raise ValueError(f"{r.id}: a union filter holds allow rules only, not {r.action}")
        contributions.append(Contribution(r, r.services))
    allowed = ServiceSet.union_all(c.services for c in contributions)
    return _with_default(allowed, NO_SERVICES, NO_SERVICES, NO_SERVICES, default, contributions)


def first_match(rules: Sequence[Rule], default: Action = Action.DENY) -> Decision:
    """Rules in ascending ``order``; each service goes to the first rule that matches it.

    >>> from pathwarden.model import Direction
    >>> deny = Rule("n#90", "acl", Action.DENY, Direction.INGRESS, ServiceSet.tcp(22), order=90)
    >>> allow = Rule("n#100", "acl", Action.ALLOW, Direction.INGRESS, ServiceSet.tcp(0, 1000),
    ...              order=100)
    >>> first_match([allow, deny]).allow.describe()
    'tcp/0-21,23-1000'
    """
    return _ordered(sorted(rules, key=lambda r: r.order), default)


def priority_deny_wins(rules: Sequence[Rule], default: Action = Action.DENY) -> Decision:
    """Ascending priority; at equal priority a deny is evaluated before an allow."""
    rank = {Action.DENY: 0, Action.ALWAYS_ALLOW: 1, Action.ALLOW: 2, Action.GOTO_NEXT: 3}
    return _ordered(sorted(rules, key=lambda r: (r.order, rank[r.action])), default)


def route(rules: Sequence[Rule]) -> Decision:
    """A route lookup: the matching route with the lowest ``order`` is taken, for every
    service (routes do not look at ports); none matching is "no route" (everything denied,
    no contribution).

    >>> from pathwarden.model import Direction
    >>> wide = Rule("rtb-1:10.0.0.0/8", "rtb-1", Action.ALLOW, Direction.EGRESS, ALL_SERVICES,
    ...             order=24)
    >>> hole = Rule("rtb-1:10.1.0.0/16", "rtb-1", Action.DENY, Direction.EGRESS, ALL_SERVICES,
    ...             order=16)
    >>> route([wide, hole]).route, bool(route([wide, hole]).allow)
    ('rtb-1:10.1.0.0/16', False)
    """
    if not rules:
        return Decision(deny=ALL_SERVICES)
    taken = min(rules, key=lambda r: (r.order, r.id))
    allow = taken.action is Action.ALLOW
    return Decision(ALL_SERVICES if allow else NO_SERVICES, NO_SERVICES if allow else ALL_SERVICES,
                    contributions=(Contribution(taken, ALL_SERVICES),), route=taken.id)


def decide(kind: FilterKind, rules: Sequence[Rule], default: Action) -> Decision:
    if kind is FilterKind.ROUTE:
        return route(rules)
    if kind is FilterKind.UNION:
        return union(rules, default)
    if kind is FilterKind.FIRST_MATCH:
        return first_match(rules, default)
    return priority_deny_wins(rules, default)


def _ordered(rules: Sequence[Rule], default: Action) -> Decision:
    decided = NO_SERVICES
    parts = {a: NO_SERVICES for a in Action}
    contributions: list[Contribution] = []
    for r in rules:
        effective = r.services - decided
        if not effective:
            continue
        contributions.append(Contribution(r, effective))
        parts[r.action] = parts[r.action] | effective
        decided = decided | effective
        if decided == ALL_SERVICES:
            break
    return _with_default(
        parts[Action.ALLOW],
        parts[Action.DENY],
        parts[Action.ALWAYS_ALLOW],
        parts[Action.GOTO_NEXT],
        default,
        contributions,
    )


def _with_default(
    allow: ServiceSet,
    deny: ServiceSet,
    always: ServiceSet,
    rest: ServiceSet,
    default: Action,
    contributions: list[Contribution],
) -> Decision:
    unmatched = ALL_SERVICES - (allow | deny | always | rest)
    if unmatched:
        if default is Action.ALLOW:
            allow = allow | unmatched
        elif default is Action.DENY:
            deny = deny | unmatched
        elif default is Action.ALWAYS_ALLOW:
            always = always | unmatched
        else:
            rest = rest | unmatched
    return Decision(allow, deny, always, rest, tuple(contributions))


class Mode(StrEnum):
    """How a stage's decision feeds the chain.

    - ``gate``: the stage must allow (in series, like Azure's subnet then NIC NSG, or each AWS
      hop); what it leaves undecided passes on.
    - ``tier``: the stage's allow and deny are final (a GCP policy level, an Azure admin rule
      collection); only what it leaves undecided goes on to the next stage.
    In both modes ``always`` is final: accepted, no later stage of the chain is consulted.
    """

    GATE = "gate"
    TIER = "tier"


def combine(decisions: Sequence[tuple[Mode, Decision]]) -> ServiceSet:
    """What a chain of stages lets through, starting from every service.

    >>> from pathwarden.model import Direction
    >>> admin = Decision(always=ServiceSet.tcp(22), deny=ServiceSet.tcp(23),
    ...                  rest=ALL_SERVICES - ServiceSet.tcp(22, 23))
    >>> nsg = Decision(allow=ServiceSet.tcp(23, 80), deny=ALL_SERVICES - ServiceSet.tcp(23, 80))
    >>> combine([(Mode.TIER, admin), (Mode.GATE, nsg)]).describe()   # 22 always, 23 denied
    'tcp/22,24-80'
    """
    if len(decisions) == 1:  # one stage alone (every AWS hop): all it lets through
        d = decisions[0][1]
        if not d.always and not d.rest:
            return d.allow
        return d.allow | d.always | d.rest
    final = NO_SERVICES
    pending = ALL_SERVICES
    for mode, d in decisions:
        if not pending:
            break
        final = final | (pending & d.always)
        if mode is Mode.TIER:
            final = final | (pending & d.allow)
            pending = pending & d.rest
        else:
            pending = pending & (d.allow | d.rest)
    return final | pending
