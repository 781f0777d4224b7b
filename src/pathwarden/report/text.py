"""Terminal report: short, grouped by path, the worst first."""

from __future__ import annotations

from pathwarden.check.findings import CheckResult
from pathwarden.report.common import PARTIAL_NOTE, pair_label, verdict
from pathwarden.report.notices import notes_text

MAX_RULES = 8
MAX_PAIRS = 3


def render_text(result: CheckResult) -> str:
    lines = [
        f"pathwarden check: {verdict(result)} "
        f"(policy {result.policy_file}, as of {result.as_of.isoformat()})"
    ]
    if result.partial:
        lines.append(f"WARNING: {PARTIAL_NOTE}")
    lines += [f"warning: {w}" for w in result.warnings]
    for path_id, findings in result.by_path().items():
        first = findings[0]
        lines += ["", f"[{first.stage.value}] {path_id}: {first.src} -> {first.dst}"]
        for f in findings:
            lines.append(f"  {f.kind.value.upper():<10} {f.message}")
            if f.rules:
                more = len(f.rules) - MAX_RULES
                shown = ", ".join(f.rules[:MAX_RULES]) + (f" (+{more} more)" if more > 0 else "")
                lines.append(f"  {'':<10} rules: {shown}")
            if f.pair_count:
                sample = "; ".join(pair_label(p) for p in f.pairs)  # check --all-pairs: all
                tail = "; ..." if f.pair_count > len(f.pairs) else ""
                lines.append(f"  {'':<10} member pairs ({f.pair_count}): {sample}{tail}")
        if first.why:
            lines.append(f"  why: {first.why}")
        if first.owner:
            lines.append(f"  owner: {first.owner}")
    if not result.findings:
        lines.append(f"{len(result.checked())} paths checked, all as the policy says.")
    if result.notices:
        lines += ["", *notes_text(result.notices)]
    return "\n".join(lines) + "\n"
