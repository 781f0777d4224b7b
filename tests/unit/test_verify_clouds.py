"""verify on Azure NSG and GCP VPC-rule ChangeSets: they load under the closed schema, an
honest plan holds, and the planned rule opened up (a deny made an allow, an allow from
anywhere) is refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pathwarden.model import Action, Peer, PeerKind
from pathwarden.planner import build_changeset, load_changeset, save_changeset
from pathwarden.planner.edits import RuleOp
from pathwarden.planner.operations import parse_operations
from pathwarden.planner.verify import verify_changeset
from pathwarden.policy import load_policy
from tests.unit import test_planner_azure as azure
from tests.unit import test_planner_gcp as gcp
from tests.unit.changesets import forge


def _azure(tmp_path: Path) -> tuple[Any, Path]:
    folder = azure.snapshot(tmp_path, "192.168.0.0/23")
    return azure.plan(folder, azure.OFFICE_POLICY, tmp_path), tmp_path / "policy.yml"


def _gcp(tmp_path: Path) -> tuple[Any, Path]:
    return gcp.plan(gcp.SNAPSHOT, tmp_path), tmp_path / "policy.yml"


def _open_up(ops: list[RuleOp]) -> list[RuleOp]:
    """The first planned rule opened: a deny becomes an allow, an allow comes from anywhere."""
    out = list(ops)
    i = next(i for i, op in enumerate(out) if op.rule is not None)
    rule = out[i].rule
    assert rule is not None
    if rule.action is Action.DENY:
        rule = replace(rule, action=Action.ALLOW)
    else:
        rule = replace(rule, src=(Peer(PeerKind.CIDR, "0.0.0.0/0"),))
    out[i] = replace(out[i], rule=rule)
    return out


@pytest.mark.parametrize(("make", "kind"), [(_azure, "az_nsg"), (_gcp, "gcp_vpc")])
def test_verify_holds_for_the_plan_and_refuses_it_opened_up(
        tmp_path: Path, make: Any, kind: str) -> None:
    plan, policy_file = make(tmp_path)
    doc = build_changeset(plan, policy_file=str(policy_file), policy_sha256="0" * 64)
    save_changeset(doc, tmp_path / "cs.json")
    doc = load_changeset(tmp_path / "cs.json")
    assert [r["type"] for r in doc["resources"]] == [kind]
    policy = load_policy(policy_file)
    v = verify_changeset(doc, parse_operations(doc, "cs"), plan.before, policy, azure.AS_OF)
    assert v.ok, v.failure()
    evil = forge(doc, plan.before, _open_up)
    v = verify_changeset(evil, parse_operations(evil, "evil"), plan.before, policy, azure.AS_OF)
    assert not v.ok and v.proof is not None
    assert v.proof.still_open and v.proof.still_open[0]["kind"] == "violation"
