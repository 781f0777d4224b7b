"""Every estate notice reaches every ``check`` report (issue 14, 6c), and a partial estate
from a missing object never exits 0 (6a).

Before, the multi-cloud example's stated assumptions (no AVNM admin rules, VirtualNetwork
from the VNet's own address space) appeared in no output at all.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft4Validator

from pathwarden.cli.main import cli
from tests.unit.awssnapshot import eni, sg, write_snapshot

ROOT = Path(__file__).resolve().parents[2]
MULTI = ROOT / "examples" / "multi-cloud"
SCHEMAS = ROOT / "tests" / "fixtures" / "schemas"
POLICY = """\
version: 1
segments:
  app: {match: [{cidr: 10.0.0.5/32}]}
  db: {match: [{cidr: 10.0.0.6/32}]}
paths:
  - {id: app-to-db, from: app, to: db, rule: deny, stage: enforce, why: test, owner: me}
"""
MISSING = ("security group sg-gone is not in the snapshot (eni-2 names it): its rules are "
           "unknown, so nothing it allows is seen")


def check(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", *args])


@pytest.fixture
def gone(tmp_path: Path) -> list[str]:
    """Two ENIs, nothing open between them; eni-2's second group is not in the snapshot."""
    snap = write_snapshot(tmp_path / "s", security_groups=[sg("sg-1")], interfaces=[
        eni("eni-1", ["10.0.0.5"], ["sg-1"]), eni("eni-2", ["10.0.0.6"], ["sg-1", "sg-gone"])])
    (tmp_path / "p.yml").write_text(POLICY)
    return ["--policy", str(tmp_path / "p.yml"), "--snapshot", str(snap)]


def test_a_missing_group_makes_a_clean_check_exit_1(gone: list[str]) -> None:
    r = check(*gone)
    assert r.exit_code == 1, r.output
    assert r.stdout.startswith("pathwarden check: PASS: no findings")
    notes = r.stdout[r.stdout.index("\nnotes:\n"):]
    assert f"\n  - [missing-reference] {MISSING}\n" in notes
    assert "WARNING: partial estate: discovery of part of the scope failed, or the snapshot " \
        "lacks objects it references (see the notes)" in r.stdout
    assert "partial estate and no enforce-stage findings" in r.stderr


def test_json_keeps_every_key_and_adds_the_notices(gone: list[str]) -> None:
    r = check(*gone, "--format", "json")
    doc = json.loads(r.stdout)
    assert set(doc) == {"findings", "partial", "summary", "notices"}
    assert doc["partial"] is True
    assert {"code": "missing-reference", "message": MISSING, "source": "sg-gone"} in (
        doc["notices"])
    assert all(set(n) == {"code", "message", "source"} for n in doc["notices"])


def test_markdown_has_a_notices_section(gone: list[str]) -> None:
    md = check(*gone, "--format", "markdown").stdout
    section = md[md.index("#### Notices"):]
    assert "- **missing-reference**: security group sg-gone is not in the snapshot (eni-2 " \
        "names it)" in section


def test_junit_system_out_lists_the_notices(gone: list[str]) -> None:
    xml = check(*gone, "--format", "junit").stdout
    out = ET.fromstring(xml.split("\n", 1)[1]).find("testsuite/system-out")
    assert out is not None and f"[missing-reference] {MISSING}" in (out.text or "")


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    return Draft4Validator(json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text()))


def notifications(doc: dict[str, Any]) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    return notes


def test_sarif_notifications_are_valid(gone: list[str], sarif_validator: Draft4Validator) -> None:
    doc = json.loads(check(*gone, "--format", "sarif").stdout)
    assert [e.message for e in sarif_validator.iter_errors(doc)] == []
    by_id = {n["descriptor"]["id"]: n for n in notifications(doc) if "descriptor" in n}
    assert by_id["missing-reference"] == {
        "level": "warning", "message": {"text": MISSING}, "descriptor": {"id":
                                                                         "missing-reference"},
        "properties": {"source": "sg-gone"},
    }
    assert by_id["routes-not-in-snapshot"]["level"] == "note"


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif"])
def test_the_multi_cloud_assumptions_reach_every_format(
    fmt: str, sarif_validator: Draft4Validator
) -> None:
    r = check("--policy", str(MULTI / "policy.yml"), "--snapshot", str(MULTI / "snapshot"),
              "--as-of", "2026-11-25", "--format", fmt)
    assert r.exit_code == 2, r.output  # the example's enforce-stage violation
    for text in ("AVNM security admin rules are assumed absent",
                 "VirtualNetwork = the VNet's address space",
                 "hierarchical and network firewall policies are assumed absent",
                 "routes not in snapshot"):
        assert text in r.stdout, (fmt, text)
    if fmt == "sarif":
        assert list(sarif_validator.iter_errors(json.loads(r.stdout))) == []
