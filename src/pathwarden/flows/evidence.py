"""Rule evidence: per rule, how often observed traffic used it, when last, and which part of
its address x port space no observed flow used; and the findings that follow.

- ``unused``: an allow rule no accepted flow used in the window (only judged when the flow
  logs cover at least one workload the rule governs; otherwise it is ``no-coverage``).
- ``overbroad-observed``: the rule was used, but the used (address, service) points are a
  small fraction (``ratio``) of what it allows. It carries a **proposed** narrowed rule built
  from the observed space: the same filter and direction, the observed services, and as peer
  the smallest security group whose members hold every observed address (the symbol is kept),
  else the observed addresses as CIDRs. A proposal is never applied and never approved here:
  it enters the normal plan/approve flow. With a policy, flows it forbids are left out of the
  proposal (closing them is the point).

The "address" side of a rule is its source for ingress rules and its destination for egress
rules. A stateless return path (AWS network ACLs) is traffic of its own: the reply of an
allowed flow passes the reverse NACL entries on the client's ephemeral port, which the logs do
not show, so an entry that admits replies is credited with the whole ephemeral range (or the
echo reply) towards the peer that answered, and a narrowed entry keeps it.

Every proposal is **proven** before it is shown: the narrowed rules and the removal of the
unused rules, together, are applied to the estate and every observed flow they carried is
replayed through the engine (:mod:`pathwarden.flows.proof`); an edit that would stop one, or
a narrowed NACL entry that would no longer admit the replies it admits today, is not proposed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pathwarden.engine.semantics import Semantics
from pathwarden.flows.attribution import Attributor
from pathwarden.flows.observed import Pair, flow_services, rejected_keys, return_services
from pathwarden.flows.proof import Edit, Observed, Prover, Verdict
from pathwarden.flows.segments import FORBIDDEN, PathJudge, SegmentIndex
from pathwarden.model import (
    Action,
    AddressSet,
    Direction,
    Estate,
    Filter,
    Peer,
    PeerKind,
    Rule,
    ServiceSet,
)
from pathwarden.model.addresses import parse_address
from pathwarden.model.serialize import rule_json, services_text
from pathwarden.providers.registry import semantics_for

MAX_LISTED = 20
DEFAULT_EPHEMERAL = (1024, 65535)
UNUSED, OVERBROAD, NO_COVERAGE = "unused", "overbroad-observed", "no-coverage"


@dataclass
class RuleEvidence:
    rule: Rule
    filter: Filter
    hits: int = 0
    return_hits: int = 0
    first_hit: datetime | None = None
    last_hit: datetime | None = None
    points: set[tuple[str, int, int]] = field(default_factory=set)  # (remote, proto, port)
    forbidden_points: set[tuple[str, int, int]] = field(default_factory=set)
    return_points: set[tuple[str, int]] = field(default_factory=set)  # replies: (remote, proto)
    forbidden_return: set[tuple[str, int]] = field(default_factory=set)

    def add(self, pair: Pair, remote: str, forward: bool, forbidden: bool) -> None:
        self.hits += pair.records
        if not forward:
            self.return_hits += pair.records
            (self.forbidden_return if forbidden else self.return_points).add(
                (remote, pair.proto))
        else:
            point = (remote, pair.proto, pair.port)
            (self.forbidden_points if forbidden else self.points).add(point)
        if self.first_hit is None or pair.first_seen < self.first_hit:
            self.first_hit = pair.first_seen
        if self.last_hit is None or pair.last_seen > self.last_hit:
            self.last_hit = pair.last_seen


@dataclass(frozen=True)
class Space:
    allowed_addresses: AddressSet
    used_addresses: AddressSet
    allowed_services: ServiceSet
    used_services: ServiceSet
    used_points: int

    @property
    def allowed_volume(self) -> int:
        return self.allowed_addresses.size() * self.allowed_services.size()

    @property
    def used_fraction(self) -> float:
        total = self.allowed_volume
        return self.used_points / total if total else 0.0

    def to_json(self) -> dict[str, Any]:
        unused_addr = (self.allowed_addresses - self.used_addresses).describe()
        return {
            "allowed": {"addresses": self.allowed_addresses.describe()[:MAX_LISTED],
                        "services": services_text(self.allowed_services),
                        "volume": self.allowed_volume},
            "used": {"addresses": self.used_addresses.describe()[:MAX_LISTED],
                     "services": services_text(self.used_services),
                     "points": self.used_points},
            "unused": {"addresses": unused_addr[:MAX_LISTED],
                       "addresses_total": len(unused_addr),
                       "services": services_text(self.allowed_services - self.used_services)},
            "used_fraction": self.used_fraction,
        }


@dataclass(frozen=True)
class Finding:
    kind: str
    rule: Rule
    filter: Filter
    message: str
    evidence: RuleEvidence
    space: Space | None = None
    proposed: Rule | None = None
    proof: Verdict | None = None  # the engine's verdict on the proposed edit
    remove: bool = False  # an unused rule whose removal is proven not to stop observed flows

    def to_json(self) -> dict[str, Any]:
        ev = self.evidence
        doc: dict[str, Any] = {
            "kind": self.kind, "rule": self.rule.id, "filter": self.filter.id,
            "summary": f"{self.rule.direction.value} {self.rule.summary()}",
            "message": self.message, "hits": ev.hits, "return_hits": ev.return_hits,
            "last_hit": ev.last_hit.isoformat() if ev.last_hit else None,
        }
        if self.space is not None:
            doc["space"] = self.space.to_json()
        note = "never applied: plan and approve it like any change"
        if self.proposed is not None:
            doc["proposed"] = {"replaces": self.rule.id, "status": "proposed",
                               "rule": rule_json(self.proposed), "note": note}
        elif self.remove:
            doc["proposed"] = {"removes": self.rule.id, "status": "proposed", "note": note}
        if self.proof is not None:
            doc["proof"] = self.proof.to_json()
        return doc


class EvidenceBuilder:
    def __init__(self, estate: Estate, attributor: Attributor | None = None,
                 judge: PathJudge | None = None, segments: SegmentIndex | None = None) -> None:
        self.estate = estate
        self.attributor = attributor or Attributor(estate)
        self.judge = judge
        self.segments = segments
        self._sem: dict[str, Semantics] = {}
        for cloud in sorted(estate.clouds()):
            factory = semantics_for(cloud)
            if factory is not None:
                self._sem[cloud] = factory(estate)
        self.evidence: dict[str, RuleEvidence] = {}
        self.unattributed = 0
        self.rejected_elsewhere = 0
        self.unattributed_pairs: list[Pair] = []
        self.seen: set[str] = set()
        self.observed: list[Observed] = []  # accepted, attributed, not forbidden
        self._rules = {r.id: (r, f) for f in estate.filters.values() for r in f.rules}

    def add(self, pairs: Iterable[Pair]) -> None:
        items = list(pairs)
        rejected = rejected_keys(items)
        for p in items:
            self.seen.add(p.client)
            self.seen.add(p.server)
            if not p.accepted:
                continue
            hits = self.attributor.hits(p.client, p.server, p.proto, p.port)
            if not hits and (p.client, p.server, p.proto, p.port) in rejected:
                self.rejected_elsewhere += p.records
                continue
            if not hits:
                self.unattributed += p.records
                if len(self.unattributed_pairs) < MAX_LISTED:
                    self.unattributed_pairs.append(p)
                continue
            forbidden = self._forbidden(p)
            if not forbidden:
                self.observed.append(Observed(p, frozenset(h.rule_id for h in hits)))
            for h in hits:
                found = self._rules.get(h.rule_id)
                if found is None:
                    continue
                rule, filt = found
                ev = self.evidence.get(rule.id)
                if ev is None:
                    ev = self.evidence[rule.id] = RuleEvidence(rule, filt)
                remote = p.client if rule.direction is Direction.INGRESS else p.server
                if not h.forward:
                    remote = p.server if rule.direction is Direction.INGRESS else p.client
                ev.add(p, remote, h.forward, forbidden)

    def _forbidden(self, p: Pair) -> bool:
        if self.judge is None or self.segments is None:
            return False
        v = self.judge.judge(self.segments.segments(p.client), self.segments.segments(p.server),
                             p.proto, p.port)
        return v.status == FORBIDDEN

    # -- space and findings ------------------------------------------------------------------
    def peer_set(self, rule: Rule, f: Filter) -> AddressSet:
        peers = rule.src if rule.direction is Direction.INGRESS else rule.dst
        if not peers or any(p.kind is PeerKind.ANY for p in peers):
            return AddressSet.parse("0.0.0.0/0") | AddressSet.parse("::/0")
        sem = self._sem.get(f.cloud)
        if sem is None:
            return AddressSet()
        return AddressSet.union_all(sem.resolve(p, f) for p in peers)

    def ephemeral(self, f: Filter) -> tuple[int, int]:
        found = getattr(self._sem.get(f.cloud), "ephemeral", DEFAULT_EPHEMERAL)
        return found if isinstance(found, tuple) else DEFAULT_EPHEMERAL

    def space(self, ev: RuleEvidence, *, include_forbidden: bool = True) -> Space:
        points = ev.points | (ev.forbidden_points if include_forbidden else set())
        replies = ev.return_points | (ev.forbidden_return if include_forbidden else set())
        allowed = self.peer_set(ev.rule, ev.filter)
        used = (_ips(r for r, _, _ in points) | _ips(r for r, _ in replies)) & allowed
        eph = self.ephemeral(ev.filter)
        back = [return_services(pr, eph) & ev.rule.services for _, pr in replies]
        services = ServiceSet.union_all([*(flow_services(pr, po) for _, pr, po in points), *back])
        used_points = len(points) + sum(b.size() for b in back)
        return Space(allowed, used, ev.rule.services, services & ev.rule.services, used_points)

    def governed(self, f: Filter) -> set[str]:
        """Addresses of the workloads a filter applies to (an SG's members, a NACL's subnet)."""
        subnets = {s.id for s in self.estate.subnets.values() if f.id in s.filters}
        return {a for w in self.estate.workloads
                if f.id in w.filters or w.subnet in subnets for a in w.addresses}

    def covered(self, f: Filter) -> bool:
        """Do the flow logs see any workload ``f`` governs? GCP firewall rules apply per
        network (no workload lists them), so any GCP flow counts."""
        governed = self.governed(f)
        if not governed:
            return f.cloud != "gcp" or bool(self.seen)
        return bool(governed & self.seen)

    def findings(self, *, ratio: float = 0.01) -> list[Finding]:
        out: list[Finding] = []
        coverage: dict[str, bool] = {}
        for f in self.estate.filters.values():
            for rule in f.rules:
                if rule.action is not Action.ALLOW or rule.implied or rule.disabled:
                    continue
                ev = self.evidence.get(rule.id) or RuleEvidence(rule, f)
                if ev.hits == 0:
                    if f.id not in coverage:
                        coverage[f.id] = self.covered(f)
                    kind = UNUSED if coverage[f.id] else NO_COVERAGE
                    msg = ("no accepted flow used this rule in the window" if kind == UNUSED
                           else "no flow-log records cover the workloads this rule governs")
                    if kind == UNUSED and not self.governed(f) and f.cloud != "gcp":
                        msg = "its filter is attached to no workload or subnet"
                    out.append(Finding(kind, rule, f, msg, ev))
                    continue
                space = self.space(ev)
                if space.used_fraction >= ratio:
                    continue
                proposed = self.propose(ev)
                msg = (f"observed traffic used {space.used_points} of {space.allowed_volume} "
                       f"address x port points ({space.used_fraction:.2e})")
                if proposed is None:
                    msg += "; only flows the policy forbids used it: no narrowed rule keeps them"
                out.append(Finding(OVERBROAD, rule, f, msg, ev, space, proposed))
        return self._prove(out)

    def _prove(self, found: list[Finding]) -> list[Finding]:
        """Keep only the proposals the engine proves, together: narrowed rules, then the
        removal of unused rules."""
        edits = [Edit(x.rule, x.filter, x.proposed) for x in found if x.proposed is not None]
        edits += [Edit(x.rule, x.filter, None) for x in found if x.kind == UNUSED]
        verdicts = Prover(self.estate, self.observed, self._keeps_replies).accept(edits)
        out = []
        for x in found:
            verdict = verdicts.get(x.rule.id)
            if verdict is None:
                out.append(x)
            elif x.kind == UNUSED:
                msg = x.message if verdict.proven else (
                    f"{x.message}; keep it: together with the other proposals "
                    f"{verdict.summary()}")
                out.append(replace(x, message=msg, proof=verdict, remove=verdict.proven))
            elif verdict.proven:
                out.append(replace(x, proof=verdict))
            else:
                out.append(replace(x, proposed=None, proof=verdict,
                                   message=f"{x.message}; no narrowed rule proposed: "
                                           f"{verdict.summary()}"))
        return out

    def _keeps_replies(self, edit: Edit) -> str:
        """A narrowed rule must still admit every reply it admits today (the engine lets a
        return path through on one ephemeral port; a real client may pick any)."""
        ev = self.evidence.get(edit.rule.id)
        new = edit.replacement
        if ev is None or new is None or not ev.return_points:
            return ""
        eph = self.ephemeral(edit.filter)
        peers = self.peer_set(new, edit.filter)
        for remote, proto in sorted(ev.return_points):
            back = return_services(proto, eph) & edit.rule.services
            if not back.issubset(new.services) or (_ips([remote]) - peers):
                return (f"the narrowed rule would no longer admit the replies from {remote} "
                        f"({services_text(back)})")
        return ""

    def propose(self, ev: RuleEvidence) -> Rule | None:
        """The narrowed rule built from the observed (not forbidden) space."""
        space = self.space(ev, include_forbidden=False)
        if not space.used_points or not space.used_services:
            return None
        peers = self._sg_peer(ev, space.used_addresses, space.allowed_addresses)
        if peers is None:
            peers = tuple(Peer(PeerKind.CIDR, c) for c in space.used_addresses.describe())
        rule = ev.rule
        src, dst = (peers, rule.dst) if rule.direction is Direction.INGRESS else (rule.src, peers)
        return Rule(
            id=f"proposed:{rule.id}", filter_id=rule.filter_id, action=rule.action,
            direction=rule.direction, services=space.used_services, src=src, dst=dst,
            order=rule.order, description=f"narrowed from {rule.id} to observed traffic",
        )

    def _sg_peer(self, ev: RuleEvidence, used: AddressSet,
                 allowed: AddressSet) -> tuple[Peer, ...] | None:
        if ev.filter.layer != "aws_sg" or not used:
            return None
        best: tuple[int, str] | None = None
        for f in self.estate.filters.values():
            if f.layer != "aws_sg" or f.network != ev.filter.network:
                continue
            members = _ips(a for w in self.estate.workloads if f.id in w.filters
                           for a in w.addresses)
            if members and used.v4.issubset(members.v4) and used.v6.issubset(members.v6) \
                    and (members - allowed).size() == 0:
                size = members.size()
                if best is None or size < best[0]:
                    best = (size, f.id)
        if best is None:
            return None
        return (Peer(PeerKind.SECURITY_GROUP, best[1], account=ev.filter.account or None),)


def _ips(items: Iterable[str]) -> AddressSet:
    ips = []
    for a in items:
        try:
            ips.append(parse_address(a))
        except ValueError:
            continue
    return AddressSet.of_ips(ips)
