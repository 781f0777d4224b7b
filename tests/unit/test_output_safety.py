"""Leaks and terminal safety (issue 14, item 10): URL credentials never printed or stored,
estate-provided strings never reach a terminal with their control characters."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pathwarden.cli.main import cli
from pathwarden.store import Store
from pathwarden.textsafe import redact, safe_text
from tests.unit.flowsexample import POLICY, SNAPSHOT

OSC_LINK = "\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07"
CLIPBOARD = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07"
BIDI = "\u202egpj.exe"
HOSTILE = f"jump-01{OSC_LINK}{CLIPBOARD}{BIDI}\x9b2J\x7f\r"
RAW = ("\x1b", "\x07", "\u202e", "\x9b", "\x7f", "\r")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://user:secret@host:5000/x", "http://***@host:5000/x"),
        ("https://ghp_token@github.com/a", "https://***@github.com/a"),
        ('Could not connect to "http://a:b@10.0.0.1:9/"',
         'Could not connect to "http://***@10.0.0.1:9/"'),
        ("mailto-ish user@example.com and http://host/a@b", "mailto-ish user@example.com and "
         "http://host/a@b"),
        ("no url here", "no url here"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_safe_text_makes_controls_visible_and_keeps_layout() -> None:
    out = safe_text(HOSTILE + "\nnext\tline")
    assert not any(c in out for c in RAW)
    assert "\\x1b]8;;https://evil.example/\\x07" in out and "\\u202egpj.exe" in out
    assert "\\x9b2J" in out and "\\x7f" in out and "\\x0d" in out
    assert out.endswith("\nnext\tline")
    assert safe_text("ws-001 → backup (ü, 日本)") == "ws-001 → backup (ü, 日本)"


def test_discover_never_prints_or_stores_endpoint_credentials(tmp_path: Path) -> None:
    out = tmp_path / "snap"
    env: dict[str, str | None] = {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": None, "AWS_PROFILE": None,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    res = CliRunner().invoke(cli, [
        "discover", "aws", "--endpoint-url", "http://user:s3cr3t-pw@127.0.0.1:9",
        "--out", str(out), "--regions", "us-east-1", "--max-attempts", "1", "--no-progress",
    ], env=env)
    assert res.exit_code == 1
    assert "s3cr3t-pw" not in res.output
    assert "http://***@127.0.0.1:9" in res.output  # the error still says where it went
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files
    for f in files:
        assert "s3cr3t-pw" not in f.read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scope"]["options"]["endpoint_url"] == "http://***@127.0.0.1:9"


def test_audit_log_never_stores_url_credentials(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.audit("apply.error", "http://admin:hunter2@10.0.0.1/", {
            "error": "Could not connect to http://admin:hunter2@10.0.0.1/",
            "nested": [{"endpoint": "https://admin:hunter2@example.com"}]})
        (row,) = store.audit_rows()
        assert "hunter2" not in json.dumps([row.subject, row.detail])
        assert store.verify_audit_chain().ok


def _hostile_snapshot(tmp_path: Path) -> Path:
    snap = tmp_path / "snap"
    shutil.copytree(SNAPSHOT, snap)
    f = snap / "describe-instances.json"
    f.write_text(f.read_text().replace('"jump-01"', json.dumps(HOSTILE)))
    return snap


@pytest.mark.parametrize(
    "args",
    [
        ["reach", "--from", "i-0jump", "--to", "sg-0backup"],
        ["segments", "--policy", str(POLICY)],
        ["check", "--policy", str(POLICY), "--as-of", "2026-11-25"],
        ["plan", "--policy", str(POLICY), "--as-of", "2026-11-25", "--format", "markdown"],
    ],
    ids=lambda a: a[0],
)
def test_hostile_names_reach_no_terminal_raw(tmp_path: Path, args: list[str]) -> None:
    snap = _hostile_snapshot(tmp_path)
    extra = ["--out", str(tmp_path / "cs.json")] if args[0] == "plan" else []
    res = CliRunner().invoke(cli, [*args, "--snapshot", str(snap), *extra])
    assert res.exit_code in (0, 2), res.output
    assert not any(c in res.output for c in RAW), res.output
    if args[0] in ("reach", "segments"):
        assert "jump-01\\x1b]8;;https://evil.example/\\x07" in res.output


def test_hostile_names_in_report_files(tmp_path: Path) -> None:
    snap = _hostile_snapshot(tmp_path)
    report = tmp_path / "check.md"
    res = CliRunner().invoke(cli, ["segments", "--policy", str(POLICY), "--snapshot", str(snap)])
    assert "\\u202e" in res.output
    res = CliRunner().invoke(cli, ["check", "--policy", str(POLICY), "--snapshot", str(snap),
                                   "--format", "markdown", "--out", str(report)])
    assert res.exit_code == 2
    assert not any(c in report.read_text() for c in RAW)
