"""Reports of a :class:`~pathwarden.check.CheckResult`: text, json, markdown, sarif, junit."""

from __future__ import annotations

from collections.abc import Callable

from pathwarden.check.findings import CheckResult
from pathwarden.report.jsonfmt import render_json
from pathwarden.report.junit import render_junit
from pathwarden.report.markdown import render_markdown
from pathwarden.report.sarif import render_sarif, sarif_log
from pathwarden.report.text import render_text

RENDERERS: dict[str, Callable[[CheckResult], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "sarif": render_sarif,
    "junit": render_junit,
}
FORMATS = tuple(RENDERERS)


def render(result: CheckResult, fmt: str) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    return RENDERERS[fmt](result)


__all__ = [
    "FORMATS",
    "RENDERERS",
    "render",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_sarif",
    "render_text",
    "sarif_log",
]
