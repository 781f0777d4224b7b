"""``compare(engine, policy, as_of=...)``: the truth about each policy path, as findings.

For every path the engine answers what is open from the ``from`` segment to the ``to`` segment
(:func:`pathwarden.policy.segments.resolve_segment`). Then:

- **deny path** -> ``violation`` for the open ports it names. Deny wins over allow, except for
  flows an allow path overrides by naming the deny in ``exceptions`` with a valid (approved,
  unexpired) exception: those flows are the exception path's sources x destinations x ports,
  and are taken out of the violation.
- **allow path** -> ``blocked`` when any of its ports is closed; ``overbroad`` when more is
  open than the allow paths between the same two segments approve together (reported once,
  on the first of them).
- any path whose ``expires`` is before ``as_of`` -> ``expired`` (for an allow path with
  exceptions the exceptions lapse with it, so the deny counts again).
- every ``protect`` segment S -> ``unapproved`` for what is open into S from "everything
  else": each workload of the estate that is not in S and not in the source of an allow path
  to S (outside address ranges are not sources here). Ports a deny path to S already names
  for that source are left to the deny path's ``violation``, so nothing is reported twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from pathwarden.check.findings import MAX_PAIRS, CheckResult, Finding, Kind
from pathwarden.check.parallel import run_parallel
from pathwarden.check.reaching import EngineLike, Opened, ReachLike, reach, split
from pathwarden.engine.endpoints import Endpoint, Member
from pathwarden.model import NO_SERVICES, ServiceSet
from pathwarden.policy.model import PathRule, Policy, Protected
from pathwarden.policy.segments import segment_resolver


class _Checker:
    def __init__(self, engine: EngineLike, policy: Policy, as_of: date,
                 max_pairs: int | None = MAX_PAIRS) -> None:
        self.engine = engine
        self.max_pairs = max_pairs
        self.policy = policy
        self.as_of = as_of
        resolve = segment_resolver(engine.estate, policy)
        self.segments: dict[str, Endpoint] = {s.name: resolve(s.name) for s in policy.segments}
        self.cache: dict[tuple[str, str], ReachLike | None] = {}
        self.order = {p.id: i for i, p in enumerate(policy.paths)}
        self.everyone = tuple(Member(w, w.addresses) for w in engine.estate)

    def reach_names(self, src: str, dst: str) -> ReachLike | None:
        if (src, dst) not in self.cache:
            self.cache[(src, dst)] = reach(self.engine, self.segments[src], self.segments[dst])
        return self.cache[(src, dst)]

    def finding(
        self,
        p: PathRule,
        kind: Kind,
        opened: Opened,
        message: str,
        *,
        closed: ServiceSet | None = None,
        expires: date | None = None,
        exceptions: tuple[str, ...] = (),
    ) -> Finding:
        return Finding(
            path=p.id,
            kind=kind,
            src=p.src,
            dst=p.dst,
            open=opened.services,
            rules=tuple(opened.rules),
            stage=p.stage,
            message=message,
            why=p.why,
            owner=p.owner,
            ports=p.services,
            pairs=tuple(opened.pairs),
            pair_count=opened.pair_count,
            line=p.line,
            column=p.column,
            order=self.order[p.id],
            closed=closed,
            expires=expires,
            exceptions=exceptions,
        )

    def valid_exceptions(self, deny: PathRule) -> list[PathRule]:
        return [
            a
            for a in self.policy.paths
            if deny.id in a.exceptions and a.approved and a.expires and not a.expired(self.as_of)
        ]

    # -- per path ------------------------------------------------------------------------------
    def deny(self, p: PathRule) -> list[Finding]:
        exceptions = self.valid_exceptions(p)
        opened = Opened(limit=self.max_pairs)
        if not exceptions:
            result = self.reach_names(p.src, p.dst)
            opened.add(result.open & p.services if result else NO_SERVICES, result)
        else:
            srcs = split(self.segments[p.src], [self.segments[a.src] for a in exceptions])
            dsts = split(self.segments[p.dst], [self.segments[a.dst] for a in exceptions])
            for ks, src in srcs:
                for kd, dst in dsts:
                    excepted = ServiceSet.union_all(exceptions[i].services for i in ks & kd)
                    result = reach(self.engine, src, dst)
                    if result is not None:
                        opened.add((result.open & p.services) - excepted, result)
        if not opened.services:
            return []
        note = f" (exceptions applied: {', '.join(a.id for a in exceptions)})" if exceptions else ""
        message = f"denied path is open: {opened.services.describe()}{note}"
        names = tuple(a.id for a in exceptions)
        return [self.finding(p, Kind.VIOLATION, opened, message, exceptions=names)]

    def allow(self, p: PathRule) -> list[Finding]:
        result = self.reach_names(p.src, p.dst)
        now_open = result.open if result else NO_SERVICES
        out: list[Finding] = []
        closed = p.services - now_open
        if closed:
            opened = Opened(limit=self.max_pairs)
            opened.add(now_open & p.services, result)
            message = f"approved ports are closed: {closed.describe()}"
            out.append(self.finding(p, Kind.BLOCKED, opened, message, closed=closed))
        peers = [a for a in self.policy.paths if not a.is_deny and (a.src, a.dst) == (p.src, p.dst)]
        if peers[0] is p:
            excess = now_open - ServiceSet.union_all(a.services for a in peers)
            if excess:
                opened = Opened(limit=self.max_pairs)
                opened.add(excess, result)
                message = f"open wider than approved: {excess.describe()} beyond "
                message += ServiceSet.union_all(a.services for a in peers).describe()
                out.append(self.finding(p, Kind.OVERBROAD, opened, message))
        return out

    def expired(self, p: PathRule) -> list[Finding]:
        if not p.expired(self.as_of):
            return []
        result = self.reach_names(p.src, p.dst)
        opened = Opened(limit=self.max_pairs)
        opened.add(result.open & p.services if result else NO_SERVICES, result)
        what = "approval"
        if p.approved:
            what = f"approval {p.approved.change} by {p.approved.by}"
        if p.exceptions:
            what += f" and its exception to {', '.join(p.exceptions)}"
        message = f"{what} expired on {p.expires} (as of {self.as_of})"
        return [self.finding(p, Kind.EXPIRED, opened, message, expires=p.expires)]

    def unapproved(self, prot: Protected) -> list[Finding]:
        target = self.segments[prot.segment]
        if target.is_empty():
            return []
        allows = [p for p in self.policy.paths if not p.is_deny and p.dst == prot.segment]
        denies = [p for p in self.policy.paths if p.is_deny and p.dst == prot.segment]
        covered = {m.workload.id for m in target.members}
        for a in allows:
            covered |= {m.workload.id for m in self.segments[a.src].members}
        rest = Endpoint("*", tuple(m for m in self.everyone if m.workload.id not in covered))
        opened = Opened(limit=self.max_pairs)
        for key, part in split(rest, [self.segments[d.src] for d in denies]):
            declared = ServiceSet.union_all(denies[i].services for i in key)
            result = reach(self.engine, part, target)
            if result is not None:
                opened.add(result.open - declared, result)
        if not opened.services:
            return []
        segment = self.policy.segment(prot.segment)
        message = (
            f"open into protected segment {prot.segment} without an allow path: "
            f"{opened.services.describe()}"
        )
        return [
            Finding(
                path=prot.id,
                kind=Kind.UNAPPROVED,
                src="*",
                dst=prot.segment,
                open=opened.services,
                rules=tuple(opened.rules),
                stage=prot.stage,
                message=message,
                why=f"Only declared allow paths may be open into {prot.segment}.",
                owner=segment.owner if segment else "",
                pairs=tuple(opened.pairs),
                pair_count=opened.pair_count,
                line=prot.line,
                column=prot.column,
                order=len(self.policy.paths) + self.policy.protect.index(prot),
            )
        ]


def _warnings(segments: dict[str, Endpoint]) -> Iterable[str]:
    for name, ep in segments.items():
        if ep.is_empty():
            yield f"segment {name!r} matches nothing in this estate"


def compare(engine: EngineLike, policy: Policy, *, as_of: date, jobs: int = 1,
            max_pairs: int | None = MAX_PAIRS) -> CheckResult:
    """Check ``policy`` against what ``engine`` says is open; see the module docstring.

    With ``jobs`` > 1 the paths and protected segments are checked in that many worker
    processes (forked, so they share the loaded estate); the result is the same, byte for byte.
    """
    checker = _Checker(engine, policy, as_of, max_pairs)
    tasks = [("path", i) for i in range(len(policy.paths))]
    tasks += [("protect", i) for i in range(len(policy.protect))]
    if jobs > 1 and len(tasks) > 1:
        parts = run_parallel(checker, tasks, jobs)
    else:
        parts = [run_task(checker, t) for t in tasks]
    findings = [f for part in parts for f in part]
    findings.sort(key=Finding.sort_key)
    return CheckResult(
        findings=tuple(findings),
        partial=engine.estate.partial,
        as_of=as_of,
        policy=policy,
        warnings=tuple(_warnings(checker.segments)),
    )


def run_task(checker: _Checker, task: tuple[str, int]) -> list[Finding]:
    """The findings of one path (its own kind, then expiry) or one protected segment."""
    kind, i = task
    if kind == "protect":
        return checker.unapproved(checker.policy.protect[i])
    p = checker.policy.paths[i]
    return (checker.deny(p) if p.is_deny else checker.allow(p)) + checker.expired(p)
