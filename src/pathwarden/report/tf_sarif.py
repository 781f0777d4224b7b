"""SARIF 2.1.0 of ``tf review``: one result per finding the plan makes worse or repairs, and
(as ``note``) per existing finding; locations are the ``.tf`` resource blocks behind it.

``ruleId`` is the policy path id, as in ``pathwarden check``'s SARIF. Findings the plan makes
worse are ``error`` (enforce stage) or ``warning`` (monitor); repaired and existing findings
are ``note``, so code scanning shows them without failing anything. A finding with no known
``.tf`` location points at the plan file.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pathwarden import __version__
from pathwarden.policy.model import Stage
from pathwarden.report.notices import sarif_notifications
from pathwarden.report.sarif import SARIF_SCHEMA, _rules, _uri
from pathwarden.terraform.review import Delta, Review, Status


def _level(d: Delta) -> str:
    if d.status in (Status.NEW, Status.WORSE):
        return "error" if d.finding.stage is Stage.ENFORCE else "warning"
    return "note"


def _result(d: Delta, index: int, fallback: str) -> dict[str, Any]:
    f = d.finding
    locations: list[dict[str, Any]] = []
    for loc in d.locations:
        region: dict[str, Any] = {"startLine": max(loc.line, 1)}
        if loc.end_line >= loc.line > 0:
            region["endLine"] = loc.end_line
        locations.append(
            {
                "physicalLocation": {"artifactLocation": {"uri": _uri(loc.file)}, "region": region},
                "logicalLocations": [{"fullyQualifiedName": loc.address, "kind": "resource"}],
            }
        )
    if not locations:
        locations.append({"physicalLocation": {"artifactLocation": {"uri": _uri(fallback)}}})
    what = d.added.describe() if d.added else d.open_after.describe()
    text = f"{d.status.value} {f.kind.value}: {f.src} -> {f.dst}: {d.message}"
    if d.status in (Status.NEW, Status.WORSE):
        text += f" (this plan opens {what})"
    if d.resources:
        text += f"; resources: {', '.join(d.resources)}"
    fingerprint = hashlib.sha256(f"{f.path}|{f.kind.value}|{d.status.value}".encode()).hexdigest()
    return {
        "ruleId": f.path,
        "ruleIndex": index,
        "kind": "fail" if _level(d) != "note" else "informational",
        "level": _level(d),
        "message": {"text": text},
        "locations": locations,
        "partialFingerprints": {"pathwardenTfReview/v1": fingerprint},
        "properties": {
            "status": d.status.value,
            "kind": f.kind.value,
            "stage": f.stage.value,
            "added": d.added.to_contract(),
            "removed": d.removed.to_contract(),
            "open": d.open_after.to_contract(),
            "open_before": d.open_before.to_contract(),
            "resources": list(d.resources),
        },
    }


def review_sarif(r: Review) -> dict[str, Any]:
    rules = _rules(r.after)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    notes = [{"level": "warning", "message": {"text": a.message()}} for a in r.assumptions]
    notes += [
        {"level": "warning", "message": {"text": f"{a} ({t}): not evaluated yet"}}
        for a, t, _ in r.not_evaluated
    ]
    notes += sarif_notifications(r.after.notices)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "pathwarden", "version": __version__, "rules": rules}},
                "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notes}],
                "results": [_result(d, index.get(d.finding.path, 0), r.source) for d in r.deltas],
                "properties": {"verdict": r.verdict(), "failOn": r.fail_on},
            }
        ],
    }


def render_review_sarif(r: Review) -> str:
    return json.dumps(review_sarif(r), indent=2) + "\n"
