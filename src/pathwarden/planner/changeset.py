"""The ChangeSet document: one plan object for check mode, ``--diff``, the CAB request, the
apply and its rollback (docs/planner.md describes every field).

Per resource (an AWS security group or network ACL), in apply order:

- ``precondition.fingerprint``: sha256 of the resource's rules as planned against (see
  :func:`pathwarden.planner.edits.fingerprint`); apply re-reads the resource and refuses when
  it differs. ``postcondition.fingerprint`` is what the resource must look like afterwards.
- ``operations``: add first, then modify, then remove (narrow before broad goes), each with
  the rule after and before, the strategy, the reason and the paths it closes;
- ``patch``: RFC 6902 JSON Patch against the normalised estate (:mod:`pathwarden.model.
  serialize`), ``rollback.patch`` its inverse, ``rollback.operations`` the inverse operations
  in reverse order;
- ``view``: the resource's rules before and after, one sorted line each (the Ansible diff);
- ``collateral``: the address x port volume this resource's edits close beyond the findings.

Two hashes:

- ``content_sha256`` (:func:`content_sha256`) covers **what the change does** and nothing else:
  the targets (``[path, kind]`` of every finding a candidate was chosen for) and, per resource,
  :data:`CONTENT_KEYS` (where it is, its pre- and postcondition, the operations, the patch and
  the rollback). Not ``as_of``, not the policy or snapshot paths as typed, not the
  explanations (alternatives, collateral, the proof summary, ``view``). This is the hash an
  approval names, so re-planning the same change on another day, or from ``DIR/`` instead of
  ``DIR``, keeps yesterday's approval matching. What it leaves out is either recomputed by
  ``pathwarden verify`` (``view``, the proof) or explanation only.
- ``sha256`` is the sha256 of the canonical JSON of the whole document without that key: it
  makes an edited file fail to load (integrity, not authorisation).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import jsonpatch

from pathwarden import __version__
from pathwarden.errors import InputError
from pathwarden.model import Estate, Filter, Rule
from pathwarden.model.serialize import estate_from_json, estate_to_json, filter_json
from pathwarden.planner.choice import Plan
from pathwarden.planner.edits import (
    OpKind,
    RuleOp,
    canonical_json,
    fingerprint,
    rule_view,
)
from pathwarden.planner.volume import Volume

FORMAT = "pathwarden/changeset"
VERSION = 1
ORDER = {OpKind.ADD: 0, OpKind.MODIFY: 1, OpKind.REMOVE: 2}
INVERSE = {OpKind.ADD: OpKind.REMOVE, OpKind.MODIFY: OpKind.MODIFY, OpKind.REMOVE: OpKind.ADD}


CONTENT_KEYS = ("cloud", "type", "id", "name", "account", "region", "network", "precondition",
                "postcondition", "operations", "patch", "rollback", "closes")
"""The fields of a resource that :func:`content_sha256` covers."""


def document_sha256(doc: dict[str, Any]) -> str:
    body = {k: v for k, v in doc.items() if k != "sha256"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def targets_of(doc: dict[str, Any]) -> list[list[str]]:
    """``[path, kind]`` of every finding the ChangeSet was planned to close."""
    return sorted([f["finding"]["path"], f["finding"]["kind"]] for f in doc["findings"]
                  if f["chosen"] is not None)


def content_sha256(doc: dict[str, Any]) -> str:
    """sha256 of what the change does: format, targets and each resource's
    :data:`CONTENT_KEYS` (see the module docs). The hash approvals name."""
    body = {
        "format": doc["format"],
        "version": doc["version"],
        "targets": targets_of(doc),
        "resources": [{k: r.get(k) for k in CONTENT_KEYS} for r in doc["resources"]],
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


def _pointer(fid: str) -> str:
    return "/filters/" + fid.replace("~", "~0").replace("/", "~1")


def _patch(before: Filter, after: Filter) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = jsonpatch.make_patch(filter_json(before), filter_json(after)).patch
    prefix = _pointer(before.id)
    out = []
    for op in ops:
        item = dict(op)
        item["path"] = prefix + op["path"]
        if "from" in item:
            item["from"] = prefix + op["from"]
        out.append(item)
    return out


def line(r: Rule) -> str:
    """One sorted-diff line per rule: ``ingress allow tcp/443 from 10.0.0.0/12 [sgr-...]``."""
    return f"{r.direction.value} {r.summary()} [{r.id}]"


def _op_json(seq: int, op: RuleOp) -> dict[str, Any]:
    return {
        "seq": seq,
        "action": op.kind.value,
        "rule_id": op.rule_id,
        "rule": rule_view(op.rule) if op.rule is not None else None,
        "before": rule_view(op.before) if op.before is not None else None,
        "strategy": op.strategy,
        "reason": op.reason,
        "closes": list(op.closes),
    }


def _rollback(ops: Sequence[RuleOp]) -> list[dict[str, Any]]:
    out = []
    for seq, op in enumerate(reversed(ops), 1):
        out.append({
            "seq": seq,
            "action": INVERSE[op.kind].value,
            "rule_id": op.rule_id,
            "rule": rule_view(op.before) if op.before is not None else None,
            "before": rule_view(op.rule) if op.rule is not None else None,
            "undoes": op.kind.value,
        })
    return out


def resource_json(before: Filter, after: Filter, ops: Sequence[RuleOp],
                  volume: Volume) -> dict[str, Any]:
    """One ChangeSet resource: ``before`` changed into ``after`` by ``ops``. ``pathwarden
    verify`` rebuilds every resource with this same function and compares."""
    ordered = sorted(ops, key=lambda op: ORDER[op.kind])
    return {
        "cloud": before.cloud,
        "type": before.layer,
        "id": before.id,
        "name": before.name,
        "account": before.account,
        "region": before.region,
        "network": before.network,
        "precondition": {"fingerprint": fingerprint(before), "rules": len(before.rules)},
        "postcondition": {"fingerprint": fingerprint(after), "rules": len(after.rules)},
        "operations": [_op_json(i, op) for i, op in enumerate(ordered, 1)],
        "patch": _patch(before, after),
        "rollback": {"operations": _rollback(ordered), "patch": _patch(after, before)},
        "view": {"before": sorted(line(r) for r in before.rules),
                 "after": sorted(line(r) for r in after.rules)},
        "closes": sorted({p for op in ops for p in op.closes}),
        "collateral": {"address_port_volume": volume.collateral, "flows_broken": None},
    }


def estate_sha256(doc: dict[str, Any]) -> str:
    """sha256 of what the estate *is* (filters, workloads, subnets, networks, prefix lists,
    partial), not of where it was read from, so a live read and its snapshot agree."""
    keys = ("workloads", "filters", "subnets", "networks", "prefix_lists", "partial")
    return hashlib.sha256(canonical_json({k: doc[k] for k in keys})).hexdigest()


def build_changeset(plan: Plan, *, policy_file: str, policy_sha256: str,
                    sources: Sequence[str] = ()) -> dict[str, Any]:
    """The ChangeSet document of ``plan`` (validated by :func:`.schema.validate` on save).

    ``sources`` names where the estate came from (default: the estate's own sources)."""
    by_filter: dict[str, list[RuleOp]] = {}
    for op in plan.ops:
        by_filter.setdefault(op.filter_id, []).append(op)
    volumes: dict[str, Volume] = {}
    for c in plan.choices:
        for fid, v in c.chosen.per_filter if c.chosen else ():
            volumes[fid] = volumes.get(fid, Volume()) + v
    estate_doc = estate_to_json(plan.before)
    resources = [resource_json(plan.before.filters[fid], plan.after.filters[fid], ops,
                               volumes.get(fid, Volume())) for fid, ops in by_filter.items()]
    closes = sorted({p for r in resources for p in r["closes"]})
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "tool": f"pathwarden {__version__}",
        "as_of": plan.result_before.as_of.isoformat(),
        "policy": {"file": policy_file, "sha256": policy_sha256},
        "estate": {
            "sources": list(sources or plan.before.sources),
            "partial": plan.before.partial,
            "clouds": sorted(plan.before.clouds()),
            "sha256": estate_sha256(estate_doc),
        },
        "summary": {
            "resources": len(resources),
            "operations": sum(len(r["operations"]) for r in resources),
            "closes": closes,
            "proof_ok": plan.proof.ok,
        },
        "findings": [c.to_json() for c in plan.choices],
        "not_planned": [{"path": f.path, "kind": f.kind.value, "stage": f.stage.value,
                         "reason": why} for f, why in plan.skipped],
        "kept": [{"path": p.id, "from": p.src, "to": p.dst,
                  "ports": p.services.describe()} for p in plan.result_before.policy.paths
                 if not p.is_deny],
        "resources": resources,
        "proof": plan.proof.to_json(),
        "collateral": {"address_port_volume": plan.volume.collateral,
                       "flows_broken": plan.flows_broken},
    }
    doc["content_sha256"] = content_sha256(doc)
    doc["sha256"] = document_sha256(doc)
    return doc


def apply_changeset(before: Estate, changeset: dict[str, Any]) -> Estate:
    """The estate after a ChangeSet: every resource's RFC 6902 patch applied, in order, to the
    normalised estate it was planned from (:func:`pathwarden.model.serialize.estate_to_json`).
    This is how everything downstream (simulation, review) sees the change: from the plan
    object itself, never from a recomputed diff."""
    ops: list[dict[str, Any]] = []
    for resource in changeset.get("resources", []):
        ops.extend(resource.get("patch", []))
    try:
        patched = jsonpatch.apply_patch(estate_to_json(before), ops)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as e:
        raise InputError(
            f"the ChangeSet does not apply to this estate ({e}); was it planned against "
            "another snapshot?"
        ) from e
    return estate_from_json(patched)
