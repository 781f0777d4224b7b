"""The store: one SQLite file holding snapshots, check results, baselines and the audit log.

Opened in WAL mode with a busy timeout, so readers never block the writer and two writers
(two cron jobs) wait for each other instead of failing; every write is one ``BEGIN
IMMEDIATE`` transaction that also appends its audit row, so a write and its audit entry land
together or not at all.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from pathwarden.errors import InputError, PathwardenError
from pathwarden.providers.manifest import now, read_manifest
from pathwarden.store import audit as auditlog
from pathwarden.store.archive import compress, decompress, pack_folder, unpack_to
from pathwarden.store.audit import AuditRow, ChainReport
from pathwarden.store.errors import StoreError
from pathwarden.store.paths import default_store_path
from pathwarden.store.schema import migrate

BUSY_TIMEOUT_MS = 30_000
DEFAULT_SCOPE = "default"


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    id: str
    created_at: str
    source: str
    scope: str
    partial: bool
    files: int
    size: int
    stored: int  # compressed bytes

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "source": self.source,
                "scope": self.scope, "partial": self.partial, "files": self.files,
                "size": self.size, "stored": self.stored}


@dataclass(frozen=True, slots=True)
class CheckRecord:
    id: int
    at: str
    policy_file: str
    policy_sha256: str
    snapshot_id: str | None
    partial: bool
    exit_code: int
    report: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        summary = self.report.get("summary", {})
        return {"id": self.id, "at": self.at, "policy_file": self.policy_file,
                "policy_sha256": self.policy_sha256, "snapshot_id": self.snapshot_id,
                "partial": self.partial, "exit_code": self.exit_code, "summary": summary}


@dataclass(frozen=True, slots=True)
class BaselineRecord:
    scope: str
    snapshot_id: str
    approved_at: str
    approved_by: str
    note: str

    def to_json(self) -> dict[str, str]:
        return {"scope": self.scope, "snapshot_id": self.snapshot_id,
                "approved_at": self.approved_at, "approved_by": self.approved_by,
                "note": self.note}


def scope_of(manifest: Mapping[str, Any] | None) -> str:
    """The scope key of a snapshot: ``aws:ACCOUNTS:REGIONS`` from its manifest (sorted,
    comma-separated), or ``default`` for a folder without one."""
    if not manifest:
        return DEFAULT_SCOPE
    scope = manifest.get("scope") or {}
    accounts = ",".join(sorted(str(a) for a in scope.get("accounts") or []))
    regions = ",".join(sorted(str(r) for r in scope.get("regions") or []))
    return f"{manifest.get('cloud', '')}:{accounts}:{regions}"


def scope_of_folder(folder: str | Path) -> str:
    """:func:`scope_of` the ``manifest.json`` at the root of ``folder`` (if any)."""
    manifest = read_manifest(folder)
    return scope_of(manifest.to_json() if manifest is not None else None)


_SNAPSHOT_COLUMNS = "id, created_at, source, scope, partial, files, size, length(archive)"


def _snapshot(row: tuple[Any, ...]) -> SnapshotRecord:
    return SnapshotRecord(row[0], row[1], row[2], row[3], bool(row[4]), int(row[5]),
                          int(row[6]), int(row[7]))


class Store:
    """An open store file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.label = str(self.path)
        if path is not None and not self.path.parent.is_dir():
            raise StoreError(f"{self.label}: the folder {self.path.parent} does not exist; "
                             "create it first (only the default store's folder is created)")
        try:
            if path is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                        isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"{self.label}: cannot open the store: {e}") from e
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._wal()
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.version = migrate(self.conn, self.label)
        except sqlite3.DatabaseError as e:
            self.conn.close()
            raise StoreError(f"{self.label}: not a pathwarden store ({e})") from e
        except PathwardenError:
            self.conn.close()
            raise

    def _wal(self) -> None:
        """Switch to WAL; a fresh file being switched by another process can answer BUSY
        before the busy handler applies, so try again for up to the busy timeout."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode = WAL").fetchone()
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- snapshots -----------------------------------------------------------------------------
    def put_snapshot(self, folder: str | Path, *, source: str = "", scope: str | None = None,
                     actor: str = "pathwarden", codec: str = "lzma"
                     ) -> tuple[SnapshotRecord, bool]:
        """Store the snapshot in ``folder``; ``(record, created)``. Content already stored
        (the same id) is not stored again: ``created`` is False and the first record stays."""
        packed = pack_folder(folder)
        key = scope or scope_of(packed.manifest)
        blob = compress(packed.canonical, codec)
        with self._write() as conn:
            existing = conn.execute(f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots WHERE id = ?",
                                    (packed.id,)).fetchone()
            if existing:
                return _snapshot(existing), False
            at = now()
            conn.execute(
                "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (packed.id, at, source or str(folder), key, int(packed.partial), packed.files,
                 len(packed.canonical), codec, blob),
            )
            auditlog.append(conn, at, actor, "snapshot.store", packed.id,
                         {"source": source or str(folder), "scope": key,
                          "partial": packed.partial, "files": packed.files})
        return self.snapshot(packed.id), True

    def snapshot(self, ref: str) -> SnapshotRecord:
        """The snapshot whose id is ``ref`` or starts with it (at least 6 characters)."""
        rows = self._find(ref)
        return _snapshot(rows[0])

    def _find(self, ref: str) -> list[tuple[Any, ...]]:
        ref = ref.strip().lower()
        if len(ref) < 6 or any(c not in "0123456789abcdef" for c in ref):
            raise StoreError(f"{ref!r}: give a snapshot id (at least 6 hex digits)")
        rows = self.conn.execute(
            f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots WHERE id LIKE ? ORDER BY created_at",
            (ref + "%",),
        ).fetchall()
        if not rows:
            raise StoreError(f"{self.label}: no snapshot {ref}")
        if len(rows) > 1:
            raise StoreError(f"{self.label}: {ref} matches {len(rows)} snapshots; give more")
        return rows

    def snapshots(self, scope: str | None = None) -> list[SnapshotRecord]:
        query = f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots"
        args: tuple[str, ...] = ()
        if scope is not None:
            query, args = query + " WHERE scope = ?", (scope,)
        return [_snapshot(r) for r in self.conn.execute(query + " ORDER BY created_at, id",
                                                        args)]

    def restore_snapshot(self, ref: str, out_dir: str | Path) -> SnapshotRecord:
        """Write a stored snapshot back to ``out_dir`` (new or empty) for the normal loader."""
        record = self.snapshot(ref)
        codec, blob = self.conn.execute("SELECT codec, archive FROM snapshots WHERE id = ?",
                                        (record.id,)).fetchone()
        unpack_to(decompress(bytes(blob), str(codec)), out_dir)
        return record

    # -- check results -------------------------------------------------------------------------
    def record_check(self, report: Mapping[str, Any], *, policy_file: str, policy_sha256: str,
                     snapshot_id: str | None, exit_code: int, actor: str = "pathwarden") -> int:
        partial = bool(report.get("partial"))
        with self._write() as conn:
            at = now()
            cur = conn.execute(
                "INSERT INTO checks (at, policy_file, policy_sha256, snapshot_id, partial, "
                "exit_code, findings) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (at, policy_file, policy_sha256, snapshot_id, int(partial), exit_code,
                 json.dumps(dict(report), sort_keys=True)),
            )
            check_id = int(cur.lastrowid or 0)
            auditlog.append(conn, at, actor, "check.record", str(check_id),
                         {"policy_sha256": policy_sha256, "snapshot_id": snapshot_id,
                          "exit_code": exit_code, "partial": partial,
                          "summary": report.get("summary", {})})
        return check_id

    def checks(self, limit: int = 50) -> list[CheckRecord]:
        rows = self.conn.execute(
            "SELECT id, at, policy_file, policy_sha256, snapshot_id, partial, exit_code, "
            "findings FROM checks ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [CheckRecord(int(r[0]), r[1], r[2], r[3], r[4], bool(r[5]), int(r[6]),
                            json.loads(r[7])) for r in reversed(rows)]

    # -- baselines -----------------------------------------------------------------------------
    def approve_baseline(self, ref: str, *, by: str, scope: str | None = None,
                         note: str = "") -> BaselineRecord:
        """Make a stored snapshot the approved baseline of ``scope`` (default: its own)."""
        if not by.strip():
            raise InputError("an approval needs a name (--by)")
        record = self.snapshot(ref)
        key = scope or record.scope
        with self._write() as conn:
            at = now()
            conn.execute(
                "INSERT INTO baselines (scope, snapshot_id, approved_at, approved_by, note) "
                "VALUES (?, ?, ?, ?, ?)", (key, record.id, at, by, note))
            auditlog.append(conn, at, by, "baseline.approve", record.id,
                         {"scope": key, "note": note, "partial": record.partial})
        return BaselineRecord(key, record.id, at, by, note)

    def baseline(self, scope: str) -> BaselineRecord | None:
        """The newest approved baseline of ``scope``."""
        row = self.conn.execute(
            "SELECT scope, snapshot_id, approved_at, approved_by, note FROM baselines "
            "WHERE scope = ? ORDER BY id DESC LIMIT 1", (scope,)).fetchone()
        return BaselineRecord(*row) if row else None

    def baselines(self) -> list[BaselineRecord]:
        rows = self.conn.execute(
            "SELECT scope, snapshot_id, approved_at, approved_by, note FROM baselines b "
            "WHERE id = (SELECT MAX(id) FROM baselines WHERE scope = b.scope) ORDER BY scope"
        ).fetchall()
        return [BaselineRecord(*r) for r in rows]

    # -- audit ---------------------------------------------------------------------------------
    def audit(self, action: str, subject: str, detail: Mapping[str, Any] | None = None, *,
              actor: str = "pathwarden") -> AuditRow:
        with self._write() as conn:
            return auditlog.append(conn, now(), actor, action, subject, dict(detail or {}))

    def audit_rows(self, limit: int | None = None) -> list[AuditRow]:
        return auditlog.rows(self.conn, limit)

    def verify_audit_chain(self) -> ChainReport:
        return auditlog.verify_audit_chain(self.conn)
