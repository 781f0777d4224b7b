"""The normalised flow record every parser produces, and the per-file parse report.

One record is one flow-log line (AWS), one flow tuple (Azure) or one log entry (GCP), in one
vocabulary whatever the cloud:

========== ============ ====================================================================
column     SQL type     meaning
========== ============ ====================================================================
time       TIMESTAMP    start of the capture window, UTC (AWS ``start``, Azure tuple time,
                        GCP ``start_time`` or the entry's ``timestamp``)
end_time   TIMESTAMP    end of the capture window (= ``time`` when the log has none)
src, dst   VARCHAR      addresses as logged (AWS: ``pkt-srcaddr``/``pkt-dstaddr`` when the
                        custom format has them, else ``srcaddr``/``dstaddr``)
sport      INTEGER      source port (0 for ICMP and portless protocols)
dport      INTEGER      destination port
proto      SMALLINT     IANA protocol number (Azure NSG ``T``/``U`` become 6/17)
action     VARCHAR      ``ACCEPT``, ``REJECT`` or NULL when the log carries no verdict
                        (GCP VPC Flow Logs)
bytes      BIGINT       bytes of the flow (Azure: sent + received), NULL when not logged
packets    BIGINT       packets likewise
reporter   VARCHAR      what logged it: AWS ENI id, Azure NSG/ACL id + MAC, GCP VM
direction  VARCHAR      ``ingress``/``egress`` relative to the reporter, NULL when unknown
rule       VARCHAR      the cloud rule the log names (Azure, GCP firewall logs); AWS: NULL
cloud      VARCHAR      ``aws``, ``azure``, ``gcp``
source     VARCHAR      the file the record came from
========== ============ ====================================================================

Units differ per cloud (cloud-semantics.md pitfall 20): AWS times are Unix seconds, Azure VNet
flow tuples epoch milliseconds and NSG tuples seconds; GCP flow logs are sampled and carry no
verdict. The parsers convert; nothing downstream needs to know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pathwarden.errors import InputError

COLUMNS: tuple[tuple[str, str], ...] = (
    ("time", "TIMESTAMP"),
    ("end_time", "TIMESTAMP"),
    ("src", "VARCHAR"),
    ("dst", "VARCHAR"),
    ("sport", "INTEGER"),
    ("dport", "INTEGER"),
    ("proto", "SMALLINT"),
    ("action", "VARCHAR"),
    ("bytes", "BIGINT"),
    ("packets", "BIGINT"),
    ("reporter", "VARCHAR"),
    ("direction", "VARCHAR"),
    ("rule", "VARCHAR"),
    ("cloud", "VARCHAR"),
    ("source", "VARCHAR"),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)
ACCEPT = "ACCEPT"
REJECT = "REJECT"
MAX_EXAMPLES = 5


class FlowLogError(InputError):
    """A flow-log file that cannot be read at all (missing, unknown format, not JSON)."""

    def __init__(self, file: str, message: str) -> None:
        self.file = file
        self.message = message
        super().__init__(f"{file}: {message}")


@dataclass(frozen=True, slots=True)
class FlowRecord:
    time: datetime
    src: str
    dst: str
    sport: int | None
    dport: int | None
    proto: int | None
    action: str | None
    bytes: int | None
    packets: int | None
    reporter: str
    cloud: str
    end_time: datetime | None = None
    direction: str | None = None
    rule: str | None = None
    source: str = ""

    def row(self) -> tuple[Any, ...]:
        """The values in :data:`COLUMNS` order."""
        return (
            self.time, self.end_time or self.time, self.src, self.dst, self.sport, self.dport,
            self.proto, self.action, self.bytes, self.packets, self.reporter, self.direction,
            self.rule, self.cloud, self.source,
        )


_RANGES = (("sport", 0, 65535), ("dport", 0, 65535), ("proto", 0, 255),
           ("bytes", 0, 2**63 - 1), ("packets", 0, 2**63 - 1))


def checked(rec: FlowRecord) -> FlowRecord:
    """``rec`` if the table can hold it; a ValueError naming the field otherwise (a port out
    of 0-65535, a protocol out of 0-255, a negative count, a control character in a text)."""
    for name, lo, hi in _RANGES:
        value = getattr(rec, name)
        if value is not None and not lo <= value <= hi:
            raise ValueError(f"{name} {value} is out of range {lo}-{hi}")
    for name in ("src", "dst", "reporter", "direction", "rule"):
        value = getattr(rec, name)
        if value is not None and any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError(f"{name} holds a control character")
    return rec


@dataclass
class ParseReport:
    """What one file gave: records kept, and what was skipped and why (never fatal).

    ``nodata``/``skipdata`` are AWS ``log-status`` rows without traffic (no traffic in the
    window; records skipped by AWS for capacity or an internal error). ``malformed`` lines did
    not parse; ``examples`` keeps the first few with the reason. ``recovered`` counts lines the
    fast reader rejected that parsed once runs of blanks were read as one separator.
    """

    file: str
    format: str
    records: int = 0
    nodata: int = 0
    skipdata: int = 0
    malformed: int = 0
    recovered: int = 0
    comments: int = 0
    lenient: str = ""
    examples: list[str] = field(default_factory=list)

    def bad(self, where: str, why: str) -> None:
        self.malformed += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(f"{where}: {why}")

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "format": self.format, "records": self.records,
            "nodata": self.nodata, "skipdata": self.skipdata, "malformed": self.malformed,
            "recovered": self.recovered, "comments": self.comments, "lenient": self.lenient,
            "examples": list(self.examples),
        }

    def line(self) -> str:
        extra = [f"{n} {k}" for k, n in (("NODATA", self.nodata), ("SKIPDATA", self.skipdata),
                                          ("malformed", self.malformed),
                                          ("recovered", self.recovered)) if n]
        note = f" ({', '.join(extra)})" if extra else ""
        lenient = f" [{self.lenient}]" if self.lenient else ""
        return f"{self.file}: {self.format}: {self.records} records{note}{lenient}"
