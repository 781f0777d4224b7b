"""Edits of an in-memory snapshot (file name -> JSON document) for the routing loader tests of
both clouds, and the two checks they make: a missing object is a notice and a partial estate;
bad input is one line naming the file and the JSON path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pathwarden.errors import SnapshotError
from pathwarden.model import Estate

Files = dict[str, Any]
Edit = Callable[[Files], None]
Path_ = list[str | int]


def _parent(files: Files, path: Path_) -> Any:
    node: Any = files
    for step in path[:-1]:
        node = node[step]
    return node


def set_at(path: Path_, value: Any) -> Edit:
    """Set the value at ``path`` (file name first, then keys and list indexes)."""
    def edit(files: Files) -> None:
        _parent(files, path)[path[-1]] = value
    return edit


def drop_at(path: Path_) -> Edit:
    """Remove the key or list item at ``path``."""
    def edit(files: Files) -> None:
        del _parent(files, path)[path[-1]]
    return edit


def assert_missing(estate: Estate, code: str, message: str) -> None:
    """The estate is partial and says why with a notice ``code`` starting with ``message``."""
    said = [n.message for n in estate.notices if n.code == code]
    assert estate.partial
    assert any(m.startswith(message) for m in said), said


def assert_one_line_error(load: Callable[[], object], message: str) -> None:
    """Loading fails with one line that contains ``message`` (file, JSON path, what)."""
    with pytest.raises(SnapshotError) as e:
        load()
    text = str(e.value)
    assert message in text and "\n" not in text, text
