"""Terminal report of a :class:`~pathwarden.check.drift.DriftReport`: verdict, path drift
(what matters) first, then the inventory changes."""

from __future__ import annotations

from pathwarden.check.drift import DriftReport, PathChange
from pathwarden.report.notices import notes_text

PARTIAL_DRIFT_NOTE = (
    "partial estate: discovery of part of the scope failed, or a snapshot lacks objects it "
    "references (see the notes), so removed objects and closed paths may only be missing from "
    "the snapshot, and drift may be incomplete"
)
MAX_RULES = 8


def drift_verdict(report: DriftReport) -> str:
    """``DRIFT: 1 path change (1 regression), 1 inventory change`` or ``NO DRIFT``."""
    inv, paths = len(report.inventory), len(report.paths)
    regressions = len(report.regressions())
    what = (f"{paths} path change{'' if paths == 1 else 's'} ({regressions} regression"
            f"{'' if regressions == 1 else 's'}), {inv} inventory change{'' if inv == 1 else 's'}")
    if report.drifted():
        return f"DRIFT: {what}"
    if report.partial:
        return f"INCOMPLETE: {what}" if inv or paths else "INCOMPLETE: no drift seen"
    return f"NO DRIFT: {what}" if inv or paths else "NO DRIFT"


def _rules(ids: tuple[str, ...]) -> str:
    more = len(ids) - MAX_RULES
    return ", ".join(ids[:MAX_RULES]) + (f" (+{more} more)" if more > 0 else "")


def path_lines(p: PathChange) -> list[str]:
    mark = "REGRESSION" if p.regression else "change"
    lines = [f"[{p.stage.value}] {p.path}: {p.src} -> {p.dst} ({p.rule})",
             f"  {mark}: {p.message()}"]
    if p.causes:
        lines.append(f"  caused by: {_rules(p.causes)}")
    if p.rules:
        lines.append(f"  opened by: {_rules(p.rules)}")
    if p.closed_rules:
        lines.append(f"  was opened by: {_rules(p.closed_rules)}")
    return lines


def render_drift_text(report: DriftReport) -> str:
    lines = [f"pathwarden drift: {drift_verdict(report)} "
             f"(baseline {report.baseline}, current {report.current})"]
    if report.partial:
        lines.append(f"WARNING: {PARTIAL_DRIFT_NOTE}")
    if report.policy_file is None:
        lines.append("no --policy: movement paths were not compared")
    if report.paths:
        lines += ["", "Movement paths:"]
        for p in report.paths:
            lines += path_lines(p)
    if report.inventory:
        lines += ["", "Inventory:"]
        lines += [f"  {i.describe()}" for i in report.inventory]
    if report.notices:
        lines += ["", *notes_text(n.labelled() for n in report.notices)]
    return "\n".join(lines) + "\n"
