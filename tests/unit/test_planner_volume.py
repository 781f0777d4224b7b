"""Collateral volume, expressible pieces, and folding of edits, on hand-built filters."""

from __future__ import annotations

from pathwarden.model import (
    ALL_SERVICES,
    ANY,
    Action,
    AddressSet,
    Direction,
    Filter,
    FilterKind,
    Peer,
    PeerKind,
    Rule,
    ServiceSet,
)
from pathwarden.model.services import ICMP, UDP
from pathwarden.planner.candidates import quota_problem, split_services
from pathwarden.planner.edits import OpKind, RuleOp, fingerprint, fold
from pathwarden.planner.volume import Region, filter_volume

IN = Direction.INGRESS


def _resolve(peer: Peer, owner: Filter) -> AddressSet:
    return AddressSet.parse(peer.value) if peer.kind is PeerKind.CIDR else ANY


def _rule(rid: str, cidr: str, services: ServiceSet, action: Action = Action.ALLOW,
          order: int = 0) -> Rule:
    return Rule(rid, "f", action, IN, services, src=(Peer(PeerKind.CIDR, cidr),), order=order)


def test_narrowing_a_group_rule_counts_the_other_member_as_collateral() -> None:
    before = Filter("f", FilterKind.UNION, "aws", (_rule("a", "10.0.0.0/24", ServiceSet.tcp(22)),))
    after = Filter("f", FilterKind.UNION, "aws",
                   (_rule("a", "10.0.0.128/25", ServiceSet.tcp(22)),))
    members = AddressSet.parse("10.9.0.1/32") | AddressSet.parse("10.9.0.2/32")
    region = Region(AddressSet.parse("10.0.0.0/25"), AddressSet.parse("10.9.0.1/32"),
                    ServiceSet.tcp(22))
    v = filter_volume(before, after, IN, members, region, _resolve)
    assert (v.closed, v.collateral, v.opened) == (128 * 2, 128, 0)


def test_a_nacl_deny_closes_beyond_the_region_at_first_match() -> None:
    allow = _rule("100", "0.0.0.0/0", ALL_SERVICES, order=100)
    deny = _rule("90", "10.0.0.0/24", ServiceSet.tcp(22), Action.DENY, order=90)
    before = Filter("f", FilterKind.FIRST_MATCH, "aws", (allow,))
    after = Filter("f", FilterKind.FIRST_MATCH, "aws", (allow, deny))
    member = AddressSet.parse("10.9.0.1/32")
    region = Region(AddressSet.parse("10.0.0.0/25"), member, ServiceSet.tcp(22))
    v = filter_volume(before, after, IN, member, region, _resolve)
    assert (v.closed, v.collateral) == (256, 128)


def test_an_edit_that_widens_is_reported_as_opened() -> None:
    before = Filter("f", FilterKind.UNION, "aws", (_rule("a", "10.0.0.0/25", ServiceSet.tcp(22)),))
    after = Filter("f", FilterKind.UNION, "aws", (_rule("a", "10.0.0.0/24", ServiceSet.tcp(22)),))
    member = AddressSet.parse("10.9.0.1/32")
    v = filter_volume(before, after, IN, member,
                      Region(AddressSet.parse("10.0.0.0/24"), member, ServiceSet.tcp(22)),
                      _resolve)
    assert v.opened == 128 and v.closed == 0


def test_split_services_into_single_aws_rules() -> None:
    assert split_services(ServiceSet.tcp(22) | ServiceSet.tcp(80, 90)) == [
        ServiceSet.tcp(22), ServiceSet.tcp(80, 90)]
    assert split_services(ALL_SERVICES) == [ALL_SERVICES]
    assert split_services(ServiceSet.icmp(ICMP, 3)) == [ServiceSet.icmp(ICMP, 3)]
    assert split_services(ServiceSet.protocol(UDP)) == [ServiceSet.protocol(UDP)]
    many = ServiceSet.union_all(ServiceSet.tcp(p) for p in range(1, 40, 2))
    assert split_services(many) is None


def test_quota_counts_per_direction_and_family() -> None:
    rules = tuple(_rule(f"r{i}", f"10.{i}.0.0/16", ServiceSet.tcp(22)) for i in range(61))
    over = Filter("sg-1", FilterKind.UNION, "aws", rules, layer="aws_sg")
    assert "61 ingress IPv4 rules" in quota_problem(over)
    assert quota_problem(Filter("sg-1", FilterKind.UNION, "aws", rules[:60],
                                layer="aws_sg")) == ""


def test_fold_merges_edits_of_the_same_rule() -> None:
    r1 = _rule("new:1", "10.0.0.0/24", ServiceSet.tcp(22))
    r2 = _rule("new:1", "10.0.0.0/25", ServiceSet.tcp(22))
    old = _rule("x", "10.0.0.0/8", ServiceSet.tcp(22))
    ops = [RuleOp(OpKind.ADD, "f", "new:1", r1, None, closes=("a",)),
           RuleOp(OpKind.MODIFY, "f", "new:1", r2, r1, closes=("b",)),
           RuleOp(OpKind.MODIFY, "f", "x", r1, old),
           RuleOp(OpKind.REMOVE, "f", "x", None, r1)]
    folded = fold(ops)
    assert [(op.kind, op.rule_id) for op in folded] == [(OpKind.ADD, "new:1"),
                                                          (OpKind.REMOVE, "x")]
    assert folded[0].rule == r2 and folded[0].closes == ("a", "b")
    assert folded[1].before == old


def test_fingerprint_ignores_ids_and_descriptions_but_not_content() -> None:
    a = Filter("f", FilterKind.UNION, "aws", (_rule("a", "10.0.0.0/24", ServiceSet.tcp(22)),))
    b = Filter("f", FilterKind.UNION, "aws", (_rule("sgr-9", "10.0.0.0/24",
                                                    ServiceSet.tcp(22)),))
    c = Filter("f", FilterKind.UNION, "aws", (_rule("a", "10.0.0.0/24", ServiceSet.tcp(23)),))
    assert fingerprint(a) == fingerprint(b) != fingerprint(c)
