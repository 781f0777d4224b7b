"""``pathwarden check --live aws`` (and ``drift --live aws``) against moto in server mode.

The estate is seeded with boto3 (the seed of test_discover_aws_moto: app -> db on tcp/5432 by
security-group reference); the policy says app must not reach db, so a complete live check
finds the violation. A fault proxy takes a region down: the check still runs on the rest,
reports partial, and does not exit 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pathwarden.providers.load import load_estate
from tests.integration.moto_server import (
    ACCOUNT,
    Fault,
    FaultProxy,
    MotoServer,
    moto_fixture,  # noqa: F401  (the `moto` fixture)
    moto_session_server_fixture,  # noqa: F401  (the `moto_session_server` fixture)
)
from tests.integration.test_discover_aws_moto import Seeded, no_backoff, seed  # noqa: F401
from tests.integration.test_drift_cli import ROOT

POLICY = """\
version: 1
segments:
  app: {{match: [{{aws: {{security_group: {app}}}}}]}}
  db: {{match: [{{aws: {{security_group: {db}}}}}]}}
paths:
  - id: app-to-db
    from: app
    to: db
    rule: deny
    ports: [tcp/5432]
    why: The app reaches the database only through the API.
    stage: {stage}
"""


def policy(tmp_path: Path, s: Seeded, stage: str = "enforce") -> str:
    path = tmp_path / f"policy-{stage}.yml"
    path.write_text(POLICY.format(app=s.sg_app, db=s.sg_db, stage=stage))
    return str(path)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(ROOT, list(args))


def test_check_live_finds_the_seeded_path_and_keeps_the_snapshot(
        moto: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = seed(moto.client("ec2"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)  # the DESIGN contract: no endpoint option
    kept = tmp_path / "kept"
    result = invoke("check", "--policy", policy(tmp_path, s), "--live", "aws",
                    "--regions", "us-east-1", "--keep-snapshot", str(kept), "--format", "json")
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)
    assert doc["partial"] is False
    [finding] = doc["findings"]
    assert (finding["path"], finding["kind"]) == ("app-to-db", "violation")
    assert finding["open"] == [{"protocol": "tcp", "ports": [[5432, 5432]]}]
    assert "discovered 1 account(s), 1 region(s)" in result.stderr
    # the kept snapshot is the normal layout and loads offline
    assert (kept / "manifest.json").is_file()
    assert load_estate([kept]).workload(s.eni_db) is not None


def test_check_live_with_endpoint_option_records_in_the_store(
        moto: MotoServer, tmp_path: Path) -> None:
    s = seed(moto.client("ec2"))
    db = str(tmp_path / "s.db")
    result = invoke("check", "--policy", policy(tmp_path, s, "monitor"), "--live", "aws",
                    "--regions", "us-east-1", "--endpoint-url", moto.url, "--store", db)
    assert result.exit_code == 0, result.output
    assert "MONITOR" not in result.stdout and "[monitor] app-to-db" in result.stdout
    snapshots = json.loads(invoke("store", "--store", db, "snapshots", "--format",
                                  "json").stdout)
    [snap] = snapshots
    assert snap["source"] == "live:aws" and snap["scope"] == "aws:123456789012:us-east-1"
    [row] = json.loads(invoke("store", "--store", db, "checks", "--format", "json").stdout)
    assert row["snapshot_id"] == snap["id"] and row["exit_code"] == 0


def test_a_region_down_gives_a_partial_check_that_is_not_clean(
        moto: MotoServer, tmp_path: Path, no_backoff: None) -> None:  # noqa: F811
    s = seed(moto.client("ec2"))
    with FaultProxy(moto.url, [Fault(503, "Unavailable", region="eu-west-1", times=-1)]) as px:
        enforce = invoke("check", "--policy", policy(tmp_path, s), "--live", "aws",
                         "--regions", "us-east-1,eu-west-1", "--endpoint-url", px.url,
                         "--format", "json")
        monitor = invoke("check", "--policy", policy(tmp_path, s, "monitor"), "--live", "aws",
                         "--regions", "us-east-1,eu-west-1", "--endpoint-url", px.url)
    assert enforce.exit_code == 2, enforce.output  # the violation in us-east-1 is real
    doc = json.loads(enforce.stdout)
    assert doc["partial"] is True and [f["path"] for f in doc["findings"]] == ["app-to-db"]
    assert "warning: discovery incomplete, the estate is partial: 123456789012/eu-west-1: " \
           "DescribeVpcs" in enforce.stderr
    assert monitor.exit_code == 1
    assert "WARNING: partial estate" in monitor.stdout


def test_nothing_discovered_is_an_error(moto: MotoServer, tmp_path: Path,
                                        no_backoff: None) -> None:  # noqa: F811
    s = seed(moto.client("ec2"))
    with FaultProxy(moto.url, [Fault(503, "Unavailable", times=-1)]) as px:
        result = invoke("check", "--policy", policy(tmp_path, s), "--live", "aws",
                        "--regions", "us-east-1", "--endpoint-url", px.url)
    assert result.exit_code == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("pathwarden: error:")]
    assert "live aws discovery incomplete" in line and "GetCallerIdentity" in line
    assert "pathwarden-live-" not in result.stderr  # a temporary folder, gone by now


def test_drift_live_against_an_approved_live_baseline(moto: MotoServer, tmp_path: Path) -> None:
    s = seed(moto.client("ec2"))
    db = str(tmp_path / "s.db")
    live = ["--live", "aws", "--regions", "us-east-1", "--endpoint-url", moto.url]
    approved = invoke("drift", *live, "--store", db, "--approve-baseline", "--by", "ops")
    assert approved.exit_code == 0, approved.output
    assert "scope aws:123456789012:us-east-1" in approved.stdout
    assert invoke("drift", *live, "--store", db).exit_code == 0  # nothing moved
    moto.client("ec2").authorize_security_group_ingress(GroupId=s.sg_db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306,
         "UserIdGroupPairs": [{"GroupId": s.sg_app}]}])
    result = invoke("drift", *live, "--store", db, "--policy", policy(tmp_path, s),
                    "--format", "json")
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)
    [rule] = doc["inventory"]
    assert (rule["change"], rule["item"], rule["parent"]) == ("added", "rule", s.sg_db)
    assert rule["after"] == f"ingress allow tcp/3306 from security_group:{ACCOUNT}/{s.sg_app}"
    assert doc["paths"] == []  # the deny path names tcp/5432 only
