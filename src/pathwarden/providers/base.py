"""Helpers the providers' semantics share (the protocol itself is the engine's:
:mod:`pathwarden.engine.semantics`)."""

from __future__ import annotations

from pathwarden.model import Estate


def private_route(estate: Estate, src_network: str, dst_network: str) -> bool:
    """Same network, or networks joined by an active peering (either side may list it)."""
    if src_network == dst_network:
        return True
    a = estate.networks.get(src_network)
    b = estate.networks.get(dst_network)
    return (a is not None and dst_network in a.peers) or (
        b is not None and src_network in b.peers
    )
