"""The JSON report: exactly DESIGN.md's check contract (:meth:`CheckResult.to_json`)."""

from __future__ import annotations

import json

from pathwarden.check.findings import CheckResult


def render_json(result: CheckResult) -> str:
    return json.dumps(result.to_json(), indent=2) + "\n"
