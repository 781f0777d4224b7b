"""Approval records: written by `pathwarden approve`, read back, matched to a ChangeSet."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pathwarden.apply.approval import (
    ApprovalError,
    make_approval,
    read_approval,
    write_approval,
)
from pathwarden.cli.plan_cmd import approve, plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "backup-console"
SHA = "a" * 64


def test_round_trip_and_matching(tmp_path: Path) -> None:
    a = make_approval(SHA, "CHG0012345", "jane.doe", date(2026, 12, 31),
                      now=datetime(2026, 11, 25, 9, 30, tzinfo=UTC))
    path = tmp_path / "a.yml"
    write_approval(a, path)
    assert yaml.safe_load(path.read_text()) == {
        "change": "CHG0012345", "approver": "jane.doe",
        "approved_at": "2026-11-25T09:30:00+00:00", "expires": "2026-12-31",
        "changeset_sha256": SHA}
    back = read_approval(path)
    assert back == a
    assert back.mismatch(SHA, date(2026, 12, 31)) == ""
    assert "expired on 2026-12-31" in back.mismatch(SHA, date(2027, 1, 1))
    assert "not bbbbbbbbbbbb" in back.mismatch("b" * 64, date(2026, 12, 1))


@pytest.mark.parametrize(("text", "words"), [
    ("- a list", "expected a mapping"),
    ("change: C\napprover: x\n", "missing changeset_sha256"),
    (f"change: C\napprover: x\nchangeset_sha256: {SHA}\nexpires: soon\n", "YYYY-MM-DD"),
    ("change: C\napprover: x\nchangeset_sha256: abc\n", "64 hex digits"),
    ("change: [unclosed\n", "not YAML"),
])
def test_malformed_approvals_are_one_clear_error(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "a.yml"
    path.write_text(text)
    with pytest.raises(ApprovalError, match=words):
        read_approval(path)


def test_a_pipeline_may_write_the_file_itself_with_a_yaml_date(tmp_path: Path) -> None:
    path = tmp_path / "a.yml"
    path.write_text(f"change: CHG9\napprover: cab\nexpires: 2027-01-31\nchangeset_sha256: {SHA}\n")
    assert read_approval(path).expires == date(2027, 1, 31)


def test_approve_cli_names_the_changes_content_sha(tmp_path: Path) -> None:
    cs = tmp_path / "cs.json"
    r = CliRunner().invoke(plan, ["--policy", str(EXAMPLE / "policy.yml"), "--snapshot",
                                  str(EXAMPLE / "snapshot"), "--as-of", "2026-11-25",
                                  "--out", str(cs)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "approval.yml"
    r = CliRunner().invoke(approve, [str(cs), "--change", "CHG0012345", "--by", "jane.doe",
                                     "--expires", "2026-12-31", "--as-of", "2026-11-25",
                                     "--out", str(out)])
    assert r.exit_code == 0, r.output
    record = yaml.safe_load(out.read_text())
    assert record["changeset_sha256"] == json.loads(cs.read_text())["content_sha256"]
    assert record["expires"] == "2026-12-31"
    r = CliRunner().invoke(approve, [str(cs), "--change", " ", "--by", "x",
                                     "--out", str(tmp_path / "other.yml")])
    assert r.exit_code == 1 and "change id" in str(r.exception)
