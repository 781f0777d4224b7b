"""Reports of a :class:`~pathwarden.check.drift.DriftReport`: text, json, markdown, sarif."""

from __future__ import annotations

import json
from collections.abc import Callable

from pathwarden.check.drift import DriftReport
from pathwarden.report.drift_markdown import render_drift_markdown
from pathwarden.report.drift_sarif import render_drift_sarif
from pathwarden.report.drift_text import render_drift_text


def render_drift_json(report: DriftReport) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"


DRIFT_RENDERERS: dict[str, Callable[[DriftReport], str]] = {
    "text": render_drift_text,
    "json": render_drift_json,
    "markdown": render_drift_markdown,
    "sarif": render_drift_sarif,
}
DRIFT_FORMATS = tuple(DRIFT_RENDERERS)


def render_drift(report: DriftReport, fmt: str) -> str:
    return DRIFT_RENDERERS[fmt](report)
