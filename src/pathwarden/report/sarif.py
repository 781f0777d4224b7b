"""SARIF 2.1.0: one result per finding, ``ruleId`` = the policy path id.

Every policy path (and ``protect:NAME`` entry) is a rule in ``tool.driver.rules``; results
point at the line of their path in the policy file. Enforce-stage findings are ``error``,
monitor-stage ``warning``. Empty-segment warnings, a partial estate and every notice of the
estate (:mod:`pathwarden.report.notices`) are tool execution notifications.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pathwarden import __version__
from pathwarden.check.findings import CheckResult, Finding
from pathwarden.policy.model import Stage
from pathwarden.report.common import PARTIAL_NOTE
from pathwarden.report.notices import sarif_notifications

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


def _uri(file: str) -> str:
    path = Path(file)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix())


def _level(stage: Stage) -> str:
    return "error" if stage is Stage.ENFORCE else "warning"


def _rules(result: CheckResult) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for p in result.policy.paths:
        text = f"{p.rule.value} path {p.src} -> {p.dst}"
        if p.ports is not None:
            text += f" on {p.services.describe()}"
        props: dict[str, Any] = {"rule": p.rule.value, "stage": p.stage.value}
        if p.owner:
            props["owner"] = p.owner
        rules.append(
            {
                "id": p.id,
                "shortDescription": {"text": text},
                "fullDescription": {"text": p.why or text},
                "defaultConfiguration": {"level": _level(p.stage)},
                "properties": props,
            }
        )
    for prot in result.policy.protect:
        text = f"only declared allow paths may be open into {prot.segment}"
        rules.append(
            {
                "id": prot.id,
                "shortDescription": {"text": text},
                "fullDescription": {"text": text},
                "defaultConfiguration": {"level": _level(prot.stage)},
                "properties": {"rule": "protect", "stage": prot.stage.value},
            }
        )
    return rules


def _result(f: Finding, index: int, uri: str) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if f.line > 0:
        physical["region"] = {"startLine": f.line, "startColumn": max(f.column, 1)}
    fingerprint = hashlib.sha256(f"{f.path}|{f.kind.value}".encode()).hexdigest()
    return {
        "ruleId": f.path,
        "ruleIndex": index,
        "kind": "fail",
        "level": _level(f.stage),
        "message": {"text": f"{f.kind.value}: {f.src} -> {f.dst}: {f.message}"},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"pathwardenFinding/v1": fingerprint},
        "properties": {
            "kind": f.kind.value,
            "stage": f.stage.value,
            "from": f.src,
            "to": f.dst,
            "open": f.open.to_contract(),
            "rules": list(f.rules),
            "pairCount": f.pair_count,
        },
    }


def sarif_log(result: CheckResult) -> dict[str, Any]:
    rules = _rules(result)
    index = {r["id"]: i for i, r in enumerate(rules)}
    uri = _uri(result.policy_file)
    notes = [{"level": "warning", "message": {"text": w}} for w in result.warnings]
    if result.partial:
        notes.insert(0, {"level": "warning", "message": {"text": PARTIAL_NOTE}})
    notes += sarif_notifications(result.notices)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "pathwarden", "version": __version__, "rules": rules}},
                "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notes}],
                "results": [_result(f, index[f.path], uri) for f in result.findings],
                "properties": {"partial": result.partial, "asOf": result.as_of.isoformat()},
            }
        ],
    }


def render_sarif(result: CheckResult) -> str:
    return json.dumps(sarif_log(result), indent=2) + "\n"
