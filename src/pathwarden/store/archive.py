"""A snapshot folder as one canonical, compressed archive, and back.

The canonical form is one JSON document ``{"files": {relative/path.json: content, ...}}``
with sorted keys and no insignificant whitespace, so two folders whose files hold the same
JSON (whatever their indentation or key order) have the same bytes. The snapshot id is the
sha256 of the canonical form *without* ``manifest.json`` (whose timestamps change on every
discovery) plus the partial flag: the same estate discovered twice is stored once, and a
partial snapshot never shares an id with a complete one. The manifest itself is kept in the
archive and restored with the files, so a restored partial snapshot loads as partial.

Only ``*.json`` files are taken (every file of the snapshot layout is JSON); anything else in
the folder (a README, editor backups) is left out.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pathwarden.errors import InputError, SnapshotError
from pathwarden.providers.jsondoc import read_json
from pathwarden.providers.manifest import MANIFEST_NAME

CODECS = ("lzma", "zlib")


@dataclass(frozen=True, slots=True)
class Packed:
    """A folder in canonical form: its id, the canonical bytes and what they hold."""

    id: str
    canonical: bytes
    files: int
    partial: bool
    manifest: dict[str, Any] | None


def canonical_json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def pack_folder(folder: str | Path, *, partial: bool | None = None) -> Packed:
    """Read every ``*.json`` file below ``folder`` into the canonical form.

    ``partial`` defaults to what ``manifest.json`` says (False without a manifest).
    """
    root = Path(folder)
    if not root.is_dir():
        raise SnapshotError(str(root), "no such snapshot folder")
    files: dict[str, Any] = {}
    for path in sorted(root.rglob("*.json")):
        if path.is_file() and not any(p.startswith(".") for p in path.relative_to(root).parts):
            rel = path.relative_to(root).as_posix()
            files[rel] = read_json(path, str(path))
    data = {k: v for k, v in files.items() if k != MANIFEST_NAME}
    if not data:
        raise SnapshotError(str(root), "no snapshot files (*.json) to store")
    manifest = files.get(MANIFEST_NAME)
    manifest = manifest if isinstance(manifest, dict) else None
    if partial is None:
        partial = bool(manifest and manifest.get("partial"))
    digest = hashlib.sha256(canonical_json({"files": data, "partial": partial})).hexdigest()
    return Packed(digest, canonical_json({"files": files}), len(files), partial, manifest)


def compress(canonical: bytes, codec: str = "lzma") -> bytes:
    if codec == "lzma":
        return lzma.compress(canonical, preset=6)
    if codec == "zlib":
        return zlib.compress(canonical, 9)
    raise InputError(f"unknown compression {codec!r}; expected one of {', '.join(CODECS)}")


def decompress(blob: bytes, codec: str) -> bytes:
    if codec == "lzma":
        return lzma.decompress(blob)
    if codec == "zlib":
        return zlib.decompress(blob)
    raise InputError(f"unknown compression {codec!r} in the store")


def unpack_to(canonical: bytes, out_dir: str | Path) -> list[Path]:
    """Write the files of a canonical archive below ``out_dir`` (which must be new or empty).

    Files are written indented (as the AWS CLI prints them); paths that would leave
    ``out_dir`` are refused.
    """
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out}: exists and is not an empty folder")
    files = json.loads(canonical)["files"]
    root = out.resolve()
    written: list[Path] = []
    for rel, content in files.items():
        target = (out / rel).resolve()
        if root not in target.parents:
            raise InputError(f"stored snapshot holds a path outside its folder: {rel!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", "utf-8")
        written.append(target)
    return written
