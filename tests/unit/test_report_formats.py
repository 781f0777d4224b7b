"""Every report format, validated: SARIF against the OASIS 2.1.0 schema, JUnit against the
Jenkins JUnit XSD (both vendored in tests/fixtures/schemas/, see README there)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import xmlschema
from jsonschema import Draft4Validator

from pathwarden.check import CheckResult
from pathwarden.report import FORMATS, render
from pathwarden.report.sarif import sarif_log

from .test_check_compare import AS_OF, ESTATE, POLICY, run

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures/schemas"


@pytest.fixture(scope="module")
def result() -> CheckResult:
    return run()


@pytest.fixture(scope="module")
def clean() -> CheckResult:
    return replace(run(), findings=(), warnings=())


def test_formats_are_the_contract() -> None:
    assert FORMATS == ("text", "json", "markdown", "sarif", "junit")


def test_json_report_is_the_contract(result: CheckResult) -> None:
    assert json.loads(render(result, "json")) == result.to_json()


def test_text_is_grouped_by_path_worst_first(result: CheckResult) -> None:
    text = render(result, "text")
    lines = text.splitlines()
    assert lines[0] == (
        "pathwarden check: FAIL: 4 enforce-stage findings, 1 monitor-stage "
        "(policy policy.yml, as of 2026-11-25)"
    )
    assert lines[1] == "warning: segment 'ghosts' matches nothing in this estate"
    headers = [ln for ln in lines if ln.startswith("[")]
    assert headers == [
        "[enforce] ws-to-backup: workstations -> backup-console",
        "[enforce] protect:backup-console: * -> backup-console",
        "[enforce] jump-to-backup: jump-hosts -> backup-console",
        "[monitor] monitoring-to-backup: monitoring -> backup-console",
    ]
    kinds = [ln.split()[0] for ln in lines if ln.startswith("  ") and ln.split()[0].isupper()]
    assert kinds == ["VIOLATION", "UNAPPROVED", "BLOCKED", "OVERBROAD", "EXPIRED"]
    assert "  VIOLATION  denied path is open: tcp/22,443" in lines
    assert "             rules: sgr-ssh-temp, sgr-broad-443" in lines


def test_text_says_partial_and_clean(clean: CheckResult) -> None:
    text = render(replace(clean, partial=True), "text")
    assert text.splitlines()[0].startswith("pathwarden check: PASS: no findings")
    assert "WARNING: partial estate" in text
    assert text.endswith("5 paths checked, all as the policy says.\n")


def test_markdown_has_verdict_table_and_details(result: CheckResult) -> None:
    md = render(result, "markdown")
    assert md.startswith(
        "### ❌ pathwarden check — FAIL: 4 enforce-stage findings, 1 monitor-stage"
    )
    rows = [ln for ln in md.splitlines() if ln.startswith("| ")]
    assert len(rows) == 1 + len(result.findings)  # header + one row per finding
    assert rows[1] == (
        "| ❌ | enforce | violation | `ws-to-backup` | workstations → backup-console | "
        "`tcp/22,443` |"
    )
    assert md.count("<details>") == md.count("</details>") == len(result.findings)
    assert "  - `sgr-snmp`" in md
    assert "> **Warning:** segment 'ghosts' matches nothing in this estate." in md


def test_markdown_escapes_table_cells(result: CheckResult) -> None:
    f = replace(result.findings[0], src="a|b")
    md = render(replace(result, findings=(f,)), "markdown")
    assert "| a\\|b → backup-console |" in md


def test_markdown_clean(clean: CheckResult) -> None:
    md = render(clean, "markdown")
    assert md.startswith("### ✅ pathwarden check — PASS: no findings")
    assert "<details>" not in md


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def test_sarif_is_valid_and_one_result_per_finding(
    result: CheckResult, sarif_validator: Draft4Validator
) -> None:
    doc = json.loads(render(result, "sarif"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator.iter_errors(doc)]
    assert errors == []
    assert doc["version"] == "2.1.0"
    (run_,) = doc["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [
        "ws-to-backup",
        "jump-to-backup",
        "monitoring-to-backup",
        "ghosts-to-backup",
        "protect:backup-console",
    ]
    results = run_["results"]
    assert len(results) == len(result.findings)
    for r, f in zip(results, result.findings, strict=True):
        assert r["ruleId"] == f.path
        assert rules[r["ruleIndex"]]["id"] == f.path
        assert r["level"] == ("error" if f.stage.value == "enforce" else "warning")
        region = r["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] == f.line
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "policy.yml"
    assert results[0]["properties"]["open"] == [
        {"protocol": "tcp", "ports": [[22, 22], [443, 443]]}
    ]
    notes = run_["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == [
        "segment 'ghosts' matches nothing in this estate"
    ]


def test_the_sarif_schema_catches_a_bad_level(
    result: CheckResult, sarif_validator: Draft4Validator
) -> None:
    doc = sarif_log(result)
    doc["runs"][0]["results"][0]["level"] = "fatal"
    assert not sarif_validator.is_valid(doc)


def test_sarif_clean_and_partial_is_valid(
    clean: CheckResult, sarif_validator: Draft4Validator
) -> None:
    doc = sarif_log(replace(clean, partial=True))
    assert list(sarif_validator.iter_errors(doc)) == []
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["properties"]["partial"] is True


def test_sarif_uri_of_an_absolute_policy_path(
    result: CheckResult, sarif_validator: Draft4Validator
) -> None:
    policy = replace(POLICY, file="/srv/policies/backup console.yml")
    doc = sarif_log(replace(result, policy=policy))
    assert list(sarif_validator.iter_errors(doc)) == []
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "file:///srv/policies/backup%20console.yml"


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))


def test_junit_is_valid_with_one_testcase_per_path(
    result: CheckResult, junit_schema: xmlschema.XMLSchema
) -> None:
    xml = render(result, "junit")
    junit_schema.validate(xml)
    root = ET.fromstring(xml)
    suite = root.find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == [
        "ws-to-backup",
        "jump-to-backup",
        "monitoring-to-backup",
        "ghosts-to-backup",
        "protect:backup-console",
    ]
    assert [f.get("type") for f in cases["jump-to-backup"].findall("failure")] == [
        "blocked",
        "overbroad",
    ]
    assert cases["ghosts-to-backup"].findall("failure") == []
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "4", "0")
    expired = cases["monitoring-to-backup"].find("failure")
    assert expired is not None and (expired.get("message") or "").startswith("[monitor] expired:")
    out = suite.find("system-out")
    assert out is not None and "matches nothing" in (out.text or "")


def test_the_junit_schema_catches_a_missing_count(junit_schema: xmlschema.XMLSchema) -> None:
    assert not junit_schema.is_valid('<testsuite name="x" tests="1" errors="0"/>')


def test_junit_clean_is_valid(clean: CheckResult, junit_schema: xmlschema.XMLSchema) -> None:
    xml = render(clean, "junit")
    junit_schema.validate(xml)
    assert ET.fromstring(xml).find("testsuite/testcase/failure") is None


def test_reports_do_not_depend_on_the_estate_partial_flag_only() -> None:
    partial = run(estate=replace(ESTATE, partial=True), as_of=AS_OF)
    assert json.loads(render(partial, "json"))["partial"] is True
    assert "partial estate" in render(partial, "markdown")
    assert "partial estate" in render(partial, "junit")
    assert date.fromisoformat(json.loads(render(partial, "json"))["summary"]["as_of"]) == AS_OF
