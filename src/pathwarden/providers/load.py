"""Offline estates: recognise the snapshot folders given with ``--snapshot`` and load them.

A folder is recognised by the files it holds (DESIGN.md, "Snapshot directory"):

- (a) one cloud's files directly in it (one account/subscription/project and region);
- (b) scope folders below it, for AWS ``<account-id>/<region>/`` (``111122223333/us-east-1``);
- (c) a mixed estate: ``aws/``, ``azure/``, ``gcp/`` below it, each laid out as (a) or (b).

Every snapshot found is loaded by its cloud's loader from :data:`SNAPSHOT_LOADERS` and the
results are merged with :meth:`Estate.merge`; references one snapshot makes to objects no
snapshot holds are then settled (:mod:`pathwarden.providers.references`: a notice each, and a
partial estate). The same snapshot given twice (the same folder by another spelling or a
symlink, or a copy holding the same workloads) is loaded once (:mod:`.duplicates`). A path
that does not exist or holds nothing recognisable is a :class:`SnapshotError` that lists the
file names expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pathwarden.errors import InputError, SnapshotError
from pathwarden.model import Estate
from pathwarden.providers.aws import load as aws_load
from pathwarden.providers.aws.route_refs import check_routing
from pathwarden.providers.azure import load as azure_load
from pathwarden.providers.duplicates import Loaded
from pathwarden.providers.gcp import load as gcp_load
from pathwarden.providers.jsondoc import gc_paused
from pathwarden.providers.references import settle


@dataclass(frozen=True, slots=True)
class Scope:
    """Where one snapshot folder sits: the names of the scope folders above it, outermost
    first (empty for files directly in the given folder). AWS: ``(account, region)``."""

    folders: tuple[str, ...] = ()

    @property
    def account(self) -> str:
        return self.folders[0] if self.folders else ""

    @property
    def region(self) -> str:
        return self.folders[1] if len(self.folders) > 1 else ""


@dataclass(frozen=True, slots=True)
class SnapshotLoader:
    """How to recognise and load one cloud's snapshot folders."""

    cloud: str
    markers: tuple[str, ...]  # any one of these files marks a snapshot folder of this cloud
    expected: tuple[str, ...]  # the file names listed when nothing is recognised
    scope_folders: tuple[re.Pattern[str], ...]  # nested layout (b), outermost first
    layout: str  # the nested layout for messages: "<account-id>/<region>/"
    load: Callable[[Path, Scope, tuple[int, int]], Estate]
    # checks that need every snapshot at once (references across accounts), run on the merge
    finish: Callable[[Estate], Estate] | None = None


def _load_aws(directory: Path, scope: Scope, ephemeral_ports: tuple[int, int]) -> Estate:
    return aws_load.read_aws_snapshot(
        directory, account=scope.account, region=scope.region, ephemeral_ports=ephemeral_ports
    )


def _load_azure(directory: Path, scope: Scope, ephemeral_ports: tuple[int, int]) -> Estate:
    return azure_load.read_azure_snapshot(directory)


def _load_gcp(directory: Path, scope: Scope, ephemeral_ports: tuple[int, int]) -> Estate:
    return gcp_load.read_gcp_snapshot(directory, project=scope.account)


AWS_ACCOUNT = re.compile(r"\d{12}")
AWS_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+")

SNAPSHOT_LOADERS: dict[str, SnapshotLoader] = {
    "aws": SnapshotLoader(
        cloud="aws",
        markers=aws_load.MARKERS,
        expected=aws_load.EXPECTED,
        scope_folders=(AWS_ACCOUNT, AWS_REGION),
        layout="<account-id>/<region>/",
        load=_load_aws,
        finish=check_routing,
    ),
    "azure": SnapshotLoader(
        cloud="azure",
        markers=azure_load.MARKERS,
        expected=azure_load.EXPECTED,
        scope_folders=(azure_load.SUBSCRIPTION_FOLDER,),
        layout="<subscription-id>/",
        load=_load_azure,
    ),
    "gcp": SnapshotLoader(
        cloud="gcp",
        markers=gcp_load.MARKERS,
        expected=gcp_load.EXPECTED,
        scope_folders=(gcp_load.PROJECT_FOLDER,),
        layout="<project-id>/",
        load=_load_gcp,
    ),
}
CLOUD_FOLDERS = ("aws", "azure", "gcp")


def load_estate(
    paths: Sequence[str | Path], *, ephemeral_ports: tuple[int, int] = (1024, 65535)
) -> Estate:
    """Load and merge every snapshot found under ``paths``."""
    lo, hi = ephemeral_ports
    if not 0 <= lo <= hi <= 65535:
        raise InputError(f"ephemeral ports {lo}-{hi}: expected 0 <= low <= high <= 65535")
    if not paths:
        raise InputError("no snapshot folder given")
    loaded = Loaded()
    with gc_paused():
        for p in paths:
            path = Path(p)
            for loader, folder, scope in find_snapshots(path):
                if loaded.new_folder(folder):
                    loaded.add(folder, loader.cloud, loader.load(folder, scope, (lo, hi)))
            for gap in _discovery_gaps(path):
                loaded.add_gap(Path(gap.sources[0]), gap)
    estate = settle(Estate.merge(loaded.estates()))
    for loader in SNAPSHOT_LOADERS.values():
        if loader.finish is not None:
            estate = loader.finish(estate)
    options = dict(estate.options)
    options["aws.ephemeral_ports"] = (lo, hi)
    notices = estate.notices + tuple(loaded.notices)
    return replace(estate, options=options, notices=notices)


def _discovery_gaps(path: Path) -> list[Estate]:
    """A partial discovery (manifest.json says so) makes the whole estate partial.

    A call that failed wrote no file, so without this a missing NACL file would silently read
    as "no NACLs". The manifest sits in the snapshot folder, in its ``aws/`` part of a mixed
    layout, or two levels up when ``path`` is one ``<account>/<region>/`` folder.
    """
    from pathwarden.providers.manifest import read_manifest

    out: list[Estate] = []
    folders = [path, *(path / cloud for cloud in CLOUD_FOLDERS)]
    if path.parent.name.isdigit() and len(path.parent.name) == 12:  # <account>/<region>/
        folders.append(path.parent.parent)
    for folder in folders:
        manifest = read_manifest(folder)
        if manifest is not None and manifest.partial:
            out.append(
                Estate(
                    partial=True,
                    notices=manifest.notices(),
                    sources=(str(folder / "manifest.json"),),
                )
            )
            break
    return out


def find_snapshots(path: Path) -> list[tuple[SnapshotLoader, Path, Scope]]:
    """Every snapshot folder below ``path`` with the loader that reads it."""
    if not path.exists():
        raise SnapshotError(str(path), f"no such directory; {_expected()}")
    if not path.is_dir():
        raise SnapshotError(str(path), f"not a directory; give the snapshot folder. {_expected()}")
    found: list[tuple[SnapshotLoader, Path, Scope]] = []
    for loader in SNAPSHOT_LOADERS.values():
        found.extend(_find_for(loader, path))
    for name in CLOUD_FOLDERS:
        sub = path / name
        if not sub.is_dir():
            continue
        cloud = SNAPSHOT_LOADERS.get(name)
        if cloud is None:
            raise SnapshotError(str(sub), f"{name} snapshots cannot be loaded by this version")
        nested = _find_for(cloud, sub)
        if not nested:
            raise SnapshotError(str(sub), f"no {name} snapshot files found; {_expected(cloud)}")
        found.extend(nested)
    if not found:
        raise SnapshotError(str(path), f"no snapshot files found; {_expected()}")
    return found


def _find_for(loader: SnapshotLoader, path: Path) -> list[tuple[SnapshotLoader, Path, Scope]]:
    """``path`` itself, or every folder below it whose name chain matches the scope folders."""
    if _is_snapshot(loader, path):
        return [(loader, path, Scope())]
    levels: list[tuple[Path, tuple[str, ...]]] = [(path, ())]
    for pattern in loader.scope_folders:
        levels = [
            (sub, (*names, sub.name)) for p, names in levels for sub in _subfolders(p, pattern)
        ]
    return [(loader, p, Scope(names)) for p, names in levels if names and _is_snapshot(loader, p)]


def _subfolders(path: Path, pattern: re.Pattern[str]) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir() and pattern.fullmatch(p.name))


def _is_snapshot(loader: SnapshotLoader, path: Path) -> bool:
    return any((path / m).is_file() for m in loader.markers)


def _expected(only: SnapshotLoader | None = None) -> str:
    loaders = [only] if only else list(SNAPSHOT_LOADERS.values())
    layouts = " or ".join(lo.layout for lo in loaders if lo.layout)
    clouds = ", ".join(f"{lo.cloud}/" for lo in loaders)
    parts = [f"{lo.cloud}: {', '.join(lo.expected)}" for lo in loaders]
    return (
        f"expected snapshot files directly in the folder, below {layouts}, or below {clouds} "
        "(" + "; ".join(parts) + ")"
    )
