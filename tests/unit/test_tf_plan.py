"""Plan/state JSON reading: shapes, addresses, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathwarden.errors import SnapshotError
from pathwarden.terraform.plan import (
    config_address,
    module_of,
    parse_plan,
    read_plan,
    read_state,
    split_address,
)
from tests.unit.tfplans import EXAMPLE, FIXTURES, change, plan

REALDATA = sorted(FIXTURES.glob("*.json"))


def test_fixture_set_is_complete() -> None:
    assert len(REALDATA) == 13
    assert (FIXTURES / "NOTICE.md").is_file()


@pytest.mark.parametrize("path", REALDATA, ids=lambda p: p.name)
def test_every_realdata_plan_parses(path: Path) -> None:
    raw = json.loads(path.read_text())
    p = read_plan(path)
    managed = [rc for rc in raw["resource_changes"] if rc.get("mode", "managed") == "managed"]
    assert [c.address for c in p.changes] == [rc["address"] for rc in managed]
    assert p.terraform_version == raw["terraform_version"]


def test_addresses() -> None:
    address = 'module.sg["a.b"].module.x[0].aws_security_group.bad[2]'
    assert split_address(address) == [
        "module",
        'sg["a.b"]',
        "module",
        "x[0]",
        "aws_security_group",
        "bad[2]",
    ]
    assert config_address(address) == "module.sg.module.x.aws_security_group.bad"
    assert module_of(address) == 'module.sg["a.b"].module.x[0]'
    assert module_of("aws_instance.web") == ""


def test_actions_and_sides() -> None:
    doc = plan(
        [
            change("aws_security_group", "a", ["delete", "create"], {"id": "sg-1"}, {"name": "a"}),
            change("aws_security_group", "b", ["delete"], {"id": "sg-2"}, None),
            change("aws_security_group", "c", ["no-op"], {"id": "sg-3"}, {"id": "sg-3"}),
        ]
    )
    p = parse_plan(doc, "p.json")
    assert [c.action for c in p.changes] == ["replace", "delete", "no-op"]
    assert p.changes[1].after is None
    assert p.changes[2].is_noop


def test_prior_state_with_child_modules() -> None:
    doc = plan([])
    doc["prior_state"] = {
        "values": {
            "root_module": {
                "resources": [{"address": "aws_vpc.a", "type": "aws_vpc", "name": "a"}],
                "child_modules": [
                    {
                        "resources": [
                            {
                                "address": "module.m.aws_subnet.s",
                                "type": "aws_subnet",
                                "name": "s",
                                "values": {"id": "subnet-1"},
                            },
                            {"address": "data.x.y", "mode": "data", "type": "x", "name": "y"},
                        ]
                    }
                ],
            }
        }
    }
    p = parse_plan(doc, "p.json")
    assert [r.address for r in p.prior] == ["aws_vpc.a", "module.m.aws_subnet.s"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([1, 2], "expected Terraform plan JSON"),
        ({"values": {}, "format_version": "1.0"}, "looks like state JSON"),
        ({"resource_changes": {}}, "resource_changes: expected a list"),
        ({"resource_changes": [{"address": "a.b", "type": "a", "name": "b"}]}, "change"),
        (
            {"resource_changes": [{"address": "a.b", "type": "a", "name": "b", "change": {}}]},
            "actions: expected a non-empty list",
        ),
        (
            {
                "resource_changes": [
                    {
                        "address": "a.b",
                        "type": "a",
                        "name": "b",
                        "change": {"actions": ["create"], "after": 3},
                    }
                ]
            },
            "after: expected an object or null",
        ),
    ],
)
def test_shape_errors_name_file_and_key(data: object, expected: str) -> None:
    with pytest.raises(SnapshotError) as e:
        parse_plan(data, "bad.json")
    assert str(e.value).startswith("bad.json: ")
    assert expected in str(e.value)


def test_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text("{not json")
    with pytest.raises(SnapshotError, match="not valid JSON"):
        read_plan(bad)
    with pytest.raises(SnapshotError, match="cannot read"):
        read_plan(tmp_path / "missing.json")
    with pytest.raises(SnapshotError, match="is a directory"):
        read_plan(tmp_path)


def test_read_state() -> None:
    resources = read_state(EXAMPLE / "terraform.tfstate.json")
    assert {r.address for r in resources} == {
        "aws_security_group.backup_console",
        "aws_vpc_security_group_ingress_rule.jump_https",
        "aws_vpc_security_group_ingress_rule.monitoring_node_exporter",
    }


BAD_VALUES: list[object] = ["x", 7, [1], [None], {"a": 1}, [{"protocol": 5}], True]


@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_wrong_value_types_give_input_errors(bad: object) -> None:
    from pathwarden.errors import InputError
    from pathwarden.terraform import overlay

    raw = json.loads((FIXTURES / "checkov-aws-mixed-eni-instances-tf0.12.json").read_text())
    keys = (
        "ingress",
        "egress",
        "cidr_blocks",
        "from_port",
        "protocol",
        "private_ips",
        "security_groups",
        "tags",
        "vpc_id",
        "subnet_id",
    )
    for rc in raw["resource_changes"]:
        if rc["type"].startswith("aws_") and rc["change"]["after"]:
            for key in keys:
                if key in rc["change"]["after"]:
                    doc = json.loads(json.dumps(raw))
                    target = next(
                        x for x in doc["resource_changes"] if x["address"] == rc["address"]
                    )
                    target["change"]["after"][key] = bad
                    try:
                        overlay(parse_plan(doc, "p.json"), None)
                    except InputError as e:
                        assert str(e).startswith("p.json: ")
