"""Inventory drift (``diff_estates``) on hand-built estates: every kind of change, by id."""

from __future__ import annotations

from dataclasses import replace

from pathwarden.check.estate_diff import Change, InventoryChange, Item, diff_estates
from pathwarden.model import Action, Estate, ServiceSet
from tests.unit.awsmodel import allow_all_nacl, cidr, eni, estate, sg

WEB = sg("sg-web", [(ServiceSet.tcp(443), cidr("0.0.0.0/0"))],
         [(ServiceSet.tcp(5432), cidr("10.0.2.0/24"))])
DB = sg("sg-db", [(ServiceSet.tcp(5432), cidr("10.0.1.0/24"))], [])


def base() -> Estate:
    return estate(
        [eni("eni-web", ["10.0.1.10"], "subnet-a", ["sg-web"]),
         eni("eni-db", ["10.0.2.10"], "subnet-b", ["sg-db"])],
        [WEB, DB, allow_all_nacl("acl-1"), allow_all_nacl("acl-2")],
        {"subnet-a": "acl-1", "subnet-b": "acl-1"},
    )


def triples(changes: tuple[InventoryChange, ...]) -> list[tuple[str, str, str]]:
    return [(c.change.value, c.item.value, c.id) for c in changes]


def test_identical_estates_have_no_drift() -> None:
    assert diff_estates(base(), base()) == ()


def test_rule_added_removed_and_changed_in_place() -> None:
    b = base()
    web = b.filters["sg-web"]
    rules = list(web.rules)
    rules[0] = replace(rules[0], services=ServiceSet.tcp(443) | ServiceSet.tcp(80))  # same id
    added = replace(rules[0], id="sgr-new", services=ServiceSet.tcp(3389),
                    src=(cidr("10.9.0.0/16"),))
    del rules[1]  # the egress rule
    current = replace(b, filters={**b.filters, "sg-web": replace(web, rules=(*rules, added))})
    changes = diff_estates(b, current)
    assert triples(changes) == [
        ("added", "rule", "sgr-new"), ("removed", "rule", "sg-web-out0"),
        ("changed", "rule", "sg-web-in0")]
    changed = changes[2]
    assert changed.parent == "sg-web" and changed.fields == ("services",)
    assert changed.before == "ingress allow tcp/443 from 0.0.0.0/0"
    assert changed.after == "ingress allow tcp/80,443 from 0.0.0.0/0"
    assert changed.describe() == (
        "rule sg-web-in0 in sg-web changed (services): ingress allow tcp/443 from 0.0.0.0/0 "
        "-> ingress allow tcp/80,443 from 0.0.0.0/0")
    assert changes[0].after == "ingress allow tcp/3389 from 10.9.0.0/16"


def test_nacl_entry_changed_by_rule_number() -> None:
    b = base()
    acl = b.filters["acl-1"]
    deny_first = replace(acl.rules[0], action=Action.DENY)
    current = replace(b, filters={**b.filters, "acl-1": replace(acl, rules=(
        deny_first, *acl.rules[1:]))})
    [change] = diff_estates(b, current)
    assert (change.change, change.item, change.id, change.fields) == (
        Change.CHANGED, Item.RULE, "acl-1#100/in", ("action",))
    assert change.before.startswith("ingress #100 allow") and change.after.startswith(
        "ingress #100 deny")


def test_filters_added_removed_and_attachments() -> None:
    b = base()
    extra = sg("sg-admin", [(ServiceSet.tcp(22), cidr("10.0.0.0/8"))], [])
    filters = {k: v for k, v in b.filters.items() if k != "sg-db"} | {"sg-admin": extra}
    workloads = (
        replace(b.workloads[0], filters=("sg-web", "sg-admin")),  # an SG attached to the ENI
        eni("eni-new", ["10.0.1.99"], "subnet-a", ["sg-web"]),
    )
    subnets = {**b.subnets, "subnet-b": replace(b.subnets["subnet-b"], filters=("acl-2",))}
    current = replace(b, workloads=workloads, filters=filters, subnets=subnets)
    changes = diff_estates(b, current)
    assert triples(changes) == [
        ("added", "filter", "sg-admin"), ("removed", "filter", "sg-db"),
        ("added", "workload", "eni-new"), ("removed", "workload", "eni-db"),
        ("changed", "attachment", "eni-web"), ("changed", "attachment", "subnet-b"),
    ]
    by_id = {c.id: c for c in changes}
    assert by_id["eni-web"].before == "sg-web" and by_id["eni-web"].after == "sg-web, sg-admin"
    assert by_id["subnet-b"].before == "acl-1" and by_id["subnet-b"].after == "acl-2"
    assert by_id["sg-admin"].after == "aws_sg in vpc-1 (1 rules)"
    assert by_id["eni-new"].after == "10.0.1.99 in subnet-a with sg-web"


def test_sg_order_on_an_eni_is_not_drift_but_peerings_are() -> None:
    b = base()
    swapped = replace(b.workloads[0], filters=("sg-web",))
    assert diff_estates(b, replace(b, workloads=(swapped, b.workloads[1]))) == ()
    nets = {"vpc-1": replace(b.networks["vpc-1"], peers=("vpc-9",))}
    [change] = diff_estates(b, replace(b, networks=nets))
    assert (change.item, change.before, change.after) == (Item.PEERING, "no peers", "vpc-9")


def test_to_json_names_only_what_is_there() -> None:
    change = InventoryChange(Change.ADDED, Item.RULE, "sgr-1", "sg-1", after="x")
    assert change.to_json() == {"change": "added", "item": "rule", "id": "sgr-1",
                                "parent": "sg-1", "after": "x"}
