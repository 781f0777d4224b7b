"""Rule-level edits on the frozen model, and the fingerprint of a filter's rules.

An edit is one :class:`RuleOp`: ``add`` a rule, ``remove`` a rule, or ``modify`` a rule in
place (AWS ``ModifySecurityGroupRules`` / ``ReplaceNetworkAclEntry``). :func:`apply_ops`
returns a new :class:`Estate` with the edits made; nothing is mutated. Rules a plan adds get
a deterministic id ``new:<12 hex>`` derived from their content, so the same plan from the
same estate is byte-identical (and so is its sha256).

The fingerprint of a filter is the sha256 of its rules in canonical form: each rule as
``[direction, action, order, services, src peers, dst peers, src_ports, disabled]``, sorted.
Rule ids and descriptions are left out on purpose: a fingerprint compares what a filter
*does*, so a snapshot with synthetic ids and a live read with ``sgr-...`` ids agree, and so
does a rule that was re-created with the same content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from pathwarden.model import Estate, Filter, Rule
from pathwarden.model.serialize import peer_json, rule_json, services_text

NEW_PREFIX = "new:"


class OpKind(StrEnum):
    ADD = "add"
    MODIFY = "modify"
    REMOVE = "remove"


@dataclass(frozen=True, slots=True)
class RuleOp:
    kind: OpKind
    filter_id: str
    rule_id: str
    rule: Rule | None = None  # the rule after the op (add, modify)
    before: Rule | None = None  # the rule before the op (modify, remove)
    strategy: str = ""
    reason: str = ""
    closes: tuple[str, ...] = ()

    def with_closes(self, closes: Iterable[str]) -> RuleOp:
        return replace(self, closes=tuple(dict.fromkeys((*self.closes, *closes))))


def canonical_rule(r: Rule) -> list[Any]:
    return [
        r.direction.value,
        r.action.value,
        r.order,
        services_text(r.services),
        [peer_json(p) for p in r.src],
        [peer_json(p) for p in r.dst],
        None if r.src_ports is None else [list(x) for x in r.src_ports],
        r.disabled,
    ]


def canonical_json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fingerprint_rules(rules: Iterable[Rule]) -> str:
    items = sorted(canonical_json(canonical_rule(r)).decode() for r in rules)
    return hashlib.sha256(canonical_json(items)).hexdigest()


def fingerprint(f: Filter) -> str:
    return fingerprint_rules(f.rules)


def match_rule(f: Filter, rule: Rule) -> str | None:
    """The id of the rule of ``f`` that is ``rule``: the same id if ``f`` has it with the same
    content, else the first rule with the same content (a live read names rules differently
    from a snapshot with synthetic ids), else ``None``."""
    want = canonical_rule(rule)
    same = [r for r in f.rules if canonical_rule(r) == want]
    for r in same:
        if r.id == rule.id:
            return r.id
    return same[0].id if same else None


def new_rule_body(r: Rule) -> bytes:
    """What :func:`new_rule_id` hashes."""
    return canonical_json([r.filter_id, canonical_rule(r), r.description])


def new_rule_id(r: Rule) -> str:
    return NEW_PREFIX + hashlib.sha256(new_rule_body(r)).hexdigest()[:12]


def with_id(r: Rule, rule_id: str) -> Rule:
    return replace(r, id=rule_id)


def apply_to_filter(f: Filter, ops: Sequence[RuleOp]) -> Filter:
    rules = {r.id: r for r in f.rules}
    for op in ops:
        if op.filter_id != f.id:
            continue
        if op.kind in (OpKind.ADD, OpKind.MODIFY):
            assert op.rule is not None
            rules[op.rule_id] = (op.rule if op.rule.id == op.rule_id
                                 else with_id(op.rule, op.rule_id))
        else:
            rules.pop(op.rule_id, None)
    return replace(f, rules=tuple(rules.values()))


def apply_ops(estate: Estate, ops: Sequence[RuleOp]) -> Estate:
    """A new estate with ``ops`` made, in order."""
    touched = {op.filter_id for op in ops}
    filters = dict(estate.filters)
    for fid in touched:
        if fid in filters:
            filters[fid] = apply_to_filter(filters[fid], ops)
    return replace(estate, filters=filters)


def fold(ops: Sequence[RuleOp]) -> list[RuleOp]:
    """One net op per rule: a later edit of a rule an earlier op added or changed is merged
    into that op (add+modify = add, add+remove = nothing, modify+remove = remove of the
    original, modify+modify = one modify from the original)."""
    out: dict[tuple[str, str], RuleOp] = {}
    for op in ops:
        key = (op.filter_id, op.rule_id)
        prev = out.get(key)
        if prev is None:
            out[key] = op
            continue
        closes = (*prev.closes, *op.closes)
        if prev.kind is OpKind.ADD:
            if op.kind is OpKind.REMOVE:
                del out[key]
                continue
            out[key] = replace(prev, rule=op.rule).with_closes(closes)
        elif prev.kind is OpKind.MODIFY:
            merged = replace(op, before=prev.before, strategy=prev.strategy or op.strategy)
            out[key] = merged.with_closes(closes)
        else:
            out[key] = op.with_closes(closes)
    return list(out.values())


def rule_view(r: Rule) -> dict[str, Any]:
    """The normalised rule (as in the estate JSON) with its id, for ChangeSet operations."""
    return {"id": r.id, **rule_json(r)}
