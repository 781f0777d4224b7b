"""Done-when of issue 9: on the backup-console week, the narrowest change stops no observed
approved flow, a naive removal does."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from pathwarden.errors import InputError
from pathwarden.flows import FlowStore, Simulation, estate_after, flow_impact, simulate
from pathwarden.model import Estate
from pathwarden.policy import Policy, load_policy
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
    edit,
    narrowest,
    records,
)

AS_OF = date(2026, 11, 25)


@pytest.fixture(scope="module")
def estate() -> Estate:
    return load_estate([SNAPSHOT])


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(str(POLICY))


@pytest.fixture(scope="module")
def store() -> FlowStore:
    s = FlowStore()
    s.ingest([FLOWS])
    return s


def run(estate: Estate, after: Estate, store: FlowStore, policy: Policy) -> Simulation:
    return simulate(estate, after, store, policy=policy, as_of=AS_OF)


def test_narrowest_change_breaks_no_approved_flow(estate: Estate, store: FlowStore,
                                                  policy: Policy) -> None:
    sim = run(estate, narrowest(estate), store, policy)
    assert sim.records("approved") == 0
    forbidden = records("10.20.1.23", CONSOLE, 443) + records("10.20.1.17", CONSOLE, 22)
    assert sim.records("forbidden") == forbidden > 0
    # the app server's status calls go through the /8 rule too: unapproved, and now stopped
    assert sim.records("unapproved") == records(APP, CONSOLE, 443) > 0
    groups = {(g.src, g.dst): g for g in sim.broken.values()}
    ws = groups[("workstations", "backup-console")]
    assert ws.services == {"tcp/22", "tcp/443"} and ws.paths == {"ws-to-backup"}
    assert ws.last_seen is not None and ws.last_seen.date() == date(2026, 11, 19)


def test_naive_removal_of_the_443_permission_breaks_the_jump_host(
        estate: Estate, store: FlowStore, policy: Policy) -> None:
    """Revoking sg-0backup's tcp/443 permission as describe-security-groups shows it (the /8,
    the sg-0jump reference and the stale peer reference are one IpPermission)."""
    after = edit(estate, "sg-0backup", remove=(WIDE_443, JUMP_443, PEER_443))
    sim = run(estate, after, store, policy)
    assert sim.records("approved") == records(JUMP, CONSOLE, 443) > 0
    jump = sim.broken[("jump-hosts", "backup-console")]
    assert jump.paths == {"jump-to-backup"} and jump.services == {"tcp/443"}


def test_deleting_only_the_wide_rule_keeps_the_jump_host(estate: Estate, store: FlowStore,
                                                         policy: Policy) -> None:
    """In this snapshot the jump host's 443 is carried by the /8 rule AND the sg-0jump
    reference: deleting only the /8 stops the app server (unapproved), not the jump host."""
    sim = run(estate, edit(estate, "sg-0backup", remove=(WIDE_443,)), store, policy)
    assert sim.records("approved") == 0
    assert sim.records("unapproved") == records(APP, CONSOLE, 443)
    assert sim.records("forbidden") == records("10.20.1.23", CONSOLE, 443)


def test_no_change_breaks_nothing_and_everything_is_explained(
        estate: Estate, store: FlowStore, policy: Policy) -> None:
    sim = run(estate, estate, store, policy)
    assert sim.records() == 0 and sim.unexplained == 0 and sim.opened == 0
    assert sim.replayed == store.sql("SELECT COUNT(*) FROM flows WHERE action = 'ACCEPT'")[0][0]


def test_reopening_counts_rejected_flows(estate: Estate, store: FlowStore,
                                         policy: Policy) -> None:
    sim = run(narrowest(estate), estate, store, policy)  # the change, undone
    assert sim.records() == 0
    assert sim.opened == 0  # the RDP attempts stay rejected either way


def test_planner_changeset_applies_and_breaks_no_approved_flow(
        estate: Estate, store: FlowStore, policy: Policy) -> None:
    from pathwarden.apply.workflow import plan_document

    doc = plan_document(estate, str(POLICY), AS_OF, [str(SNAPSHOT)])
    after = estate_after(estate, doc)
    assert after.filters["sg-0backup"] != estate.filters["sg-0backup"]
    sim = run(estate, after, store, policy)
    assert sim.records("approved") == 0
    assert sim.records("forbidden") > 0
    impact = flow_impact(store, policy=policy, as_of=AS_OF)
    assert impact(estate, after) == sim.records() - sim.records("forbidden")


def _naive_snapshot(tmp: Path) -> Path:
    out = tmp / "after"
    shutil.copytree(SNAPSHOT, out)
    gone = {WIDE_443, JUMP_443, PEER_443}
    rules = json.loads((out / "describe-security-group-rules.json").read_text())
    rules["SecurityGroupRules"] = [r for r in rules["SecurityGroupRules"]
                                   if r["SecurityGroupRuleId"] not in gone]
    (out / "describe-security-group-rules.json").write_text(json.dumps(rules))
    groups = json.loads((out / "describe-security-groups.json").read_text())
    for g in groups["SecurityGroups"]:
        if g["GroupId"] == "sg-0backup":
            g["IpPermissions"] = [p for p in g["IpPermissions"] if p.get("FromPort") != 443]
    (out / "describe-security-groups.json").write_text(json.dumps(groups))
    return out


def test_cli_simulate_exit_codes(tmp_path: Path) -> None:
    from pathwarden.cli.flows_cmd import flows, simulate

    runner = CliRunner()
    db = str(tmp_path / "f.duckdb")
    assert runner.invoke(flows, ["ingest", "--db", db, str(FLOWS)]).exit_code == 0
    after = _naive_snapshot(tmp_path)
    args = ["--flows", db, "--snapshot", str(SNAPSHOT), "--policy", str(POLICY),
            "--as-of", "2026-11-25", "--format", "json"]
    res = runner.invoke(simulate, [*args, "--after", str(after)])
    assert res.exit_code == 2, res.output
    doc = json.loads(res.output)
    assert doc["broken_by_verdict"]["approved"] == records(JUMP, CONSOLE, 443)
    res = runner.invoke(simulate, [*args, "--after", str(after), "--fail-on", "none"])
    assert res.exit_code == 0
    res = runner.invoke(simulate, args)
    assert isinstance(res.exception, InputError) and "CHANGESET" in str(res.exception)
