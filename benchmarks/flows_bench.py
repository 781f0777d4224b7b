"""Flow-log benchmark: ingest and rule attribution of N synthetic AWS flow records.

    python -m benchmarks.flows_bench [--records 10000000] [--file /tmp/pathwarden-flows-10M.log]
                                     [--json OUT]

The file (default-format fields with an S3-style header line) is written once by DuckDB
itself and reused while its size matches. Addresses are the backup-console example's ENIs
plus 1,000 outside addresses, ports a handful of services, 2 % REJECT, 0.1 % NODATA.

Measured (wall time, best of one run each, on whatever machine runs it):

- floor: a plain DuckDB scan of the same file (``SELECT COUNT(*), SUM(bytes) FROM
  read_csv(...)``): what reading the bytes costs at all;
- ingest: ``FlowStore().ingest([file])`` (typed read, NODATA/SKIPDATA/malformed accounting,
  normalisation, insert): records/s, target >= 1M/s, and its ratio to the floor;
- attribution: the portable ``pairs`` aggregation plus :class:`EvidenceBuilder` crediting every
  accepted record to the rules the engine names: records/s and its ratio to the floor.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from pathwarden.flows import EvidenceBuilder, FlowStore, load_pairs
from pathwarden.providers.load import load_estate

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "examples" / "backup-console" / "snapshot"


def generate(path: Path, n: int, estate_ips: list[str]) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SELECT setseed(0.42)")
    ips = ", ".join(f"'{ip}'" for ip in estate_ips)
    inside = f"[{ips}]"
    con.execute(f"""
COPY (
  SELECT 2 AS "version", '111122223333' AS "account-id",
         'eni-' || lpad(CAST(i % 29 AS VARCHAR), 17, '0') AS "interface-id",
         CASE WHEN nodata THEN '-' WHEN i % 10 = 0
              THEN '198.51.' || CAST((i // 10) % 4 AS VARCHAR) || '.' || CAST(i % 250 AS VARCHAR)
              ELSE list_extract({inside}, 1 + CAST(floor(random() * {len(estate_ips)}) AS INT))
         END AS "srcaddr",
         CASE WHEN nodata THEN '-'
              ELSE list_extract({inside}, 1 + CAST(floor(random() * {len(estate_ips)}) AS INT))
         END AS "dstaddr",
         CASE WHEN nodata THEN '-' ELSE CAST(32768 + i % 28000 AS VARCHAR) END AS "srcport",
         CASE WHEN nodata THEN '-' ELSE CAST(list_extract([22, 443, 443, 443, 3000, 3389, 8400,
              9100, 53], 1 + CAST(floor(random() * 9) AS INT)) AS VARCHAR) END AS "dstport",
         CASE WHEN nodata THEN '-' ELSE '6' END AS "protocol",
         CASE WHEN nodata THEN '-' ELSE CAST(1 + i % 97 AS VARCHAR) END AS "packets",
         CASE WHEN nodata THEN '-' ELSE CAST(60 + (i * 7919) % 90000 AS VARCHAR) END AS "bytes",
         1794700800 + i // 20 AS "start", 1794700860 + i // 20 AS "end",
         CASE WHEN nodata THEN '-' WHEN i % 50 = 7 THEN 'REJECT' ELSE 'ACCEPT' END AS "action",
         CASE WHEN nodata THEN 'NODATA' ELSE 'OK' END AS "log-status"
  FROM (SELECT range AS i, range % 1000 = 999 AS nodata FROM range({n}))
) TO '{path}' (DELIMITER ' ', HEADER true, QUOTE '')
""")
    con.close()


def measure(n: int, file: Path) -> dict[str, Any]:
    import duckdb

    estate = load_estate([SNAPSHOT])
    ips = [a for w in estate.workloads for a in w.addresses]
    marker = file.with_suffix(file.suffix + ".records")
    if not file.exists() or not marker.exists() or marker.read_text() != str(n):
        t = time.perf_counter()
        generate(file, n, ips)
        marker.write_text(str(n))
        print(f"generated {file} ({n} records) in {time.perf_counter() - t:.1f} s")
    size = file.stat().st_size

    con = duckdb.connect()
    t = time.perf_counter()
    row = con.execute(
        f"SELECT COUNT(*), SUM(bytes) FROM read_csv('{file}', delim=' ', header=true, "
        "nullstr='-')").fetchone()
    count, total = row if row is not None else (0, 0)
    floor = time.perf_counter() - t
    con.close()

    store = FlowStore()
    t = time.perf_counter()
    (report,) = store.ingest([file])
    ingest = time.perf_counter() - t

    t = time.perf_counter()
    pairs = load_pairs(store)
    aggregate = time.perf_counter() - t
    builder = EvidenceBuilder(estate)
    builder.add(pairs)
    attribute = time.perf_counter() - t
    accepted = sum(p.records for p in pairs if p.accepted)
    out = {
        "records": n, "file_bytes": size, "scanned_rows": int(count),
        "floor_scan_s": round(floor, 3),
        "ingest_s": round(ingest, 3), "ingest_records_per_s": round(n / ingest),
        "ingest_vs_floor": round(ingest / floor, 2),
        "ingest_report": {k: report.to_json()[k] for k in ("records", "nodata", "malformed")},
        "attribution_s": round(attribute, 3), "aggregate_s": round(aggregate, 3),
        "distinct_pairs": len(pairs),
        "attributed_records": accepted - builder.unattributed,
        "attribution_records_per_s": round(accepted / attribute),
        "attribution_vs_floor": round(attribute / floor, 2),
        "target_ingest_met": n / ingest >= 1_000_000,
        "sum_bytes": int(total or 0),
    }
    store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--file", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    file = args.file or Path(f"/tmp/pathwarden-flows-{args.records}.log")
    result = measure(args.records, file)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
