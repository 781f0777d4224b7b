"""The SQLite store: content-addressed snapshots, restore, check history, baselines, paths."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from pathwarden.errors import InputError
from pathwarden.providers.load import load_estate
from pathwarden.store import Store, StoreError, default_store_path, scope_of

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/backup-console/snapshot"


def _copy(tmp_path: Path, name: str = "snap") -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / name))


def test_default_path_respects_xdg_data_home(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_store_path() == tmp_path / "data/pathwarden/pathwarden.db"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_store_path() == tmp_path / "home/.local/share/pathwarden/pathwarden.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_store_path() == tmp_path / "home/.local/share/pathwarden/pathwarden.db"


def test_store_opens_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000


def test_snapshot_is_content_addressed_and_compressed(tmp_path: Path) -> None:
    a = _copy(tmp_path, "a")
    b = _copy(tmp_path, "b")
    # the same JSON, written differently: other indentation and key order
    sg = b / "describe-security-groups.json"
    doc = json.loads(sg.read_text())
    sg.write_text(json.dumps(dict(reversed(list(doc.items()))), separators=(",", ":")))
    with Store(tmp_path / "s.db") as store:
        first, created = store.put_snapshot(a, source="test")
        again, created_again = store.put_snapshot(b, source="other")
        assert created and not created_again
        assert again == first
        assert len(first.id) == 64 and store.snapshots() == [first]
        raw = sum(p.stat().st_size for p in EXAMPLE.iterdir())
        assert first.files == len(list(EXAMPLE.iterdir()))
        assert first.stored < raw / 4  # compressed
        # a changed file is a new snapshot
        (b / "describe-vpcs.json").write_text('{"Vpcs": []}')
        changed, created = store.put_snapshot(b)
        assert created and changed.id != first.id
        assert [s.id for s in store.snapshots()] == [first.id, changed.id]


def test_snapshot_id_is_sha256_of_the_canonical_files_without_manifest(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    snap.mkdir()
    (snap / "describe-vpcs.json").write_text('{ "Vpcs": [ {"VpcId": "vpc-1", "A": 1} ] }')
    expected = hashlib.sha256(
        b'{"files":{"describe-vpcs.json":{"Vpcs":[{"A":1,"VpcId":"vpc-1"}]}},"partial":false}'
    ).hexdigest()
    with Store(tmp_path / "s.db") as store:
        record, _ = store.put_snapshot(snap)
        assert record.id == expected
        # a manifest (with its timestamps) does not change the id, unless it says partial
        manifest = {"cloud": "aws", "partial": False, "started": "t1",
                    "scope": {"accounts": ["111122223333"], "regions": ["eu-west-1"]}}
        (snap / "manifest.json").write_text(json.dumps(manifest))
        assert store.put_snapshot(snap)[0].id == expected
        manifest["partial"] = True
        (snap / "manifest.json").write_text(json.dumps(manifest))
        partial, created = store.put_snapshot(snap)
        assert created and partial.id != expected and partial.partial
        assert partial.scope == "aws:111122223333:eu-west-1"


def test_restore_writes_a_folder_the_loader_reads(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        record, _ = store.put_snapshot(EXAMPLE)
        back = store.restore_snapshot(record.id[:10], tmp_path / "back")
    assert back == record
    original = load_estate([EXAMPLE])
    restored = load_estate([tmp_path / "back"])
    assert restored.filters == original.filters
    assert restored.workloads == original.workloads
    assert restored.subnets == original.subnets
    for name in (p.name for p in EXAMPLE.iterdir()):
        assert json.loads((tmp_path / "back" / name).read_text()) == json.loads(
            (EXAMPLE / name).read_text())


def test_restore_refuses_a_non_empty_folder_and_unknown_ids(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        record, _ = store.put_snapshot(EXAMPLE)
        busy = tmp_path / "busy"
        busy.mkdir()
        (busy / "x").write_text("x")
        with pytest.raises(InputError, match="not an empty folder"):
            store.restore_snapshot(record.id, busy)
        with pytest.raises(StoreError, match="no snapshot abcdef"):
            store.snapshot("abcdef")
        with pytest.raises(StoreError, match="at least 6 hex digits"):
            store.snapshot("xyz")


def test_check_results_and_baselines(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        record, _ = store.put_snapshot(EXAMPLE)
        report = {"findings": [{"path": "ws-to-backup"}], "partial": False,
                  "summary": {"total": 1}}
        check_id = store.record_check(report, policy_file="p.yml", policy_sha256="ab" * 32,
                                      snapshot_id=record.id, exit_code=2)
        [check] = store.checks()
        assert check.id == check_id and check.report == report and check.exit_code == 2
        assert store.baseline("default") is None
        store.approve_baseline(record.id, by="jane.doe", note="first")
        other, _ = store.put_snapshot(_copy(tmp_path) , scope="team-a")
        assert other.id == record.id  # same content: the first record (scope default) stays
        approved = store.approve_baseline(record.id, by="sam", scope="team-a")
        assert approved.scope == "team-a"
        current = store.baseline("default")
        assert current is not None and current.approved_by == "jane.doe"
        assert [b.scope for b in store.baselines()] == ["default", "team-a"]
        with pytest.raises(InputError, match="--by"):
            store.approve_baseline(record.id, by=" ")
        actions = [r.action for r in store.audit_rows()]
        assert actions == ["snapshot.store", "check.record", "baseline.approve",
                           "baseline.approve"]
        assert store.verify_audit_chain().ok


def test_scope_of_a_manifest() -> None:
    assert scope_of(None) == "default"
    manifest = {"cloud": "aws", "scope": {"accounts": ["2", "1"], "regions": ["b", "a"]}}
    assert scope_of(manifest) == "aws:1,2:a,b"


def test_a_file_that_is_not_a_store_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a pathwarden store"):
        Store(bad)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (99, 'future')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        Store(path)
