"""``pathwarden drift`` and ``pathwarden store`` end to end on the backup-console example."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pathwarden.cli.check_cmd import check
from pathwarden.cli.drift_cmd import drift
from pathwarden.cli.main import _Group
from pathwarden.cli.store_cmd import store
from tests.unit.test_drift_paths import EXAMPLE, POLICY, add_ingress_rule

ROOT = _Group("pathwarden", commands=[check, drift, store])
PARTIAL_MANIFEST = {
    "format": 1, "tool": "pathwarden", "version": "0.1.0", "cloud": "aws",
    "started": "2026-11-25T10:00:00Z", "finished": "2026-11-25T10:00:09Z",
    "scope": {"accounts": ["111122223333"], "regions": ["eu-west-1", "us-east-1"]},
    "partial": True,
    "calls": [{"account": "111122223333", "region": "eu-west-1", "action": "ec2:DescribeVpcs",
               "status": "failed", "error": "Unavailable"}],
}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(ROOT, list(args))


@pytest.fixture
def drifted(tmp_path: Path) -> Path:
    current = Path(shutil.copytree(EXAMPLE, tmp_path / "current"))
    add_ingress_rule(current, "sgr-0rdp", 3389, "10.20.1.0/24")
    return current


def partial_copy(tmp_path: Path) -> Path:
    folder = Path(shutil.copytree(EXAMPLE, tmp_path / "partial"))
    (folder / "manifest.json").write_text(json.dumps(PARTIAL_MANIFEST))
    return folder


def test_drift_against_a_baseline_folder(drifted: Path) -> None:
    result = invoke("drift", "--snapshot", str(drifted), "--baseline", str(EXAMPLE),
                    "--policy", str(POLICY), "--as-of", "2026-11-25", "--format", "json")
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)
    assert [(i["change"], i["id"]) for i in doc["inventory"]] == [("added", "sgr-0rdp")]
    [path] = doc["paths"]
    assert (path["path"], path["movement"], path["causes"]) == ("ws-to-backup", "widened",
                                                                ["sgr-0rdp"])
    assert path["opened"] == [{"protocol": "tcp", "ports": [[3389, 3389]]}]


def test_no_drift_exits_zero(tmp_path: Path) -> None:
    result = invoke("drift", "--snapshot", str(EXAMPLE), "--baseline", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("pathwarden drift: NO DRIFT")


def test_partial_estate_without_drift_exits_one(tmp_path: Path) -> None:
    result = invoke("drift", "--snapshot", str(partial_copy(tmp_path)), "--baseline",
                    str(EXAMPLE))
    assert result.exit_code == 1
    assert "INCOMPLETE" in result.stdout and "WARNING: partial estate" in result.stdout


def test_approve_then_drift_from_the_store(tmp_path: Path, drifted: Path) -> None:
    db = str(tmp_path / "s.db")
    approved = invoke("drift", "--snapshot", str(EXAMPLE), "--store", db, "--approve-baseline",
                      "--by", "jane.doe", "--note", "CHG0012345")
    assert approved.exit_code == 0, approved.output
    assert "as the baseline of scope default (by jane.doe)" in approved.stdout

    result = invoke("drift", "--snapshot", str(drifted), "--store", db, "--policy", str(POLICY),
                    "--format", "markdown", "--record")
    assert result.exit_code == 2, result.output
    assert "`sgr-0rdp`" in result.stdout and "approved by jane.doe" in result.stdout

    baselines = json.loads(invoke("store", "--store", db, "baselines", "--format",
                                  "json").stdout)
    assert [(b["scope"], b["approved_by"], b["note"]) for b in baselines] == [
        ("default", "jane.doe", "CHG0012345")]
    audit = json.loads(invoke("store", "--store", db, "audit", "--format", "json").stdout)
    assert [r["action"] for r in audit] == ["snapshot.store", "baseline.approve",
                                            "snapshot.store", "drift.run"]
    assert audit[1]["actor"] == "jane.doe"
    assert audit[3]["detail"]["summary"]["drift"] is True
    verify = invoke("store", "--store", db, "verify")
    assert verify.exit_code == 0 and "audit chain intact: 4 row(s)" in verify.stderr + \
        verify.stdout


def test_store_default_path_follows_xdg_data_home(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert invoke("drift", "--snapshot", str(EXAMPLE), "--approve-baseline",
                  "--by", "jane").exit_code == 0
    assert (tmp_path / "xdg/pathwarden/pathwarden.db").is_file()
    assert invoke("drift", "--snapshot", str(EXAMPLE)).exit_code == 0


def test_no_baseline_in_the_store_is_one_clear_error(tmp_path: Path) -> None:
    result = invoke("drift", "--snapshot", str(EXAMPLE), "--store", str(tmp_path / "s.db"))
    assert result.exit_code == 1
    assert "no approved baseline for scope 'default'" in result.stderr


def test_a_partial_snapshot_is_not_approved(tmp_path: Path) -> None:
    result = invoke("drift", "--snapshot", str(partial_copy(tmp_path)), "--store",
                    str(tmp_path / "s.db"), "--approve-baseline", "--by", "jane")
    assert result.exit_code == 1
    assert "refusing to approve a partial snapshot" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--by", "jane"], "--by needs --approve-baseline"),
    (["--approve-baseline"], "--approve-baseline needs --by NAME"),
    (["--regions", "eu-west-1"], "--regions needs --live"),
    (["--live", "aws"], "give either --snapshot DIR or --live CLOUD"),
])
def test_bad_option_combinations_exit_one(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke("drift", "--snapshot", str(EXAMPLE), "--baseline", str(EXAMPLE), *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr


def test_store_import_export_and_snapshots(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    imported = invoke("store", "--store", db, "import", str(EXAMPLE), "--source", "manual")
    assert imported.exit_code == 0
    snapshot_id = imported.stdout.strip()
    assert len(snapshot_id) == 64
    again = invoke("store", "--store", db, "import", str(EXAMPLE))
    assert again.stdout.strip() == snapshot_id and "already stored" in again.stderr
    listed = json.loads(invoke("store", "--store", db, "snapshots", "--format", "json").stdout)
    assert [(s["id"], s["source"], s["partial"]) for s in listed] == [
        (snapshot_id, "manual", False)]
    out = tmp_path / "restored"
    assert invoke("store", "--store", db, "export", snapshot_id[:8], "--out",
                  str(out)).exit_code == 0
    assert invoke("drift", "--snapshot", str(out), "--baseline", str(EXAMPLE)).exit_code == 0
    approve = invoke("store", "--store", db, "approve", snapshot_id[:8], "--by", "sam",
                     "--scope", "team-a")
    assert approve.exit_code == 0 and "scope team-a (by sam)" in approve.stdout


def test_check_records_its_result_in_the_store(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    result = invoke("check", "--policy", str(POLICY), "--snapshot", str(EXAMPLE),
                    "--as-of", "2026-11-25", "--store", db)
    assert result.exit_code == 2
    checks = json.loads(invoke("store", "--store", db, "checks", "--format", "json").stdout)
    [row] = checks
    assert row["exit_code"] == 2 and row["partial"] is False
    assert row["policy_sha256"] == hashlib.sha256(POLICY.read_bytes()).hexdigest()
    assert row["summary"]["verdict"] == "fail" and len(row["snapshot_id"]) == 64


def test_store_verify_names_a_tampered_row(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    invoke("store", "--store", str(db), "import", str(EXAMPLE))
    invoke("drift", "--snapshot", str(EXAMPLE), "--store", str(db), "--approve-baseline",
           "--by", "jane")
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    conn.commit()
    conn.close()
    result = invoke("store", "--store", str(db), "verify")
    assert result.exit_code == 2
    assert "audit chain broken at row 2: its content does not match its hash" in result.stderr
