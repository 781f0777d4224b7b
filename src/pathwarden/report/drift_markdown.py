"""Markdown report of a drift run, for a ticket or a scheduled job's summary page."""

from __future__ import annotations

from pathwarden.check.drift import DriftReport
from pathwarden.report.drift_text import PARTIAL_DRIFT_NOTE, drift_verdict
from pathwarden.report.markdown import _cell, _code
from pathwarden.report.notices import notes_markdown


def _codes(ids: tuple[str, ...]) -> str:
    return ", ".join(_code(i) for i in ids) or "-"


def render_drift_markdown(report: DriftReport) -> str:
    icon = "❌" if report.drifted() else ("⚠️" if report.partial else "✅")
    lines = [
        f"### {icon} pathwarden drift — {drift_verdict(report)}",
        "",
        f"Baseline {_code(report.baseline)} · current {_code(report.current)} · "
        f"fail on {_code(report.fail_on.value)}",
    ]
    if report.partial:
        lines += ["", f"> **Warning:** {PARTIAL_DRIFT_NOTE}."]
    if report.policy_file is None:
        lines += ["", "> No policy given: movement paths were not compared."]
    if report.paths:
        lines += ["", "#### Movement paths", "",
                  "| | Stage | Path | From → To | Movement | Opened | Closed | Caused by |",
                  "|---|---|---|---|---|---|---|---|"]
        for p in report.paths:
            mark = "❌" if p.regression else "ℹ️"
            lines.append(
                f"| {mark} | {p.stage.value} | {_code(p.path)} | {_cell(p.src)} → "
                f"{_cell(p.dst)} | {p.movement.value} | "
                f"{_code(p.opened.describe()) if p.opened else '-'} | "
                f"{_code(p.closed.describe()) if p.closed else '-'} | {_codes(p.causes)} |"
            )
    if report.inventory:
        lines += ["", "#### Inventory", "", "| Change | Item | Id | Before | After |",
                  "|---|---|---|---|---|"]
        for i in report.inventory:
            ident = f"{_code(i.id)}" + (f" in {_code(i.parent)}" if i.parent else "")
            lines.append(f"| {i.change.value} | {i.item.value} | {ident} | "
                         f"{_cell(i.before) or '-'} | {_cell(i.after) or '-'} |")
    lines += notes_markdown(n.labelled() for n in report.notices)
    return "\n".join(lines) + "\n"
