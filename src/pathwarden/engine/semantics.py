"""What a cloud gives the engine: its evaluation semantics, split into the two ends of a path.

A flow from ``src`` to ``dst`` is decided by stages at the source (the source's own filters,
evaluated against the destination address: AWS security-group egress, Azure outbound NSGs, GCP
egress tiers; a route lookup of the source's subnet), stages at the destination (evaluated
against the source address) and whatever joins the two (AWS: network ACLs only when the flow
leaves its subnet, and the stateless reply over both subnets' ACLs). A provider describes each
end as a :class:`Half` and the join as :meth:`Semantics.join`; the engine evaluates every half
once per distinct address behaviour of the other end and joins halves only for distinct
combinations, which is what makes a segment-to-segment question cost about as much as its
distinct behaviours rather than its workload pairs.

Providers register a factory with :func:`register` (``pathwarden.providers`` does so for AWS,
Azure and GCP on import); the engine depends on this module and the model only.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from pathwarden.engine.stages import FilterStage
from pathwarden.engine.verdicts import Decision, Mode
from pathwarden.model import ALL_SERVICES, AddressSet, Estate, Filter, Peer, ServiceSet, Workload


class Role(Enum):
    SOURCE = "source"
    DESTINATION = "destination"


@dataclass(frozen=True, slots=True)
class HalfStage:
    """One stage of a half.

    ``reply``: evaluated on the reply packet (source and destination swapped), as AWS evaluates
    a stateless network ACL on the return path. ``joint``: the stage is not a hop of its own; the
    provider's :meth:`Semantics.join` folds the stages of both halves that carry the same tag
    into one joint hop (AWS: both subnets' ACLs on the reply make the "return path" hop). A
    joint hop must depend on the link, on those stages' decisions and on its own tag only: a
    hop tagged ``reply|<more>`` folds stages tagged ``reply``, ``<more>`` saying which of
    them (AWS: which transit gateway attachment subnets the path crossed).
    """

    stage: FilterStage
    reply: bool = False
    joint: str = ""


@dataclass(frozen=True, slots=True)
class Half:
    """The stages one end of a path contributes, in the order the flow meets them."""

    stages: tuple[HalfStage, ...] = ()
    # What :meth:`Semantics.join` needs of the half besides its decisions: each stage's part,
    # reply flag and joint tag (not its filters); kept, as the engine keys memo tables by it.
    shape: tuple[tuple[str, bool, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape",
                           tuple((h.stage.part, h.reply, h.joint) for h in self.stages))


NO_HALF = Half()


SOURCE_SLOT = "src"
DESTINATION_SLOT = "dst"
JOINT_SLOT = "joint"


@dataclass(frozen=True, slots=True)
class Hop:
    """One hop of an explained path: a label, the decision taken there, and where the decision
    comes from: ``(SOURCE_SLOT, i)`` / ``(DESTINATION_SLOT, i)`` for stage ``i`` of a half,
    ``(JOINT_SLOT, tag)`` for a joint hop.

    ``mode`` and ``chain`` say how the join used the decision: hops with the same non-empty
    ``chain`` are one :func:`verdicts.combine` chain, in hop order; a hop with chain ``""``
    stands alone (it passes its decision's ``allow``, ``always`` and ``rest``). What the path
    lets through is what every chain and lone hop lets through, and
    :func:`pathwarden.engine.walk.walk` finds from these two fields where the rest stops."""

    label: str
    decision: Decision
    slot: tuple[str, int | str]
    mode: Mode = Mode.GATE
    chain: str = ""


ROUTE_LABELS = ("route", "return route")


def dead_end(hops: list[Hop]) -> None:
    """Where a path that routing closed stops, for :func:`pathwarden.engine.walk.walk`: the
    last route hop (the route taken that does not lead on, or back) now refuses everything,
    crediting the route it took; with no route hop, a ``route`` hop that refuses everything
    is added (the ends are not linked at all)."""
    for k in range(len(hops) - 1, -1, -1):
        h = hops[k]
        if h.label.startswith(ROUTE_LABELS):
            d = h.decision
            hops[k] = Hop(h.label, Decision(deny=ALL_SERVICES, contributions=d.contributions,
                                            route=d.route), h.slot, h.mode, h.chain)
            return
    hops.append(Hop("route", Decision(deny=ALL_SERVICES), (JOINT_SLOT, "route")))


@dataclass(frozen=True, slots=True)
class Joined:
    """What a (source half, destination half) combination lets through, hop by hop."""

    open: ServiceSet
    hops: tuple[Hop, ...] = ()


class Semantics(Protocol):
    cloud: str

    def class_key(self, workload: Workload) -> Hashable:
        """Workloads with equal keys are evaluated by exactly the same stages."""
        ...

    def resolve(self, peer: Peer, owner: Filter) -> AddressSet:
        """The addresses a rule's peer stands for (CIDR, group members, tag members...)."""
        ...

    def address_sets(self) -> Iterable[AddressSet]:
        """Every address set any rule (or route) of this cloud uses (to build the atoms)."""
        ...

    def platform(self) -> AddressSet:
        """Platform addresses (metadata, DNS...) that no firewall filters: never a path."""
        ...

    def half(self, workload: Workload | None, role: Role) -> Half:
        """The stages at one end; ``None`` is an address outside the estate. Workloads of one
        class must get equal halves."""
        ...

    def place(self, workload: Workload | None) -> Hashable:
        """Where a workload sits, as far as :meth:`link` cares (its network and subnet, say);
        ``None`` for an outside address. Workloads of one class must have one place."""
        ...

    def link(self, src: Hashable, dst: Hashable) -> Hashable | None:
        """What :meth:`join` needs to know about two places together (e.g. whether the flow
        leaves the subnet), or ``None`` when no flow is possible between them at all."""
        ...

    def join(
        self,
        link: Hashable,
        src: Half,
        src_decisions: tuple[Decision, ...],
        dst: Half,
        dst_decisions: tuple[Decision, ...],
    ) -> Joined:
        """What passes, given each half's decisions (one per stage, in the half's order)."""
        ...


SEMANTICS: dict[str, Callable[[Estate], Semantics]] = {}


def register(cloud: str, factory: Callable[[Estate], Semantics]) -> None:
    SEMANTICS[cloud] = factory


def semantics_for(cloud: str) -> Callable[[Estate], Semantics] | None:
    return SEMANTICS.get(cloud)


def two_chains(
    src: Half, src_decisions: tuple[Decision, ...], dst: Half, dst_decisions: tuple[Decision, ...]
) -> Joined:
    """The join of clouds whose path is two stateful chains, one at each end (Azure, GCP): each
    chain's stages combine in order (:func:`verdicts.combine`), and both must let it through."""
    from pathwarden.engine.verdicts import combine
    hops: list[Hop] = []
    opened = ALL_SERVICES
    for slot, half, decisions in ((SOURCE_SLOT, src, src_decisions),
                                  (DESTINATION_SLOT, dst, dst_decisions)):
        chain = []
        for i, (h, d) in enumerate(zip(half.stages, decisions, strict=True)):
            hops.append(Hop(h.stage.label, d, (slot, i), h.stage.mode, slot))
            chain.append((h.stage.mode, d))
        if chain:
            opened = opened & combine(chain)
    return Joined(opened, tuple(hops))
