"""What a cloud provider gives the engine: its evaluation semantics over the shared model.

Providers register in :data:`SEMANTICS` (cloud name -> factory); the engine never imports a
provider module directly, and never a cloud SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Protocol

from pathwarden.engine.stages import Chain
from pathwarden.model import AddressSet, Estate, Filter, Peer, Workload


class Semantics(Protocol):
    cloud: str

    def class_key(self, workload: Workload) -> Hashable:
        """Workloads with equal keys are evaluated by exactly the same filters."""
        ...

    def resolve(self, peer: Peer, owner: Filter) -> AddressSet:
        """The addresses a rule's peer stands for (CIDR, group members, tag members...)."""
        ...

    def address_sets(self) -> Iterable[AddressSet]:
        """Every address set any rule of this cloud uses (to build the atoms)."""
        ...

    def path(self, src: Workload | None, dst: Workload | None) -> tuple[Chain, ...] | None:
        """The chains a flow from ``src`` to ``dst`` must pass (``None``: the side is outside).

        Returns ``None`` when no flow is possible at all (no route between the networks)."""
        ...

    def platform(self) -> AddressSet:
        """Platform addresses (metadata, DNS...) that no firewall filters: never a path."""
        ...


SEMANTICS: dict[str, Callable[[Estate], Semantics]] = {}


def register(cloud: str, factory: Callable[[Estate], Semantics]) -> None:
    SEMANTICS[cloud] = factory


def private_route(estate: Estate, src: Workload, dst: Workload) -> bool:
    """Same network, or networks joined by an active peering (either side may list it).

    Routes are not modelled beyond this: a transit gateway or VPN path is not seen."""
    if src.network == dst.network:
        return True
    a = estate.networks.get(src.network)
    b = estate.networks.get(dst.network)
    return (a is not None and dst.network in a.peers) or (b is not None and src.network in b.peers)
