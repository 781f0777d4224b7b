"""A partial estate (manifest.json says part of the scope failed) in every check format, and
the exit code: a partial check never exits 0."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.integration.test_drift_cli import ROOT, partial_copy
from tests.unit.test_drift_paths import EXAMPLE, POLICY


def check(snapshot: Path, fmt: str, policy: Path = POLICY) -> Result:
    return CliRunner().invoke(ROOT, ["check", "--policy", str(policy), "--snapshot",
                                     str(snapshot), "--as-of", "2026-11-25", "--format", fmt])


@pytest.fixture(scope="module")
def partial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return partial_copy(tmp_path_factory.mktemp("p"))


def test_text(partial: Path) -> None:
    result = check(partial, "text")
    assert result.exit_code == 2  # the enforce-stage violation is real even on part of it
    assert "WARNING: partial estate: discovery of part of the scope failed" in result.stdout


def test_json(partial: Path) -> None:
    doc = json.loads(check(partial, "json").stdout)
    assert doc["partial"] is True
    assert json.loads(check(EXAMPLE, "json").stdout)["partial"] is False


def test_markdown(partial: Path) -> None:
    assert "> **Warning:** partial estate" in check(partial, "markdown").stdout
    assert "partial estate" not in check(EXAMPLE, "markdown").stdout


def test_sarif(partial: Path) -> None:
    (run,) = json.loads(check(partial, "sarif").stdout)["runs"]
    assert run["properties"]["partial"] is True
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"].startswith("partial estate")


def test_junit(partial: Path) -> None:
    root = ET.fromstring(check(partial, "junit").stdout)
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["partial"] == "true"
    assert "warning: partial estate" in (root.find("testsuite/system-out").text or "")


def test_partial_without_enforce_findings_exits_one(partial: Path, tmp_path: Path) -> None:
    monitor = tmp_path / "monitor.yml"
    monitor.write_text(POLICY.read_text().replace("stage: enforce", "stage: monitor"))
    result = check(partial, "json", monitor)
    assert result.exit_code == 1
    assert "partial estate and no enforce-stage findings: not a clean result" in result.stderr
    assert check(EXAMPLE, "json", monitor).exit_code == 0  # the complete one is clean
