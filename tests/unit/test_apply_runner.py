"""apply_changeset with an in-memory writer: gates, preconditions, order, rollback, audit."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pathwarden.apply.approval import make_approval
from pathwarden.apply.audit import MemoryAudit
from pathwarden.apply.aws import ApplyError
from pathwarden.apply.basis import Basis, BasisVerifier, planned_basis
from pathwarden.apply.ordering import to_rule_op
from pathwarden.apply.runner import apply_changeset
from pathwarden.model import Filter, Rule
from pathwarden.planner import build_changeset, document_sha256, plan_changes
from pathwarden.planner.edits import OpKind, RuleOp, apply_to_filter, fingerprint
from pathwarden.planner.proof import Proof
from pathwarden.planner.verify import Verification
from pathwarden.policy import load_policy
from pathwarden.providers.load import load_estate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "backup-console"
TODAY = date(2026, 11, 25)


@dataclass
class FakeWriter:
    filters: dict[str, Filter]
    check: bool = False
    fail_on_write: int = 0  # 1-based write number that raises
    writes: list[str] = field(default_factory=list)
    counter: int = 0

    def read(self, resource: dict[str, Any]) -> Filter:
        return self.filters[resource["id"]]

    def _write(self, what: str, fid: str, op: RuleOp) -> None:
        self.writes.append(what)
        if self.check:
            return
        if self.fail_on_write and len(self.writes) == self.fail_on_write:
            raise ApplyError(f"injected failure on write {len(self.writes)}")
        self.filters[fid] = apply_to_filter(self.filters[fid], [op])

    def add(self, resource: dict[str, Any], rule: Rule) -> str:
        self.counter += 1
        new_id = f"sgr-live{self.counter}"
        self._write("add", resource["id"], RuleOp(OpKind.ADD, resource["id"], new_id, rule))
        return new_id

    def modify(self, resource: dict[str, Any], live_id: str, rule: Rule) -> None:
        self._write("modify", resource["id"],
                    RuleOp(OpKind.MODIFY, resource["id"], live_id, rule))

    def remove(self, resource: dict[str, Any], live_id: str, rule: Rule) -> None:
        self._write("remove", resource["id"], RuleOp(OpKind.REMOVE, resource["id"], live_id))


@pytest.fixture(scope="module", name="world")
def world_fixture() -> tuple[dict[str, Any], dict[str, Filter]]:
    estate = load_estate([EXAMPLE / "snapshot"])
    plan = plan_changes(estate, load_policy(EXAMPLE / "policy.yml"), TODAY)
    doc = build_changeset(plan, policy_file="policy.yml", policy_sha256="0" * 64)
    return doc, dict(estate.filters)


@pytest.fixture(scope="module", name="basis")
def basis_fixture() -> Basis:
    return planned_basis(load_estate([EXAMPLE / "snapshot"]), str(EXAMPLE / "policy.yml"),
                         TODAY, ["snapshot"])


class AcceptAll:
    """A verifier that accepts every ChangeSet: for the one test about write order on a
    hand-crowded group (recomputing the proof is covered in test_apply_verify.py)."""

    def snapshot(self) -> Verification:
        return Verification("snapshot", proof=Proof())

    def live(self, live: Mapping[str, Filter]) -> Verification:
        return Verification("live", proof=Proof())


def _approval(doc: dict[str, Any], expires: date | None = None) -> Any:
    return make_approval(doc["content_sha256"], "CHG0012345", "jane.doe", expires,
                         today=date(2026, 1, 1))


def test_applies_in_order_verifies_and_is_idempotent(world: Any, basis: Basis) -> None:
    doc, filters = world
    writer, audit = FakeWriter(dict(filters)), MemoryAudit()
    out = apply_changeset(doc, writer, audit, verifier=BasisVerifier(doc, basis),
                          approval=_approval(doc), today=TODAY)
    assert out.status == "applied" and out.exit_code == 0 and out.changed
    assert writer.writes == ["add"] * 15 + ["modify", "remove"]
    res = doc["resources"][0]
    assert fingerprint(writer.filters["sg-0backup"]) == res["postcondition"]["fingerprint"]
    assert audit.actions()[:5] == ["apply.start", "apply.proof", "apply.preconditions",
                                   "apply.proof", "apply.write"]
    assert [d["against"] for a, _, d in audit.rows if a == "apply.proof"] == ["snapshot", "live"]
    assert audit.actions()[-2:] == ["apply.verify", "apply.done"]
    assert audit.actions().count("apply.write") == 17
    again = apply_changeset(doc, writer, MemoryAudit(), verifier=BasisVerifier(doc, basis),
                          approval=_approval(doc), today=TODAY)
    assert again.status == "nothing to do" and not again.changed and again.exit_code == 0


def test_check_mode_writes_nothing_and_needs_no_approval(world: Any, basis: Basis) -> None:
    doc, filters = world
    writer = FakeWriter(dict(filters), check=True)
    out = apply_changeset(doc, writer, MemoryAudit(), verifier=BasisVerifier(doc, basis),
                          today=TODAY)
    assert out.status == "checked" and out.changed and len(out.steps) == 17
    assert writer.filters == filters


@pytest.mark.parametrize("case", ["none", "other", "expired"])
def test_a_real_run_without_a_matching_approval_is_refused(world: Any, basis: Basis,
                                                           case: str) -> None:
    doc, filters = world
    approval = {"none": None, "other": make_approval("f" * 64, "CHG1", "x", None),
                "expired": _approval(doc, date(2026, 11, 24))}[case]
    writer, audit = FakeWriter(dict(filters)), MemoryAudit()
    out = apply_changeset(doc, writer, audit, verifier=BasisVerifier(doc, basis),
                          approval=approval, today=TODAY)
    assert out.exit_code == 2 and out.status == "refused"
    assert "only --check runs" in out.message
    assert writer.writes == [] and "apply.refused" in audit.actions()


def test_partial_estates_failed_proofs_and_limits_are_refused(world: Any,
                                                             basis: Basis) -> None:
    doc, filters = world
    for change, words in ((lambda d: d["estate"].update(partial=True), "partial estate"),
                          (lambda d: d["proof"].update(ok=False), "proof"),
                          (None, "--max-changes 5")):
        d = copy.deepcopy(doc)
        if change:
            change(d)
        d["sha256"] = document_sha256(d)
        writer = FakeWriter(dict(filters))
        out = apply_changeset(d, writer, MemoryAudit(), verifier=BasisVerifier(d, basis),
                              approval=_approval(d), max_changes=5 if change is None else None,
                              today=TODAY)
        assert out.exit_code == 2 and words in out.message
        assert writer.writes == []


def test_drift_aborts_before_any_write(world: Any, basis: Basis) -> None:
    doc, filters = world
    drifted = dict(filters)
    backup = drifted["sg-0backup"]
    drifted["sg-0backup"] = replace(backup, rules=backup.rules[1:])
    writer = FakeWriter(drifted)
    out = apply_changeset(doc, writer, MemoryAudit(), verifier=BasisVerifier(doc, basis),
                          approval=_approval(doc), today=TODAY)
    assert out.exit_code == 2 and "precondition no longer holds for sg-0backup" in out.message
    assert out.resources == {"sg-0backup": "drifted"}
    assert writer.writes == []


def test_a_failure_mid_apply_rolls_back_and_verifies(world: Any, basis: Basis) -> None:
    doc, filters = world
    writer, audit = FakeWriter(dict(filters), fail_on_write=16), MemoryAudit()
    out = apply_changeset(doc, writer, audit, verifier=BasisVerifier(doc, basis),
                          approval=_approval(doc), today=TODAY)
    assert out.status == "rolled back" and out.exit_code == 1
    assert "injected failure on write 16" in out.message
    assert fingerprint(writer.filters["sg-0backup"]) == fingerprint(filters["sg-0backup"])
    assert writer.writes[16:] == ["remove"] * 15  # the 15 adds undone
    verify = [d for a, _, d in audit.rows if a == "apply.rollback.verify"]
    assert verify == [{"ok": True, "problems": []}]


def test_a_quota_that_forbids_adding_first_needs_allow_brief_gap(world: Any) -> None:
    doc, filters = world
    backup = filters["sg-0backup"]
    # 5 ingress rules + 41 fillers + 15 adds = 61 > 60 while both old and new rules exist
    filler = tuple(replace(backup.rules[0], id=f"sgr-fill{i}", src=(replace(
        backup.rules[0].src[0], value=f"192.168.{i}.0/24"),)) for i in range(41))
    crowded = dict(filters)
    crowded["sg-0backup"] = replace(backup, rules=backup.rules + filler)
    d = copy.deepcopy(doc)
    res = d["resources"][0]
    res["precondition"]["fingerprint"] = fingerprint(crowded["sg-0backup"])
    ops = [to_rule_op(res, op) for op in res["operations"]]
    res["postcondition"]["fingerprint"] = fingerprint(apply_to_filter(crowded["sg-0backup"], ops))
    d["sha256"] = document_sha256(d)
    out = apply_changeset(d, FakeWriter(dict(crowded)), MemoryAudit(), verifier=AcceptAll(),
                          approval=_approval(d), today=TODAY)
    assert out.exit_code == 2 and "--allow-brief-gap" in out.message
    assert "quota is 60" in out.message
    writer = FakeWriter(dict(crowded))
    out = apply_changeset(d, writer, MemoryAudit(), verifier=AcceptAll(), approval=_approval(d),
                          allow_brief_gap=True, today=TODAY)
    assert out.status == "applied", out.message
    assert writer.writes[0] == "remove" and writer.writes[-1] == "add"
