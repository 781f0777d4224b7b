"""``flows ingest`` on repeated, hostile and broken input (issue 14, items 5, 7 and 8): idempotent
per file content, one line naming the file for every bad file, the rest still loaded, exit 1."""

from __future__ import annotations

import gzip
import json
import random
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner, Result

from pathwarden.flows import FlowLogError, FlowStore
from tests.unit.flowsexample import FLOWS, SNAPSHOT

DAY = FLOWS / "2026-11-16.log"
DAY_RECORDS = 318  # lines with log-status OK in that file, counted below independently
LINE = "2 1 eni-a 10.0.0.5 10.0.0.9 40000 443 6 3 300 1700000000 1700000060 ACCEPT OK"


def ok_lines(path: Path) -> int:
    return sum(1 for line in path.read_text().splitlines()[1:] if line.split()[-1] == "OK")


def cli(*args: str) -> Result:
    from pathwarden.cli.flows_cmd import flows
    from tests.unit.tfplans import cli_group

    group = cli_group()
    group.add_command(flows)
    return CliRunner().invoke(group, ["flows", *args])


def ingest_json(db: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    res = cli("ingest", "--db", str(db), *args, "--format", "json")
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    assert "Traceback" not in res.output
    return res.exit_code, json.loads(res.stdout), res.stderr


def test_the_day_file_count_is_what_the_test_assumes() -> None:
    assert ok_lines(DAY) == DAY_RECORDS


def test_ingest_twice_stores_the_records_once(tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    total = sum(ok_lines(f) for f in FLOWS.glob("*.log"))
    code, first, _ = ingest_json(db, str(FLOWS))
    assert code == 0 and first["stored_records"] == total == 1920
    code, second, _ = ingest_json(db, str(FLOWS))
    assert code == 0 and second["stored_records"] == total
    assert second["files"] == []
    assert sorted(Path(s["file"]).name for s in second["skipped"]) == sorted(
        f.name for f in FLOWS.glob("*.log"))


def test_same_content_under_another_name_is_skipped(tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    copy = tmp_path / "copy.log"
    shutil.copyfile(DAY, copy)
    ingest_json(db, str(DAY))
    res = cli("ingest", "--db", str(db), str(copy))
    assert res.exit_code == 0
    assert f"{copy}: already ingested as {DAY}" in res.stdout
    assert "--force ingests it again" in res.stdout
    assert f"{DAY_RECORDS} flow records stored" in res.stdout


def test_force_replaces_the_records_of_that_content(tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    ingest_json(db, str(FLOWS))
    code, doc, _ = ingest_json(db, "--force", str(DAY))
    assert code == 0
    assert doc["stored_records"] == 1920
    assert doc["replaced_records"] == DAY_RECORDS
    assert [f["records"] for f in doc["files"]] == [DAY_RECORDS]
    with FlowStore(db, read_only=True) as store:
        assert store.sql("SELECT COUNT(*) FROM ingests")[0][0] == 7


def test_a_store_from_before_idempotent_ingest_is_upgraded(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE ingests (file VARCHAR, format VARCHAR, records BIGINT, "
                "report VARCHAR, ingested_at TIMESTAMP)")
    con.close()
    with FlowStore(db) as store:
        assert len(store.ingest([DAY])) == 1
        assert store.ingest([DAY]) == []  # the second time: skipped
        assert store.count() == DAY_RECORDS


def test_binary_files_are_one_line_errors(tmp_path: Path) -> None:
    rng = random.Random(14)
    noise = bytes(rng.randrange(256) for _ in range(5000))
    (tmp_path / "noise.log").write_bytes(noise)
    (tmp_path / "noise.log.gz").write_bytes(gzip.compress(noise))
    (tmp_path / "nul.log").write_bytes(LINE.encode() + b"\n\x00\x01\x02\n")
    for name in ("noise.log", "noise.log.gz", "nul.log"):
        with pytest.raises(FlowLogError, match="binary data, not a flow log") as e:
            FlowStore().ingest([tmp_path / name])
        assert e.value.file.endswith(name)


def test_broken_gzip_is_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "cut.log.gz"
    bad.write_bytes(gzip.compress((LINE + "\n").encode() * 100)[:40])
    with pytest.raises(FlowLogError, match="cannot read") as e:
        FlowStore().ingest([bad])
    assert e.value.file == str(bad)


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000,
                                  '{"records": ' + "[" * 100_000 + "]" * 100_000 + "}"],
                         ids=["array", "records"])
def test_deeply_nested_json_is_one_line_error(tmp_path: Path, text: str) -> None:
    f = tmp_path / "deep.json"
    f.write_text(text)
    with pytest.raises(FlowLogError, match="nested too deeply") as e:
        FlowStore().ingest([f])
    assert e.value.file == str(f)


def test_deeply_nested_ndjson_line_is_a_malformed_line(tmp_path: Path) -> None:
    good = {"jsonPayload": {"connection": {"src_ip": "10.0.0.1", "dest_ip": "10.0.0.2",
                                           "src_port": 4000, "dest_port": 443, "protocol": 6},
                            "reporter": "SRC", "start_time": "2026-01-01T00:00:00Z"}}
    f = tmp_path / "gcp.json"
    f.write_text(json.dumps(good) + "\n" + "[" * 50_000 + "]" * 50_000 + "\n")
    store = FlowStore()
    (report,) = store.ingest([f])
    assert (report.records, report.malformed) == (1, 1)
    assert "nested too deeply" in report.examples[0]


AZURE_BAD: list[Any] = [
    {"records": [{"properties": [], "resourceId": "x"}]},
    {"records": [{"properties": {"Version": [1], "flows": [{"rule": "r", "flows": [
        {"mac": "m", "flowTuples": ["99999999999999999999,1,2,3,4,T,I,A"]}]}]}}]},
    {"records": [{"flowRecords": {"flows": [{"flowGroups": [{"rule": "r", "flowTuples": [
        "1663146003599,10.0.0.6,10.0.0.7,70000,443,6,O,B,NX,0,0,0,0"]}]}]}}]},
    {"records": [{"flowRecords": []}, {"flowRecords": {"flows": 3}}]},
    {"records": [{"flowRecords": {"flows": [{"flowGroups": [{"flowTuples": [
        "1663146003599,10.0.0.6,10.0.0.7,1,443,6,O,B,NX,0,-5,0,0"]}]}]}}]},
]


@pytest.mark.parametrize("doc", AZURE_BAD, ids=range(len(AZURE_BAD)))
def test_malformed_azure_flow_logs_are_one_line_errors(tmp_path: Path, doc: Any) -> None:
    f = tmp_path / "azure.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(FlowLogError, match="no flow-log records") as e:
        FlowStore().ingest([f])
    assert e.value.file == str(f)


def test_gcp_values_out_of_range_are_malformed_lines(tmp_path: Path) -> None:
    entry = {"jsonPayload": {"connection": {"src_ip": "10.0.0.1", "dest_ip": "10.0.0.2",
                                            "src_port": 2**70, "dest_port": 443, "protocol": 6},
                             "reporter": "SRC", "start_time": "2026-01-01T00:00:00Z",
                             "bytes_sent": 1e400}}
    f = tmp_path / "gcp.json"
    f.write_text(json.dumps(entry).replace("Infinity", "1e400") + "\n")
    with pytest.raises(FlowLogError, match="no flow-log records"):
        FlowStore().ingest([f])


def test_mixed_line_endings_are_read(tmp_path: Path) -> None:
    f = tmp_path / "crlf.log"
    f.write_bytes(f"{LINE}\r\n{LINE}\n\r\r\n{LINE}\n".encode())
    store = FlowStore()
    (report,) = store.ingest([f])
    assert report.records == 3 and store.count() == 3


def test_one_bad_file_does_not_abort_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    shutil.copyfile(DAY, folder / "a-good.log")
    (folder / "b-binary.log").write_bytes(b"\x00\xff" * 100)
    (folder / "c-garbage.log").write_text("hello world\nfoo bar\n")
    (folder / "d-deep.json").write_text("[" * 10_000 + "]" * 10_000)
    (folder / "e-good.log").write_text(LINE + "\n")
    db = tmp_path / "f.duckdb"
    code, doc, err = ingest_json(db, str(folder))
    assert code == 1
    assert doc["stored_records"] == DAY_RECORDS + 1
    assert [Path(f["file"]).name for f in doc["files"]] == ["a-good.log", "e-good.log"]
    assert [Path(e["file"]).name for e in doc["errors"]] == [
        "b-binary.log", "c-garbage.log", "d-deep.json"]
    for name in ("b-binary.log", "c-garbage.log", "d-deep.json"):
        (line,) = [x for x in err.splitlines() if name in x]
        assert line.startswith(f"pathwarden: error: {folder / name}: ")
    assert "Traceback" not in err


def test_only_garbage_lines_exit_1(tmp_path: Path) -> None:
    f = tmp_path / "garbage.log"
    f.write_text("this is not\na flow log at all\n")
    res = cli("ingest", "--db", str(tmp_path / "f.duckdb"), str(f))
    assert res.exit_code == 1
    assert f"pathwarden: error: {f}: no flow-log records: line 1: " in res.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["evidence", "--days", "-3"], "'--days': -3 is not in the range x>=1"),
        (["evidence", "--ratio", "-5"], "'--ratio': -5.0 is not in the range 0.0<=x<=1.0"),
        (["evidence", "--ratio", "7"], "'--ratio': 7.0 is not in the range"),
        (["summarize", "--days", "0"], "'--days': 0 is not in the range x>=1"),
        (["summarize", "--top", "-1"], "'--top': -1 is not in the range x>=1"),
        (["evidence", "--since", "2026-11-20", "--until", "2026-11-19"], "is not before --until"),
    ],
)
def test_nonsense_windows_and_ratios_exit_1(tmp_path: Path, args: list[str],
                                            expected: str) -> None:
    db = tmp_path / "f.duckdb"
    ingest_json(db, str(DAY))
    res = cli(*args, "--db", str(db), "--snapshot", str(SNAPSHOT))
    assert res.exit_code == 1, res.output
    assert expected in res.output
