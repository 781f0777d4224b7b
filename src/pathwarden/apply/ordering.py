"""The order apply writes in: approved paths never drop, quotas permitting.

Across all resources: every ``add`` first (the narrow rules exist before anything broad goes),
then every ``modify`` (a broad rule narrowed in place), then every ``remove``. Adding first means
a resource briefly holds its old and its new rules together; when that would exceed the
quota (60 rules per security group, direction and family; 20 entries per NACL, direction and
family, the default included), that resource's removals must come first, which may briefly
close something an approved path uses. Apply refuses unless ``--allow-brief-gap`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pathwarden.model import Filter
from pathwarden.model.serialize import rule_from_json
from pathwarden.planner.candidates import quota_problem
from pathwarden.planner.edits import OpKind, RuleOp, apply_to_filter

PHASE = {"add": 0, "modify": 1, "remove": 2}
GAP_PHASE = {"remove": 0, "modify": 1, "add": 2}


@dataclass(frozen=True, slots=True)
class Step:
    resource: dict[str, Any]
    op: dict[str, Any]

    @property
    def label(self) -> str:
        data = self.op["rule"] or self.op["before"]
        rule = rule_from_json(data["id"], data)
        return f"{self.resource['id']}: {self.op['action']} {rule.summary()}"


def to_rule_op(resource: dict[str, Any], op: dict[str, Any]) -> RuleOp:
    rule = rule_from_json(op["rule"]["id"], op["rule"]) if op["rule"] else None
    before = rule_from_json(op["before"]["id"], op["before"]) if op["before"] else None
    return RuleOp(OpKind(op["action"]), resource["id"], op["rule_id"], rule, before)


def transient_quota(resource: dict[str, Any], live: Filter) -> str:
    """The quota problem of holding the resource's adds together with its current rules."""
    adds = [to_rule_op(resource, op) for op in resource["operations"] if op["action"] == "add"]
    return quota_problem(apply_to_filter(live, adds)) if adds else ""


def order_steps(resources: list[dict[str, Any]], live: dict[str, Filter],
                allow_brief_gap: bool) -> tuple[list[Step], list[str]]:
    """The steps in write order, and the quota problems that force a brief gap.

    With a quota problem and no ``allow_brief_gap`` the caller refuses; with it, the
    resource's removals go first.
    """
    gaps: list[str] = []
    keyed: list[tuple[int, int, int, Step]] = []
    for i, res in enumerate(resources):
        problem = transient_quota(res, live[res["id"]])
        phases = PHASE
        if problem:
            gaps.append(problem)
            if allow_brief_gap:
                phases = GAP_PHASE
        for op in res["operations"]:
            keyed.append((phases[op["action"]], i, op["seq"], Step(res, op)))
    keyed.sort(key=lambda k: k[:3])
    return [k[3] for k in keyed], gaps
