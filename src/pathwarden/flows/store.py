"""The embedded flow store: one DuckDB database (a file, or memory) with the table ``flows``
in the normalised columns of :mod:`pathwarden.flows.record` and ``ingests`` (one row per file
read, with its counts).

AWS text and Parquet are loaded by DuckDB's own readers straight into the table; Azure and GCP
JSON go through the Python parsers (their tuples are strings inside nested JSON, and real files
are not always strict JSON) and are bulk-loaded through a temporary CSV.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pathwarden.errors import MissingExtraError
from pathwarden.flows import aws
from pathwarden.flows.azure import azure_format, is_azure, parse_azure
from pathwarden.flows.gcp import gcp_format, parse_gcp
from pathwarden.flows.ingest import IngestResult, Skipped, check_text, sha256_of, walk
from pathwarden.flows.jsonread import json_lines, load_lenient, read_text
from pathwarden.flows.queries import render
from pathwarden.flows.record import COLUMN_NAMES, COLUMNS, FlowLogError, FlowRecord, ParseReport

REJECTS = "aws_rejects"
PARQUET, JSON, AWS_TEXT = "parquet", "json", "aws-text"
INGEST_COLUMNS = "file, format, records, report, ingested_at, sha256"


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError as e:
        raise MissingExtraError("duckdb", "flows") from e
    return duckdb


class FlowStore:
    """``FlowStore(path)`` opens (or creates) a store; ``FlowStore()`` is in memory."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        duckdb = _duckdb()
        self.path = str(path) if path else ":memory:"
        self._error: type[Exception] = duckdb.Error
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as e:
            raise FlowLogError(self.path, f"cannot open the flow store: {e}") from e
        # row order in the table carries no meaning; not keeping it lets DuckDB load in parallel
        self.con.execute("SET preserve_insertion_order = false")
        if not read_only:
            cols = ", ".join(f"{name} {sql_type}" for name, sql_type in COLUMNS)
            self.con.execute(f"CREATE TABLE IF NOT EXISTS flows ({cols})")
            self.con.execute(
                "CREATE TABLE IF NOT EXISTS ingests (file VARCHAR, format VARCHAR, "
                "records BIGINT, report VARCHAR, ingested_at TIMESTAMP, sha256 VARCHAR)"
            )
            # stores written before ingests were idempotent have no sha256 column yet
            self.con.execute("ALTER TABLE ingests ADD COLUMN IF NOT EXISTS sha256 VARCHAR")

    # -- reading ---------------------------------------------------------------------------
    def sql(self, text: str) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self.con.execute(text).fetchall()
        return rows

    def query(self, name: str, *, since: datetime | None = None,
              until: datetime | None = None, limit: int = 20) -> list[tuple[Any, ...]]:
        """Run one of the named portable queries (:mod:`pathwarden.flows.queries`)."""
        return self.sql(render(name, since=since, until=until, limit=limit))

    def span(self) -> tuple[datetime | None, datetime | None, int]:
        first, last, count = self.query("span")[0]
        return first, last, int(count)

    def count(self) -> int:
        return self.span()[2]

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> FlowStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loading ---------------------------------------------------------------------------
    def ingest(self, paths: Sequence[str | Path], *, force: bool = False) -> list[ParseReport]:
        """Load every flow-log file under ``paths``; one report per file loaded. Bad lines are
        counted, never fatal; a file that is no flow log at all is an error, raised (the first
        one) after every other file was loaded. See :meth:`ingest_all`."""
        result = self.ingest_all(paths, force=force)
        if result.errors:
            raise result.errors[0]
        return result.reports

    def ingest_all(self, paths: Sequence[str | Path], *, force: bool = False) -> IngestResult:
        """Load every file under ``paths``, each in its own transaction: a file whose content
        (sha256) is stored already is skipped, unless ``force`` replaces its records; a file
        that fails is reported in ``errors`` and leaves nothing behind."""
        result = IngestResult()
        for item in walk(paths):
            if isinstance(item, FlowLogError):
                result.errors.append(item)
                continue
            try:
                self._ingest_one(item, force, result)
            except FlowLogError as e:
                result.errors.append(e)
        return result

    def _ingest_one(self, path: Path, force: bool, result: IngestResult) -> None:
        digest = sha256_of(path)
        earlier = [(str(f), at) for f, at in self.con.execute(
            "SELECT file, ingested_at FROM ingests WHERE sha256 = ? ORDER BY ingested_at",
            [digest]).fetchall()]
        if earlier and not force:
            result.skipped.append(Skipped(str(path), digest, earlier[0][0], earlier[0][1]))
            return
        kind = self._kind(path)
        try:
            report, replaced = self._load(kind, path, path, digest, earlier)
        except self._error as e:
            if kind != AWS_TEXT:
                raise FlowLogError(str(path), f"cannot be read as a flow log: {_reason(e)}") from e
            # DuckDB's CSV state machine gives up on some text (mixed line endings): read the
            # lines in Python, one blank between fields, and give that to the same reader
            with tempfile.TemporaryDirectory(prefix="pathwarden-flows-") as tmp:
                copy = Path(tmp) / "normalised.log"
                lines = (" ".join(line.split()) for line in read_text(path).splitlines())
                copy.write_text("\n".join(lines) + "\n", encoding="utf-8")
                try:
                    report, replaced = self._load(kind, path, copy, digest, earlier)
                except self._error as e2:
                    raise FlowLogError(str(path), f"cannot be read as a flow log: "
                                                  f"{_reason(e2)}") from e2
        result.reports.append(report)
        result.replaced += replaced

    def _kind(self, path: Path) -> str:
        if aws.is_parquet(path):
            return PARQUET
        check_text(path)
        head = aws.first_line(path)
        return JSON if head.startswith(("{", "[", "#")) else AWS_TEXT

    def _load(self, kind: str, path: Path, read: Path, digest: str,
              earlier: list[tuple[str, Any]]) -> tuple[ParseReport, int]:
        """One file in one transaction: forget the records of its earlier ingests (``force``),
        read ``read`` (``path`` or a normalised copy of it), record the ingest."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            replaced = 0
            if earlier:
                files = [f for f, _ in earlier]
                marks = ", ".join("?" for _ in files)
                replaced = int(self.con.execute(
                    f"DELETE FROM flows WHERE source IN ({marks})", files).fetchall()[0][0])
                self.con.execute("DELETE FROM ingests WHERE sha256 = ?", [digest])
            if kind == PARQUET:
                report = self._aws_parquet(path)
            elif kind == JSON:
                report = self._json(path)
            else:
                report = self._aws_text(path, read)
            if report.records == 0 and report.malformed and not (report.nodata
                                                                 or report.skipdata):
                raise FlowLogError(str(path), "no flow-log records: " + "; ".join(report.examples))
            self.con.execute(
                f"INSERT INTO ingests ({INGEST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                [report.file, report.format, report.records, json.dumps(report.to_json()),
                 datetime.now(), digest],
            )
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")
        return report, replaced

    def ingest_file(self, path: Path) -> ParseReport:
        """Read one file into the table (no bookkeeping, no transaction of its own)."""
        kind = self._kind(path)
        try:
            if kind == PARQUET:
                return self._aws_parquet(path)
            if kind == JSON:
                return self._json(path)
            return self._aws_text(path, path)
        except self._error as e:
            raise FlowLogError(str(path), f"cannot be read as a flow log: {_reason(e)}") from e

    def _json(self, path: Path) -> ParseReport:
        text = read_text(path)
        report = ParseReport(str(path), "json")
        if text.lstrip().startswith("{") and '"records"' in text[:4096]:
            doc = load_lenient(text, report)
            if is_azure(doc):
                report.format = azure_format(doc)
                self.insert_records(parse_azure(doc, report))
                return report
        entries = list(json_lines(text, report))
        if entries:
            report.format = gcp_format(entries[0][1])
        self.insert_records(parse_gcp(iter(entries), report))
        return report

    def insert_records(self, records: Iterable[FlowRecord]) -> int:
        """Bulk-load records from a parser (through a temporary CSV that DuckDB reads)."""
        with tempfile.TemporaryDirectory(prefix="pathwarden-flows-") as tmp:
            file = Path(tmp) / "records.csv"
            n = 0
            with file.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(COLUMN_NAMES)
                for rec in records:
                    writer.writerow(["" if v is None else v for v in rec.row()])
                    n += 1
            if n:
                cols = ", ".join(f"'{name}': '{t}'" for name, t in COLUMNS)
                self.con.execute(
                    f"INSERT INTO flows SELECT * FROM read_csv('{file}', header=true, "
                    f"columns={{{cols}}}, nullstr='', auto_detect=false)"
                )
        return n

    def _stage(self, select: str, report: ParseReport) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE stage AS {select}")
        for status, n in self.sql("SELECT log_status, COUNT(*) FROM stage GROUP BY log_status"):
            if status == "NODATA":
                report.nodata += int(n)
            elif status == "SKIPDATA":
                report.skipdata += int(n)
            elif status == "OK":
                report.records += int(n)
            else:
                report.bad("log-status", f"{n} row(s) with log-status {status!r}")
        names = ", ".join(COLUMN_NAMES)
        self.con.execute(f"INSERT INTO flows SELECT {names} FROM stage WHERE log_status = 'OK'")
        self.con.execute("DROP TABLE stage")

    def _aws_text(self, path: Path, read: Path) -> ParseReport:
        columns, header = aws.text_layout(path)
        report = ParseReport(str(path), "aws-text-custom" if header else "aws-text-v2")
        self._drop_rejects()
        call = aws.read_csv_call(read, columns, header, REJECTS)
        self._stage(aws.normalise_select(columns, call, str(path)), report)
        bad = self.sql(f"SELECT line, MIN(error_message), MIN(csv_line) FROM {REJECTS} "
                       "GROUP BY line ORDER BY line")
        self._drop_rejects()
        retry: list[str] = []
        for line, message, raw in bad:
            words = str(raw).split()
            if len(words) == len(columns):
                retry.append(" ".join(words))
            else:
                report.bad(f"line {line}", str(message))
        if retry:
            self._recover(retry, columns, report)
        return report

    def _recover(self, lines: list[str], columns: list[str], report: ParseReport) -> None:
        """Lines the fast reader rejected only for runs of blanks: read them again, once
        each blank run is one separator, with the same reader and the same SQL."""
        with tempfile.TemporaryDirectory(prefix="pathwarden-flows-") as tmp:
            file = Path(tmp) / "recovered.log"
            file.write_text("\n".join(lines) + "\n", encoding="utf-8")
            before = report.records
            call = aws.read_csv_call(file, columns, False, REJECTS)
            self._stage(aws.normalise_select(columns, call, report.file), report)
            still = self.sql(f"SELECT line, MIN(error_message) FROM {REJECTS} GROUP BY line")
            self._drop_rejects()
            for line, message in still:
                report.bad(f"recovered line {line}", str(message))
            report.recovered += report.records - before

    def _drop_rejects(self) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {REJECTS}")
        self.con.execute(f"DROP TABLE IF EXISTS {REJECTS}_scan")

    def _aws_parquet(self, path: Path) -> ParseReport:
        report = ParseReport(str(path), "aws-parquet")
        src = f"read_parquet({aws.literal(str(path))})"
        try:
            described = self.sql(f"DESCRIBE SELECT * FROM {src}")
        except self._error as e:
            raise FlowLogError(str(path), f"not a readable Parquet file: {e}") from e
        names = [str(row[0]) for row in described]
        columns = [aws.column(n) for n in names]
        renamed = ", ".join(f"{aws.quote(n)} AS {aws.quote(c)}" for n, c in zip(names, columns,
                                                                            strict=True))
        relation = f"(SELECT {renamed} FROM {src}) p"
        self._stage(aws.normalise_select(columns, relation, str(path)), report)
        return report


def _reason(e: Exception) -> str:
    """The first line of a DuckDB error (the rest is a dump of the reader's options)."""
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
