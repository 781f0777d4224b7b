"""The policy as frozen value objects: :class:`Policy`, :class:`Segment`, :class:`PathRule`.

Built only by :func:`pathwarden.policy.loader.load_policy`, which validates first; every object
keeps the ``line``/``column`` it was written at, so reports (SARIF) can point into the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pathwarden.model import AddressSet, ServiceSet


class PathKind(StrEnum):
    DENY = "deny"
    ALLOW = "allow"


class Stage(StrEnum):
    """``monitor``: findings are reported, exit 0. ``enforce``: findings fail (exit 2)."""

    MONITOR = "monitor"
    ENFORCE = "enforce"


DEFAULT_STAGE = Stage.MONITOR


@dataclass(frozen=True, slots=True)
class Selector:
    """One entry of a segment's ``match`` list.

    ``cloud`` is the cloud key (``aws``) with ``criteria`` as ``(key, values)`` pairs, all of
    which must match (values OR'd); ``tags`` are ``(tag key, values)`` pairs, all of which must
    match. A CIDR selector has ``cloud == ""`` and ``cidr`` set.
    """

    cloud: str = ""
    criteria: tuple[tuple[str, tuple[str, ...]], ...] = ()
    tags: tuple[tuple[str, tuple[str, ...]], ...] = ()
    cidr: AddressSet | None = None
    cidr_text: str = ""

    def describe(self) -> str:
        if self.cidr is not None:
            return f"cidr {self.cidr_text}"
        parts = [f"tag {k}={'|'.join(v)}" for k, v in self.tags]
        parts += [f"{k} {'|'.join(v)}" for k, v in self.criteria]
        return f"{self.cloud}: " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Segment:
    name: str
    match: tuple[Selector, ...]
    owner: str = ""
    description: str = ""
    line: int = 0
    column: int = 0


@dataclass(frozen=True, slots=True)
class Approval:
    by: str
    change: str
    on: date


@dataclass(frozen=True, slots=True)
class PathRule:
    """One movement path. ``services`` is the parsed ``ports`` (all services when absent)."""

    id: str
    src: str
    dst: str
    rule: PathKind
    services: ServiceSet
    ports: tuple[str, ...] | None = None
    why: str = ""
    owner: str = ""
    approved: Approval | None = None
    expires: date | None = None
    stage: Stage = DEFAULT_STAGE
    exceptions: tuple[str, ...] = ()
    line: int = 0
    column: int = 0

    @property
    def is_deny(self) -> bool:
        return self.rule is PathKind.DENY

    def expired(self, as_of: date) -> bool:
        """The approval is valid through the day of ``expires``, lapsed the day after."""
        return self.expires is not None and self.expires < as_of


@dataclass(frozen=True, slots=True)
class Protected:
    """A ``protect`` entry: into this segment only declared allow paths may be open."""

    segment: str
    stage: Stage = DEFAULT_STAGE
    line: int = 0
    column: int = 0

    @property
    def id(self) -> str:
        """The id findings of this entry carry (``:`` never occurs in a path id)."""
        return f"protect:{self.segment}"


@dataclass(frozen=True, slots=True)
class Policy:
    file: str
    version: int
    segments: tuple[Segment, ...]
    protect: tuple[Protected, ...] = ()
    paths: tuple[PathRule, ...] = ()

    def segment(self, name: str) -> Segment | None:
        for s in self.segments:
            if s.name == name:
                return s
        return None

    def path(self, path_id: str) -> PathRule | None:
        for p in self.paths:
            if p.id == path_id:
                return p
        return None
