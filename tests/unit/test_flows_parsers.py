"""Every realdata flow-log file parses; bad lines are counted, never fatal."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from pathwarden.flows import FlowLogError, FlowStore
from pathwarden.flows.jsonread import strip_trailing_commas

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "flow-logs"
COLS = ("time, end_time, src, dst, sport, dport, proto, action, bytes, packets, reporter, "
        "direction, rule, cloud")


def rows(store: FlowStore, where: str = "TRUE") -> list[tuple[object, ...]]:
    return store.sql(f"SELECT {COLS} FROM flows WHERE {where} ORDER BY time, src, dst, sport")


def ingest(path: Path) -> tuple[FlowStore, dict[str, Any]]:
    store = FlowStore()
    (report,) = store.ingest([path])
    return store, report.to_json()


# (file, format, records, nodata, skipdata, malformed): counted by hand / by grep in the files
REALDATA = [
    ("aws-vpc-flowlog-default-v2.log", "aws-text-v2", 5, 1, 1, 0),
    ("aws-vpc-flowlog-custom-v3-tcpflags.log", "aws-text-custom", 8, 0, 0, 0),
    ("aws-vpc-flowlog-custom-v5-traffic-path.log", "aws-text-custom", 2, 0, 0, 0),
    ("azure-nsg-flowlog-v1-small.json", "azure-nsg-v1", 38, 0, 0, 0),
    ("azure-nsg-flowlog-v1-large.json", "azure-nsg-v1", 1187, 0, 0, 0),
    ("azure-nsg-flowlog-v2-trailing-comma.json", "azure-nsg-v2", 8, 0, 0, 0),
    ("azure-vnet-flowlog-v4-docs-sample.json", "azure-vnet-v4", 19, 0, 0, 0),
    ("gcp-vpc-flows-ndjson-with-comments.txt", "gcp-vpc-flows", 13, 0, 0, 0),
]


@pytest.mark.parametrize(("name", "fmt", "records", "nodata", "skipdata", "malformed"), REALDATA)
def test_realdata_parses(name: str, fmt: str, records: int, nodata: int, skipdata: int,
                         malformed: int) -> None:
    store, report = ingest(FIXTURES / name)
    assert (report["format"], report["records"], report["nodata"], report["skipdata"],
            report["malformed"]) == (fmt, records, nodata, skipdata, malformed)
    assert store.count() == records


def test_whole_folder_skips_the_notice() -> None:
    store = FlowStore()
    reports = store.ingest([FIXTURES])
    assert sorted(Path(r.file).name for r in reports) == sorted(n for n, *_ in REALDATA)
    assert store.count() == sum(r[2] for r in REALDATA)


def test_aws_default_v2_fields() -> None:
    store, _ = ingest(FIXTURES / "aws-vpc-flowlog-default-v2.log")
    first = rows(store)[0]
    assert first == (datetime(2014, 12, 14, 4, 6, 50), datetime(2014, 12, 14, 4, 7, 50),
                     "172.31.16.139", "172.31.16.21", 20641, 22, 6, "ACCEPT", 4249, 20,
                     "eni-1235b8ca123456789", None, None, "aws")
    v6 = rows(store, "src LIKE '2001:%'")
    assert [(r[2], r[5], r[7]) for r in v6] == [
        ("2001:db8:1234:a100:8d6e:3477:df66:f105", 22, "ACCEPT")]
    icmp = rows(store, "proto = 1")
    assert [(r[7], r[4], r[5]) for r in icmp] == [("ACCEPT", 0, 0), ("REJECT", 0, 0)]


def test_aws_custom_v3_recovers_the_double_blank_line() -> None:
    store, report = ingest(FIXTURES / "aws-vpc-flowlog-custom-v3-tcpflags.log")
    assert report["recovered"] == 1
    last = rows(store, "sport = 5001 AND dport = 43638")
    assert [(r[2], r[3], r[8], r[9]) for r in last] == [
        ("10.0.0.62", "52.213.180.42", 967, 14)]


def test_aws_custom_v5_direction_and_packet_addresses() -> None:
    store, _ = ingest(FIXTURES / "aws-vpc-flowlog-custom-v5-traffic-path.log")
    got = [(r[2], r[3], r[11], r[10]) for r in rows(store)]
    assert sorted(got) == [
        ("10.0.0.71", "52.95.128.179", "egress", "eni-1235b8ca123456789"),
        ("52.95.128.179", "10.0.0.71", "ingress", "eni-1235b8ca123456789"),
    ]


def test_aws_pkt_addresses_win(tmp_path: Path) -> None:
    f = tmp_path / "nat.log"
    f.write_text("version interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr srcport dstport "
                 "protocol start action log-status\n"
                 "5 eni-1 10.0.1.5 10.0.2.9 203.0.113.7 10.0.2.9 5000 443 6 1700000000 "
                 "ACCEPT OK\n"
                 "5 eni-1 10.0.1.5 10.0.2.9 - - 5001 443 6 1700000000 ACCEPT OK\n")
    store, _ = ingest(f)
    assert [r[2] for r in rows(store)] == ["10.0.1.5", "203.0.113.7"]


def test_azure_nsg_v2_counts_and_lenient_json() -> None:
    store, report = ingest(FIXTURES / "azure-nsg-flowlog-v2-trailing-comma.json")
    assert report["lenient"] == "trailing commas ignored"
    begun = rows(store, "sport = 49663")
    assert [(r[2], r[3], r[5], r[6], r[8], r[9], r[11]) for r in begun] == [
        ("10.244.1.69", "10.244.0.4", 53, 17, None, None, "egress")]
    ended = rows(store, "sport = 53763")
    assert [(r[8], r[9], r[7]) for r in ended] == [(246 + 126, 4 + 2, "ACCEPT")]
    assert {r[12] for r in rows(store)} == {
        "UserRule_aede8e1fd185211eaae4f962e72ea7eb-TCP-443-Internet",
        "DefaultRule_AllowVnetOutBound"}


def test_azure_nsg_v1_denies() -> None:
    store, _ = ingest(FIXTURES / "azure-nsg-flowlog-v1-small.json")
    denied = rows(store, "action = 'REJECT'")
    assert len(denied) == 37  # grep -c ',I,D"'
    assert denied[0][:4] == (datetime(2018, 7, 18, 12, 35, 35), datetime(2018, 7, 18, 12, 35, 35),
                             "122.222.24.18", "10.0.0.4")


def test_azure_vnet_v4_milliseconds_and_denied_state() -> None:
    store, _ = ingest(FIXTURES / "azure-vnet-flowlog-v4-docs-sample.json")
    begun = rows(store, "sport = 23956")[0]  # "1663146003599,10.0.0.6,...,O,B,NX,0,0,0,0"
    assert begun[0] == datetime(2022, 9, 14, 9, 0, 3, 599000)
    assert (begun[7], begun[11], begun[12]) == ("ACCEPT", "egress",
                                                "DefaultRule_AllowInternetOutBound")
    assert len(rows(store, "action = 'REJECT'")) == 9  # tuples with state D
    ended = rows(store, "sport = 23956 AND packets IS NOT NULL AND packets > 0")
    assert [(r[8], r[9]) for r in ended] == [(767 + 1580, 3 + 2)]


def test_gcp_ndjson_with_comments() -> None:
    store, report = ingest(FIXTURES / "gcp-vpc-flows-ndjson-with-comments.txt")
    assert report["comments"] == 3
    got = rows(store)
    assert {r[7] for r in got} == {None}  # VPC Flow Logs carry no verdict
    assert got[0][2:7] == ("192.168.1.1", "10.0.0.1", 22, 40000, 6)
    assert got[0][8] == 1000 and str(got[0][10]).startswith("SRC:moz/us-west1-b/instancename")


def test_gcp_firewall_log_and_bad_lines(tmp_path: Path) -> None:
    f = tmp_path / "fw.json"
    f.write_text(
        '{"timestamp":"2024-03-01T10:00:00.5Z","logName":"projects/p/logs/compute.googleapis'
        '.com%2Ffirewall","jsonPayload":{"connection":{"src_ip":"10.1.0.5","src_port":50000,'
        '"dest_ip":"10.1.0.9","dest_port":22,"protocol":6},"disposition":"DENIED",'
        '"rule_details":{"reference":"network:default/firewall:deny-ssh","direction":"INGRESS"},'
        '"instance":{"project_id":"p","zone":"z","vm_name":"vm1"}}}\n'
        "this is not json\n"
        '{"jsonPayload":{"nothing":1}}\n'
    )
    store, report = ingest(f)
    assert (report["format"], report["records"], report["malformed"]) == ("gcp-firewall", 1, 2)
    (r,) = rows(store)
    assert (r[7], r[11], r[12], r[10]) == ("REJECT", "ingress",
                                            "network:default/firewall:deny-ssh", "p/z/vm1")


def test_aws_malformed_lines_counted_gzip_read(tmp_path: Path) -> None:
    text = ("2 1 eni-a 10.0.0.1 10.0.0.2 40000 22 6 1 60 1700000000 1700000060 ACCEPT OK\n"
            "garbage line\n"
            "2 1 eni-a 10.0.0.1 10.0.0.2 x 22 6 1 60 1700000000 1700000060 ACCEPT OK\n"
            "2 1 eni-a 10.0.0.1 10.0.0.3 40001 443 6 1 60 1700000000 1700000060 REJECT OK\n")
    f = tmp_path / "flows.bin"  # gzip found by its magic bytes, not the name
    f.write_bytes(gzip.compress(text.encode()))
    store, report = ingest(f)
    assert (report["records"], report["malformed"], store.count()) == (2, 2, 2)
    assert len(report["examples"]) == 2


def test_aws_parquet(tmp_path: Path) -> None:
    src = FlowStore()
    f = tmp_path / "part-0.parquet"
    src.sql(
        "COPY (SELECT 2 AS version, 'eni-p' AS interface_id, '10.0.0.1' AS srcaddr, "
        "'10.0.0.2' AS dstaddr, 40000 AS srcport, 443 AS dstport, 6 AS protocol, "
        "3 AS packets, 900 AS bytes, 1700000000 AS start, 1700000060 AS \"end\", "
        "'ACCEPT' AS action, 'OK' AS log_status UNION ALL SELECT 2, 'eni-p', NULL, NULL, "
        "NULL, NULL, NULL, NULL, NULL, 1700000000, 1700000060, NULL, 'NODATA') "
        f"TO '{f}' (FORMAT parquet)"
    )
    store, report = ingest(f)
    assert (report["format"], report["records"], report["nodata"]) == ("aws-parquet", 1, 1)
    assert rows(store)[0][2:10] == ("10.0.0.1", "10.0.0.2", 40000, 443, 6, "ACCEPT", 900, 3)


def test_unreadable_inputs_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(FlowLogError, match="no such file"):
        FlowStore().ingest([tmp_path / "missing.log"])
    bad = tmp_path / "bad.json"
    bad.write_text('{"records": [1, 2')
    with pytest.raises(FlowLogError, match="not JSON"):
        FlowStore().ingest([bad])
    hdr = tmp_path / "hdr.log"
    hdr.write_text("version interface-id srcaddr start\n2 eni 10.0.0.1 1\n")
    with pytest.raises(FlowLogError, match="without the field"):
        FlowStore().ingest([hdr])


def test_strip_trailing_commas_keeps_strings() -> None:
    assert strip_trailing_commas('["a,]", "b",\n ]') == '["a,]", "b"\n ]'
