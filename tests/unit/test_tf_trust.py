"""``tf review`` on hostile or surprising plans: unknown action lists are refused naming the
resource, and a repaired finding never reads as still open (issue 14, items 3 and 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pathwarden.errors import SnapshotError
from pathwarden.terraform.plan import parse_plan
from tests.unit.tfplans import EXAMPLE, POLICY, SNAPSHOT, change, cli_group, plan

FIX = EXAMPLE / "plans" / "fix.plan.json"
RULE = "aws_vpc_security_group_ingress_rule"
AFTER = {"security_group_id": "sg-0backup", "ip_protocol": "tcp", "from_port": 22,
         "to_port": 22, "cidr_ipv4": "10.20.1.0/24"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_group(), ["tf", "review", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "actions",
    [["explode"], ["delete", "create", "update", "read"], ["create", "create"],
     ["update", "delete"], ["no-op", "create"], ["Create"]],
    ids=lambda a: ",".join(a),
)
def test_unknown_or_contradictory_actions_exit_1_naming_the_address(
    tmp_path: Path, actions: list[str]
) -> None:
    doc = plan([change(RULE, "ws_ssh", actions, None, AFTER)])
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps(doc))
    code, out, err = run(str(bad), "--policy", str(POLICY), "--snapshot", str(SNAPSHOT))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(bad) in err and f"{RULE}.ws_ssh" in err
    assert "resource_changes[0].change.actions" in err and json.dumps(actions) in err


@pytest.mark.parametrize(
    "actions",
    [["no-op"], ["create"], ["read"], ["update"], ["delete", "create"], ["create", "delete"],
     ["delete"], ["forget"], ["create", "forget"]],
    ids=lambda a: ",".join(a),
)
def test_every_documented_action_list_is_read(actions: list[str]) -> None:
    before = None if actions in (["create"], ["read"]) else dict(AFTER, id="sgr-1")
    after = None if actions in (["delete"], ["forget"]) else AFTER
    p = parse_plan(plan([change(RULE, "r", actions, before, after)]), "p.json")
    assert p.changes[0].actions == tuple(actions)


def test_forget_changes_nothing_in_the_cloud() -> None:
    p = parse_plan(plan([change(RULE, "r", ["forget"], dict(AFTER, id="sgr-1"), None)]), "p.json")
    assert p.changes[0].is_noop


def test_action_error_is_a_snapshot_error_with_the_key_path() -> None:
    with pytest.raises(SnapshotError) as e:
        parse_plan(plan([change(RULE, "r", ["explode"], None, AFTER)]), "p.json")
    assert e.value.keypath == "resource_changes[0].change.actions"
    assert e.value.message.startswith(f"{RULE}.r: unknown or contradictory actions")


def _fix_without_ssh_cleanup(tmp_path: Path) -> Path:
    """fix.plan.json, but the temporary SSH rule stays: ws-to-backup is only narrowed."""
    doc = json.loads(FIX.read_text())
    for rc in doc["resource_changes"]:
        if rc["address"].endswith(".workstation_ssh_temp"):
            rc["change"]["actions"] = ["no-op"]
            rc["change"]["after"] = rc["change"]["before"]
    out = tmp_path / "narrow.plan.json"
    out.write_text(json.dumps(doc))
    return out


BASE = ["--policy", str(POLICY), "--snapshot", str(SNAPSHOT), "--as-of", "2026-11-25"]


def test_repaired_findings_are_open_after_nothing_in_json() -> None:
    code, out, _ = run(str(FIX), *BASE, "--format", "json")
    assert code == 0
    found = {(f["path"], f["status"]): f for f in json.loads(out)["findings"]}
    ws = found[("ws-to-backup", "repaired")]
    assert ws["open"] == []
    assert ws["open_before"] == [{"protocol": "tcp", "ports": [[22, 22], [443, 443]]}]
    assert ws["removed"] == ws["open_before"]
    assert ws["message"].startswith("closed by this plan; before it: ")
    assert found[("protect:backup-console", "repaired")]["open"] == []


def test_repaired_findings_are_open_after_nothing_in_markdown_and_text() -> None:
    _, md, _ = run(str(FIX), *BASE, "--format", "markdown")
    ws = md[md.index("<code>ws-to-backup</code> repaired"):]
    ws = ws[: ws.index("</details>")]
    assert "- **Closed by this plan:** `tcp/22,443`" in ws
    assert "- **Open after the plan:** `nothing`" in ws
    assert "Open after the plan:** `tcp/22,443`" not in md
    _, text, _ = run(str(FIX), *BASE)
    block = text[text.index("REPAIRED violation ws-to-backup"):].split("\n\n")[0]
    assert "closed by the plan: tcp/22,443" in block
    assert "open after the plan: nothing" in block


def test_repaired_findings_are_open_after_nothing_in_sarif(tmp_path: Path) -> None:
    _, out, _ = run(str(FIX), *BASE, "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    ws = [r for r in results if r["ruleId"] == "ws-to-backup"
          and r["properties"]["status"] == "repaired"]
    assert [r["properties"]["open"] for r in ws] == [[]]
    assert "before it: denied path is open" in ws[0]["message"]["text"]


def test_narrowed_finding_shows_what_stays_open(tmp_path: Path) -> None:
    code, out, _ = run(str(_fix_without_ssh_cleanup(tmp_path)), *BASE, "--format", "json")
    assert code == 0
    (ws,) = [f for f in json.loads(out)["findings"] if f["path"] == "ws-to-backup"]
    assert ws["status"] == "narrowed"
    assert ws["open"] == [{"protocol": "tcp", "ports": [[22, 22]]}]
    assert ws["removed"] == [{"protocol": "tcp", "ports": [[443, 443]]}]
    assert ws["open_before"] == [{"protocol": "tcp", "ports": [[22, 22], [443, 443]]}]


@pytest.mark.parametrize(
    "module",
    [{"resources": True}, {"resources": [{"address": "aws_vpc.a", "expressions": 3}]},
     {"variables": [1], "module_calls": {"m": {"module": {"variables": "x"},
                                                "expressions": [2]}}}],
    ids=["resources-not-a-list", "expressions-not-an-object", "variables-not-objects"],
)
def test_configuration_of_the_wrong_shape_resolves_nothing(tmp_path: Path,
                                                          module: dict[str, object]) -> None:
    """Found by the fuzz suite: a configuration node of the wrong type was a TypeError."""
    doc = plan([change(RULE, "r", ["create"], None, {**AFTER, "cidr_ipv4": None},
                       unknown={"cidr_ipv4": True})])
    doc["configuration"] = {"root_module": {"module_calls": {"m": {"module": module}},
                                            **module}}
    f = tmp_path / "plan.json"
    f.write_text(json.dumps(doc))
    code, out, err = run(str(f), "--policy", str(POLICY), "--format", "json")
    assert code in (0, 2), err
    assert json.loads(out)["assumptions"]
