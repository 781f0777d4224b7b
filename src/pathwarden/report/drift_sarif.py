"""SARIF 2.1.0 for a drift run: one result per path change and per inventory change.

Path changes use the policy path id as ``ruleId`` and point at the path's line in the policy
file; a regression on an enforce-stage path is ``error``, on a monitor-stage path
``warning``, any other path change ``note``. Inventory changes use ``ruleId``
``drift/<item>`` (``drift/rule``, ``drift/attachment``, ...) with the changed object as a
logical location, level ``warning``. A partial estate is a tool execution notification and the
run property ``partial``; so is every notice of either estate.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pathwarden import __version__
from pathwarden.check.drift import DriftReport, PathChange
from pathwarden.check.estate_diff import InventoryChange
from pathwarden.policy.model import Stage
from pathwarden.report.drift_text import PARTIAL_DRIFT_NOTE
from pathwarden.report.notices import sarif_notifications
from pathwarden.report.sarif import SARIF_SCHEMA, _uri


def _level(p: PathChange) -> str:
    if not p.regression:
        return "note"
    return "error" if p.stage is Stage.ENFORCE else "warning"


def _fingerprint(*parts: str) -> dict[str, str]:
    return {"pathwardenDrift/v1": hashlib.sha256("|".join(parts).encode()).hexdigest()}


def _path_result(p: PathChange, index: int, uri: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": p.path, "ruleIndex": index, "level": _level(p),
        "message": {"text": f"{p.src} -> {p.dst}: {p.message()}"},
        "partialFingerprints": _fingerprint(p.path, p.movement.value, p.after.describe()),
        "properties": p.to_json(),
    }
    if uri is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
        if p.line > 0:
            physical["region"] = {"startLine": p.line}
        out["locations"] = [{"physicalLocation": physical}]
    return out


def _inventory_result(i: InventoryChange, index: int) -> dict[str, Any]:
    name = f"{i.parent}/{i.id}" if i.parent else i.id
    return {
        "ruleId": f"drift/{i.item.value}", "ruleIndex": index, "level": "warning",
        "message": {"text": i.describe()},
        "locations": [{"logicalLocations": [{"name": i.id, "fullyQualifiedName": name,
                                             "kind": "object"}]}],
        "partialFingerprints": _fingerprint(name, i.change.value, i.after or i.before),
        "properties": i.to_json(),
    }


def drift_sarif_log(report: DriftReport) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}

    def rule(rule_id: str, text: str) -> int:
        if rule_id not in index:
            index[rule_id] = len(rules)
            rules.append({"id": rule_id, "shortDescription": {"text": text}})
        return index[rule_id]

    uri = _uri(report.policy_file) if report.policy_file else None
    results = [
        _path_result(p, rule(p.path, f"movement path {p.src} -> {p.dst} ({p.rule})"), uri)
        for p in report.paths
    ]
    results += [
        _inventory_result(i, rule(f"drift/{i.item.value}", f"{i.item.value} changed since "
                                  "the baseline"))
        for i in report.inventory
    ]
    notes = [{"level": "warning", "message": {"text": PARTIAL_DRIFT_NOTE}}] if report.partial \
        else []
    notes += sarif_notifications(n.labelled() for n in report.notices)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pathwarden", "version": __version__, "rules": rules}},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notes}],
            "results": results,
            "properties": {"partial": report.partial, "baseline": report.baseline,
                           "current": report.current, "drift": report.drifted()},
        }],
    }


def render_drift_sarif(report: DriftReport) -> str:
    return json.dumps(drift_sarif_log(report), indent=2) + "\n"
