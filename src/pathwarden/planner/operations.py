"""A ChangeSet's operations read back into :class:`RuleOp` objects, strictly.

The schema (:mod:`.schema`) has already checked every field's type. This adds what a schema
cannot say, and raises :class:`~.schema.ChangeSetError` naming the file and the JSON path:

- ``add`` carries ``rule`` and no ``before``; ``remove`` the reverse; ``modify`` both;
- ``rule.id`` / ``before.id`` equal the operation's ``rule_id``, and every rule names the
  resource it is in (``filter``);
- services, CIDRs and source ports parse (in the rollback operations too); resource ids are
  unique, and so is every rule id within a resource.

A file that passes is self-consistent; whether it does what it says is
:mod:`.verify`'s question.
"""

from __future__ import annotations

from typing import Any

from pathwarden.errors import InputError
from pathwarden.model import PeerKind, Rule
from pathwarden.model.addresses import parse_network
from pathwarden.model.serialize import rule_from_json
from pathwarden.planner.edits import OpKind, RuleOp
from pathwarden.planner.schema import ChangeSetError

PORT_MAX = 65535
NEEDS = {OpKind.ADD: (True, False), OpKind.REMOVE: (False, True), OpKind.MODIFY: (True, True)}


def _rule(data: dict[str, Any] | None, rule_id: str, resource: str, where: str) -> Rule | None:
    if data is None:
        return None
    if data["id"] != rule_id:
        raise ChangeSetError(f"{where}: rule id {data['id']!r} is not the operation's "
                             f"rule_id {rule_id!r}")
    if data["filter"] != resource:
        raise ChangeSetError(f"{where}: the rule is for {data['filter']!r}, not for the "
                             f"resource it is listed under ({resource!r})")
    for side in ("src", "dst"):
        for i, peer in enumerate(data[side]):
            if peer["kind"] == PeerKind.CIDR.value:
                try:
                    parse_network(peer["value"])
                except ValueError:
                    raise ChangeSetError(f"{where}/{side}/{i}/value: not a CIDR: "
                                         f"{peer['value'][:60]!r}") from None
    for pair in data["src_ports"] or ():
        if not 0 <= pair[0] <= pair[1] <= PORT_MAX:
            raise ChangeSetError(f"{where}/src_ports: {pair} is not a port range")
    try:
        return rule_from_json(rule_id, data)
    except InputError as e:
        raise ChangeSetError(f"{where}: {e}") from None


def parse_operations(doc: dict[str, Any], where: str) -> dict[str, list[RuleOp]]:
    """Every resource's operations, in document order, keyed by resource id."""
    out: dict[str, list[RuleOp]] = {}
    for i, res in enumerate(doc["resources"]):
        rid = res["id"]
        if rid in out:
            raise ChangeSetError(f"{where}: resources/{i}: resource {rid!r} is listed twice")
        ops: list[RuleOp] = []
        seen: set[str] = set()
        for j, op in enumerate(res["operations"]):
            at = f"{where}: resources/{i}/operations/{j}"
            kind = OpKind(op["action"])
            rule_id = op["rule_id"]
            if rule_id in seen:
                raise ChangeSetError(f"{at}: a second operation on rule {rule_id!r}")
            seen.add(rule_id)
            for key, needed in zip(("rule", "before"), NEEDS[kind], strict=True):
                if needed != (op[key] is not None):
                    state = "needs" if needed else "must not have"
                    raise ChangeSetError(f"{at}: {kind.value} {state} {key!r}")
            rule = _rule(op["rule"], rule_id, rid, f"{at}/rule")
            before = _rule(op["before"], rule_id, rid, f"{at}/before")
            ops.append(RuleOp(kind, rid, rule_id, rule, before, op["strategy"], op["reason"],
                              tuple(op["closes"])))
        for j, op in enumerate(res["rollback"]["operations"]):
            at = f"{where}: resources/{i}/rollback/operations/{j}"
            _rule(op["rule"], op["rule_id"], rid, f"{at}/rule")
            _rule(op["before"], op["rule_id"], rid, f"{at}/before")
        out[rid] = ops
    return out
