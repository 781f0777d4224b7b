"""`pathwarden reach` end to end on the example estate, and its bad-input behaviour."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SNAP = str(ROOT / "examples" / "backup-console" / "snapshot")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pathwarden.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_json_output_follows_the_contract() -> None:
    p = run(
        "reach", "--snapshot", SNAP, "--from", "i-0jump", "--to", "sg-0backup", "--format", "json"
    )
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["from"] == "i-0jump" and doc["to"] == "sg-0backup"
    assert doc["open"] == [{"protocol": "tcp", "ports": [[443, 443]]}]
    rules = {r["id"] for e in doc["explanations"] for h in e["hops"] for r in h["rules"]}
    assert any(r.startswith("sgr-") for r in rules)
    assert any(r.startswith("acl-") and "#" in r for r in rules)


def test_text_output_names_ports_hops_and_rules() -> None:
    p = run("reach", "--snapshot", SNAP, "--from", "sg-0workstation", "--to", "sg-0backup")
    assert p.returncode == 0, p.stderr
    assert "open: tcp/22,443" in p.stdout
    assert "security groups sg-0backup (ingress, destination)" in p.stdout
    assert "network ACL return path" in p.stdout
    assert "(backup-console)" in p.stdout  # the console's Name tag next to its ENI id


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--snapshot", "/nonexistent/snap", "--from", "a", "--to", "b"], "/nonexistent/snap"),
        (["--snapshot", SNAP, "--from", "eni-0nope", "--to", "sg-0backup"], "eni-0nope"),
        (
            [
                "--snapshot",
                SNAP,
                "--from",
                "i-0jump",
                "--to",
                "sg-0backup",
                "--ephemeral-ports",
                "9-x",
            ],
            "--ephemeral-ports",
        ),
        (["--snapshot", SNAP, "--from", "segment:ws", "--to", "sg-0backup"], "--policy"),
    ],
)
def test_bad_input_is_one_line_exit_1_without_traceback(args: list[str], needle: str) -> None:
    p = run("reach", *args)
    assert p.returncode == 1
    assert "Traceback" not in p.stderr
    assert needle in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_malformed_snapshot_file_names_the_file(tmp_path: Path) -> None:
    for f in Path(SNAP).iterdir():
        (tmp_path / f.name).write_text(f.read_text())
    (tmp_path / "describe-security-groups.json").write_text('{"SecurityGroups": [')
    p = run("reach", "--snapshot", str(tmp_path), "--from", "i-0jump", "--to", "sg-0backup")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "describe-security-groups.json" in p.stderr


def test_stale_reference_on_the_path_is_reported_not_guessed() -> None:
    p = run(
        "reach",
        "--snapshot",
        SNAP,
        "--from",
        "sg-0workstation",
        "--to",
        "sg-0backup",
        "--format",
        "json",
    )
    doc = json.loads(p.stdout)
    assert any(
        n["code"] == "stale-reference" and "sg-0peerbackup" in n["message"] for n in doc["notices"]
    )


def test_a_usage_error_exits_1_never_the_findings_code() -> None:
    # exit 2 means enforce-stage findings; a typo in a pipeline must not look like one
    p = run("check", "--no-such-option")
    assert p.returncode == 1
    assert "no-such-option" in p.stderr
