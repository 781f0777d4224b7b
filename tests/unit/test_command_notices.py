"""The estate's notices in ``reach``, ``segments``, ``drift`` and ``tf review`` (issue 14, 6c).

Before, ``reach`` showed only the notices about filters on the path (never an assumption
such as routes), and ``segments``, ``drift`` and ``tf review`` none at all.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft4Validator

from pathwarden.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "backup-console"
SNAP = str(EXAMPLE / "snapshot")
POLICY = str(EXAMPLE / "policy.yml")
PLAN = str(ROOT / "examples" / "terraform-review" / "backup-console" / "plans" /
           "add-ssh.plan.json")
SCHEMA = json.loads((ROOT / "tests/fixtures/schemas/sarif-schema-2.1.0.json").read_text())
STALE = "sgr-0fe767293d684e1e4 references security_group:444455556666/sg-0peerbackup"
ROUTES = "routes not in snapshot: same network or peering assumed"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def codes(doc: dict[str, Any]) -> set[str]:
    assert all(set(n) >= {"code", "message", "source"} for n in doc["notices"])
    return {n["code"] for n in doc["notices"]}


def sarif_notes(text: str) -> list[dict[str, Any]]:
    doc = json.loads(text)
    assert list(Draft4Validator(SCHEMA).iter_errors(doc)) == []
    notes: list[dict[str, Any]] = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    return notes


def test_reach_json_carries_every_notice_with_its_source() -> None:
    r = run("reach", "--snapshot", SNAP, "--from", "i-0jump", "--to", "sg-0backup",
            "--format", "json")
    doc = json.loads(r.stdout)
    assert codes(doc) == {"stale-reference", "routes-not-in-snapshot"}
    assert {"code": "routes-not-in-snapshot", "source": "aws"}.items() <= doc["notices"][1].items()


def test_reach_text_has_one_notes_block() -> None:
    r = run("reach", "--snapshot", SNAP, "--from", "sg-0workstation", "--to", "sg-0backup")
    assert r.exit_code == 0, r.output
    notes = r.stdout[r.stdout.index("\n  notes:\n"):]
    assert f"    - [stale-reference] {STALE}" in notes and ROUTES in notes
    assert r.stdout.count("sg-0peerbackup through peering") == 1


def test_segments_json_and_text() -> None:
    doc = json.loads(run("segments", "--policy", POLICY, "--snapshot", SNAP,
                         "--format", "json").stdout)
    assert doc["partial"] is False and codes(doc) == {"stale-reference", "routes-not-in-snapshot"}
    text = run("segments", "--policy", POLICY, "--snapshot", SNAP).stdout
    assert f"\nnotes:\n  - [stale-reference] {STALE}" in text


@pytest.fixture
def current(tmp_path: Path) -> str:
    """The example with one more security group on the backup console's ENI, a group that
    is not in the snapshot."""
    snap = tmp_path / "current"
    shutil.copytree(SNAP, snap)
    path = snap / "describe-network-interfaces.json"
    doc = json.loads(path.read_text())
    for n in doc["NetworkInterfaces"]:
        if any(g["GroupId"] == "sg-0backup" for g in n["Groups"]):
            n["Groups"].append({"GroupId": "sg-0gone", "GroupName": "gone"})
    path.write_text(json.dumps(doc))
    return str(snap)


def test_drift_reports_the_notices_of_each_side(current: str) -> None:
    args = ["drift", "--snapshot", current, "--baseline", SNAP]
    doc = json.loads(run(*args, "--format", "json").stdout)
    by_estate = {(n["code"], n["estate"]) for n in doc["notices"]}
    assert by_estate == {("stale-reference", "both"), ("routes-not-in-snapshot", "both"),
                         ("missing-reference", "current")}
    assert doc["partial"] is True
    text = run(*args).stdout
    assert "\n  - [missing-reference] current: security group sg-0gone is not in the snapshot" \
        in text
    md = run(*args, "--format", "markdown").stdout
    assert "#### Notices" in md and "current: security group sg-0gone" in md
    notes = sarif_notes(run(*args, "--format", "sarif").stdout)
    assert {n["descriptor"]["id"] for n in notes if "descriptor" in n} == {
        "stale-reference", "routes-not-in-snapshot", "missing-reference"}


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif", "junit"])
def test_tf_review_reports_the_snapshot_notices(fmt: str) -> None:
    r = run("tf", "review", PLAN, "--policy", POLICY, "--snapshot", SNAP, "--as-of",
            "2026-11-25", "--format", fmt)
    assert r.exit_code == 2, r.output  # the plan opens ws-to-backup tcp/22
    out = r.stdout.replace("\\_", "_")  # Markdown escapes the underscore
    assert STALE in out and ROUTES in out
    if fmt == "json":
        assert codes(json.loads(r.stdout)) == {"stale-reference", "routes-not-in-snapshot"}
    if fmt == "sarif":
        assert len([n for n in sarif_notes(r.stdout) if "descriptor" in n]) == 2
