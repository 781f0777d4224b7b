"""The append-only audit log: every row hash-chained to the one before it.

``hash = sha256(prev_hash + canonical JSON of [seq, at, actor, action, subject, detail])``;
the first row's ``prev_hash`` is 64 zeros. Changing any column of a row breaks its own hash;
removing or reordering rows breaks the next row's ``prev_hash``. Triggers refuse ``UPDATE`` and
``DELETE`` on the table, so only someone who drops them (or edits the file by hand) can change
history -- and :func:`verify_audit_chain` names the first row where that happened. Removing
rows from the *end* leaves a valid shorter chain: anchor the head hash
(``pathwarden store audit --head``) somewhere else to detect that.

Rows are appended inside ``BEGIN IMMEDIATE``, so concurrent writers (two cron jobs) read the
previous hash and insert under the same write lock and cannot fork the chain.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from pathwarden.store.archive import canonical_json
from pathwarden.textsafe import redact, redact_all

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditRow:
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "at": self.at, "actor": self.actor, "action": self.action,
            "subject": self.subject, "detail": self.detail, "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The result of :func:`verify_audit_chain`; ``bad_seq`` is the first broken row."""

    rows: int
    head: str
    bad_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_seq is None

    def message(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.rows} row(s), head {self.head}"
        return f"audit chain broken at row {self.bad_seq}: {self.reason}"


def row_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, subject: str,
             detail_json: str) -> str:
    body = canonical_json([seq, at, actor, action, subject, detail_json])
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


def append(conn: sqlite3.Connection, at: str, actor: str, action: str, subject: str,
           detail: dict[str, Any]) -> AuditRow:
    """Append one row; the caller holds the write transaction (``BEGIN IMMEDIATE``)."""
    subject, detail = redact(subject), redact_all(detail)  # no URL credentials in the log
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    prev = str(last[1]) if last else GENESIS
    seq = int(last[0]) + 1 if last else 1
    detail_json = canonical_json(detail).decode()
    digest = row_hash(prev, seq, at, actor, action, subject, detail_json)
    conn.execute(
        "INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, action, subject, detail_json, prev, digest),
    )
    return AuditRow(seq, at, actor, action, subject, detail, prev, digest)


def rows(conn: sqlite3.Connection, limit: int | None = None) -> list[AuditRow]:
    query = "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit"
    query += " ORDER BY seq DESC LIMIT ?" if limit else " ORDER BY seq"
    found = conn.execute(query, (limit,) if limit else ()).fetchall()
    out = [
        AuditRow(int(r[0]), r[1], r[2], r[3], r[4], _detail(r[5]), r[6], r[7]) for r in found
    ]
    return sorted(out, key=lambda r: r.seq)


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {"unparsable": text}
    return value if isinstance(value, dict) else {"value": value}


def verify_audit_chain(conn: sqlite3.Connection) -> ChainReport:
    """Walk the log in ``seq`` order and recompute every link; see the module docstring."""
    prev = GENESIS
    count = 0
    cursor = conn.execute(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY seq"
    )
    for seq, at, actor, action, subject, detail, prev_hash, digest in cursor:
        count += 1
        if prev_hash != prev:
            reason = (
                "its prev_hash does not match the row before it "
                "(a row was removed, inserted or reordered)"
            )
            return ChainReport(count, prev, int(seq), reason)
        if row_hash(prev_hash, int(seq), at, actor, action, subject, detail) != digest:
            return ChainReport(count, prev, int(seq), "its content does not match its hash "
                               "(the row was modified)")
        prev = digest
    return ChainReport(count, prev)
