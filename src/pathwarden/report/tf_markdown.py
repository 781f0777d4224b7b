"""Markdown PR comment of ``tf review``: a verdict line, a table of the paths the plan opens
and closes, the findings it makes worse, repairs and leaves as they were, details folded."""

from __future__ import annotations

from pathwarden.report.markdown import _cell, _code, _html
from pathwarden.report.notices import notes_markdown
from pathwarden.terraform.review import Delta, Review, Status

MAX_ROWS = 50
_ICON = {
    Status.NEW: "❌",
    Status.WORSE: "❌",
    Status.EXISTING: "➖",
    Status.NARROWED: "✅",
    Status.REPAIRED: "✅",
}


def _icon(d: Delta) -> str:
    if d.status in (Status.NEW, Status.WORSE) and not d.fails:
        return "⚠️"
    return _ICON[d.status]


def _where(d: Delta) -> str:
    if d.locations:
        return ", ".join(_code(str(loc)) for loc in d.locations)
    return ", ".join(_code(a) for a in d.resources) or "—"


def _details(d: Delta) -> list[str]:
    f = d.finding
    summary = (
        f"{_icon(d)} <code>{_html(f.path)}</code> {d.status.value} {f.kind.value}: "
        f"{_html(d.message)}"
    )
    lines = ["<details>", f"<summary>{summary}</summary>", ""]
    lines.append(f"- **Path:** {_cell(f.src)} → {_cell(f.dst)} ({f.stage.value} stage)")
    if d.added:
        lines.append(f"- **Opened by this plan:** {_code(d.added.describe())}")
    if d.removed:
        lines.append(f"- **Closed by this plan:** {_code(d.removed.describe())}")
    lines.append(f"- **Open after the plan:** {_code(d.open_after.describe())}")
    if f.why:
        lines.append(f"- **Why:** {_cell(f.why)}")
    if f.owner:
        lines.append(f"- **Owner:** {_cell(f.owner)}")
    if d.resources:
        lines.append("- **Terraform resources:**")
        locs = {loc.address: loc for loc in d.locations}
        for a in d.resources:
            at = f" at {_code(str(locs[a]))}" if a in locs else ""
            lines.append(f"  - {_code(a)}{at}")
    if f.rules:
        lines.append("- **Rules:** " + ", ".join(_code(r) for r in f.rules[:20]))
    return [*lines, "", "</details>"]


def render_review_markdown(r: Review) -> str:
    fail = bool(r.exit_code())
    icon = "❌" if fail else ("⚠️" if r.by_status(Status.NEW, Status.WORSE) else "✅")
    lines = [
        f"### {icon} pathwarden tf review — {r.verdict()}",
        "",
        f"Plan {_code(r.source)} · policy {_code(r.policy.file)} · "
        f"{len(r.changes)} path-relevant change(s)",
    ]
    if r.after.partial:
        lines += ["", "> **Warning:** partial estate: findings may be incomplete."]
    rows = [p for p in r.paths if p.opened or p.closed]
    lines += ["", "#### Movement paths this plan changes", ""]
    if rows:
        lines += ["| Path | From → To | Opened | Closed | Open after |", "|---|---|---|---|---|"]
        for p in rows[:MAX_ROWS]:
            kind = f" ({p.path_rule})" if p.path_rule else ""
            lines.append(
                f"| {_code(p.label)}{kind} | {_cell(p.src)} → {_cell(p.dst)} | "
                f"{_code(p.opened.describe()) if p.opened else '—'} | "
                f"{_code(p.closed.describe()) if p.closed else '—'} | "
                f"{_code(p.after.describe())} |"
            )
        if len(rows) > MAX_ROWS:
            lines.append(f"\n… and {len(rows) - MAX_ROWS} more rows (see the JSON report)")
    else:
        lines.append("The plan opens and closes no movement path the policy names.")
    sections = (
        ("Made worse by this plan", (Status.NEW, Status.WORSE)),
        ("Repaired by this plan", (Status.REPAIRED, Status.NARROWED)),
        ("Existing findings (not caused by this plan)", (Status.EXISTING,)),
    )
    for title, statuses in sections:
        found = r.by_status(*statuses)
        if not found:
            continue
        lines += [
            "",
            f"#### {title}",
            "",
            "| | Stage | Kind | Path | Where |",
            "|---|---|---|---|---|",
        ]
        for d in found:
            lines.append(
                f"| {_icon(d)} | {d.finding.stage.value} | {d.status.value} "
                f"{d.finding.kind.value} | {_code(d.finding.path)} | {_where(d)} |"
            )
        lines.append("")
        for d in found:
            lines += _details(d)
    if r.assumptions or r.not_evaluated:
        lines += ["", "<details>", "<summary>Not known until apply / not evaluated</summary>", ""]
        lines += [f"- {_cell(a.message())}" for a in r.assumptions]
        lines += [f"- {_code(a)} ({t}, {act}): not evaluated yet" for a, t, act in r.not_evaluated]
        lines += ["", "</details>"]
    lines += notes_markdown(r.after.notices)
    return "\n".join(lines) + "\n"
