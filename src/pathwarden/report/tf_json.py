"""JSON report of ``tf review``: the verdict, the findings by status, the path rows."""

from __future__ import annotations

import json
from typing import Any

from pathwarden.report.notices import notices_json
from pathwarden.terraform.review import Review, Status


def review_json(r: Review) -> dict[str, Any]:
    counts = {s.value: len(r.by_status(s)) for s in Status}
    return {
        "verdict": "fail" if r.exit_code() else "pass",
        "summary": r.verdict(),
        "source": r.source,
        "policy": r.policy.file,
        "fail_on": r.fail_on,
        "counts": counts,
        "findings": [d.to_json() for d in r.deltas],
        "paths": [p.to_json() for p in r.paths if p.opened or p.closed or p.path_rule],
        "changes": [{"address": a, "type": t, "action": act} for a, t, act in r.changes],
        "assumptions": [a.to_json() for a in r.assumptions],
        "not_evaluated": [
            {"address": a, "type": t, "action": act, "reason": "not evaluated yet"}
            for a, t, act in r.not_evaluated
        ],
        "partial": r.after.partial,
        "notices": notices_json(r.after.notices),
    }


def render_review_json(r: Review) -> str:
    return json.dumps(review_json(r), indent=2) + "\n"
