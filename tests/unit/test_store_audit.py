"""The audit hash chain (tamper detection), schema migrations from v1, concurrent writers."""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from pathwarden.store import SCHEMA_VERSION, Store

GENESIS = "0" * 64


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _filled(tmp_path: Path, rows: int = 5) -> Path:
    path = tmp_path / "s.db"
    with Store(path) as store:
        for i in range(rows):
            store.audit("test.event", f"subject-{i}", {"n": i}, actor="tester")
    return path


def test_chain_links_every_row_to_the_one_before(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    with Store(path) as store:
        rows = store.audit_rows()
        report = store.verify_audit_chain()
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    # the documented formula, recomputed here
    r = rows[2]
    body = json.dumps([r.seq, r.at, r.actor, r.action, r.subject, '{"n":2}'],
                      separators=(",", ":")).encode()
    assert r.hash == hashlib.sha256(r.prev_hash.encode() + body).hexdigest()
    assert report.ok and report.rows == 5 and report.head == rows[-1].hash


def test_updates_and_deletes_are_refused_by_triggers(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    conn = _raw(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 3")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit WHERE seq = 3")


def test_a_modified_row_is_named(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    conn = _raw(path)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET detail = '{\"n\":99}' WHERE seq = 3")
    conn.close()
    with Store(path) as store:
        report = store.verify_audit_chain()
    assert not report.ok and report.bad_seq == 3
    assert report.message() == (
        "audit chain broken at row 3: its content does not match its hash (the row was modified)"
    )


def test_a_removed_row_is_named(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    conn = _raw(path)
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit WHERE seq = 2")
    conn.close()
    with Store(path) as store:
        report = store.verify_audit_chain()
    assert report.bad_seq == 3 and "prev_hash does not match" in report.reason


def test_a_rehashed_row_still_breaks_the_next_link(tmp_path: Path) -> None:
    """Rewriting a row *and* its own hash is caught by the row after it."""
    path = _filled(tmp_path)
    conn = _raw(path)
    conn.execute("DROP TRIGGER audit_no_update")
    seq, at, actor, action, subject, prev = conn.execute(
        "SELECT seq, at, actor, action, subject, prev_hash FROM audit WHERE seq = 2").fetchone()
    detail = '{"n":42}'
    body = json.dumps([seq, at, actor, action, subject, detail], separators=(",", ":"))
    forged = hashlib.sha256(prev.encode() + body.encode()).hexdigest()
    conn.execute("UPDATE audit SET detail = ?, hash = ? WHERE seq = 2", (detail, forged))
    conn.close()
    with Store(path) as store:
        assert store.verify_audit_chain().bad_seq == 3


# -- migrations --------------------------------------------------------------------------------
V1 = """
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);
INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00Z');
CREATE TABLE snapshots (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, source TEXT NOT NULL,
    scope TEXT NOT NULL, partial INTEGER NOT NULL, files INTEGER NOT NULL,
    size INTEGER NOT NULL, codec TEXT NOT NULL, archive BLOB NOT NULL);
CREATE TABLE checks (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
    policy_file TEXT NOT NULL, policy_sha256 TEXT NOT NULL,
    snapshot_id TEXT REFERENCES snapshots(id), partial INTEGER NOT NULL,
    exit_code INTEGER NOT NULL, findings TEXT NOT NULL);
CREATE INDEX checks_at ON checks(at);
CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
    actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
"""


def test_a_v1_file_is_migrated_and_keeps_its_history(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    conn = _raw(path)
    conn.executescript(V1)
    body = json.dumps([1, "2026-01-01T00:00:00Z", "cron", "check.record", "1", "{}"],
                      separators=(",", ":"))
    digest = hashlib.sha256(GENESIS.encode() + body.encode()).hexdigest()
    conn.execute("INSERT INTO audit VALUES (1, '2026-01-01T00:00:00Z', 'cron', 'check.record',"
                 " '1', '{}', ?, ?)", (GENESIS, digest))
    conn.execute("INSERT INTO checks VALUES (1, '2026-01-01T00:00:00Z', 'p.yml', 'ab', NULL, 0,"
                 " 0, '{\"findings\": [], \"partial\": false}')")
    conn.close()

    with Store(path) as store:
        assert store.version == SCHEMA_VERSION == 2
        versions = [v for (v,) in store.conn.execute("SELECT version FROM schema_version")]
        assert versions == [1, 2]
        assert [c.policy_file for c in store.checks()] == ["p.yml"]
        assert store.baseline("default") is None  # the v2 table exists
        store.audit("after.migration", "x")
        report = store.verify_audit_chain()
        assert report.ok and report.rows == 2
    conn = _raw(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):  # v2 triggers
        conn.execute("DELETE FROM audit")


def test_opening_twice_does_not_migrate_twice(tmp_path: Path) -> None:
    Store(tmp_path / "s.db").close()
    with Store(tmp_path / "s.db") as store:
        assert store.conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 2


# -- concurrent writers ------------------------------------------------------------------------
N = 15


def _writer(path: str, folder: str, name: str, barrier: object) -> None:
    barrier.wait()  # type: ignore[attr-defined]
    with Store(path) as store:
        for i in range(N):
            snap = Path(folder) / f"{name}-{i}"
            snap.mkdir()
            (snap / "describe-vpcs.json").write_text(
                json.dumps({"Vpcs": [{"VpcId": f"vpc-{name}-{i}"}]}))
            store.put_snapshot(snap, source=name)
            store.audit("writer.tick", f"{name}-{i}", {"i": i}, actor=name)


def test_two_writer_processes_do_not_corrupt_the_store(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"  # created by the writers themselves, at the same time
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(str(path), str(tmp_path), name, barrier))
             for name in ("cron-a", "cron-b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0]
    with Store(path) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        sources = [s.source for s in store.snapshots()]
        assert sorted(sources) == sorted(["cron-a"] * N + ["cron-b"] * N)
        rows = store.audit_rows()
        assert len(rows) == 4 * N
        ticks = {r.subject for r in rows if r.action == "writer.tick"}
        assert ticks == {f"{n}-{i}" for n in ("cron-a", "cron-b") for i in range(N)}
        assert [r.seq for r in rows] == list(range(1, 4 * N + 1))
        assert store.verify_audit_chain().ok
