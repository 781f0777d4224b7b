"""Drift reports: text, JSON, Markdown and SARIF (validated against the OASIS schema)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from pathwarden.check.drift import DriftReport
from pathwarden.report.drift_formats import DRIFT_FORMATS, render_drift
from pathwarden.report.drift_sarif import drift_sarif_log

from .test_drift_paths import EXAMPLE, add_ingress_rule, copy_example, run

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures/schemas"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> DriftReport:
    current = copy_example(tmp_path_factory.mktemp("drift"))
    add_ingress_rule(current, "sgr-0rdp", 3389, "10.20.1.0/24")
    return replace(run(current), baseline=str(EXAMPLE.name), current="current")


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    return Draft4Validator(json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text()))


def test_formats() -> None:
    assert DRIFT_FORMATS == ("text", "json", "markdown", "sarif")


def test_text(report: DriftReport) -> None:
    lines = render_drift(report, "text").splitlines()
    assert lines[0] == ("pathwarden drift: DRIFT: 1 path change (1 regression), 1 inventory "
                        "change (baseline snapshot, current current)")
    assert "[enforce] ws-to-backup: workstations -> backup-console (deny)" in lines
    assert "  REGRESSION: widened +tcp/3389 (was tcp/22,443, now tcp/22,443,3389)" in lines
    assert "  caused by: sgr-0rdp" in lines
    assert ("  rule sgr-0rdp in sg-0backup added: ingress allow tcp/3389 from 10.20.1.0/24 "
            "[drifted]") in lines


def test_text_partial_and_clean(report: DriftReport) -> None:
    clean = replace(report, inventory=(), paths=(), current_partial=True)
    text = render_drift(clean, "text")
    assert text.splitlines()[0].startswith("pathwarden drift: INCOMPLETE: no drift seen")
    assert "WARNING: partial estate" in text
    assert render_drift(replace(clean, current_partial=False), "text").startswith(
        "pathwarden drift: NO DRIFT (")


def test_json(report: DriftReport) -> None:
    doc = json.loads(render_drift(report, "json"))
    assert set(doc) == {"baseline", "current", "partial", "inventory", "paths", "summary",
                        "notices"}
    assert doc["partial"] is False
    [path] = doc["paths"]
    assert path["opened"] == [{"protocol": "tcp", "ports": [[3389, 3389]]}]
    assert path["movement"] == "widened" and path["regression"] is True
    assert doc["inventory"] == [{"change": "added", "item": "rule", "id": "sgr-0rdp",
                                 "parent": "sg-0backup",
                                 "after": "ingress allow tcp/3389 from 10.20.1.0/24 [drifted]"}]
    assert doc["summary"]["drift"] is True and doc["summary"]["enforce_regressions"] == 1


def test_markdown(report: DriftReport) -> None:
    md = render_drift(report, "markdown")
    assert md.startswith("### ❌ pathwarden drift — DRIFT: 1 path change (1 regression)")
    assert ("| ❌ | enforce | `ws-to-backup` | workstations → backup-console | widened | "
            "`tcp/3389` | - | `sgr-0rdp` |") in md
    assert "| added | rule | `sgr-0rdp` in `sg-0backup` | - |" in md
    partial = render_drift(replace(report, baseline_partial=True), "markdown")
    assert "> **Warning:** partial estate" in partial


def test_sarif_is_valid(report: DriftReport, validator: Draft4Validator) -> None:
    doc = drift_sarif_log(report)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []
    (run_,) = doc["runs"]
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == ["ws-to-backup", "drift/rule"]
    path, rule = run_["results"]
    assert (path["ruleId"], path["level"]) == ("ws-to-backup", "error")
    assert path["locations"][0]["physicalLocation"]["region"]["startLine"] > 0
    assert (rule["ruleId"], rule["level"]) == ("drift/rule", "warning")
    assert rule["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == \
        "sg-0backup/sgr-0rdp"
    assert run_["properties"]["partial"] is False


def test_sarif_partial_is_a_notification(report: DriftReport,
                                         validator: Draft4Validator) -> None:
    doc = drift_sarif_log(replace(report, current_partial=True, inventory=(), paths=()))
    assert list(validator.iter_errors(doc)) == []
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"].startswith("partial estate")
    assert doc["runs"][0]["properties"]["partial"] is True
