"""examples/scheduled-drift: the AWX playbook parses and merges per-account results; the
cron script is valid shell; the GitHub workflow is valid YAML with the steps it documents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/scheduled-drift"
BIN = Path(sys.executable).parent
FAKE = """#!/bin/sh
out=""; acct=""
while [ $# -gt 0 ]; do
  case "$1" in --out) out=$2; shift;; --accounts) acct=$2; shift;; esac; shift
done
case $acct in
  444455556666) echo '{"summary": {"drift": true}}' > "$out"; exit 2;;
  777788889999) echo "discovery failed" >&2; exit 1;;
esac
echo '{"summary": {"drift": false}}' > "$out"
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
            "ANSIBLE_HOME": str(tmp_path / "home"), "ANSIBLE_NOCOLOR": "1"}


def _playbook(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "inventory.yml", "drift.yml", *args],
        cwd=EXAMPLE / "awx", env=_env(tmp_path), capture_output=True, text=True, timeout=120,
        check=False,
    )


def test_playbook_syntax(tmp_path: Path) -> None:
    result = _playbook(tmp_path, "--syntax-check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_playbook_fans_out_and_merges(tmp_path: Path) -> None:
    fake = tmp_path / "pathwarden"
    fake.write_text(FAKE)
    fake.chmod(0o755)
    results = tmp_path / "results"
    result = _playbook(tmp_path, "-e", f"pathwarden_bin={fake}", "-e",
                       f"results_dir={results}", "-f", "3")
    assert result.returncode != 0  # one account drifted, one failed
    assert "drift in: backup-prod;" in result.stdout
    assert "errors or partial estates in: shared-services" in result.stdout
    merged = json.loads((results / "merged.json").read_text())
    assert {k: v["exit_code"] for k, v in merged.items()} == {
        "payments-prod": 0, "backup-prod": 2, "shared-services": 1}
    assert merged["backup-prod"]["report"] == {"summary": {"drift": True}}
    assert merged["shared-services"]["error"] == "discovery failed"


def test_cron_script_is_valid_shell() -> None:
    script = EXAMPLE / "cron/drift.sh"
    assert subprocess.run(["sh", "-n", str(script)], check=False).returncode == 0
    assert os.access(script, os.X_OK)


def test_github_workflow_runs_drift_and_uploads_sarif() -> None:
    doc = yaml.safe_load((EXAMPLE / "github/pathwarden-drift.yml").read_text())
    steps = doc["jobs"]["drift"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "pathwarden drift --live aws" in runs and "--format sarif" in runs
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    assert doc[True]["schedule"][0]["cron"]  # YAML 1.1 reads the key `on` as true
