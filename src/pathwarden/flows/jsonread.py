"""Reading flow-log JSON as it is found in the field, not only as the spec says.

- :func:`load_lenient`: one JSON document; when strict parsing fails, trailing commas before
  ``]`` or ``}`` are dropped (outside strings) and parsing is tried again. Azure NSG flow logs
  published by Microsoft's own connector carry such a comma (realdata SOURCES.md).
- :func:`json_lines`: NDJSON as Cloud Logging sinks write it, or a JSON array as
  ``gcloud logging read --format=json`` prints it; ``#`` comment lines and blank lines are
  skipped, a line that is not JSON is counted as malformed.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pathwarden.flows.record import FlowLogError, ParseReport


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise FlowLogError(str(path), f"cannot read: {e.strerror or e}") from e
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise FlowLogError(str(path), f"broken gzip: {e}") from e
    return raw.decode("utf-8", errors="replace")


def strip_trailing_commas(text: str) -> str:
    """Drop every comma that is followed (after blanks) by ``]`` or ``}``, outside strings.

    >>> strip_trailing_commas('{"a": ["x,]", 1,], }')
    '{"a": ["x,]", 1] }'
    """
    out: list[str] = []
    in_string = escaped = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif c == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j >= n or text[j] not in "]}":
                out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


TOO_DEEP = "JSON nested too deeply (more levels than Python's parser allows)"


def load_lenient(text: str, report: ParseReport) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise FlowLogError(report.file, TOO_DEEP) from None
    except json.JSONDecodeError as first:
        try:
            doc = json.loads(strip_trailing_commas(text))
        except RecursionError:
            raise FlowLogError(report.file, TOO_DEEP) from None
        except json.JSONDecodeError:
            raise FlowLogError(
                report.file, f"not JSON (line {first.lineno}, column {first.colno}: {first.msg})"
            ) from first
        report.lenient = "trailing commas ignored"
        return doc


def json_lines(text: str, report: ParseReport) -> Iterator[tuple[int, Any]]:
    """``(line number, object)`` for each entry of an NDJSON file or a JSON array."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        doc = load_lenient(text, report)
        yield from enumerate(doc if isinstance(doc, list) else [doc], 1)
        return
    for no, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            report.comments += 1
            continue
        try:
            entry = json.loads(s)
        except json.JSONDecodeError as e:
            report.bad(f"line {no}", f"not JSON ({e.msg})")
            continue
        except RecursionError:
            report.bad(f"line {no}", TOO_DEEP)
            continue
        yield no, entry
