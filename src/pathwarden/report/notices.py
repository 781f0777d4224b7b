"""The estate's notices in every report: what the loaders assumed, skipped or could not find.

A check that passes on an estate missing half its security groups, or on the assumption that
no AVNM admin rules exist, must say so where the verdict is read. Every report of a command
that reads an estate carries all of its notices:

- JSON: ``"notices": [{"code", "message", "source"}]`` (:func:`notices_json`);
- text: a ``notes:`` block (:func:`notes_text`);
- Markdown: a "Notices" section (:func:`notes_markdown`);
- SARIF: ``runs[0].invocations[0].toolExecutionNotifications`` (:func:`sarif_notifications`),
  ``warning`` for what makes the estate partial, ``note`` for the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pathwarden.model import Notice

# notices that make (or come with) a partial estate: something is missing, not assumed
WARNING_CODES = frozenset({"missing-reference", "truncated-output", "discovery-failed"})


def notices_json(notices: Iterable[Notice]) -> list[dict[str, str]]:
    return [{"code": n.code, "message": n.message, "source": n.source} for n in notices]


def _line(n: Notice) -> str:
    """``[code] message (source)``; the source only when the message does not name it."""
    where = f" ({n.source})" if n.source and n.source not in n.message else ""
    return f"[{n.code}] {n.message}{where}"


def notes_text(notices: Iterable[Notice], indent: str = "") -> list[str]:
    """``notes:`` and one ``- [code] message`` line per notice (nothing without notices)."""
    lines = [f"{indent}  - {_line(n)}" for n in notices]
    return [f"{indent}notes:", *lines] if lines else []


def _markdown(text: str) -> str:
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in "\\`*_[]|":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", " ")


def notes_markdown(notices: Iterable[Notice], heading: str = "####") -> list[str]:
    """A ``Notices`` section: one bullet per notice (nothing without notices)."""
    items = list(notices)
    if not items:
        return []
    lines = ["", f"{heading} Notices", ""]
    for n in items:
        where = ""
        if n.source and n.source not in n.message:
            where = f" ({_markdown(n.source)})"
        lines.append(f"- **{_markdown(n.code)}**: {_markdown(n.message)}{where}")
    return lines


def level(n: Notice) -> str:
    return "warning" if n.code in WARNING_CODES else "note"


def sarif_notifications(notices: Iterable[Notice]) -> list[dict[str, Any]]:
    """One SARIF 2.1.0 ``notification`` per notice (``descriptor.id`` is the code)."""
    out: list[dict[str, Any]] = []
    for n in notices:
        note: dict[str, Any] = {
            "level": level(n),
            "message": {"text": n.message},
            "descriptor": {"id": n.code},
        }
        if n.source:
            note["properties"] = {"source": n.source}
        out.append(note)
    return out
