"""The ``tf review`` reports: Markdown PR comment, SARIF with .tf locations, JUnit, JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from pathwarden.policy import load_policy
from pathwarden.providers.load import load_estate
from pathwarden.report.tf_json import review_json
from pathwarden.report.tf_junit import render_review_junit
from pathwarden.report.tf_markdown import render_review_markdown
from pathwarden.report.tf_sarif import review_sarif
from pathwarden.report.tf_text import render_review_text
from pathwarden.terraform import Review, overlay, read_plan, review
from pathwarden.terraform.locations import Locations
from tests.unit.tfplans import EXAMPLE, POLICY, SNAPSHOT, line_of


@pytest.fixture(scope="module")
def add_ssh() -> Review:
    plan = read_plan(EXAMPLE / "plans" / "add-ssh.plan.json")
    ov = overlay(plan, load_estate([SNAPSHOT]))
    return review(
        ov,
        load_policy(POLICY),
        source=plan.file,
        as_of=date(2026, 11, 25),
        locations=Locations(EXAMPLE),
    )


@pytest.fixture(scope="module")
def fix() -> Review:
    plan = read_plan(EXAMPLE / "plans" / "fix.plan.json")
    ov = overlay(plan, load_estate([SNAPSHOT]))
    return review(ov, load_policy(POLICY), source=plan.file, as_of=date(2026, 11, 25))


def test_markdown_verdict_table_and_folded_details(add_ssh: Review) -> None:
    md = render_review_markdown(add_ssh)
    lines = md.splitlines()
    assert lines[0].startswith("### ❌ pathwarden tf review — FAIL")
    assert "ws-to-backup" in lines[0]
    assert "| Path | From → To | Opened | Closed | Open after |" in md
    assert "| `ws-to-backup` (deny) | workstations → backup-console | `tcp/22` | — |" in md
    assert "#### Made worse by this plan" in md
    assert "#### Existing findings (not caused by this plan)" in md
    assert md.count("<details>") == md.count("</details>") >= 2
    line = line_of(EXAMPLE / "main.tf", '"workstation_ssh"')
    assert f"main.tf:{line}`" in md


def test_markdown_says_repaired(fix: Review) -> None:
    md = render_review_markdown(fix)
    assert md.splitlines()[0].startswith("### ✅ pathwarden tf review — PASS")
    assert "#### Repaired by this plan" in md
    assert "repairs 3" in md.splitlines()[0]


def test_sarif_points_at_the_tf_block(add_ssh: Review) -> None:
    log = review_sarif(add_ssh)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    errors = [r for r in run["results"] if r["level"] == "error"]
    assert [r["ruleId"] for r in errors] == ["ws-to-backup"]
    assert rule_ids[errors[0]["ruleIndex"]] == "ws-to-backup"
    loc = errors[0]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"].endswith("backup-console/main.tf")
    start = line_of(EXAMPLE / "main.tf", '"workstation_ssh"')
    assert loc["physicalLocation"]["region"]["startLine"] == start
    assert loc["physicalLocation"]["region"]["endLine"] > start
    assert loc["logicalLocations"][0]["fullyQualifiedName"].endswith(".workstation_ssh")
    notes = [r for r in run["results"] if r["level"] == "note"]
    assert [r["properties"]["status"] for r in notes] == ["existing"]


def test_sarif_without_locations_points_at_the_plan(fix: Review) -> None:
    results = review_sarif(fix)["runs"][0]["results"]
    assert {r["level"] for r in results} == {"note"}
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("fix.plan.json")


def test_junit_fails_only_what_the_plan_makes_worse(add_ssh: Review, fix: Review) -> None:
    root = ET.fromstring(render_review_junit(add_ssh))
    assert root.get("failures") == "1"
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failed == ["ws-to-backup"]
    assert ET.fromstring(render_review_junit(fix)).get("failures") == "0"


def test_json_and_text(add_ssh: Review) -> None:
    doc = review_json(add_ssh)
    assert doc["counts"] == {"new": 1, "worse": 0, "existing": 1, "narrowed": 0, "repaired": 0}
    assert doc["changes"] == [
        {
            "address": "aws_vpc_security_group_ingress_rule.workstation_ssh",
            "type": "aws_vpc_security_group_ingress_rule",
            "action": "create",
        }
    ]
    json.dumps(doc)  # serialisable
    text = render_review_text(add_ssh)
    assert "ws-to-backup: workstations -> backup-console: opens tcp/22" in text
