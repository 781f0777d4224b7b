"""Writing a snapshot folder safely: assemble it in a hidden sibling, then swap it in.

Every provider's ``discover`` uses this, so a reader (a cron job's ``check``) never sees a
half-written snapshot, and a folder that is not a pathwarden snapshot is never overwritten.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

from pathwarden.errors import InputError
from pathwarden.providers.manifest import MANIFEST_NAME


def staging_folder(out: Path, overwrite: bool) -> Path:
    """A hidden sibling of ``out`` to assemble the snapshot in (checks ``out`` first)."""
    if out.exists():
        if not out.is_dir():
            raise InputError(f"--out {out}: exists and is not a directory")
        if any(out.iterdir()):
            if not (out / MANIFEST_NAME).is_file():
                raise InputError(
                    f"--out {out}: the folder is not empty and holds no pathwarden "
                    "snapshot; choose a new or empty folder"
                )
            if not overwrite:
                raise InputError(f"--out {out}: already holds a snapshot; pass --overwrite")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as e:
        raise InputError(f"--out {out}: cannot create the folder: {e.strerror or e}") from e


def publish(staging: Path, out: Path) -> None:
    """Swap the finished snapshot in: a reader never sees a half-written folder."""
    if out.exists():
        old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)
