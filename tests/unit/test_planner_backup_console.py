"""The planner on the backup-console example: what it chooses, its proof, its ChangeSet.

Expected values are worked out by hand from the snapshot files (the rule ids, the prefixes of
10.0.0.0/8 without the workstation subnet via the standard library), never by the planner.
"""

from __future__ import annotations

import copy
import ipaddress
import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
from click.testing import CliRunner

from pathwarden.check import compare
from pathwarden.check.findings import Kind
from pathwarden.cli.plan_cmd import plan as plan_cmd
from pathwarden.engine.engine import Engine
from pathwarden.model.serialize import estate_to_json
from pathwarden.planner import (
    ChangeSetError,
    build_changeset,
    load_changeset,
    plan_changes,
    render_markdown,
    save_changeset,
)
from pathwarden.planner.edits import OpKind, RuleOp, apply_ops
from pathwarden.planner.proof import prove
from pathwarden.policy import load_policy
from pathwarden.providers.load import load_estate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "backup-console"
AS_OF = date(2026, 11, 25)
LEGACY_443 = "sgr-0cb5a65e9050f9b73"  # sg-0backup: tcp/443 from 10.0.0.0/8 ("legacy")
TEMP_22 = "sgr-0e454f85a82265a0f"  # sg-0backup: tcp/22 from 10.20.1.0/24 (OPS-4411)
JUMP_443 = "sgr-0c8db9d0b60bf6746"  # sg-0backup: tcp/443 from sg-0jump


@pytest.fixture(scope="module", name="planned")
def planned_fixture() -> Any:
    estate = load_estate([EXAMPLE / "snapshot"])
    policy = load_policy(EXAMPLE / "policy.yml")
    return estate, policy, plan_changes(estate, policy, AS_OF)


def _cidr(rule: Any) -> str:
    return str(rule.src[0].value)


def test_narrows_the_legacy_rule_and_removes_the_temporary_one(planned: Any) -> None:
    _, _, plan = planned
    assert {op.filter_id for op in plan.ops} == {"sg-0backup"}
    removes = [op for op in plan.ops if op.kind is OpKind.REMOVE]
    modifies = [op for op in plan.ops if op.kind is OpKind.MODIFY]
    adds = [op for op in plan.ops if op.kind is OpKind.ADD]
    assert [op.rule_id for op in removes] == [TEMP_22]
    assert [op.rule_id for op in modifies] == [LEGACY_443]
    narrowed = sorted([_cidr(modifies[0].rule)] + [_cidr(op.rule) for op in adds])
    expected = sorted(str(n) for n in ipaddress.ip_network("10.0.0.0/8").address_exclude(
        ipaddress.ip_network("10.20.1.0/24")))
    assert narrowed == expected
    assert all(op.rule.services.describe() == "tcp/443" for op in adds + modifies)
    assert all(op.rule.description == "legacy" for op in adds + modifies)  # kept
    assert all(op.closes == ("ws-to-backup",) for op in plan.ops)


def test_the_proof_holds_and_the_engine_agrees(planned: Any) -> None:
    _, policy, plan = planned
    assert plan.proof.ok
    assert plan.proof.violations_before == 1 and plan.proof.violations_after == 0
    assert plan.proof.newly_blocked == []
    engine = Engine(plan.after)
    assert engine.reach("i-0jump", "sg-0backup").open.describe() == "tcp/443"
    segments = {"from": "segment:workstations", "to": "segment:backup-console"}
    from pathwarden.policy import segment_resolver

    resolve = segment_resolver(plan.after, policy)
    ws = engine.reach(segments["from"], segments["to"], segments=resolve)
    assert not ws.open
    assert plan.volume.collateral == 0
    assert plan.flows_broken is None


def test_alternatives_are_ranked_by_collateral_then_edits(planned: Any) -> None:
    _, _, plan = planned
    (choice,) = plan.choices
    tried = {(c.hop, c.strategy): c for c, _ in choice.tried}
    nacl = tried[("destination network ACL acl-0d1e2f3a4b5c60033 (ingress)", "deny entries")]
    # 10.20.1.0/24 x {tcp/22, tcp/443} closed for the 2 backup-storage ENIs also in the subnet
    assert nacl.volume.collateral == 256 * 2 * 2
    assert nacl.edits == 2
    remove = tried[("destination security groups (ingress)", "remove")]
    # the /8 minus the workstation /24 minus the jump host (still allowed by reference), 1 port
    assert remove.volume.collateral == 2**24 - 256 - 1
    assert choice.chosen is not None and choice.chosen.edits == 17
    assert choice.chosen.volume.collateral == 0


def test_a_change_that_blocks_the_jump_host_is_caught_by_the_proof(planned: Any) -> None:
    estate, policy, _ = planned
    before = compare(Engine(estate), policy, as_of=AS_OF)
    backup = estate.filters["sg-0backup"]
    rules = {r.id: r for r in backup.rules}
    ops = [RuleOp(OpKind.REMOVE, "sg-0backup", i, None, rules[i])
           for i in (LEGACY_443, TEMP_22, JUMP_443)]
    after = compare(Engine(apply_ops(estate, ops)), policy, as_of=AS_OF)
    violation = next(f for f in before.findings if f.kind is Kind.VIOLATION)
    proof = prove(before, after, [violation])
    assert not proof.ok
    assert [b["path"] for b in proof.newly_blocked] == ["jump-to-backup"]
    assert "jump-to-backup" in proof.failure()


def test_the_changeset_is_valid_stable_and_tamper_evident(planned: Any, tmp_path: Path) -> None:
    estate, policy, plan = planned
    doc = build_changeset(plan, policy_file="policy.yml", policy_sha256="0" * 64)
    again = build_changeset(plan_changes(estate, policy, AS_OF), policy_file="policy.yml",
                            policy_sha256="0" * 64)
    assert again["sha256"] == doc["sha256"]
    path = tmp_path / "cs.json"
    save_changeset(doc, path)
    assert load_changeset(path)["sha256"] == doc["sha256"]
    edited = json.loads(path.read_text())
    edited["resources"][0]["operations"][0]["rule"]["services"] = "tcp/1-65535"
    path.write_text(json.dumps(edited))
    with pytest.raises(ChangeSetError, match="sha256 does not match"):
        load_changeset(path)
    path.write_text(json.dumps({"format": "pathwarden/changeset"}))
    with pytest.raises(ChangeSetError, match="required"):
        load_changeset(path)


def test_the_patch_turns_the_estate_into_the_planned_one_and_back(planned: Any) -> None:
    _, _, plan = planned
    doc = build_changeset(plan, policy_file="policy.yml", policy_sha256="0" * 64)
    before = estate_to_json(plan.before)
    after = estate_to_json(plan.after)
    (res,) = doc["resources"]
    patched = jsonpatch.apply_patch(copy.deepcopy(before), res["patch"])
    assert patched["filters"]["sg-0backup"]["rules"] == after["filters"]["sg-0backup"]["rules"]
    back = jsonpatch.apply_patch(patched, res["rollback"]["patch"])
    assert back["filters"]["sg-0backup"]["rules"] == before["filters"]["sg-0backup"]["rules"]
    assert res["precondition"]["fingerprint"] != res["postcondition"]["fingerprint"]
    actions = [op["action"] for op in res["operations"]]
    assert actions == ["add"] * 15 + ["modify", "remove"]  # narrow first, broad last
    assert [op["action"] for op in res["rollback"]["operations"]] == ["add", "modify"] + [
        "remove"] * 15
    assert f"ingress allow tcp/443 from 10.0.0.0/8 [{LEGACY_443}]" in res["view"]["before"]
    assert f"ingress allow tcp/443 from 10.0.0.0/12 [{LEGACY_443}]" in res["view"]["after"]


def test_markdown_change_request_has_what_a_cab_reads(planned: Any) -> None:
    _, _, plan = planned
    md = render_markdown(build_changeset(plan, policy_file="p.yml", policy_sha256="0" * 64))
    for heading in ("## Why", "## What closes", "## What stays open", "## Risk",
                    "### Alternatives considered", "## Operations (in apply order)",
                    "## Rollback", "## Approve and apply"):
        assert heading in md
    assert "jump-to-backup" in md and "ws-to-backup" in md
    assert "Approved paths newly blocked by this change: 0" in md


def test_plan_cli_exit_codes_and_formats(tmp_path: Path) -> None:
    args = ["--policy", str(EXAMPLE / "policy.yml"), "--snapshot", str(EXAMPLE / "snapshot"),
            "--as-of", "2026-11-25"]
    out = tmp_path / "cs.json"
    r = CliRunner().invoke(plan_cmd, [*args, "--out", str(out), "--format", "markdown"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("# Change request: close ws-to-backup")
    assert json.loads(out.read_text())["summary"]["operations"] == 17
    policy = tmp_path / "monitor.yml"
    policy.write_text((EXAMPLE / "policy.yml").read_text().replace("stage: enforce",
                                                                   "stage: monitor"))
    r = CliRunner().invoke(plan_cmd, ["--policy", str(policy), "--snapshot",
                                      str(EXAMPLE / "snapshot"), "--as-of", "2026-11-25"])
    assert r.exit_code == 0
    assert json.loads(r.output)["resources"] == []
    r = CliRunner().invoke(plan_cmd, ["--policy", str(policy)])
    assert r.exit_code == 1 and "give --snapshot" in str(r.exception)
