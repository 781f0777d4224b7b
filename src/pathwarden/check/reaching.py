"""What check needs from the engine, and helpers to ask it about parts of an endpoint.

:class:`EngineLike` is the slice of :class:`pathwarden.engine.engine.Engine` that check uses
(``estate`` and ``reach``), so check can be tested with a small fake.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pathwarden.check.findings import MAX_PAIRS
from pathwarden.engine.endpoints import Endpoint, Member
from pathwarden.model import ALL_SERVICES, NO_SERVICES, Estate, ServiceSet
from pathwarden.model.services import ICMPS, NUMBERS, PROTO_MAX


class ReachLike(Protocol):
    @property
    def open(self) -> ServiceSet: ...

    def to_json(self) -> dict[str, Any]: ...

    def rule_ids(self, within: ServiceSet | None = None) -> list[str]: ...

    def pair_count(self, within: ServiceSet | None = None) -> int: ...

    def pairs(
        self, within: ServiceSet | None = None, limit: int | None = None
    ) -> Iterator[tuple[list[str], list[str], ServiceSet]]: ...

    def explanations(self, within: ServiceSet | None = None) -> list[dict[str, Any]]: ...


class EngineLike(Protocol):
    @property
    def estate(self) -> Estate: ...

    def reach(
        self, src: str | Endpoint, dst: str | Endpoint, *, explain: bool = True
    ) -> ReachLike: ...


def entry_services(entry: dict[str, Any]) -> ServiceSet:
    """The services one ``open``/explanation entry names (ICMP codes widened to their type)."""
    proto_name = str(entry.get("protocol", ""))
    if proto_name == "all":
        return ALL_SERVICES
    proto = NUMBERS.get(proto_name)
    if proto is None:
        if not proto_name.isdigit() or int(proto_name) > PROTO_MAX:
            return NO_SERVICES
        proto = int(proto_name)
    ports = entry.get("ports")
    if ports is None:
        return ServiceSet.protocol(proto)
    scale = 256 if proto in ICMPS else 1
    return ServiceSet.union_all(
        ServiceSet.ports(proto, lo * scale, hi * scale + scale - 1) for lo, hi in ports
    )


@dataclass
class Opened:
    """What is open across one or more reach questions, with the rules and member pairs.

    Rules, the member-pair count and a sample of the pairs (at most :data:`MAX_PAIRS`) come
    from the parts of each reach whose open ranges meet the services that matter for the
    finding, so a finding names the rules that open *its* ports rather than every rule of the
    reach. A member pair is a (source class, destination class) pair of one reach: the
    workloads that behave alike at each end.
    """

    services: ServiceSet = NO_SERVICES
    rules: list[str] = field(default_factory=list)
    pairs: list[dict[str, Any]] = field(default_factory=list)
    pair_count: int = 0
    limit: int | None = MAX_PAIRS  # how many pairs to list (``None``: every one)
    _rule_set: set[str] = field(default_factory=set, repr=False)

    def add(self, services: ServiceSet, result: ReachLike | None) -> None:
        if not services or result is None:
            return
        self.services = self.services | services
        self._rules(result.rule_ids(services))
        self.pair_count += result.pair_count(services)
        room = None if self.limit is None else self.limit - len(self.pairs)
        if room is None or room > 0:
            for src, dst, opened in result.pairs(services, limit=room):
                self.pairs.append({"from": src, "to": dst, "open": opened.to_contract()})

    def _rules(self, ids: Iterable[str]) -> None:
        for rule in ids:
            if rule not in self._rule_set:
                self._rule_set.add(rule)
                self.rules.append(rule)


def reach(engine: EngineLike, src: Endpoint, dst: Endpoint) -> ReachLike | None:
    """The engine's answer, or ``None`` when either side is empty (nothing can be open)."""
    if src.is_empty() or dst.is_empty():
        return None
    return engine.reach(src, dst, explain=True)


def split(endpoint: Endpoint, groups: Sequence[Endpoint]) -> list[tuple[frozenset[int], Endpoint]]:
    """Split ``endpoint`` by membership in each of ``groups``.

    Returns ``(indices of the groups that contain this part, part)`` for every non-empty part;
    a workload goes by its id, outside addresses by range.
    """
    found: dict[str, set[int]] = {}
    for i, g in enumerate(groups):
        for m in g.members:
            found.setdefault(m.workload.id, set()).add(i)
    keys = {wid: frozenset(idx) for wid, idx in found.items()}
    none: frozenset[int] = frozenset()
    members: dict[frozenset[int], list[Member]] = {}
    for m in endpoint.members:
        members.setdefault(keys.get(m.workload.id, none), []).append(m)
    outside = [(frozenset[int](), endpoint.outside)]
    for i, g in enumerate(groups):
        nxt = []
        for key, addrs in outside:
            inside, rest = addrs & g.outside, addrs - g.outside
            if inside:
                nxt.append((key | {i}, inside))
            if rest:
                nxt.append((key, rest))
        outside = nxt
    parts: dict[frozenset[int], Endpoint] = {
        k: Endpoint(endpoint.label, tuple(v)) for k, v in members.items()
    }
    for key, addrs in outside:
        if not addrs:
            continue
        base = parts.get(key, Endpoint(endpoint.label))
        parts[key] = Endpoint(base.label, base.members, base.outside | addrs)
    return sorted(parts.items(), key=lambda kv: sorted(kv[0]))
