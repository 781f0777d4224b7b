"""check with the real engine on a hand-built AWS estate, and the `check`/`segments` commands."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from pathwarden.check import Kind, compare
from pathwarden.cli.main import cli
from pathwarden.engine.engine import Engine
from pathwarden.model import ALL_SERVICES, Estate, ServiceSet
from pathwarden.policy import load_policy

from .awsmodel import cidr, eni, estate, sg, sgref

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests/fixtures/policy/design-sample.yml"
EVERYWHERE = [(ALL_SERVICES, cidr("0.0.0.0/0"))]


def backup_estate() -> Estate:
    ws = replace(eni("eni-ws1", ["10.0.1.10"], "s-ws", ["sg-ws"]), tags=(("Role", "workstation"),))
    jump = replace(eni("eni-jump", ["10.0.2.5"], "s-srv", ["sg-jump"]), instance="i-0jump")
    console = eni("eni-console", ["10.0.2.10"], "s-srv", ["sg-0backup"])
    return estate(
        [ws, jump, console],
        [
            sg("sg-ws", [], EVERYWHERE),
            sg("sg-jump", [], EVERYWHERE),
            sg(
                "sg-0backup",
                [
                    (ServiceSet.tcp(22), cidr("10.0.1.0/24")),
                    (ServiceSet.tcp(443), sgref("sg-jump")),
                ],
                [],
            ),
        ],
        {"s-ws": None, "s-srv": None},
    )


def test_design_sample_against_the_real_engine() -> None:
    result = compare(Engine(backup_estate()), load_policy(SAMPLE), as_of=date(2026, 11, 25))
    (violation,) = result.findings
    assert (violation.path, violation.kind, violation.open) == (
        "ws-to-backup",
        Kind.VIOLATION,
        ServiceSet.tcp(22),
    )
    assert "sg-0backup-in0" in violation.rules  # the SSH rule from the workstation subnet
    assert "sg-0backup-in1" not in violation.rules  # the jump host's 443 rule is not part of it
    assert violation.pair_count >= 1
    assert any("eni-ws1" in p["from"] for p in violation.pairs)
    assert result.exit_code() == 2


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> None:
    import pathwarden.cli.check_cmd as check_cmd
    import pathwarden.cli.policy_cmd as policy_cmd

    def fake_load(snapshots: tuple[str, ...], ephemeral_ports: str) -> Estate:
        assert snapshots == ("snap",)
        return backup_estate()

    monkeypatch.setattr(check_cmd, "load_snapshots", fake_load)
    monkeypatch.setattr(policy_cmd, "load_snapshots", fake_load)


@pytest.mark.usefixtures("patched")
@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif", "junit"])
def test_check_command_exit_code_and_formats(fmt: str) -> None:
    args = ["check", "--policy", str(SAMPLE), "--snapshot", "snap", "--format", fmt]
    result = CliRunner().invoke(cli, [*args, "--as-of", "2026-11-25"])
    assert result.exit_code == 2, result.output
    assert "ws-to-backup" in result.stdout


@pytest.mark.usefixtures("patched")
def test_check_command_monitor_stage_exits_zero_and_writes_out(tmp_path: Path) -> None:
    policy = tmp_path / "p.yml"
    policy.write_text(SAMPLE.read_text().replace("stage: enforce", "stage: monitor"))
    out = tmp_path / "report.json"
    args = ["check", "--policy", str(policy), "--snapshot", "snap", "--format", "json"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    doc = json.loads(out.read_text())
    assert [f["kind"] for f in doc["findings"]] == ["violation"]
    assert doc["findings"][0]["stage"] == "monitor"


@pytest.mark.usefixtures("patched")
def test_check_command_bad_policy_and_bad_date_exit_one(tmp_path: Path) -> None:
    policy = tmp_path / "p.yml"
    policy.write_text(SAMPLE.read_text().replace("to: backup-console", "to: backups", 1))
    result = CliRunner().invoke(cli, ["check", "--policy", str(policy), "--snapshot", "snap"])
    assert result.exit_code == 1
    assert "unknown segment 'backups'" in result.stderr
    bad_date = ["check", "--policy", str(SAMPLE), "--snapshot", "snap", "--as-of", "soon"]
    assert CliRunner().invoke(cli, bad_date).exit_code == 1  # a usage error is an error, not 2


@pytest.mark.usefixtures("patched")
def test_segments_command_lists_members_and_warns(tmp_path: Path) -> None:
    text = CliRunner().invoke(cli, ["segments", "--policy", str(SAMPLE), "--snapshot", "snap"])
    assert text.exit_code == 0
    assert "workstations (owner it-endpoint@example.com): 1 member" in text.stdout
    assert "eni-ws1  -  10.0.1.10" in text.stdout
    assert "outside: 10.50.0.0/16" in text.stdout
    policy = tmp_path / "p.yml"
    policy.write_text(SAMPLE.read_text().replace("i-0jump", "i-gone"))
    args = ["segments", "--policy", str(policy), "--snapshot", "snap", "--format", "json"]
    doc = json.loads(CliRunner().invoke(cli, args).stdout)
    assert doc["warnings"] == ["segment 'jump-hosts' matches nothing in this estate"]
    assert [s["segment"] for s in doc["segments"]] == [
        "workstations",
        "backup-console",
        "jump-hosts",
    ]
    assert doc["segments"][1]["members"][0]["id"] == "eni-console"
