"""Verify a ChangeSet: recompute, from its own operations, that it does what it says.

A ChangeSet file is data anyone with write access to it can change, and re-hash. So
``approve``, ``apply`` and ``pathwarden verify`` never trust its ``proof`` or ``view``; they
rebuild both from the operations against an estate and a policy the caller supplies, in this
order (the first step that fails is the reason to refuse):

1. ``estate``: the estate is complete (no failed discovery);
2. ``resources``: every resource exists in the estate as the same kind of filter, in the same
   cloud, account, region and network (the writes go where the proof looked);
3. ``preconditions``: each resource's rules are exactly its precondition (fingerprint);
4. ``operations``: every ``remove``/``modify`` names a rule the resource has, with that
   content, and every ``add`` a rule id it does not have;
5. ``derived``: the postcondition, patch, rollback, view and closes of every resource and the
   summary counts are what the operations give (:func:`.changeset.resource_json`, the
   function ``plan`` wrote them with);
6. ``targets``: every finding the ChangeSet says it closes is a finding of the estate and
   policy today; then the ``proof``: the engine and ``check`` re-run on the estate with the
   operations applied (:func:`.proof.prove`): every target closed, no approved path newly
   blocked, nothing opened; and no edited filter admits anything it did not
   (:func:`.volume.opened_volume`).

:func:`verify_live` is the same proof against the live pre-state ``apply`` just read: the
estate with each resource's live rules in place of the snapshot's, the operations matched to
the live rules by content, resources already at their postcondition left alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pathwarden.check.findings import CheckResult
from pathwarden.model import Estate, Filter
from pathwarden.planner.changeset import ORDER, resource_json, targets_of
from pathwarden.planner.choice import check, resolver
from pathwarden.planner.edits import (
    OpKind,
    RuleOp,
    apply_ops,
    apply_to_filter,
    canonical_rule,
    fingerprint,
    match_rule,
)
from pathwarden.planner.proof import Proof, prove
from pathwarden.planner.volume import Volume, opened_volume
from pathwarden.policy.model import Policy

PLACE = ("cloud", "type", "name", "account", "region", "network")
DERIVED = ("precondition", "postcondition", "operations", "patch", "rollback", "view", "closes")


@dataclass(frozen=True, slots=True)
class Step:
    check: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "ok": self.ok, "detail": self.detail}


@dataclass
class Verification:
    """What was checked against what, step by step, and the recomputed proof."""

    against: str  # "snapshot" or "live"
    steps: list[Step] = field(default_factory=list)
    proof: Proof | None = None

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps) and self.proof is not None and self.proof.ok

    def failure(self) -> str:
        """Why the ChangeSet is refused (the first failing step), or ``""``."""
        for s in self.steps:
            if not s.ok:
                return f"{s.check}: {s.detail}"
        if self.proof is not None and not self.proof.ok:
            return f"proof: {self.proof.failure()}"
        return "" if self.proof is not None else "proof: not computed"

    def add(self, name: str, problems: Sequence[str], good: str) -> bool:
        ok = not problems
        self.steps.append(Step(name, ok, good if ok else "; ".join(problems)))
        return ok

    def to_json(self) -> dict[str, Any]:
        return {"against": self.against, "ok": self.ok, "failure": self.failure(),
                "checks": [s.to_json() for s in self.steps],
                "proof": self.proof.to_json() if self.proof is not None else None}


def _place(res: dict[str, Any], f: Filter) -> list[str]:
    have = {"cloud": f.cloud, "type": f.layer, "name": f.name, "account": f.account,
            "region": f.region, "network": f.network}
    return [f"{res['id']}: {k} is {res[k]!r} in the ChangeSet but {have[k]!r} in the estate"
            for k in PLACE if res[k] != have[k]]


def _op_problems(f: Filter, ops: Sequence[RuleOp]) -> list[str]:
    rules = {r.id: r for r in f.rules}
    out = []
    for op in ops:
        have = rules.get(op.rule_id)
        if op.kind is OpKind.ADD:
            if have is not None:
                out.append(f"{f.id}: add {op.rule_id!r}: the resource already has that rule")
        elif have is None:
            out.append(f"{f.id}: {op.kind.value} {op.rule_id!r}: no such rule in the resource")
        elif op.before is None or canonical_rule(have) != canonical_rule(op.before):
            out.append(f"{f.id}: {op.kind.value} {op.rule_id!r}: 'before' is not the rule the "
                       "resource has")
    return out


def _derived(res: dict[str, Any], f: Filter, ops: Sequence[RuleOp]) -> list[str]:
    again = resource_json(f, apply_to_filter(f, ops), ops, Volume())
    return [f"{res['id']}: {key} does not follow from the operations"
            for key in DERIVED if again[key] != res[key]]


def _summary(doc: dict[str, Any]) -> list[str]:
    s = doc["summary"]
    closes = sorted({p for r in doc["resources"] for p in r["closes"]})
    want = {"resources": len(doc["resources"]),
            "operations": sum(len(r["operations"]) for r in doc["resources"]),
            "closes": closes}
    out = [f"summary.{k} is {s[k]!r}, the resources say {v!r}" for k, v in want.items()
           if s[k] != v]
    untargeted = sorted(set(closes) - {path for path, _ in targets_of(doc)})
    if untargeted:
        out.append(f"the operations close {', '.join(map(repr, untargeted))}, which no "
                   "finding with a chosen candidate names")
    return out


def _prove(v: Verification, doc: dict[str, Any], estate: Estate, ops: Sequence[RuleOp],
           policy: Policy, as_of: date) -> None:
    """Step 6. On the snapshot every target must be a finding before the change; on the live
    state a target may already be closed (resources already applied)."""
    before: CheckResult = check(estate, policy, as_of)
    found = {(f.path, f.kind.value): f for f in before.findings}
    wanted = [(p, k) for p, k in targets_of(doc)]
    if v.against == "snapshot" and not v.add(
            "targets", [f"{p} ({k}) is not a finding of this estate and policy"
                        for p, k in wanted if (p, k) not in found],
            f"{len(wanted)} target(s), each a finding of the estate"):
        return
    after = apply_ops(estate, ops)
    resolve = resolver(estate)
    opened = sum(opened_volume(estate.filters[fid], after.filters[fid], resolve)
                 for fid in sorted({op.filter_id for op in ops}))
    targets = [found[t] for t in wanted if t in found]
    v.proof = prove(before, check(after, policy, as_of), targets, opened)


def verify_changeset(doc: dict[str, Any], ops: Mapping[str, list[RuleOp]], estate: Estate,
                     policy: Policy, as_of: date) -> Verification:
    """Steps 1-6 of the module docs against ``estate`` (a snapshot); ``ops`` from
    :func:`.operations.parse_operations`."""
    v = Verification("snapshot")
    if not v.add("estate", ["the estate is partial (some discovery failed)"]
                 if estate.partial else [], "complete"):
        return v
    found = {r["id"]: estate.filters.get(r["id"]) for r in doc["resources"]}
    missing = [f"{rid!r}: not in the estate" for rid, f in found.items() if f is None]
    filters = {rid: f for rid, f in found.items() if f is not None}
    place = missing + [p for r in doc["resources"] if r["id"] in filters
                       for p in _place(r, filters[r["id"]])]
    if not v.add("resources", place, f"{len(filters)} resource(s) found where the ChangeSet "
                 "says"):
        return v
    pre = [f"{r['id']}: its rules are not the precondition (the estate changed, or this is "
           "not the estate it was planned from)" for r in doc["resources"]
           if fingerprint(filters[r["id"]]) != r["precondition"]["fingerprint"]]
    if not v.add("preconditions", pre, "every resource is at its precondition"):
        return v
    bad = [p for rid, f in filters.items() for p in _op_problems(f, ops[rid])]
    if not v.add("operations", bad, f"{sum(map(len, ops.values()))} operation(s) apply"):
        return v
    derived = [p for r in doc["resources"] for p in _derived(r, filters[r["id"]], ops[r["id"]])]
    v.add("derived", derived + _summary(doc),
          "postconditions, patches, rollbacks and views follow from the operations")
    flat = [op for rid in filters for op in sorted(ops[rid], key=lambda o: ORDER[o.kind])]
    _prove(v, doc, estate, flat, policy, as_of)
    return v


def live_ops(resource: dict[str, Any], ops: Sequence[RuleOp], live: Filter) -> list[RuleOp]:
    """``ops`` with the rules they remove or modify named by their live ids (matched by
    content); an ``add`` keeps its planned id."""
    out = []
    for op in ops:
        if op.kind is OpKind.ADD or op.before is None:
            out.append(op)
            continue
        live_id = match_rule(live, op.before)
        if live_id is None:
            raise LookupError(f"{resource['id']}: no live rule matches {op.before.summary()}")
        rule = replace(op.rule, id=live_id) if op.rule is not None else None
        out.append(replace(op, rule_id=live_id, rule=rule, before=replace(op.before, id=live_id)))
    return out


def verify_live(doc: dict[str, Any], ops: Mapping[str, list[RuleOp]], estate: Estate,
                policy: Policy, as_of: date, live: Mapping[str, Filter]) -> Verification:
    """The proof again, on the live pre-state: ``estate`` with the resources' ``live`` rules;
    a resource at its precondition gets its operations, one at its postcondition none."""
    v = Verification("live")
    state = replace(estate, filters={**estate.filters, **live})
    todo: list[RuleOp] = []
    problems = []
    for res in doc["resources"]:
        f = live.get(res["id"])
        got = fingerprint(f) if f is not None else None
        if f is None or got not in (res["precondition"]["fingerprint"],
                                    res["postcondition"]["fingerprint"]):
            problems.append(f"{res['id']}: live rules are at neither the precondition nor the "
                            "postcondition")
        elif got == res["precondition"]["fingerprint"]:
            try:
                todo += live_ops(res, sorted(ops[res["id"]], key=lambda o: ORDER[o.kind]), f)
            except LookupError as e:
                problems.append(str(e))
    if v.add("live state", problems, "every resource is at its precondition or already "
             "applied"):
        _prove(v, doc, state, todo, policy, as_of)
    return v
