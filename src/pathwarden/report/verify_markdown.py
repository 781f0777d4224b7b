"""``pathwarden verify --format markdown``: rendered from the verification JSON alone (the
document ``--format json`` prints), so both formats always say the same thing."""

from __future__ import annotations

from typing import Any

from pathwarden.planner.markdown import ports_text


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _findings(items: list[dict[str, Any]], key: str = "open") -> str:
    return ", ".join(f"{x['path']} ({x['kind']}: {ports_text(x.get(key) or x['open'])})"
                     for x in items) or "none"


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def render_verification(report: dict[str, Any]) -> str:
    cs, pol, est = report["changeset"], report["policy"], report["estate"]
    verdict = "holds" if report["ok"] else "REFUSED"
    out = [f"# Verification of `{_cell(cs['file'])}`: {verdict}", ""]
    out += [f"- Content sha256 (what an approval names): `{cs['content_sha256']}`",
            f"- {cs['operations']} operation(s), closing {', '.join(cs['closes']) or 'nothing'}",
            f"- Policy `{_cell(pol['file'])}` (sha256 `{pol['sha256'][:12]}`; the one planned "
            f"with: {_yes(pol['same_as_planned'])})",
            f"- Estate from {_cell(', '.join(est['sources']))} (sha256 `{est['sha256'][:12]}`; "
            f"the one planned from: {_yes(est['same_as_planned'])})",
            f"- Evaluated as of {report['as_of']}, against the {report['against']} state", ""]
    if not report["ok"]:
        out += [f"> **Refused**: {_cell(report['failure'])}", ""]
    out += ["## Checks", "", "| check | result | detail |", "|---|---|---|"]
    out += [f"| {c['check']} | {'ok' if c['ok'] else '**FAILED**'} | {_cell(c['detail'])} |"
            for c in report["checks"]]
    proof = report["proof"]
    out += ["", "## Proof, recomputed from the operations", ""]
    if proof is None:
        out += ["Not computed: an earlier check failed.", ""]
        return "\n".join(out)
    blocked = proof["newly_blocked_approved_paths"]
    out += [f"- Targets closed: {_findings(proof['closed'])}",
            f"- Targets still open: {_findings(proof['still_open'])}",
            f"- Approved paths newly blocked: {len(blocked)}"
            + (f" ({_findings(blocked, 'closed')})" if blocked else ""),
            f"- Opened: {_findings(proof['opened'], 'newly_open')}; address x port volume the "
            f"edited filters newly admit: {proof['opened_volume']:,}",
            f"- Enforce-stage violations: {proof['violations_before']} before, "
            f"{proof['violations_after']} after",
            f"- Proof: **{'holds' if proof['ok'] else 'FAILS'}**", ""]
    return "\n".join(out)
