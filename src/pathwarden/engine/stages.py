"""Stages: one hop of a path, as the engine evaluates it.

A :class:`FilterStage` evaluates one or more filters of one kind for one direction (all
security groups of an ENI, one NSG, one GCP policy tier); the engine turns it into a
:class:`~pathwarden.engine.verdicts.Decision` for a pair of address atoms, memoised. Providers
arrange stages into the two halves of a path (:mod:`pathwarden.engine.semantics`).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from pathwarden.engine.verdicts import Mode
from pathwarden.model import Action, Direction, Filter, FilterKind


@dataclass(frozen=True, slots=True)
class FilterStage:
    """Filters of one kind evaluated together for one direction.

    ``part`` is the provider's name for what the stage is (``sg``, ``nacl``, ``nsg``, ``tier``
    ...), so its join can tell stages apart without looking at filters. ``digest``, when given,
    is the stage's identity in the memo tables (a short string hashes faster than a tuple of
    many filter ids).
    """

    label: str
    filters: tuple[Filter, ...]
    direction: Direction
    kind: FilterKind
    default: Action = Action.DENY
    mode: Mode = Mode.GATE
    part: str = ""
    digest: str = ""

    @property
    def key(self) -> Hashable:
        if self.digest:
            return self.digest
        return (tuple(f.id for f in self.filters), self.direction, self.kind, self.default)


@dataclass(frozen=True, slots=True)
class SlotPlan:
    """How the engine evaluates one stage of a half (see ``Engine.plan``)."""

    sid: int
    stage: FilterStage
    other_is_src: bool  # the rules' source side faces the other end of the path
    own_used: bool  # the decision depends on the own end's address too


@dataclass(frozen=True, slots=True)
class Plan:
    slots: tuple[SlotPlan, ...]
    uses_own: bool
