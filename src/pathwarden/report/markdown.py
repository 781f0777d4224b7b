"""Markdown report for a pull-request comment or a change ticket.

A verdict line, one table row per finding, then a collapsible ``<details>`` block per finding
with the rules that open it and a sample of the member pairs.
"""

from __future__ import annotations

from pathwarden.check.findings import CheckResult, Finding
from pathwarden.policy.model import Stage
from pathwarden.report.common import PARTIAL_NOTE, pair_label, verdict
from pathwarden.report.notices import notes_markdown

MAX_PAIRS = 10


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text.replace('`', '')}`"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _icon(f: Finding) -> str:
    return "❌" if f.stage is Stage.ENFORCE else "⚠️"


def _details(f: Finding) -> list[str]:
    summary = f"{_icon(f)} <code>{_html(f.path)}</code> {f.kind.value}: {_html(f.message)}"
    lines = ["<details>", f"<summary>{summary}</summary>", ""]
    lines.append(f"- **Path:** {_cell(f.src)} → {_cell(f.dst)} ({f.stage.value} stage)")
    lines.append(f"- **Open:** {_code(f.open.describe())}")
    if f.ports is not None:
        lines.append(f"- **Path ports:** {_code(f.ports.describe())}")
    if f.closed is not None:
        lines.append(f"- **Closed:** {_code(f.closed.describe())}")
    if f.why:
        lines.append(f"- **Why:** {_cell(f.why)}")
    if f.owner:
        lines.append(f"- **Owner:** {_cell(f.owner)}")
    if f.rules:
        lines.append("- **Rules that open it:**")
        lines += [f"  - {_code(r)}" for r in f.rules]
    if f.pair_count:
        lines.append(f"- **Member pairs ({f.pair_count}):**")
        lines += [f"  - {_cell(pair_label(p))}" for p in f.pairs]
        if f.pair_count > len(f.pairs):
            lines.append(f"  - … and {f.pair_count - len(f.pairs)} more")
    return [*lines, "", "</details>"]


def render_markdown(result: CheckResult) -> str:
    icon = "❌" if result.enforce() else ("⚠️" if result.findings else "✅")
    lines = [
        f"### {icon} pathwarden check — {verdict(result)}",
        "",
        f"Policy {_code(result.policy_file)} · as of {result.as_of.isoformat()} · "
        f"{len(result.checked())} paths and protected segments checked",
    ]
    if result.partial:
        lines += ["", f"> **Warning:** {PARTIAL_NOTE}."]
    for w in result.warnings:
        lines += ["", f"> **Warning:** {_cell(w)}."]
    if result.findings:
        lines += [
            "",
            "| | Stage | Kind | Path | From → To | Open |",
            "|---|---|---|---|---|---|",
        ]
        for f in result.findings:
            lines.append(
                f"| {_icon(f)} | {f.stage.value} | {f.kind.value} | {_code(f.path)} | "
                f"{_cell(f.src)} → {_cell(f.dst)} | {_code(f.open.describe())} |"
            )
        lines.append("")
        for f in result.findings:
            lines += _details(f)
    lines += notes_markdown(result.notices)
    return "\n".join(lines) + "\n"
