"""Terminal report of ``tf review``: the verdict, the path rows, then the findings by status."""

from __future__ import annotations

from pathwarden.report.notices import notes_text
from pathwarden.terraform.review import Review, Status


def render_review_text(r: Review) -> str:
    lines = [f"pathwarden tf review: {r.verdict()}", f"  plan {r.source}, policy {r.policy.file}"]
    rows = [p for p in r.paths if p.opened or p.closed]
    if rows:
        lines.append("")
        lines.append("movement paths this plan changes:")
        for p in rows:
            parts = []
            if p.opened:
                parts.append(f"opens {p.opened.describe()}")
            if p.closed:
                parts.append(f"closes {p.closed.describe()}")
            lines.append(f"  {p.label}: {p.src} -> {p.dst}: {', '.join(parts)}")
    for status in Status:
        for d in r.by_status(status):
            f = d.finding
            lines.append("")
            lines.append(
                f"[{f.stage.value}] {status.value.upper()} {f.kind.value} {f.path}: "
                f"{f.src} -> {f.dst}: {d.message}"
            )
            if d.added:
                lines.append(f"  opened by the plan: {d.added.describe()}")
            if d.removed:
                lines.append(f"  closed by the plan: {d.removed.describe()}")
            lines.append(f"  open after the plan: {d.open_after.describe()}")
            locs = {loc.address: loc for loc in d.locations}
            for a in d.resources:
                lines.append(f"  resource {a}" + (f" at {locs[a]}" if a in locs else ""))
    lines += [f"assumption: {a.message()}" for a in r.assumptions]
    lines += [f"not evaluated yet: {x} ({t}, {act})" for x, t, act in r.not_evaluated]
    if r.after.notices:
        lines += ["", *notes_text(r.after.notices)]
    return "\n".join(lines) + "\n"
