"""The generic verdict functions, each against the cloud rule it implements."""

import pytest

from pathwarden.engine.verdicts import Decision, Mode, combine, decide, first_match, union
from pathwarden.engine.verdicts import priority_deny_wins as priority
from pathwarden.model import ALL_SERVICES, Action, Direction, FilterKind, Rule, ServiceSet

IN = Direction.INGRESS


def rule(rid: str, action: Action, services: ServiceSet, order: int = 0) -> Rule:
    return Rule(rid, "f", action, IN, services, order=order)


def test_union_is_order_free_and_denies_the_rest() -> None:
    # AWS: "the rules from each security group are aggregated" (security-group-rules.md)
    rs = [rule("a", Action.ALLOW, ServiceSet.tcp(22)), rule("b", Action.ALLOW, ServiceSet.udp(53))]
    d1, d2 = union(rs), union(list(reversed(rs)))
    assert d1.allow == d2.allow == ServiceSet.tcp(22) | ServiceSet.udp(53)
    assert d1.deny == ALL_SERVICES - d1.allow


def test_union_rejects_deny_rules() -> None:
    with pytest.raises(ValueError):
        union([rule("x", Action.DENY, ServiceSet.tcp(22))])


def test_first_match_lowest_number_wins() -> None:
    # AWS NACL: a deny at 90 beats an allow at 100 (vpc-network-acls.md)
    rs = [
        rule("allow100", Action.ALLOW, ServiceSet.tcp(0, 1024), 100),
        rule("deny90", Action.DENY, ServiceSet.tcp(22), 90),
    ]
    d = first_match(rs)
    assert not d.allow.contains(6, 22)
    assert d.allow.contains(6, 21) and d.allow.contains(6, 23)
    assert [c.rule.id for c in d.contributions] == ["deny90", "allow100"]


def test_first_match_unmatched_takes_the_default() -> None:
    d = first_match([rule("a", Action.ALLOW, ServiceSet.tcp(22), 1)], default=Action.GOTO_NEXT)
    assert d.rest == ALL_SERVICES - ServiceSet.tcp(22)


def test_priority_deny_wins_ties() -> None:
    # GCP: "DENY rules take precedence over ALLOW rules if they have equal priority"
    rs = [
        rule("allow", Action.ALLOW, ServiceSet.tcp(22), 1000),
        rule("deny", Action.DENY, ServiceSet.tcp(22), 1000),
    ]
    assert not priority(rs).allow
    assert first_match(rs).allow == ServiceSet.tcp(22)  # without the tie-break, input order
    assert decide(FilterKind.PRIORITY, rs, Action.DENY).deny.contains(6, 22)


def test_lower_priority_allow_beats_higher_number_deny() -> None:
    rs = [
        rule("deny", Action.DENY, ServiceSet.tcp(22), 1001),
        rule("allow", Action.ALLOW, ServiceSet.tcp(22), 1000),
    ]
    assert priority(rs).allow == ServiceSet.tcp(22)


def test_tier_chain_goto_next_falls_through_and_terminal_actions_stop() -> None:
    # GCP hierarchical policy: goto_next passes to the next level; allow/deny are final
    org = first_match(
        [
            rule("org-deny-23", Action.DENY, ServiceSet.tcp(23), 1),
            rule("org-next-22", Action.GOTO_NEXT, ServiceSet.tcp(22), 2),
            rule("org-allow-80", Action.ALLOW, ServiceSet.tcp(80), 3),
        ],
        default=Action.GOTO_NEXT,
    )
    vpc = first_match([rule("vpc-deny-80", Action.DENY, ServiceSet.tcp(80), 1)], Action.GOTO_NEXT)
    implied = Decision(deny=ALL_SERVICES - ServiceSet.tcp(22), allow=ServiceSet.tcp(22))
    out = combine([(Mode.TIER, org), (Mode.TIER, vpc), (Mode.TIER, implied)])
    assert out == ServiceSet.tcp(22) | ServiceSet.tcp(80)  # vpc deny 80 never seen


def test_always_allow_bypasses_later_gates_and_deny_is_terminal() -> None:
    # Azure AVNM: AlwaysAllow and Deny terminate; Allow continues to the NSGs
    # (concept-security-admins.md)
    admin = first_match(
        [
            rule("always-22", Action.ALWAYS_ALLOW, ServiceSet.tcp(22), 10),
            rule("deny-23", Action.DENY, ServiceSet.tcp(23), 20),
            rule("allow-80", Action.GOTO_NEXT, ServiceSet.tcp(80), 30),
        ],
        default=Action.GOTO_NEXT,
    )
    nsg_deny_all = Decision(deny=ALL_SERVICES)
    nsg_allow_23_80 = Decision(
        allow=ServiceSet.tcp(23) | ServiceSet.tcp(80),
        deny=ALL_SERVICES - ServiceSet.tcp(23) - ServiceSet.tcp(80),
    )
    assert combine([(Mode.TIER, admin), (Mode.GATE, nsg_deny_all)]) == ServiceSet.tcp(22)
    both = combine([(Mode.TIER, admin), (Mode.GATE, nsg_allow_23_80)])
    assert both == ServiceSet.tcp(22) | ServiceSet.tcp(80)


def test_gates_in_series_need_every_stage() -> None:
    # Azure: subnet NSG then NIC NSG, both must allow (network-security-group-how-it-works.md)
    a = Decision(allow=ServiceSet.tcp(1, 100), deny=ALL_SERVICES - ServiceSet.tcp(1, 100))
    b = Decision(allow=ServiceSet.tcp(50, 200), deny=ALL_SERVICES - ServiceSet.tcp(50, 200))
    assert combine([(Mode.GATE, a), (Mode.GATE, b)]) == ServiceSet.tcp(50, 100)
