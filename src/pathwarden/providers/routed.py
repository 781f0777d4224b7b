"""The routing step of the clouds whose path is two stateful chains (Azure, GCP).

A routed network's halves carry one more stage, its route lookup (``part`` ``route``): at the
source for the destination address, at the destination for the source address (the reply's
lookup). The join runs both chains as :func:`~pathwarden.engine.semantics.two_chains` does and
checks where each route goes (docs/azure-semantics.md and docs/gcp-semantics.md, "The routing
step"):

- forward: ``local`` delivers to the same network, a peering to the peer network, an internet
  gateway or a gateway out of the estate to outside addresses only (the internet gateway only
  for a source that may go out: ``Ends.src_out``), a drop or no route nowhere; an appliance is
  taken to forward the flow on (its own filters are not evaluated yet);
- reply: back to a source workload by ``local`` (same network) or a peering to its network;
  back to an outside source by anything but a drop, an internet gateway only for a
  destination reachable from outside (``Ends.dst_in``: a public address).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from pathwarden.engine.routing import ROUTE_PART, RouteBook, Taken
from pathwarden.engine.semantics import DESTINATION_SLOT, SOURCE_SLOT, Half, Hop, Joined
from pathwarden.engine.verdicts import Decision, combine
from pathwarden.model import ALL_SERVICES, NO_SERVICES, NextHop, ServiceSet

ROUTED, OUT, IN = "routed", "out", "in"
Families = tuple[bool, bool]  # (IPv4, IPv6)


@dataclass(frozen=True, slots=True)
class Ends:
    """A link where a routed network is on the way: its kind, each end's network (``""``:
    outside), whether the source may leave by the internet gateway and whether the
    destination can be reached from outside, per family."""

    kind: str
    src_net: str = ""
    dst_net: str = ""
    src_out: Families = (False, False)
    dst_in: Families = (False, False)


def ends(routed: Callable[[str], bool], src: Hashable, dst: Hashable,
         unrouted: Callable[[Hashable, Hashable], Hashable | None]) -> Hashable | None:
    """The link of two places ``(network, ..., out families, in families)`` (``None``:
    outside); ``unrouted(src, dst)`` where no routed network is on the way."""
    if src is None and dst is None:
        return None
    s_routed = src is not None and routed(str(src[0]))  # type: ignore[index]
    d_routed = dst is not None and routed(str(dst[0]))  # type: ignore[index]
    if not s_routed and not d_routed:
        return unrouted(src, dst)
    if src is None:
        assert isinstance(dst, tuple)
        return Ends(IN, "", dst[0], dst_in=dst[-1])
    if dst is None:
        assert isinstance(src, tuple)
        return Ends(OUT, src[0], "", src_out=src[-2])
    assert isinstance(src, tuple) and isinstance(dst, tuple)
    return Ends(ROUTED, src[0], dst[0], src[-2], dst[-1])


def join(book: RouteBook, routed: Callable[[str], bool], linked: Callable[[str, str], bool],
         e: Ends, src: Half, src_decisions: tuple[Decision, ...], dst: Half,
         dst_decisions: tuple[Decision, ...]) -> Joined:
    """Both chains, the source's route (forward) and the destination's (reply)."""
    hops: list[Hop] = []
    opened: ServiceSet = ALL_SERVICES
    routes: dict[str, tuple[int, Decision]] = {}
    for slot, half, decisions in ((SOURCE_SLOT, src, src_decisions),
                                  (DESTINATION_SLOT, dst, dst_decisions)):
        chain = []
        for i, (h, d) in enumerate(zip(half.stages, decisions, strict=True)):
            if h.stage.part == ROUTE_PART:
                routes[slot] = (i, d)
                continue
            hops.append(Hop(h.stage.label, d, (slot, i)))
            chain.append((h.stage.mode, d))
        if chain:
            opened = opened & combine(chain)
    ok = True
    if e.kind != IN:
        if routed(e.src_net):
            ok = _forward(book, e, routes.get(SOURCE_SLOT), hops)
        else:
            ok = e.kind == OUT or linked(e.src_net, e.dst_net)
    if ok and e.kind != OUT and routed(e.dst_net):
        ok = _reply(book, e, routes.get(DESTINATION_SLOT), hops)
    return Joined(opened if ok else NO_SERVICES, tuple(hops))


def _taken(book: RouteBook, slot: str, item: tuple[int, Decision] | None, prefix: str,
           hops: list[Hop]) -> Taken | None:
    if item is None:
        return None
    i, d = item
    taken = book.taken(d)
    name = d.contributions[0].rule.filter_id if d.contributions else ""
    hops.append(Hop(f"{prefix} {taken.says() if taken else (name + ': no route').strip()}",
                    d, (slot, i)))
    return None if taken is None or taken.hop is NextHop.DROP else taken


def _forward(book: RouteBook, e: Ends, item: tuple[int, Decision] | None,
             hops: list[Hop]) -> bool:
    taken = _taken(book, SOURCE_SLOT, item, "route", hops)
    if taken is None:
        return False
    hop, outside = taken.hop, e.kind == OUT
    if hop is NextHop.LOCAL:
        return outside or e.dst_net == e.src_net
    if hop is NextHop.PEERING:
        return outside or e.dst_net == taken.route.target
    if hop is NextHop.APPLIANCE:
        return True  # not evaluated yet: the appliance is taken to forward it on
    if not outside:
        return False
    if hop is NextHop.INTERNET:
        return e.src_out[1] if taken.v6 else e.src_out[0]
    return hop is NextHop.GATEWAY


def _reply(book: RouteBook, e: Ends, item: tuple[int, Decision] | None,
           hops: list[Hop]) -> bool:
    taken = _taken(book, DESTINATION_SLOT, item, "return route", hops)
    if taken is None:
        return False
    hop = taken.hop
    if hop is NextHop.APPLIANCE:
        return True  # not evaluated yet
    if e.kind == ROUTED:
        if hop is NextHop.LOCAL:
            return e.src_net == e.dst_net
        return hop is NextHop.PEERING and taken.route.target == e.src_net
    if hop is NextHop.INTERNET:
        return e.dst_in[1] if taken.v6 else e.dst_in[0]
    return hop in (NextHop.LOCAL, NextHop.PEERING, NextHop.GATEWAY)
