"""Rule evidence on the backup-console week: hits, unused rules, over-broad rules with a
proposed narrowed rule that keeps the symbol when it can."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from pathwarden.flows import EvidenceBuilder, FlowStore, Pair, PathJudge, SegmentIndex
from pathwarden.flows.evidence import NO_COVERAGE, OVERBROAD, UNUSED
from pathwarden.flows.observed import load_pairs
from pathwarden.flows.queries import NAMED, render
from pathwarden.model import Estate, PeerKind, ServiceSet
from pathwarden.policy import load_policy
from pathwarden.providers.load import load_estate
from tests.unit.flowsexample import (
    APP,
    CONSOLE,
    FLOWS,
    JUMP,
    JUMP_443,
    PEER_443,
    POLICY,
    SNAPSHOT,
    WIDE_443,
    WS_22,
    records,
)


@pytest.fixture(scope="module")
def estate() -> Estate:
    return load_estate([SNAPSHOT])


@pytest.fixture(scope="module")
def builder(estate: Estate) -> EvidenceBuilder:
    store = FlowStore()
    store.ingest([FLOWS])
    policy = load_policy(str(POLICY))
    b = EvidenceBuilder(estate, judge=PathJudge(policy, date(2026, 11, 25)),
                        segments=SegmentIndex(estate, policy))
    b.add(load_pairs(store))
    return b


def test_hits_are_inferred_for_both_union_rules(builder: EvidenceBuilder) -> None:
    jump = records(JUMP, CONSOLE, 443)
    wide = jump + records(APP, CONSOLE, 443) + records("10.20.1.23", CONSOLE, 443)
    assert builder.evidence[WIDE_443].hits == wide
    assert builder.evidence[JUMP_443].hits == jump
    assert builder.evidence[WIDE_443].last_hit is not None
    assert builder.unattributed == 0
    assert builder.rejected_elsewhere == 3  # source-ENI ACCEPTs of the three rejected tries


def test_findings(builder: EvidenceBuilder) -> None:
    found = {f.rule.id: f for f in builder.findings()}
    assert found[PEER_443].kind == UNUSED
    assert found["sgr-0ba60382a56da6f8f"].kind == NO_COVERAGE  # the endpoint ENI: NODATA only
    wide = found[WIDE_443]
    assert wide.kind == OVERBROAD and wide.space is not None
    assert wide.space.used_points == 3  # jump host, app server, one workstation on tcp/443
    proposed = wide.proposed
    assert proposed is not None and proposed.services == ServiceSet.tcp(443)
    assert [p.value for p in proposed.src] == ["10.20.2.10/32", "10.20.2.31/32"]
    ssh = found[WS_22]
    assert ssh.kind == OVERBROAD and ssh.proposed is None  # only forbidden flows used it
    assert JUMP_443 not in found
    doc = wide.to_json()
    assert doc["proposed"]["status"] == "proposed"
    assert doc["space"]["unused"]["services"] == ""  # the rule's only port was used


def test_proposal_keeps_the_security_group_symbol(estate: Estate) -> None:
    when = datetime(2026, 11, 20, 10)
    b = EvidenceBuilder(estate)
    b.add([Pair(JUMP, CONSOLE, 6, 443, "ACCEPT", 5, 500, when, when)])
    (wide,) = [f for f in b.findings() if f.rule.id == WIDE_443]
    assert wide.proposed is not None
    (peer,) = wide.proposed.src
    assert (peer.kind, peer.value) == (PeerKind.SECURITY_GROUP, "sg-0jump")


def test_queries_are_portable_sql() -> None:
    dialect = ("read_csv", "read_parquet", "make_timestamp", "::", "list_", "string_split")
    for name in NAMED:
        text = render(name, since=datetime(2026, 11, 16), until=datetime(2026, 11, 23))
        assert not any(word in text for word in dialect), name
        assert "TIMESTAMP '2026-11-16 00:00:00'" in text or name in ("span", "reporters")


def test_replies_count_for_the_connection_they_answer(tmp_path: Path) -> None:
    f = tmp_path / "pair.log"
    f.write_text("2 1 eni-a 10.0.0.5 10.0.0.9 40000 443 6 3 300 1700000000 1700000060 ACCEPT OK\n"
                 "2 1 eni-a 10.0.0.9 10.0.0.5 443 40000 6 3 900 1700000000 1700000060 ACCEPT OK\n")
    store = FlowStore()
    store.ingest([f])
    (pair,) = load_pairs(store)
    assert (pair.client, pair.server, pair.port, pair.records, pair.bytes) == (
        "10.0.0.5", "10.0.0.9", 443, 2, 1200)


def test_cli_flows_commands(tmp_path: Path) -> None:
    from pathwarden.cli.flows_cmd import flows

    runner = CliRunner()
    db = str(tmp_path / "f.duckdb")
    res = runner.invoke(flows, ["ingest", "--db", db, str(FLOWS), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["stored_records"] == 1920
    base = ["--db", db, "--snapshot", str(SNAPSHOT), "--policy", str(POLICY), "--format", "json"]
    res = runner.invoke(flows, ["summarize", *base, "--as-of", "2026-11-25"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert {(v["client"], v["service"]) for v in doc["violations"]} == {
        ("10.20.1.23", "tcp/443"), ("10.20.1.17", "tcp/22")}
    paths = {p["path"]: p["records"] for p in doc["paths"]}
    assert paths["jump-to-backup"] == records(JUMP, CONSOLE, 443)
    assert [r["service"] for r in doc["rejected"]] == ["tcp/3389", "tcp/8400", "tcp/8400"]
    res = runner.invoke(flows, ["evidence", *base, "--days", "7"])
    assert res.exit_code == 0, res.output
    kinds = {f["rule"]: f["kind"] for f in json.loads(res.output)["findings"]}
    assert kinds[WIDE_443] == OVERBROAD and kinds[PEER_443] == UNUSED
    res = runner.invoke(flows, ["summarize", "--db", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 1 and "no flow store" in str(res.exception)
