"""Where apply writes every step: the store's hash-chained, append-only audit log.

:class:`AuditLog` is what apply needs (one ``record`` call per step); :class:`StoreAudit`
writes to :class:`pathwarden.store.Store` (``--store``, default
``$XDG_DATA_HOME/pathwarden/pathwarden.db``), :class:`MemoryAudit` keeps rows in memory
(tests, and ``--check`` runs that must leave no trace on disk are still audited in the store).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pathwarden.store import Store


class AuditLog(Protocol):
    def record(self, action: str, subject: str, detail: dict[str, Any]) -> None: ...


@dataclass
class MemoryAudit:
    rows: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def record(self, action: str, subject: str, detail: dict[str, Any]) -> None:
        self.rows.append((action, subject, detail))

    def actions(self) -> list[str]:
        return [a for a, _, _ in self.rows]


class StoreAudit:
    """Audit rows in the SQLite store; ``actor`` is who runs the apply."""

    def __init__(self, path: str | Path | None, actor: str) -> None:
        self.store = Store(path)
        self.actor = actor

    def record(self, action: str, subject: str, detail: dict[str, Any]) -> None:
        self.store.audit(action, subject, detail, actor=self.actor)

    def close(self) -> None:
        self.store.close()
