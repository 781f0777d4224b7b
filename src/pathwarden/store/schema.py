"""The store's schema as an ordered list of migrations, and the code that applies them.

``schema_version`` holds one row per applied migration. Opening a file applies every
migration above its version inside one ``BEGIN IMMEDIATE`` transaction, so two processes
opening an old (or new, empty) file at once cannot both migrate it: the second waits for the
first and then finds nothing left to do. A file written by a newer pathwarden (a version above
:data:`SCHEMA_VERSION`) is refused rather than guessed at.

Never edit a migration that has shipped; append a new one.
"""

from __future__ import annotations

import sqlite3

from pathwarden.store.errors import SchemaError

# v1: snapshots (content-addressed, compressed), check results, the hash-chained audit log.
_V1 = """
CREATE TABLE snapshots (
    id          TEXT PRIMARY KEY,            -- sha256 of the canonical snapshot content
    created_at  TEXT NOT NULL,               -- when this content was first stored (UTC)
    source      TEXT NOT NULL,               -- folder, "live:aws", ...
    scope       TEXT NOT NULL,               -- scope key, see Store.scope_of
    partial     INTEGER NOT NULL,
    files       INTEGER NOT NULL,
    size        INTEGER NOT NULL,            -- bytes of the canonical content
    codec       TEXT NOT NULL,               -- "lzma" or "zlib"
    archive     BLOB NOT NULL
);
CREATE TABLE checks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL,
    policy_file   TEXT NOT NULL,
    policy_sha256 TEXT NOT NULL,
    snapshot_id   TEXT REFERENCES snapshots(id),
    partial       INTEGER NOT NULL,
    exit_code     INTEGER NOT NULL,
    findings      TEXT NOT NULL              -- the check's JSON report
);
CREATE INDEX checks_at ON checks(at);
CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL,                -- canonical JSON
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
"""

# v2: approved baselines per scope (history kept: the newest row per scope is the baseline),
# and triggers that make the audit log append-only for ordinary SQL.
_V2 = """
CREATE TABLE baselines (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    scope        TEXT NOT NULL,
    snapshot_id  TEXT NOT NULL REFERENCES snapshots(id),
    approved_at  TEXT NOT NULL,
    approved_by  TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX baselines_scope ON baselines(scope, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2)
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(conn: sqlite3.Connection) -> int:
    """The highest applied migration (0 for a new, empty file)."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
    ).fetchone()
    if not found:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, label: str, *, upto: int = SCHEMA_VERSION) -> int:
    """Apply the migrations above the file's version up to ``upto``; return the new version.

    ``conn`` must be in autocommit mode (``isolation_level=None``): the transaction is
    managed here.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = current_version(conn)
        if version > SCHEMA_VERSION:
            raise SchemaError(
                f"{label}: store schema version {version} is newer than this pathwarden "
                f"understands ({SCHEMA_VERSION}); upgrade pathwarden"
            )
        if version == 0:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
        for number in range(version + 1, upto + 1):
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                (number,),
            )
        conn.execute("COMMIT")
        return max(version, upto)
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit our transaction)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
