"""Text that leaves pathwarden: credentials in URLs redacted, control characters made visible.

Estate-provided strings (tags, names, descriptions, rule ids a plan or a flow log names) end up
in terminal output, Markdown PR comments and files. A tag value holding an OSC sequence
(``ESC ] 8 ;; ...`` hyperlinks, ``ESC ] 52`` clipboard writes, title changes), cursor movement
or a bidi override (``U+202E``, the "Trojan Source" trick) would act on the reader's terminal
or reorder what a reviewer sees. :func:`safe_text` turns every such character into a visible
escape (``\\x1b``, ``\\u202e``); newlines and tabs stay, they are layout.

A URL with credentials (``http://user:secret@host``) given as an endpoint is used as given,
but wherever it is printed or stored (manifest.json, the audit log, error messages) it is
written by :func:`redact` as ``http://***@host``.

>>> redact("cannot reach http://user:secret@10.0.0.1:5000/ (timeout)")
'cannot reach http://***@10.0.0.1:5000/ (timeout)'
>>> safe_text("web\\x1b]52;c;ZWNobyBwd25lZA==\\x07 \\u202eexe.txt")
'web\\\\x1b]52;c;ZWNobyBwd25lZA==\\\\x07 \\\\u202eexe.txt'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#]+@")
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_KEEP = "\n\t"
# C0 controls but newline and tab, DEL, C1 controls, bidi controls, line/paragraph separators
_UNSAFE = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(32) if chr(c) not in _KEEP)
    + "\x7f-\x9f" + _BIDI + "\u2028\u2029]"
)


def _visible(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def redact(text: str) -> str:
    """``scheme://user:password@host`` (or ``scheme://token@host``) as ``scheme://***@host``."""
    return _USERINFO.sub(r"\1***@", text) if "@" in text else text


def safe_text(text: str) -> str:
    """Control, bidi and separator characters as visible escapes; newlines and tabs kept."""
    return _UNSAFE.sub(_visible, text)


def terminal_safe(text: str) -> str:
    """What every printed or written report goes through: :func:`redact`, then
    :func:`safe_text`."""
    return safe_text(redact(text))


def redact_all(value: Any) -> Any:
    """:func:`redact` every string inside a JSON-like value (dicts, lists, tuples)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: redact_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_all(v) for v in value]
    return value
