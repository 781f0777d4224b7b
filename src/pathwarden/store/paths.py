"""Where the store lives by default: ``$XDG_DATA_HOME/pathwarden/pathwarden.db``.

``XDG_DATA_HOME`` defaults to ``~/.local/share`` (XDG Base Directory Specification). The
environment is read when the path is asked for, never at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

STORE_FILE = "pathwarden.db"


def default_store_path() -> Path:
    """``$XDG_DATA_HOME/pathwarden/pathwarden.db``, or ``~/.local/share/pathwarden/...``.

    A relative ``XDG_DATA_HOME`` is ignored, as the specification requires.
    """
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "pathwarden" / STORE_FILE
