"""AWS VPC Flow Logs, read by DuckDB's own readers (``read_csv``, ``read_parquet``).

- Text, default format: the version-2 fields, space-separated, no header (flow-logs.md
  "Default format"): :data:`DEFAULT_FIELDS`.
- Text, custom format, or any file delivered to S3: the first line is the field list
  (``version account-id interface-id ...``); any subset and order of the documented fields.
- Plain or gzip (detected by the magic bytes, not the file name).
- Parquet as delivered to S3: the same fields, with ``_`` for ``-`` in the names.

``srcaddr``/``dstaddr`` are the ENI's primary private address; when the format has
``pkt-srcaddr``/``pkt-dstaddr`` those (the packet's real addresses) win (pitfall 20). Rows with
``log-status`` NODATA or SKIPDATA carry no traffic: counted, not stored.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from pathwarden.flows.record import FlowLogError

DEFAULT_FIELDS = (
    "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
    "protocol", "packets", "bytes", "start", "end", "action", "log-status",
)
TYPES = {
    "srcport": "INTEGER", "dstport": "INTEGER", "protocol": "SMALLINT", "packets": "BIGINT",
    "bytes": "BIGINT", "start": "BIGINT", "end": "BIGINT", "tcp_flags": "INTEGER",
    "traffic_path": "INTEGER",
}
NEEDED = ("srcaddr", "dstaddr", "start", "action")
PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"


def column(field: str) -> str:
    return field.strip().lower().replace("-", "_")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def first_line(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            head = fh.read(2)
        opener = gzip.open if head == GZIP_MAGIC else open
        with opener(path, "rb") as fh:
            line: bytes = fh.readline(65536)
    except (OSError, EOFError, zlib.error) as e:
        raise FlowLogError(str(path), f"cannot read: {e}") from e
    return line.decode("utf-8", errors="replace").strip()


def text_layout(path: Path) -> tuple[list[str], bool]:
    """``(columns, has header line)`` of an AWS text flow log."""
    line = first_line(path)
    words = line.split()
    if words and (words[0] == "version" or "srcaddr" in words or "dstaddr" in words):
        return [column(w) for w in words], True
    return [column(f) for f in DEFAULT_FIELDS], False


def _check(columns: list[str], where: str) -> None:
    missing = [c for c in NEEDED if c not in columns]
    if missing:
        raise FlowLogError(where, "AWS flow log without the field(s) "
                                  + ", ".join(c.replace("_", "-") for c in missing))


def normalise_select(columns: list[str], relation: str, source: str) -> str:
    """SELECT of the normalised columns (record.COLUMNS) plus ``log_status`` from ``relation``
    whose columns are the AWS field names (typed or VARCHAR)."""
    _check(columns, source)
    have = set(columns)

    def num(name: str, sql_type: str) -> str:
        return f"TRY_CAST({quote(name)} AS {sql_type})" if name in have else "NULL"

    def addr(pkt: str, plain: str) -> str:
        if pkt in have:
            return f"COALESCE(NULLIF({quote(pkt)}, '-'), {quote(plain)})"
        return quote(plain)

    start = num("start", "BIGINT")
    end = num("end", "BIGINT")
    direction = quote("flow_direction") if "flow_direction" in have else "NULL"
    status = quote("log_status") if "log_status" in have else (
        "CASE WHEN srcaddr IS NULL THEN 'NODATA' ELSE 'OK' END")
    return f"""
SELECT make_timestamp({start} * 1000000) AS time,
       make_timestamp(COALESCE({end}, {start}) * 1000000) AS end_time,
       {addr("pkt_srcaddr", "srcaddr")} AS src,
       {addr("pkt_dstaddr", "dstaddr")} AS dst,
       {num("srcport", "INTEGER")} AS sport,
       {num("dstport", "INTEGER")} AS dport,
       {num("protocol", "SMALLINT")} AS proto,
       CAST(action AS VARCHAR) AS action,
       {num("bytes", "BIGINT")} AS bytes,
       {num("packets", "BIGINT")} AS packets,
       {"CAST(interface_id AS VARCHAR)" if "interface_id" in have else "NULL"} AS reporter,
       CAST({direction} AS VARCHAR) AS direction,
       CAST(NULL AS VARCHAR) AS rule,
       'aws' AS cloud,
       {literal(source)} AS source,
       CAST({status} AS VARCHAR) AS log_status
FROM {relation}"""


def read_csv_call(path: Path, columns: list[str], header: bool, rejects: str) -> str:
    cols = ", ".join(f"{literal(c)}: {literal(TYPES.get(c, 'VARCHAR'))}" for c in columns)
    with path.open("rb") as fh:
        gz = fh.read(2) == GZIP_MAGIC
    return (
        f"read_csv({literal(str(path))}, delim=' ', header=false, skip={1 if header else 0}, "
        f"columns={{{cols}}}, nullstr='-', quote='', escape='', auto_detect=false, "
        f"compression={literal('gzip' if gz else 'none')}, ignore_errors=true, "
        f"store_rejects=true, rejects_table={literal(rejects)}, "
        f"rejects_scan={literal(rejects + '_scan')})"
    )


def is_parquet(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == PARQUET_MAGIC
    except OSError as e:
        raise FlowLogError(str(path), f"cannot read: {e.strerror or e}") from e
