"""What one ``flows ingest`` run did with each file: loaded it, skipped it (its content is
stored already), or failed on it (one line naming the file and why).

An ingest is idempotent per file **content**: the sha256 of the file's bytes is kept with its
row in ``ingests``, and a file whose content is stored already is skipped with a notice, under
whatever name it was given. ``force`` ingests it again, replacing the records stored from that
content (the records of the file names it was ingested under) in the same transaction.

One bad file never aborts the others: its error is collected, the rest are loaded, and the
caller decides (the CLI exits 1).
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pathwarden.flows.record import FlowLogError, ParseReport

SKIP_SUFFIXES = (".md", ".py", ".txt.sha256")
SNIFF_BYTES = 65536
GZIP_MAGIC = b"\x1f\x8b"
NOT_A_FLOW_LOG = (
    "binary data, not a flow log (expected AWS text or gzip, Parquet, Azure or GCP JSON)"
)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file whose content was ingested before (as ``first``, at ``at``)."""

    file: str
    sha256: str
    first: str
    at: datetime | None

    def line(self) -> str:
        when = f" on {self.at:%Y-%m-%d %H:%M}" if self.at else ""
        same = "" if self.first == self.file else f" as {self.first}"
        return (f"{self.file}: already ingested{same}{when} (same sha256 {self.sha256[:12]}): "
                "skipped; --force ingests it again")

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "first_ingested_as": self.first,
                "ingested_at": self.at.isoformat() if self.at else None}


@dataclass
class IngestResult:
    reports: list[ParseReport] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[FlowLogError] = field(default_factory=list)
    replaced: int = 0  # records deleted because --force ingested their content again

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "files": [r.to_json() for r in self.reports],
            "skipped": [s.to_json() for s in self.skipped],
            "errors": [{"file": e.file, "error": e.message} for e in self.errors],
            "replaced_records": self.replaced,
        }


def walk(paths: Iterable[str | Path]) -> Iterator[Path | FlowLogError]:
    """Every file under ``paths`` (folders recursively, hidden files and notes skipped); a
    path that does not exist is yielded as its error, not raised."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith(".") and not \
                        child.name.endswith(SKIP_SUFFIXES):
                    yield child
        elif path.is_file():
            yield path
        else:
            yield FlowLogError(str(path), "no such file or directory")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as e:
        raise FlowLogError(str(path), f"cannot read: {e.strerror or e}") from e
    return digest.hexdigest()


def check_text(path: Path) -> None:
    """Refuse a file that is not text (after gzip): NUL bytes or bytes that are not UTF-8 in
    its first 64 KiB. DuckDB's CSV reader would otherwise fail on it with a parser dump."""
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
        if head[:2] == GZIP_MAGIC:
            with gzip.open(path, "rb") as gz:
                head = gz.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as e:
        raise FlowLogError(str(path), f"cannot read: {e}") from e
    if b"\x00" in head:
        raise FlowLogError(str(path), NOT_A_FLOW_LOG)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # not just a character cut at the end of the sniff
            raise FlowLogError(str(path), NOT_A_FLOW_LOG) from None
