"""Small pieces every report shares: the verdict line and member-pair labels."""

from __future__ import annotations

from typing import Any

from pathwarden.check.findings import CheckResult

PARTIAL_NOTE = (
    "partial estate: discovery of part of the scope failed, or the snapshot lacks objects it "
    "references (see the notes), so findings may be incomplete"
)


def verdict(result: CheckResult) -> str:
    """``FAIL: 2 enforce-stage findings, 1 monitor-stage`` or ``PASS: no findings``."""
    enforce = len(result.enforce())
    monitor = len(result.findings) - enforce
    if not result.findings:
        return "PASS: no findings"
    head = "FAIL" if enforce else "PASS"
    return f"{head}: {_count(enforce, 'enforce-stage finding')}, {monitor} monitor-stage"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


MAX_SIDE = 3


def _side(value: Any) -> str:
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
        more = f" (+{len(items) - MAX_SIDE} more)" if len(items) > MAX_SIDE else ""
        return ", ".join(items[:MAX_SIDE]) + more
    if isinstance(value, dict):
        return str(value.get("label") or value.get("id") or value)
    return str(value)


def pair_label(pair: Any) -> str:
    """One member pair as reported by the engine, in one line (``a -> b``)."""
    if isinstance(pair, dict):
        src = pair.get("from", pair.get("src"))
        dst = pair.get("to", pair.get("dst"))
        if src is not None and dst is not None:
            return f"{_side(src)} -> {_side(dst)}"
    return str(pair)
