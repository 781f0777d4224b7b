"""What a reach returns, and how it explains itself (the JSON contract of DESIGN.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pathwarden.engine.verdicts import Decision
from pathwarden.model import Action, AddressSet, Estate, Notice, ServiceSet
from pathwarden.model.services import protocol_name

LETS_THROUGH = (Action.ALLOW, Action.ALWAYS_ALLOW, Action.GOTO_NEXT)
MAX_MEMBERS = 25


@dataclass(frozen=True, slots=True)
class StageDecision:
    label: str
    decision: Decision


@dataclass(frozen=True, slots=True)
class PairResult:
    """One (source class and atom, destination class and atom) pair with something open."""

    src_class: int
    dst_class: int
    src_workloads: tuple[str, ...]
    dst_workloads: tuple[str, ...]
    src_outside: AddressSet
    dst_outside: AddressSet
    open: ServiceSet
    stages: tuple[StageDecision, ...]


@dataclass(frozen=True)
class ReachResult:
    src: str
    dst: str
    open: ServiceSet
    pairs: tuple[PairResult, ...]
    estate: Estate
    explained: bool = True
    notices: tuple[Notice, ...] = ()

    def explanations(self, within: ServiceSet | None = None) -> list[dict[str, Any]]:
        """One entry per open protocol range and class pair, each with its hops and rules.

        With ``within``, only what is open inside it is explained, and a rule is named only
        if it lets part of ``within`` through.
        """
        cache: dict[ServiceSet | None, list[dict[str, Any]]] = self.__dict__.setdefault(
            "_explained", {}
        )
        if within not in cache:
            cache[within] = self._explain(within)
        return cache[within]

    def _explain(self, within: ServiceSet | None) -> list[dict[str, Any]]:
        rule_docs: dict[int, dict[str, Any]] = {}
        grouped: dict[tuple[int, int], list[PairResult]] = defaultdict(list)
        for p in self.pairs:
            grouped[(p.src_class, p.dst_class)].append(p)
        out: list[dict[str, Any]] = []
        for group in grouped.values():
            opened = ServiceSet.union_all(p.open for p in group)
            if within is not None:
                opened = opened & within
            if not opened:
                continue
            # every distinct (memoised) stage decision once, against the union of what the
            # pairs that went through it have open: a rule lets part of an entry through
            # exactly when it lets part of some pair's open set (within the entry) through
            by_stage: dict[str, dict[int, tuple[Decision, ServiceSet]]] = {}
            for p in group:
                part = p.open if within is None else p.open & within
                if not part:
                    continue
                for sd in p.stages:
                    slot = by_stage.setdefault(sd.label, {})
                    seen = slot.get(id(sd.decision))
                    if seen is None:
                        slot[id(sd.decision)] = (sd.decision, part)
                    elif seen[1] != part:
                        slot[id(sd.decision)] = (sd.decision, seen[1] | part)
            src, dst = _members(group, src=True), _members(group, src=False)
            for entry in opened.to_contract():
                services = _entry_services(entry, opened)
                hops = [
                    {
                        "hop": label,
                        "rules": _rules_through(
                            ((d, u & services) for d, u in slot.values()), rule_docs
                        ),
                    }
                    for label, slot in by_stage.items()
                ]
                out.append({**entry, "from": src, "to": dst, "hops": hops})
        return out

    def rule_ids(self, within: ServiceSet | None = None) -> list[str]:
        """Every rule that lets part of what is open (within ``within``) through."""
        ids: dict[str, None] = {}
        for e in self.explanations(within):
            for hop in e["hops"]:
                for r in hop["rules"]:
                    ids[r["id"]] = None
        return list(ids)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"from": self.src, "to": self.dst, "open": self.open.to_contract()}
        if self.explained:
            doc["explanations"] = self.explanations()
        doc["partial"] = self.estate.partial
        if self.notices:
            doc["notices"] = [{"code": n.code, "message": n.message} for n in self.notices]
        return doc

    def _named(self, items: list[str]) -> list[str]:
        """Workload ids with their names, for people: ``eni-0abc (ws-001)``."""
        out = []
        for item in items:
            w = self.estate.workload(item)
            out.append(f"{item} ({w.name})" if w is not None and w.name else item)
        return out

    def to_text(self) -> str:
        lines = [f"{self.src} -> {self.dst}"]
        notes = [f"  note: {n.message}" for n in self.notices]
        if not self.open:
            lines.append("  nothing is open")
            return "\n".join(lines + notes)
        lines.append(f"  open: {self.open.describe()}")
        for e in self.explanations() if self.explained else []:
            svc = _entry_services(e, self.open).describe()
            lines.append("")
            lines.append(f"  {svc}")
            lines.append(f"    from {_short(self._named(e['from']))}")
            lines.append(f"    to   {_short(self._named(e['to']))}")
            for hop in e["hops"]:
                lines.append(f"    - {hop['hop']}")
                for r in hop["rules"]:
                    lines.append(f"        {r['id']}: {r['rule']}")
        if notes:
            lines.append("")
            lines.extend(notes)
        if self.estate.partial:
            lines.append("")
            lines.append("  WARNING: the snapshot is partial; other paths may exist")
        return "\n".join(lines)


def _rules_through(
    decisions: Iterable[tuple[Decision, ServiceSet]], docs: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Every rule of these decisions that lets part of its paired service set through."""
    out: dict[str, dict[str, Any]] = {}
    for decision, services in decisions:
        for c in decision.contributions:
            r = c.rule
            if r.action in LETS_THROUGH and r.id not in out and (c.services & services):
                doc = docs.get(id(r))
                if doc is None:
                    doc = docs[id(r)] = {
                        "id": r.id,
                        "filter": r.filter_id,
                        "action": r.action.value,
                        "rule": r.summary(),
                        "implied": r.implied,
                    }
                out[r.id] = doc
    return list(out.values())


def _entry_services(entry: dict[str, Any], within: ServiceSet) -> ServiceSet:
    """The services one contract entry stands for (restricted to ``within``)."""
    for proto, _ in within.by_protocol():
        if entry["protocol"] == "all" or protocol_name(proto) == entry["protocol"]:
            if entry["protocol"] == "all":
                return within
            base = ServiceSet.protocol(proto)
            return within & base
    return ServiceSet()


def _members(group: list[PairResult], *, src: bool) -> list[str]:
    names: dict[str, None] = {}
    for p in group:
        ids, outside = (p.src_workloads, p.src_outside) if src else (p.dst_workloads, p.dst_outside)
        for n in ids:
            names[n] = None
        for n in _prefixes(outside, MAX_MEMBERS + 1):
            names[n] = None
        if len(names) > MAX_MEMBERS:
            break
    items = list(names)
    if len(items) > MAX_MEMBERS:
        return [*items[:MAX_MEMBERS], "and more"]
    return items


def _prefixes(addresses: AddressSet, limit: int) -> list[str]:
    """At most ``limit`` CIDR prefixes of ``addresses`` (summarising every range is slow)."""
    out: list[str] = []
    for net in addresses.networks():
        out.append(str(net))
        if len(out) >= limit:
            break
    return out


def _short(items: list[str]) -> str:
    return ", ".join(items[:6]) + (f" (+{len(items) - 6})" if len(items) > 6 else "")
