"""``manifest.json``: what one discovery run covered, call by call (cloud-neutral).

Every ``pathwarden discover CLOUD`` writes it at the root of the snapshot folder::

    {"format": 1, "tool": "pathwarden", "version": "0.1.0", "cloud": "aws",
     "started": "2026-01-01T10:00:00Z", "finished": "2026-01-01T10:00:09Z",
     "scope": {"accounts": ["111122223333"], "regions": ["eu-west-1"], "options": {...}},
     "partial": false,
     "summary": {"calls": 10, "failed": 0, "skipped": 0, "requests": 11, "items": 240},
     "calls": [{"account": "111122223333", "region": "eu-west-1",
                "action": "ec2:DescribeSecurityGroups", "target": "", "status": "ok",
                "items": 42, "requests": 1, "file": "111122223333/eu-west-1/describe-...json",
                "error": ""}, ...]}

``account`` is the AWS account, Azure subscription or GCP project; ``region`` the region or
location (empty for global calls). A call that failed after the SDK's retries is ``failed``;
one not attempted because its scope had already failed is ``skipped``. Either makes the
snapshot **partial**: its files are true but incomplete, and nothing may act on it as if it
were the whole estate (DESIGN.md, "Never act on partial truth").
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import jsonschema

from pathwarden.errors import PathwardenError, SnapshotError
from pathwarden.model import Notice
from pathwarden.providers.jsondoc import read_json
from pathwarden.textsafe import redact

T = TypeVar("T")

MANIFEST_NAME = "manifest.json"
FORMAT = 1


class CallStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One API operation in one scope (``target`` names the resource of per-resource calls)."""

    account: str
    region: str
    action: str  # the IAM/RBAC action: "ec2:DescribeSecurityGroups"
    status: CallStatus
    items: int = 0
    requests: int = 0  # HTTP requests that returned a page (retries not counted)
    file: str = ""  # relative to the snapshot root, "" when nothing was written
    error: str = ""
    target: str = ""

    @property
    def operation(self) -> str:
        return self.action.partition(":")[2] or self.action


@dataclass(frozen=True)
class Manifest:
    cloud: str
    version: str
    started: str
    finished: str
    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    calls: tuple[CallRecord, ...]
    options: Mapping[str, str] = field(default_factory=dict)
    tool: str = "pathwarden"

    def __post_init__(self) -> None:
        # an endpoint given as http://user:secret@host shows up in the options and in the
        # SDK's error messages: none of it is kept (manifest.json, notices, messages)
        object.__setattr__(self, "options", {k: redact(v) for k, v in self.options.items()})
        object.__setattr__(self, "calls", tuple(
            replace(c, error=redact(c.error), target=redact(c.target)) for c in self.calls))

    @property
    def partial(self) -> bool:
        return any(c.status is not CallStatus.OK for c in self.calls)

    def failures(self) -> tuple[CallRecord, ...]:
        return tuple(c for c in self.calls if c.status is not CallStatus.OK)

    def requests(self) -> int:
        return sum(c.requests for c in self.calls)

    def summary_line(self) -> str:
        """``3 accounts, 2 regions, 61 calls (64 requests), 2 failed``."""
        failed = len(self.failures())
        return (f"{len(self.accounts)} account(s), {len(self.regions)} region(s), "
                f"{len(self.calls)} calls ({self.requests()} requests), {failed} failed")

    def failure_line(self) -> str:
        """One line naming every failed scope, its failed calls with the first error, and how
        many calls were skipped after them."""
        groups: dict[tuple[str, str], list[CallRecord]] = {}
        for c in self.failures():
            groups.setdefault((c.account, c.region), []).append(c)
        parts = []
        for (account, region), records in sorted(groups.items()):
            where = "/".join(p for p in (account, region) if p) or "global"
            failed = [c for c in records if c.status is CallStatus.FAILED]
            ops = sorted({c.operation for c in failed})
            text = f"{where}: {', '.join(ops)} ({failed[0].error})" if failed else where
            skipped = len(records) - len(failed)
            if skipped:
                text += f", {skipped} later call(s) skipped"
            parts.append(text)
        return "; ".join(parts)

    def notices(self) -> tuple[Notice, ...]:
        """One :class:`Notice` per failed or skipped call, for the estate a loader builds."""
        return tuple(
            Notice("discovery-failed",
                   f"{c.action}{' ' + c.target if c.target else ''} {c.status.value}"
                   f"{': ' + c.error if c.error else ''}: the snapshot is partial",
                   "/".join(p for p in (c.account, c.region) if p))
            for c in self.failures()
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "tool": self.tool,
            "version": self.version,
            "cloud": self.cloud,
            "started": self.started,
            "finished": self.finished,
            "scope": {"accounts": list(self.accounts), "regions": list(self.regions),
                      "options": dict(self.options)},
            "partial": self.partial,
            "summary": {
                "calls": len(self.calls),
                "failed": sum(c.status is CallStatus.FAILED for c in self.calls),
                "skipped": sum(c.status is CallStatus.SKIPPED for c in self.calls),
                "requests": self.requests(),
                "items": sum(c.items for c in self.calls),
            },
            "calls": [
                {"account": c.account, "region": c.region, "action": c.action,
                 "target": c.target, "status": c.status.value, "items": c.items,
                 "requests": c.requests, "file": c.file, "error": c.error}
                for c in self.calls
            ],
        }

    @staticmethod
    def from_json(data: object, label: str = MANIFEST_NAME) -> Manifest:
        try:
            jsonschema.validate(data, SCHEMA)
        except jsonschema.ValidationError as e:
            where = "/".join(str(p) for p in e.absolute_path)
            raise SnapshotError(label, e.message, where) from None
        assert isinstance(data, dict)
        scope = data["scope"]
        calls = tuple(
            CallRecord(c["account"], c["region"], c["action"], CallStatus(c["status"]),
                       c.get("items", 0), c.get("requests", 0), c.get("file", ""),
                       c.get("error", ""), c.get("target", ""))
            for c in data["calls"]
        )
        if data["partial"] and not any(c.status is not CallStatus.OK for c in calls):
            calls += (CallRecord("", "", "manifest", CallStatus.FAILED,
                                 error="the manifest says partial"),)
        return Manifest(
            cloud=data["cloud"], version=data["version"], started=data["started"],
            finished=data["finished"], accounts=tuple(scope["accounts"]),
            regions=tuple(scope["regions"]), calls=calls,
            options=dict(scope.get("options", {})), tool=data["tool"],
        )


_CALL = {
    "type": "object",
    "required": ["account", "region", "action", "status"],
    "properties": {
        "account": {"type": "string"}, "region": {"type": "string"},
        "action": {"type": "string"}, "target": {"type": "string"},
        "status": {"enum": [s.value for s in CallStatus]},
        "items": {"type": "integer", "minimum": 0},
        "requests": {"type": "integer", "minimum": 0},
        "file": {"type": "string"}, "error": {"type": "string"},
    },
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "tool", "version", "cloud", "started", "finished", "scope",
                 "partial", "calls"],
    "properties": {
        "format": {"const": FORMAT},
        "tool": {"type": "string"}, "version": {"type": "string"},
        "cloud": {"type": "string"},
        "started": {"type": "string"}, "finished": {"type": "string"},
        "scope": {
            "type": "object",
            "required": ["accounts", "regions"],
            "properties": {
                "accounts": {"type": "array", "items": {"type": "string"}},
                "regions": {"type": "array", "items": {"type": "string"}},
                "options": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "partial": {"type": "boolean"},
        "calls": {"type": "array", "items": _CALL},
    },
}


def now() -> str:
    """UTC now as ``2026-01-01T10:00:00.123Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_manifest(out_dir: Path, manifest: Manifest) -> Path:
    path = Path(out_dir) / MANIFEST_NAME
    path.write_text(json.dumps(manifest.to_json(), indent=2) + "\n", encoding="utf-8")
    return path


def read_manifest(snapshot_dir: Path | str) -> Manifest | None:
    """The manifest at the root of a snapshot folder, or ``None`` when there is none."""
    path = Path(snapshot_dir) / MANIFEST_NAME
    if not path.is_file():
        return None
    return Manifest.from_json(read_json(path, str(path)), str(path))


class CallLog:
    """Collects :class:`CallRecord` values from worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[CallRecord] = []

    def add(self, record: CallRecord) -> None:
        with self._lock:
            self._records.append(record)

    def extend(self, records: Iterable[CallRecord]) -> None:
        with self._lock:
            self._records.extend(records)

    def records(self) -> tuple[CallRecord, ...]:
        """Sorted by scope, then in the order the calls were made within a scope."""
        with self._lock:
            indexed = list(enumerate(self._records))
        indexed.sort(key=lambda ir: (ir[1].account, ir[1].region, ir[0]))
        return tuple(r for _, r in indexed)


class IncompleteDiscoveryError(PathwardenError):
    """Discovery finished but some calls failed: the snapshot was written and marked partial.
    ``out_dir`` is None for a live discovery into a temporary folder (gone by the time the
    message is read, so not named)."""

    def __init__(self, manifest: Manifest, out_dir: Path | None) -> None:
        self.manifest = manifest
        self.out_dir = out_dir
        failed = len(manifest.failures())
        where = (f"discovery incomplete, snapshot {out_dir} is marked partial" if out_dir
                 else f"live {manifest.cloud} discovery incomplete")
        super().__init__(
            f"{where}: {failed} of {len(manifest.calls)} calls failed: "
            f"{manifest.failure_line()}"
        )


def load_discovered(manifest: Manifest, folder: Path, load: Callable[[], T],
                    kept: bool) -> T:
    """``load()`` the snapshot a live discovery wrote into ``folder``.

    When the discovery failed and left nothing to load, the error is the discovery's (the
    failed calls and why), not the loader's list of the files it expected. ``kept`` says
    whether ``folder`` outlives the command (``--keep-snapshot``); a temporary folder is never
    named in an error, the live source is.
    """
    shown = folder if kept else None
    if manifest.partial and not any(c.file for c in manifest.calls):
        raise IncompleteDiscoveryError(manifest, shown)
    try:
        return load()
    except SnapshotError as e:
        if manifest.partial:
            raise IncompleteDiscoveryError(manifest, shown) from e
        if kept:
            raise
        label = f"live:{manifest.cloud}"
        raise SnapshotError(e.file.replace(str(folder), label), e.message, e.keypath) from e
