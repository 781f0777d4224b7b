"""The overlay: what the estate looks like after a plan, per AWS resource type."""

from __future__ import annotations

from typing import Any

from pathwarden.engine.engine import Engine
from pathwarden.model import NO_SERVICES, ServiceSet
from pathwarden.providers.load import load_estate
from pathwarden.terraform import overlay, parse_plan
from pathwarden.terraform.overlay import Overlay
from tests.unit.tfplans import SNAPSHOT, change, plan, sg_perm

VPC = change("aws_vpc", "main", ["create"], None, {"cidr_block": "10.0.0.0/16"}, {"id": True})
SUBNET = change(
    "aws_subnet",
    "app",
    ["create"],
    None,
    {"cidr_block": "10.0.1.0/24"},
    {"id": True, "vpc_id": True},
)
SUBNET_CFG = {
    "address": "aws_subnet.app",
    "expressions": {"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}},
}


def eni(groups_ref: str = "aws_security_group.web", ip: str = "10.0.1.10") -> list[Any]:
    rc = change(
        "aws_network_interface",
        "web",
        ["create"],
        None,
        {"private_ips": [ip]},
        {"id": True, "security_groups": True, "subnet_id": True},
    )
    cfg = {
        "address": "aws_network_interface.web",
        "expressions": {
            "security_groups": {"references": [f"{groups_ref}.id", groups_ref]},
            "subnet_id": {"references": ["aws_subnet.app.id", "aws_subnet.app"]},
        },
    }
    return [rc, cfg]


def run(changes: list[Any], config: list[Any], **kw: Any) -> Overlay:
    return overlay(parse_plan(plan(changes, config=config, **kw), "t.json"), None)


def opened(ov: Overlay, src: str, dst: str) -> ServiceSet:
    return Engine(ov.after).reach(src, dst).open


def test_inline_security_group_and_eni_resolved_through_references() -> None:
    sg = change(
        "aws_security_group",
        "web",
        ["create"],
        None,
        {
            "name": "web",
            "ingress": [sg_perm("tcp", 22, 22, ["192.0.2.0/24"])],
            "egress": [sg_perm("-1", 0, 0, ["0.0.0.0/0"])],
        },
        {"id": True, "vpc_id": True},
    )
    nic, nic_cfg = eni()
    ov = run([VPC, SUBNET, sg, nic], [SUBNET_CFG, nic_cfg])
    w = ov.after.workload("tf:aws_network_interface.web")
    assert w is not None
    assert w.filters == ("tf:aws_security_group.web",)
    assert w.subnet == "tf:aws_subnet.app"
    assert opened(ov, "192.0.2.7", w.id) == ServiceSet.tcp(22)
    assert opened(ov, "198.51.100.7", w.id) == NO_SERVICES
    assert ov.before.workloads == ()
    assert ov.assumptions == ()


def test_standalone_rule_attached_by_reference_with_variable_cidr() -> None:
    sg = change(
        "aws_security_group",
        "web",
        ["create"],
        None,
        {"name": "web"},
        {"id": True, "ingress": True, "egress": True},
    )
    rule = change(
        "aws_security_group_rule",
        "office",
        ["create"],
        None,
        {
            "type": "ingress",
            "protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            "cidr_blocks": None,
            "self": False,
        },
        {"security_group_id": True, "cidr_blocks": True, "source_security_group_id": True},
    )
    rule_cfg = {
        "address": "aws_security_group_rule.office",
        "expressions": {
            "security_group_id": {
                "references": ["aws_security_group.web.id", "aws_security_group.web"]
            },
            "cidr_blocks": {"references": ["var.office"]},
            "from_port": {"constant_value": 443},
        },
    }
    nic, nic_cfg = eni()
    ov = run(
        [VPC, SUBNET, sg, rule, nic],
        [SUBNET_CFG, nic_cfg, rule_cfg],
        variables={"office": ["203.0.113.0/24"]},
    )
    w = "tf:aws_network_interface.web"
    assert opened(ov, "203.0.113.9", w) == ServiceSet.tcp(443)
    assert opened(ov, "192.0.2.9", w) == NO_SERVICES
    assert ov.origin["tf:aws_security_group_rule.office"] == "aws_security_group_rule.office"
    assert ov.assumptions == ()


def test_unresolvable_peer_is_any_address_and_reported() -> None:
    sg = change(
        "aws_security_group",
        "web",
        ["create"],
        None,
        {"name": "web"},
        {"id": True, "ingress": True, "egress": True},
    )
    rule = change(
        "aws_security_group_rule",
        "x",
        ["create"],
        None,
        {"type": "ingress", "protocol": "tcp", "from_port": 5432, "to_port": 5432},
        {"security_group_id": True, "cidr_blocks": True},
    )
    cfg = {
        "address": "aws_security_group_rule.x",
        "expressions": {
            "security_group_id": {"references": ["aws_security_group.web"]},
            "cidr_blocks": {"references": ["data.aws_ip_ranges.x.cidr_blocks"]},
        },
    }
    nic, nic_cfg = eni()
    ov = run([VPC, SUBNET, sg, rule, nic], [SUBNET_CFG, nic_cfg, cfg])
    assert opened(ov, "198.51.100.1", "tf:aws_network_interface.web") == ServiceSet.tcp(5432)
    assert [(a.address, a.attribute) for a in ov.assumptions] == [
        ("aws_security_group_rule.x", "peer")
    ]


def test_unknown_security_group_is_not_evaluated_and_reported() -> None:
    rule = change(
        "aws_security_group_rule",
        "x",
        ["create"],
        None,
        {
            "type": "ingress",
            "protocol": "tcp",
            "from_port": 1,
            "to_port": 2,
            "cidr_blocks": ["10.0.0.0/8"],
        },
        {"security_group_id": True},
    )
    cfg = {
        "address": "aws_security_group_rule.x",
        "expressions": {"security_group_id": {"references": ["module.other.sg_id"]}},
    }
    ov = run([rule], [cfg])
    assert ov.after.filters == {}
    assert ov.assumptions[0].assumed.startswith("not evaluated")


def test_snapshot_rule_deleted_by_key_and_added_by_id() -> None:
    base = load_estate([SNAPSHOT])
    before = {
        "type": "ingress",
        "protocol": "tcp",
        "from_port": 22,
        "to_port": 22,
        "cidr_blocks": ["10.20.1.0/24"],
        "security_group_id": "sg-0backup",
        "self": False,
    }
    delete = change("aws_security_group_rule", "ssh", ["delete"], before, None)
    add = change(
        "aws_vpc_security_group_ingress_rule",
        "https",
        ["create"],
        None,
        {
            "security_group_id": "sg-0backup",
            "ip_protocol": "tcp",
            "from_port": 8443,
            "to_port": 8443,
            "cidr_ipv4": "10.20.2.0/24",
        },
        {"id": True},
    )
    ov = overlay(parse_plan(plan([delete, add]), "t.json"), base)
    rules = ov.after.filters["sg-0backup"].rules
    assert "sgr-0e454f85a82265a0f" in {r.id for r in ov.before.filters["sg-0backup"].rules}
    assert "sgr-0e454f85a82265a0f" not in {r.id for r in rules}
    assert "tf:aws_vpc_security_group_ingress_rule.https" in {r.id for r in rules}


def test_network_acl_and_acl_rule() -> None:
    sg = change(
        "aws_security_group",
        "web",
        ["create"],
        None,
        {"name": "web", "ingress": [sg_perm("-1", 0, 0, ["0.0.0.0/0"])], "egress": []},
        {"id": True},
    )
    allow_all = {
        "rule_no": 100,
        "action": "allow",
        "protocol": "-1",
        "cidr_block": "0.0.0.0/0",
        "from_port": 0,
        "to_port": 0,
    }
    acl = change(
        "aws_network_acl",
        "app",
        ["create"],
        None,
        {"ingress": [allow_all], "egress": [allow_all], "subnet_ids": None},
        {"id": True, "subnet_ids": True, "vpc_id": True},
    )
    acl_cfg = {
        "address": "aws_network_acl.app",
        "expressions": {
            "subnet_ids": {"references": ["aws_subnet.app.id", "aws_subnet.app"]},
            "vpc_id": {"references": ["aws_vpc.main.id"]},
        },
    }
    deny = change(
        "aws_network_acl_rule",
        "no_ssh",
        ["create"],
        None,
        {
            "rule_number": 50,
            "egress": False,
            "protocol": "tcp",
            "rule_action": "deny",
            "cidr_block": "192.0.2.0/24",
            "from_port": 22,
            "to_port": 22,
        },
        {"id": True, "network_acl_id": True},
    )
    deny_cfg = {
        "address": "aws_network_acl_rule.no_ssh",
        "expressions": {"network_acl_id": {"references": ["aws_network_acl.app.id"]}},
    }
    nic, nic_cfg = eni()
    ov = run([VPC, SUBNET, sg, acl, deny, nic], [SUBNET_CFG, nic_cfg, acl_cfg, deny_cfg])
    assert ov.after.subnets["tf:aws_subnet.app"].filters == ("tf:aws_network_acl.app",)
    w = "tf:aws_network_interface.web"
    assert not opened(ov, "192.0.2.1", w).contains(6, 22)
    assert opened(ov, "192.0.2.1", w).contains(6, 23)
    assert opened(ov, "198.51.100.1", w).contains(6, 22)


def test_instance_sg_attachment_and_prefix_list() -> None:
    sg_a = change(
        "aws_security_group",
        "a",
        ["create"],
        None,
        {"name": "a", "ingress": [], "egress": []},
        {"id": True},
    )
    sg_b = change(
        "aws_security_group",
        "b",
        ["create"],
        None,
        {"name": "b", "ingress": [sg_perm("tcp", 3306, 3306, pls=["pl-1"])], "egress": []},
        {"id": True},
    )
    pl = change(
        "aws_ec2_managed_prefix_list",
        "office",
        ["create"],
        None,
        {"id": "pl-1", "name": "office", "max_entries": 5, "entry": [{"cidr": "192.0.2.0/28"}]},
    )
    entry = change(
        "aws_ec2_managed_prefix_list_entry",
        "more",
        ["create"],
        None,
        {"prefix_list_id": "pl-1", "cidr": "198.51.100.0/28"},
        {"id": True},
    )
    inst = change(
        "aws_instance",
        "db",
        ["create"],
        None,
        {"private_ip": "10.0.1.20", "tags": {"Name": "db"}},
        {"id": True, "vpc_security_group_ids": True, "subnet_id": True},
    )
    inst_cfg = {
        "address": "aws_instance.db",
        "expressions": {
            "vpc_security_group_ids": {
                "references": ["aws_security_group.a.id", "aws_security_group.a"]
            },
            "subnet_id": {"references": ["aws_subnet.app.id"]},
        },
    }
    attach = change(
        "aws_network_interface_sg_attachment",
        "b",
        ["create"],
        None,
        {},
        {"security_group_id": True, "network_interface_id": True},
    )
    attach_cfg = {
        "address": "aws_network_interface_sg_attachment.b",
        "expressions": {
            "security_group_id": {"references": ["aws_security_group.b.id"]},
            "network_interface_id": {
                "references": ["aws_instance.db.primary_network_interface_id"]
            },
        },
    }
    ov = run([VPC, SUBNET, sg_a, sg_b, pl, entry, inst, attach], [SUBNET_CFG, inst_cfg, attach_cfg])
    # the attachment names the ENI by an attribute unknown until apply: reported, not guessed
    w = ov.after.workload("tf:aws_instance.db")
    assert w is not None and w.name == "db"
    assert w.filters == ("tf:aws_security_group.a",)
    assert any(a.address == "aws_network_interface_sg_attachment.b" for a in ov.assumptions)
    assert ov.after.prefix_lists["pl-1"].entries == ("192.0.2.0/28", "198.51.100.0/28")


def test_attachment_with_known_ids() -> None:
    base = load_estate([SNAPSHOT])
    eni_id = next(w.id for w in base.workloads if "sg-0backup" in w.filters)
    attach = change(
        "aws_network_interface_sg_attachment",
        "x",
        ["create"],
        None,
        {"security_group_id": "sg-0workstation", "network_interface_id": eni_id},
        {"id": True},
    )
    ov = overlay(parse_plan(plan([attach]), "t.json"), base)
    after = ov.after.workload(eni_id)
    assert after is not None and "sg-0workstation" in after.filters
    before = ov.before.workload(eni_id)
    assert before is not None and "sg-0workstation" not in before.filters


def test_module_variable_resolved_through_module_call() -> None:
    sg = change(
        "aws_security_group",
        "root",
        ["create"],
        None,
        {"name": "root"},
        {"id": True, "ingress": True, "egress": True},
    )
    rule = change(
        "aws_vpc_security_group_ingress_rule",
        "r",
        ["create"],
        None,
        {"ip_protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_ipv4": "0.0.0.0/0"},
        {"security_group_id": True},
        module='module.m["x"]',
    )
    doc = plan([sg, rule])
    doc["configuration"]["root_module"]["module_calls"] = {
        "m": {
            "source": "./m",
            "expressions": {
                "sg": {"references": ["aws_security_group.root.id", "aws_security_group.root"]}
            },
            "module": {
                "resources": [
                    {
                        "address": "aws_vpc_security_group_ingress_rule.r",
                        "expressions": {"security_group_id": {"references": ["var.sg"]}},
                    }
                ]
            },
        }
    }
    ov = overlay(parse_plan(doc, "t.json"), None)
    rules = ov.after.filters["tf:aws_security_group.root"].rules
    assert [r.services for r in rules] == [ServiceSet.tcp(80)]
    assert ov.assumptions == ()
