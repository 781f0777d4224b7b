"""Stages: one hop of a path, as the engine evaluates it.

A provider's semantics turn a (source class, destination class) pair into *chains* of stages;
the path is open for the services every chain lets through (:func:`verdicts.combine` inside a
chain, intersection across chains). A :class:`FilterStage` evaluates one or more filters of one
kind for one direction; providers add their own stage types (AWS's stateless NACL return path)
by implementing :class:`Stage`.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Protocol

from pathwarden.engine.verdicts import Decision, Mode
from pathwarden.model import Action, Direction, Filter, FilterKind
from pathwarden.model.addresses import Family


class Context(Protocol):
    """What a stage may ask the engine: memoised filter decisions for a pair of atoms."""

    def decision(
        self, stage: FilterStage, fam: Family, src_atom: int, dst_atom: int
    ) -> Decision: ...


class Stage(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def mode(self) -> Mode: ...

    @property
    def key(self) -> Hashable: ...

    def decide(self, ctx: Context, fam: Family, src_atom: int, dst_atom: int) -> Decision: ...

    def hops(self) -> tuple[FilterStage, ...]: ...


@dataclass(frozen=True, slots=True)
class FilterStage:
    """Filters of one kind evaluated together for one direction (e.g. all SGs of an ENI)."""

    label: str
    filters: tuple[Filter, ...]
    direction: Direction
    kind: FilterKind
    default: Action = Action.DENY
    mode: Mode = Mode.GATE

    @property
    def key(self) -> Hashable:
        return (tuple(f.id for f in self.filters), self.direction, self.kind, self.default)

    def decide(self, ctx: Context, fam: Family, src_atom: int, dst_atom: int) -> Decision:
        return ctx.decision(self, fam, src_atom, dst_atom)

    def hops(self) -> tuple[FilterStage, ...]:
        return (self,)


Chain = tuple[Stage, ...]
