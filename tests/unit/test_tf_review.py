"""``tf review``: the backup-console scenario end to end, exit codes, realdata, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.unit.tfplans import EXAMPLE, FIXTURES, POLICY, SNAPSHOT, cli_group, line_of

ADD_SSH = EXAMPLE / "plans" / "add-ssh.plan.json"
FIX = EXAMPLE / "plans" / "fix.plan.json"
MAIN_TF = EXAMPLE / "main.tf"
BASE = ["--policy", str(POLICY), "--as-of", "2026-11-25"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_group(), ["tf", "review", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def review_json(*args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out, _ = run(*args, "--format", "json")
    return code, json.loads(out)


def test_plan_adding_ssh_from_workstations_fails_naming_path_and_line() -> None:
    code, doc = review_json(
        str(ADD_SSH), *BASE, "--snapshot", str(SNAPSHOT), "--tf-dir", str(EXAMPLE)
    )
    assert code == 2
    assert doc["verdict"] == "fail"
    new = [f for f in doc["findings"] if f["status"] == "new"]
    assert [(f["path"], f["kind"], f["stage"]) for f in new] == [
        ("ws-to-backup", "violation", "enforce")
    ]
    assert new[0]["added"] == [{"protocol": "tcp", "ports": [[22, 22]]}]
    assert new[0]["resources"] == ["aws_vpc_security_group_ingress_rule.workstation_ssh"]
    line = line_of(MAIN_TF, 'resource "aws_vpc_security_group_ingress_rule" "workstation_ssh"')
    assert [(Path(loc["file"]).name, loc["line"]) for loc in new[0]["locations"]] == [
        ("main.tf", line)
    ]
    existing = [f["path"] for f in doc["findings"] if f["status"] == "existing"]
    assert existing == ["monitoring-to-backup"]  # the expired approval, not caused by the plan
    rows = {p["id"]: p for p in doc["paths"]}
    assert rows["ws-to-backup"]["opened"] == [{"protocol": "tcp", "ports": [[22, 22]]}]
    assert rows["jump-to-backup"]["opened"] == [] and rows["jump-to-backup"]["closed"] == []


def test_text_report_names_path_and_file_line() -> None:
    code, out, _ = run(str(ADD_SSH), *BASE, "--snapshot", str(SNAPSHOT), "--tf-dir", str(EXAMPLE))
    line = line_of(MAIN_TF, '"workstation_ssh"')
    assert code == 2
    assert out.startswith("pathwarden tf review: FAIL")
    assert "ws-to-backup" in out.splitlines()[0]
    assert f"main.tf:{line}" in out


def test_plan_that_repairs_says_so_and_passes() -> None:
    code, doc = review_json(str(FIX), *BASE, "--snapshot", str(SNAPSHOT))
    assert code == 0
    repaired = {(f["path"], f["kind"]) for f in doc["findings"] if f["status"] == "repaired"}
    assert ("ws-to-backup", "violation") in repaired
    assert "repairs" in doc["summary"]
    ws = next(f for f in doc["findings"] if f["path"] == "ws-to-backup")
    assert ws["removed"] == [{"protocol": "tcp", "ports": [[22, 22], [443, 443]]}]
    assert set(ws["resources"]) == {
        "aws_vpc_security_group_ingress_rule.legacy_https",
        "aws_vpc_security_group_ingress_rule.workstation_ssh_temp",
    }


def test_existing_findings_fail_only_with_fail_on_existing(tmp_path: Path) -> None:
    # a plan that changes nothing path-relevant, over the snapshot that has the violation
    noop = tmp_path / "noop.json"
    noop.write_text(json.dumps({"format_version": "1.2", "resource_changes": []}))
    code, doc = review_json(str(noop), *BASE, "--snapshot", str(SNAPSHOT))
    assert code == 0
    assert ("ws-to-backup", "existing") in {(f["path"], f["status"]) for f in doc["findings"]}
    code, _, _ = run(str(noop), *BASE, "--snapshot", str(SNAPSHOT), "--fail-on", "existing")
    assert code == 2


def test_monitor_stage_makes_no_failure(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY.read_text().replace("stage: enforce", "stage: monitor"))
    code, doc = review_json(
        str(ADD_SSH), "--policy", str(policy), "--as-of", "2026-11-25", "--snapshot", str(SNAPSHOT)
    )
    assert code == 0
    assert [f["path"] for f in doc["findings"] if f["status"] == "new"] == ["ws-to-backup"]


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.name)
def test_every_realdata_plan_reviews_without_error(path: Path) -> None:
    code, doc = review_json(str(path), *BASE)
    assert code == 0
    raw = json.loads(path.read_text())
    types = {rc["type"] for rc in raw["resource_changes"]}
    if any(t.startswith(("azurerm_network_security", "google_compute_firewall")) for t in types):
        assert doc["not_evaluated"]
    assert doc["counts"]["new"] == 0  # no policy segment matches anything in these plans


def test_realdata_inline_rules_open_paths() -> None:
    path = FIXTURES / "checkov-aws-mixed-eni-instances-tf0.12.json"
    _, doc = review_json(str(path), *BASE)
    rows = {p["id"]: p for p in doc["paths"]}
    web = rows["tf:aws_security_group.web-node"]
    assert web["opened"] == [{"protocol": "tcp", "ports": [[22, 22], [80, 80]]}]


def test_also_outputs(tmp_path: Path) -> None:
    outs = {k: tmp_path / f"r.{k}" for k in ("markdown", "sarif", "json", "junit")}
    code, _, _ = run(
        str(ADD_SSH),
        *BASE,
        "--snapshot",
        str(SNAPSHOT),
        "--tf-dir",
        str(EXAMPLE),
        *(x for k, p in outs.items() for x in (f"--{k}-out", str(p))),
        "--out",
        str(tmp_path / "r.txt"),
    )
    assert code == 2
    assert all(p.stat().st_size > 0 for p in outs.values())
    assert json.loads(outs["json"].read_text())["verdict"] == "fail"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{oops", "not valid JSON"),
        ('{"values": {"root_module": {}}, "format_version": "1.0"}', "looks like state JSON"),
        ('{"resource_changes": [{"address": 1}]}', "resource_changes[0].address"),
    ],
)
def test_unreadable_input_exits_1_with_one_line(
    tmp_path: Path, content: str, expected: str
) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text(content)
    code, out, err = run(str(bad), *BASE)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(bad) in err and expected in err


def test_missing_file_and_bad_arguments_exit_1(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "nope.json"), *BASE)
    assert code == 1 and "cannot read" in err
    code, _, err = run(*BASE)
    assert code == 1 and "exactly one of PLAN_JSON or --hcl" in err
    code, _, err = run(str(ADD_SSH), *BASE, "--state", str(ADD_SSH))
    assert code == 1 and "--state goes with --hcl" in err
