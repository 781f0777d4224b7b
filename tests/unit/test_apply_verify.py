"""verify / approve / apply recompute the proof from a ChangeSet's own operations.

The forged ChangeSets here are self-consistent and re-hashed (tests/unit/changesets.py): they
load, so only the recomputed proof can refuse them. Expected values come from the example
estate and policy (docs/planner.md describes the plan), never from the code under test.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pathwarden.apply.approval import make_approval
from pathwarden.apply.audit import MemoryAudit
from pathwarden.apply.basis import BasisVerifier, planned_basis
from pathwarden.apply.runner import apply_changeset
from pathwarden.cli.main import cli
from pathwarden.model import Estate
from pathwarden.planner.edits import OpKind, RuleOp, fingerprint
from pathwarden.planner.operations import parse_operations
from pathwarden.planner.verify import verify_changeset, verify_live
from pathwarden.policy import load_policy
from tests.unit.changesets import (
    AS_OF,
    JUMP_443,
    LEGACY_443,
    POLICY,
    SNAPSHOT,
    TEMP_22,
    example_changeset,
    example_estate,
    forge,
    rehash,
    widen_first_add,
    write,
)
from tests.unit.test_apply_runner import FakeWriter

DAY = AS_OF.isoformat()


@pytest.fixture(scope="module", name="honest")
def honest_fixture() -> dict[str, Any]:
    return example_changeset()


@pytest.fixture(scope="module", name="estate")
def estate_fixture() -> Estate:
    return example_estate()


def _verify(path: Path, *extra: str) -> Any:
    return CliRunner().invoke(cli, ["verify", str(path), "--policy", str(POLICY), "--snapshot",
                                    str(SNAPSHOT), "--as-of", DAY, *extra])


def test_verify_of_the_honest_plan_holds_in_json_and_markdown(honest: Any,
                                                              tmp_path: Path) -> None:
    cs = write(honest, tmp_path / "cs.json")
    r = _verify(cs, "--format", "json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["ok"] is True and report["failure"] == ""
    assert [c["check"] for c in report["checks"]] == [
        "estate", "resources", "preconditions", "operations", "derived", "targets"]
    assert all(c["ok"] for c in report["checks"])
    assert [c["path"] for c in report["proof"]["closed"]] == ["ws-to-backup"]
    assert report["proof"]["opened_volume"] == 0
    assert report["changeset"]["content_sha256"] == honest["content_sha256"]
    md = _verify(cs)
    assert md.exit_code == 0
    assert md.stdout.startswith(f"# Verification of `{cs}`: holds")
    assert honest["content_sha256"] in md.stdout
    assert "| derived | ok |" in md.stdout and "Targets closed: ws-to-backup" in md.stdout


def test_a_rehashed_changeset_widened_to_everyone_is_refused_everywhere(
        honest: Any, estate: Estate, tmp_path: Path) -> None:
    evil = forge(honest, estate, widen_first_add)
    cs = write(evil, tmp_path / "evil.json")
    r = _verify(cs, "--format", "json")
    assert r.exit_code == 2
    report = json.loads(r.stdout)
    assert all(c["ok"] for c in report["checks"])  # self-consistent: only the proof fails
    assert report["proof"]["still_open"][0]["path"] == "ws-to-backup"
    assert report["proof"]["opened_volume"] > 0
    md = _verify(cs)
    assert md.exit_code == 2 and "REFUSED" in md.stdout and "Proof: **FAILS**" in md.stdout

    out = tmp_path / "approval.yml"
    r = CliRunner().invoke(cli, ["approve", str(cs), "--change", "CHG1", "--by", "mallory",
                                 "--policy", str(POLICY), "--snapshot", str(SNAPSHOT),
                                 "--as-of", DAY, "--out", str(out)])
    assert r.exit_code == 2 and "still open: ws-to-backup" in r.stderr
    assert not out.exists()

    forged = make_approval(evil["content_sha256"], "CHG1", "mallory", None)
    basis = planned_basis(estate, str(POLICY), AS_OF, [str(SNAPSHOT)])
    for check in (False, True):
        writer, audit = FakeWriter(dict(estate.filters), check=check), MemoryAudit()
        outcome = apply_changeset(evil, writer, audit, verifier=BasisVerifier(evil, basis),
                                  approval=forged, today=AS_OF)
        assert outcome.exit_code == 2 and "nothing was written" in outcome.message
        assert writer.writes == []
        assert "apply.preconditions" not in audit.actions()  # refused before any read
        (proof,) = [d for a, _, d in audit.rows if a == "apply.proof"]
        assert proof["against"] == "snapshot" and proof["ok"] is False


def test_an_edit_that_opens_another_port_is_refused_as_opening(honest: Any,
                                                              estate: Estate) -> None:
    evil = forge(honest, estate,
                 lambda ops: widen_first_add(ops, "10.16.0.0/14", "tcp/443 tcp/3389"))
    v = verify_changeset(evil, parse_operations(evil, "evil"), estate, load_policy(POLICY),
                         AS_OF)
    assert not v.ok and v.failure().startswith("proof: opens something")
    assert v.proof is not None and v.proof.opened_volume == 2**18  # 10.16.0.0/14 x tcp/3389
    assert not v.proof.still_open  # the target itself is closed


def test_removing_the_jump_host_rule_is_refused_as_blocking_an_approved_path(
        honest: Any, estate: Estate) -> None:
    rules = {r.id: r for r in estate.filters["sg-0backup"].rules}
    evil = forge(honest, estate, lambda ops: [
        RuleOp(OpKind.REMOVE, "sg-0backup", i, None, rules[i], "remove", "", ("ws-to-backup",))
        for i in (LEGACY_443, TEMP_22, JUMP_443)])
    v = verify_changeset(evil, parse_operations(evil, "evil"), estate, load_policy(POLICY),
                         AS_OF)
    assert v.failure() == "proof: blocks approved path(s): jump-to-backup"


def _sloppy_region(d: dict[str, Any]) -> None:
    d["resources"][0]["region"] = "eu-west-1"


def _sloppy_rule(d: dict[str, Any]) -> None:
    d["resources"][0]["operations"][0]["rule"]["src"][0]["value"] = "0.0.0.0/0"


def _sloppy_before(d: dict[str, Any]) -> None:
    op = next(o for o in d["resources"][0]["operations"] if o["action"] == "remove")
    op["before"]["services"] = "tcp/23"


def _sloppy_summary(d: dict[str, Any]) -> None:
    d["summary"]["operations"] = 2


@pytest.mark.parametrize(("edit", "check", "words"), [
    (_sloppy_region, "resources", "region is 'eu-west-1' in the ChangeSet but 'us-east-1'"),
    (_sloppy_before, "operations", "'before' is not the rule the resource has"),
    (_sloppy_rule, "derived", "sg-0backup: postcondition does not follow from the operations"),
    (_sloppy_summary, "derived", "summary.operations is 2, the resources say 17"),
])
def test_an_edit_that_is_not_carried_through_is_refused_at_its_step(
        honest: Any, estate: Estate, edit: Any, check: str, words: str) -> None:
    d = copy.deepcopy(honest)
    edit(d)
    rehash(d)
    v = verify_changeset(d, parse_operations(d, "cs"), estate, load_policy(POLICY), AS_OF)
    assert not v.ok
    failed = [s for s in v.steps if not s.ok]
    assert failed[0].check == check and words in failed[0].detail


def test_another_snapshot_fails_the_preconditions(honest: Any, estate: Estate) -> None:
    backup = estate.filters["sg-0backup"]
    other = replace(estate, filters={**estate.filters,
                                     "sg-0backup": replace(backup, rules=backup.rules[1:])})
    v = verify_changeset(honest, parse_operations(honest, "cs"), other, load_policy(POLICY),
                         AS_OF)
    assert v.failure().startswith("preconditions: sg-0backup: its rules are not the "
                                  "precondition")
    assert v.proof is None
    partial = replace(estate, partial=True)
    v = verify_changeset(honest, parse_operations(honest, "cs"), partial, load_policy(POLICY),
                         AS_OF)
    assert v.failure() == "estate: the estate is partial (some discovery failed)"


def test_the_live_proof_matches_rules_by_content_and_skips_applied_resources(
        honest: Any, estate: Estate) -> None:
    ops = parse_operations(honest, "cs")
    policy = load_policy(POLICY)
    backup = estate.filters["sg-0backup"]
    live_ids = replace(backup, rules=tuple(replace(r, id=f"sgr-live{i}")
                                           for i, r in enumerate(backup.rules)))
    v = verify_live(honest, ops, estate, policy, AS_OF, {"sg-0backup": live_ids})
    assert v.ok, v.failure()
    assert v.proof is not None and [c["path"] for c in v.proof.closed] == ["ws-to-backup"]
    writer = FakeWriter(dict(estate.filters))
    apply_changeset(honest, writer, MemoryAudit(), today=AS_OF,
                    verifier=BasisVerifier(honest, planned_basis(estate, str(POLICY), AS_OF,
                                                                 [])),
                    approval=make_approval(honest["content_sha256"], "C", "j", None))
    done = writer.filters["sg-0backup"]
    assert fingerprint(done) == honest["resources"][0]["postcondition"]["fingerprint"]
    v = verify_live(honest, ops, estate, policy, AS_OF, {"sg-0backup": done})
    assert v.ok, v.failure()
    drifted = replace(backup, rules=backup.rules[1:])
    v = verify_live(honest, ops, estate, policy, AS_OF, {"sg-0backup": drifted})
    assert v.failure().startswith("live state: sg-0backup: live rules are at neither")
