"""One estate from several ``--snapshot`` folders: each snapshot counted once.

- The same folder given twice (``S`` and ``S/``, a symlink to it, or ``S`` and ``S/aws`` of a
  mixed layout) is read once: folders are compared by their resolved path.
- A different folder with the same content (a copy: every workload and filter id of it was
  loaded already) is skipped as a whole; a folder that overlaps partly keeps only the
  workloads no earlier folder had. Without this, segment members would be counted twice.

Each skip is a :class:`Notice` (``duplicate-snapshot``, ``duplicate-workload``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from pathwarden.model import Estate, Notice

MAX_IDS = 3


@dataclass
class Loaded:
    """The snapshot folders read so far, in the order given, and the notices of what was
    skipped."""

    parts: list[Estate] = field(default_factory=list)
    folders: list[tuple[str, Path]] = field(default_factory=list)  # (cloud, folder) read
    notices: list[Notice] = field(default_factory=list)
    _real: dict[Path, str] = field(default_factory=dict)  # resolved folder -> as given
    _owner: dict[str, str] = field(default_factory=dict)  # workload/filter id -> folder
    _gaps: set[Path] = field(default_factory=set)  # manifests read

    def new_folder(self, folder: Path) -> bool:
        """False (with a notice) when ``folder`` resolves to one read already."""
        real = folder.resolve()
        first = self._real.get(real)
        if first is not None:
            self.notices.append(Notice(
                "duplicate-snapshot",
                f"{folder} is the same snapshot folder as {first} (given twice): read once",
                str(folder),
            ))
            return False
        self._real[real] = str(folder)
        return True

    def add(self, folder: Path, cloud: str, estate: Estate) -> None:
        """Keep ``estate`` unless an earlier folder holds all of it; drop the workloads an
        earlier folder holds."""
        label = str(folder)
        ids = [w.id for w in estate.workloads] + list(estate.filters)
        # without workloads nothing can be counted twice (filters merge by id), and loaders
        # synthesise some filters (GCP implied rules) that several snapshots share
        if estate.workloads and all(i in self._owner for i in ids):
            firsts = ", ".join(dict.fromkeys(self._owner[i] for i in ids))
            self.notices.append(Notice(
                "duplicate-snapshot",
                f"{label} holds the same workloads and rules as {firsts}: read once",
                label,
            ))
            return
        seen = [w for w in estate.workloads if w.id in self._owner]
        if seen:
            estate = replace(estate, workloads=tuple(
                w for w in estate.workloads if w.id not in self._owner))
            by_first: dict[str, list[str]] = {}
            for w in seen:
                by_first.setdefault(self._owner[w.id], []).append(w.id)
            for first, wids in by_first.items():
                more = f" and {len(wids) - MAX_IDS} more" if len(wids) > MAX_IDS else ""
                self.notices.append(Notice(
                    "duplicate-workload",
                    f"{len(wids)} workload(s) of {label} are also in {first} "
                    f"({', '.join(wids[:MAX_IDS])}{more}): each is counted once, as {first} "
                    "has it",
                    label,
                ))
        for i in ids:
            self._owner.setdefault(i, label)
        self.parts.append(estate)
        self.folders.append((cloud, folder))

    def add_gap(self, manifest: Path, gap: Estate) -> None:
        """A partial discovery's manifest, once however often its folder was given."""
        real = manifest.resolve()
        if real not in self._gaps:
            self._gaps.add(real)
            self.parts.append(gap)

    def estates(self) -> list[Estate]:
        return list(self.parts)
