"""Proof, by the engine, that proposed rule edits stop no observed flow.

An :class:`Edit` replaces a rule by a narrower one or removes it. Edits only ever shrink what
a rule matches, so a flow that none of the edited rules carried (as the engine attributed it
on the estate before: forward hops and the NACL return path) is decided exactly as before.
Only the observed flows whose attribution names an edited rule are replayed, on the estate
with every edit of the set applied (:meth:`pathwarden.engine.engine.Engine.reach`); the set
is proven when the engine still lets each of them through.

:meth:`Prover.accept` proves a set of edits together (one edit can make traffic fall through
to a rule another edit removes): first all at once, and when that fails one edit at a time,
keeping each only if it holds together with the ones kept before it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from pathwarden.flows.attribution import Attributor
from pathwarden.flows.observed import Pair
from pathwarden.model import Estate, Filter, Rule

MAX_STOPPED = 5


@dataclass(frozen=True, slots=True)
class Edit:
    rule: Rule  # the rule as it is
    filter: Filter
    replacement: Rule | None  # None: remove the rule

    @property
    def removes(self) -> bool:
        return self.replacement is None


@dataclass(frozen=True, slots=True)
class Observed:
    """An accepted flow the policy does not forbid, and every rule the engine credits for it."""

    pair: Pair
    rules: frozenset[str]


@dataclass(frozen=True, slots=True)
class Verdict:
    checked: int  # observed flows (client, server, protocol, port) replayed
    records: int  # flow records behind them
    stopped: tuple[Pair, ...] = ()  # the first few flows the edits would stop
    stopped_count: int = 0
    reason: str = ""  # why the edit was refused without replay

    @property
    def proven(self) -> bool:
        return not self.stopped_count and not self.reason

    def to_json(self) -> dict[str, object]:
        return {
            "proven": self.proven,
            "checked_flows": self.checked,
            "checked_records": self.records,
            "stopped_flows": self.stopped_count,
            "stopped_examples": [f"{p.client} -> {p.server} {p.service_text()}"
                                 for p in self.stopped],
            "reason": self.reason,
            "summary": self.summary(),
        }

    def summary(self) -> str:
        if self.reason:
            return self.reason
        if self.proven and not self.checked:
            return "no observed flow uses it"
        if self.proven:
            return f"the engine keeps the {self.checked} observed flow(s) it carries"
        (first, *_) = self.stopped
        return (f"it would stop {self.stopped_count} observed flow(s), e.g. {first.client} -> "
                f"{first.server} {first.service_text()}")


def edited(estate: Estate, edits: Sequence[Edit]) -> Estate:
    """``estate`` with every edit applied (rules keep their place in their filter)."""
    by_filter: dict[str, dict[str, Rule | None]] = {}
    for e in edits:
        by_filter.setdefault(e.filter.id, {})[e.rule.id] = e.replacement
    filters = dict(estate.filters)
    for fid, changes in by_filter.items():
        f = filters[fid]
        rules = []
        for r in f.rules:
            if r.id not in changes:
                rules.append(r)
            elif (new := changes[r.id]) is not None:
                rules.append(new)
        filters[fid] = replace(f, rules=tuple(rules))
    return replace(estate, filters=filters)


class Prover:
    """Replays observed flows on edited estates; ``precheck`` may refuse an edit up front
    (return it a reason) without running the engine."""

    def __init__(self, estate: Estate, observed: Sequence[Observed],
                 precheck: Callable[[Edit], str] | None = None) -> None:
        self.estate = estate
        self.observed = list(observed)
        self.precheck = precheck

    def _affected(self, edits: Sequence[Edit]) -> list[Pair]:
        ids = {e.rule.id for e in edits}
        return [o.pair for o in self.observed if o.rules & ids]

    def _carried(self, edit: Edit) -> Verdict:
        """A proven verdict that counts the flows ``edit``'s rule carries."""
        mine = self._affected([edit])
        return Verdict(len(mine), sum(p.records for p in mine))

    def check(self, edits: Sequence[Edit]) -> Verdict:
        """Do these edits, together, stop any observed flow?"""
        affected = self._affected(edits)
        if not affected:
            return Verdict(0, 0)
        after = Attributor(edited(self.estate, edits))
        stopped = [p for p in affected if not after.is_open(p.client, p.server, p.proto, p.port)]
        return Verdict(len(affected), sum(p.records for p in affected),
                       tuple(stopped[:MAX_STOPPED]), len(stopped))

    def accept(self, edits: Sequence[Edit]) -> dict[str, Verdict]:
        """A verdict per edited rule id: proven together with the other proven edits, or why
        not."""
        out: dict[str, Verdict] = {}
        candidates: list[Edit] = []
        for e in edits:
            reason = self.precheck(e) if self.precheck else ""
            if reason:
                out[e.rule.id] = Verdict(0, 0, reason=reason)
            else:
                candidates.append(e)
        if self.check(candidates).proven:
            out.update((e.rule.id, self._carried(e)) for e in candidates)
            return out
        kept: list[Edit] = []
        for e in candidates:
            verdict = self.check([*kept, e])
            if verdict.proven:
                kept.append(e)
                verdict = self._carried(e)
            out[e.rule.id] = verdict
        return out
