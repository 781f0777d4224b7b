"""What the planner must close and what it must keep, from a check result.

- A **problem** is one enforce-stage finding the planner can fix by closing something:
  ``violation`` (a deny path is open), ``unapproved`` (open into a protected segment without
  an allow path) and ``overbroad`` (an allow path open wider than approved). Its region is
  the finding's sources x destinations x open services.
- ``blocked`` would need a rule to be *opened* and ``expired`` needs a person to decide
  (renew or close), so they are listed as not planned, with the reason.
- A **keep** is every allow path's approved services that are open today (expired ones
  included: closing them is a decision for their owner, not a side effect of another fix).
"""

from __future__ import annotations

from dataclasses import dataclass

from pathwarden.check.findings import CheckResult, Finding, Kind
from pathwarden.engine.endpoints import Endpoint, Member
from pathwarden.model import NOWHERE, Estate, ServiceSet
from pathwarden.planner.volume import Region
from pathwarden.policy.model import Policy, Stage
from pathwarden.policy.segments import segment_resolver

PLANNED = (Kind.VIOLATION, Kind.UNAPPROVED, Kind.OVERBROAD)
NOT_PLANNED_REASON = {
    Kind.BLOCKED: "an approved path is closed: opening it is a separate, reviewed change "
    "(the planner only closes)",
    Kind.EXPIRED: "an approval has lapsed: its owner renews it or removes the path",
}


@dataclass(frozen=True, slots=True)
class Problem:
    finding: Finding
    src: Endpoint
    dst: Endpoint
    services: ServiceSet

    @property
    def key(self) -> str:
        return f"{self.finding.path}/{self.finding.kind.value}"

    def region(self) -> Region:
        return Region(self.src.addresses(), self.dst.addresses(), self.services)


@dataclass(frozen=True, slots=True)
class Keep:
    path: str
    src: Endpoint
    dst: Endpoint
    services: ServiceSet


def _rest(estate: Estate, policy: Policy, segments: dict[str, Endpoint], target: str) -> Endpoint:
    """Compare's "everything else" source of an unapproved finding into ``target``."""
    covered = {m.workload.id for m in segments[target].members}
    for p in policy.paths:
        if not p.is_deny and p.dst == target:
            covered |= {m.workload.id for m in segments[p.src].members}
    return Endpoint(
        "*",
        tuple(Member(w, w.addresses) for w in estate.workloads if w.id not in covered),
        NOWHERE,
    )


def problems_and_keeps(
    estate: Estate, result: CheckResult
) -> tuple[list[Problem], list[Keep], list[tuple[Finding, str]]]:
    """Problems to close, paths to keep, and the enforce findings not planned (with why)."""
    policy = result.policy
    resolve = segment_resolver(estate, policy)
    segments = {s.name: resolve(s.name) for s in policy.segments}
    problems: list[Problem] = []
    skipped: list[tuple[Finding, str]] = []
    for f in result.findings:
        if f.stage is not Stage.ENFORCE:
            continue
        if f.kind not in PLANNED:
            skipped.append((f, NOT_PLANNED_REASON[f.kind]))
            continue
        if f.kind is Kind.UNAPPROVED:
            src = _rest(estate, policy, segments, f.dst)
        else:
            src = segments[f.src]
        problems.append(Problem(f, src, segments[f.dst], f.open))
    keeps = [
        Keep(p.id, segments[p.src], segments[p.dst], p.services)
        for p in policy.paths
        if not p.is_deny
    ]
    return problems, keeps, skipped
