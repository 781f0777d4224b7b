"""Observed addresses in policy terms: which segments an address is in, and what the policy
says about a flow between two segment sets (approved, forbidden, ...).

A flow is judged like ``check`` judges a path, one flow at a time:

- ``forbidden``: a deny path covers it and no valid exception (an allow path naming that deny
  path in ``exceptions``, approved, not expired) does;
- ``approved``: an allow path covers it and its approval has not lapsed on ``as_of``;
- ``expired``: an allow path covers it, but its approval lapsed;
- ``unapproved``: it goes into a protected segment and no allow path covers it;
- ``unlisted``: the policy says nothing about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pathwarden.flows.observed import flow_services
from pathwarden.model import AddressSet, Estate
from pathwarden.model.addresses import parse_address
from pathwarden.policy import Policy, resolve_segment

OUTSIDE = "outside"
APPROVED, FORBIDDEN, EXPIRED, UNAPPROVED, UNLISTED = (
    "approved", "forbidden", "expired", "unapproved", "unlisted")


@dataclass(frozen=True, slots=True)
class Verdict:
    status: str
    path: str = ""


class SegmentIndex:
    """``names(ip)``: the policy segments an address belongs to (cached); without a policy or
    a segment, a workload address is labelled by its security-group set, anything else
    ``outside``."""

    def __init__(self, estate: Estate, policy: Policy | None = None) -> None:
        self.policy = policy
        self._sets: list[tuple[str, AddressSet]] = []
        if policy is not None:
            for seg in policy.segments:
                ep = resolve_segment(estate, seg)
                self._sets.append((seg.name, ep.addresses()))
        self._owner: dict[str, str] = {}
        for w in estate.workloads:
            label = "+".join(sorted(w.filters)) or w.id
            for a in w.addresses:
                self._owner.setdefault(a, label)
        self._cache: dict[str, tuple[str, ...]] = {}

    def segments(self, ip: str) -> tuple[str, ...]:
        hit = self._cache.get(ip)
        if hit is None:
            try:
                addr = parse_address(ip)
                hit = tuple(name for name, s in self._sets if s.contains_ip(addr))
            except ValueError:
                hit = ()
            self._cache[ip] = hit
        return hit

    def label(self, ip: str) -> str:
        names = self.segments(ip)
        if names:
            return "+".join(names)
        return self._owner.get(ip, OUTSIDE)


class PathJudge:
    def __init__(self, policy: Policy, as_of: date) -> None:
        self.policy = policy
        self.as_of = as_of
        self.protected = {p.segment for p in policy.protect}

    def judge(self, src: Sequence[str], dst: Sequence[str], proto: int, port: int) -> Verdict:
        used = flow_services(proto, port)
        hits = [p for p in self.policy.paths
                if p.src in src and p.dst in dst and used.issubset(p.services)]
        allows = [p for p in hits if not p.is_deny]
        valid = [p for p in allows if p.approved is not None and not p.expired(self.as_of)] \
            if allows else []
        for deny in (p for p in hits if p.is_deny):
            if not any(deny.id in a.exceptions for a in valid):
                return Verdict(FORBIDDEN, deny.id)
        if allows:
            live = [p for p in allows if not p.expired(self.as_of)]
            return Verdict(APPROVED, live[0].id) if live else Verdict(EXPIRED, allows[0].id)
        into = [s for s in dst if s in self.protected]
        if into:
            return Verdict(UNAPPROVED, f"protect:{into[0]}")
        return Verdict(UNLISTED)
