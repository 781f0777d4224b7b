"""Choose, problem by problem, the narrowest candidate that is proven, and prove the whole.

For each enforce-stage problem (in the check's order) the candidates of :mod:`.candidates` are
tried best first: a candidate is taken when :func:`.proof.prove` holds for it on the estate as
the earlier choices left it (closes the problem, blocks no approved path, opens nothing). The
edits of all choices are folded into one net edit per rule, applied to the original estate,
and proven once more as a whole: that final proof is the one the ChangeSet carries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pathwarden.check import compare
from pathwarden.check.findings import CheckResult, Finding
from pathwarden.engine.engine import Engine
from pathwarden.model import AddressSet, Estate, Filter, Peer
from pathwarden.planner.candidates import Candidate, Hops, candidates
from pathwarden.planner.edits import RuleOp, apply_ops, fold
from pathwarden.planner.problems import Problem, problems_and_keeps
from pathwarden.planner.proof import Proof, prove
from pathwarden.planner.volume import Resolver, Volume
from pathwarden.policy.model import Policy
from pathwarden.providers.registry import semantics_for

MAX_TRIED = 8

FlowImpact = Callable[[Estate, Estate], int | None]
"""Hook for observed-flow simulation: ``(before, after) -> flows broken`` (``None`` = unknown).
Flow-log parsers plug in here; until then ``collateral.flows_broken`` is ``null``."""


@dataclass
class Choice:
    problem: Problem
    chosen: Candidate | None = None
    tried: list[tuple[Candidate, str]] = field(default_factory=list)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        f = self.problem.finding
        return {
            "finding": {"path": f.path, "kind": f.kind.value, "from": f.src, "to": f.dst,
                        "open": f.open.to_contract(), "rules": list(f.rules)},
            "chosen": _cand(self.chosen, "chosen") if self.chosen else None,
            "alternatives": [_cand(c, verdict) for c, verdict in self.tried
                             if c is not self.chosen],
            "note": self.note,
        }


def _cand(c: Candidate, verdict: str) -> dict[str, Any]:
    return {"hop": c.hop, "strategy": c.strategy, "edits": c.edits,
            "collateral": {"address_port_volume": c.volume.collateral},
            "closed_volume": c.volume.closed, "quota": c.quota_problem or "ok",
            "verdict": verdict}


@dataclass
class Plan:
    before: Estate
    after: Estate
    result_before: CheckResult
    result_after: CheckResult
    ops: list[RuleOp]
    choices: list[Choice]
    skipped: list[tuple[Finding, str]]
    proof: Proof
    volume: Volume
    flows_broken: int | None = None


def resolver(estate: Estate) -> Resolver:
    sems = {}
    for cloud in sorted(estate.clouds()):
        factory = semantics_for(cloud)
        if factory is not None:
            sems[cloud] = factory(estate)

    def resolve(peer: Peer, owner: Filter) -> AddressSet:
        return sems[owner.cloud].resolve(peer, owner)

    return resolve


def check(estate: Estate, policy: Policy, as_of: date) -> CheckResult:
    return compare(Engine(estate), policy, as_of=as_of)


def _choose(current: Estate, result: CheckResult, problem: Problem, policy: Policy,
            as_of: date, keeps: list[Any],
            flow_impact: FlowImpact | None = None) -> tuple[Choice, Estate, CheckResult]:
    """The first proven candidate in rank order (collateral volume, then edits); with flow
    logs, the proven candidate that breaks the fewest observed flows, rank breaking ties."""
    choice = Choice(problem)
    found = candidates(Hops(current, resolver(current)), problem, keeps)
    if not found:
        choice.note = "no rule on any hop can be edited to close it"
    proven: list[tuple[int, int, Any, Estate, CheckResult]] = []
    verdicts: list[str] = []
    for i, cand in enumerate(found):
        if i >= MAX_TRIED:
            verdicts.append("not tried (ranked lower)")
            continue
        if proven and flow_impact is None:
            verdicts.append("ranked lower than the chosen candidate")
            continue
        if cand.quota_problem:
            verdicts.append(f"over quota: {cand.quota_problem}")
            continue
        after = apply_ops(current, list(cand.ops))
        after_result = check(after, policy, as_of)
        proof = prove(result, after_result, [problem.finding], cand.volume.opened)
        if not proof.ok:
            verdicts.append(f"rejected: {proof.failure()}")
            continue
        broken = flow_impact(current, after) if flow_impact else None
        proven.append((broken or 0, i, cand, after, after_result))
        verdicts.append("proven" if broken is None else f"proven; breaks {broken} observed flows")
    best = min(proven, key=lambda p: (p[0], p[1])) if proven else None
    for i, cand in enumerate(found):
        verdict = verdicts[i]
        if best is not None and i == best[1]:
            verdict = "chosen" if flow_impact is None else f"chosen ({verdict})"
        elif verdict.startswith("proven"):
            verdict = f"ranked lower than the chosen candidate ({verdict})"
        choice.tried.append((cand, verdict))
    if best is not None:
        choice.chosen = best[2]
        current, result = best[3], best[4]
    if found and choice.chosen is None:
        choice.note = "no candidate closes it without blocking an approved path or opening " \
                      "something; it needs a person"
    return choice, current, result


def plan_changes(estate: Estate, policy: Policy, as_of: date,
                 flow_impact: FlowImpact | None = None) -> Plan:
    """The narrowest proven edits for every enforce-stage finding (see the module docs)."""
    before = check(estate, policy, as_of)
    problems, keeps, skipped = problems_and_keeps(estate, before)
    current, result = estate, before
    choices: list[Choice] = []
    ops: list[RuleOp] = []
    for problem in problems:
        now = {p.key: p for p in problems_and_keeps(current, result)[0]}
        live = now.get(problem.key)
        if live is None:
            choices.append(Choice(problem, note="closed by the edits chosen for an earlier "
                                                "finding"))
            continue
        choice, current, result = _choose(current, result, live, policy, as_of, keeps,
                                          flow_impact)
        if choice.chosen is not None:
            ops += [op.with_closes([problem.finding.path]) for op in choice.chosen.ops]
        choices.append(choice)
    net = fold(ops)
    after = apply_ops(estate, net)
    after_result = check(after, policy, as_of)
    volume = Volume()
    for c in choices:
        if c.chosen is not None:
            volume = volume + c.chosen.volume
    targets = [c.problem.finding for c in choices if c.chosen is not None]
    proof = prove(before, after_result, targets, volume.opened)
    flows = flow_impact(estate, after) if flow_impact else None
    return Plan(estate, after, before, after_result, net, choices, skipped, proof, volume, flows)
