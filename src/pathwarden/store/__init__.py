"""The embedded SQLite store: snapshots, check results, approved baselines, the audit log.

>>> with Store(path) as store:                                  # doctest: +SKIP
...     record, created = store.put_snapshot("snapshot/", source="cron")
...     store.approve_baseline(record.id, by="jane.doe")
...     store.verify_audit_chain().ok
True
"""

from pathwarden.store.audit import AuditRow, ChainReport, verify_audit_chain
from pathwarden.store.db import (
    BaselineRecord,
    CheckRecord,
    SnapshotRecord,
    Store,
    scope_of,
    scope_of_folder,
)
from pathwarden.store.errors import SchemaError, StoreError
from pathwarden.store.paths import default_store_path
from pathwarden.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AuditRow",
    "BaselineRecord",
    "ChainReport",
    "CheckRecord",
    "SchemaError",
    "SnapshotRecord",
    "Store",
    "StoreError",
    "default_store_path",
    "scope_of",
    "scope_of_folder",
    "verify_audit_chain",
]
