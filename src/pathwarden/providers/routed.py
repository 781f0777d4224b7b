"""The routing step of the clouds whose path is two stateful chains (Azure, GCP).

A routed network's halves carry more stages: the route lookup (``part`` ``route``: at the
source for the destination address, at the destination for the source address, the reply's
lookup) and, for each forwarding appliance a lookup may send the flow to, the appliance's own
chains and lookup (``app-in|<id>``, ``app-out|<id>``, ``app-route|<id>``). The join runs both
chains as :func:`~pathwarden.engine.semantics.two_chains` does and checks where each route
goes (docs/azure-semantics.md and docs/gcp-semantics.md, "The routing step"):

- forward: ``local`` delivers to the same network, a peering to the peer network, an internet
  gateway or a gateway out of the estate to outside addresses only (the internet gateway only
  for an end that may go out: ``Ends.src_out``), a drop or no route nowhere; an appliance adds
  its inbound and outbound chains as hops, then its own lookup continues the flow (a second
  appliance is not followed: taken to forward it on);
- reply: back to a source workload by ``local`` (same network), a peering to its network, or
  an appliance whose own lookup does that; back to an outside source by anything but a drop,
  an internet gateway only for a destination reachable from outside (``Ends.dst_in``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Protocol

from pathwarden.engine.routing import ROUTE_PART, RouteBook, Taken
from pathwarden.engine.semantics import (
    DESTINATION_SLOT,
    SOURCE_SLOT,
    Half,
    HalfStage,
    Hop,
    Joined,
    Role,
    dead_end,
)
from pathwarden.engine.stages import FilterStage
from pathwarden.engine.verdicts import Decision, combine
from pathwarden.model import ALL_SERVICES, NO_SERVICES, NextHop, ServiceSet, Workload

ROUTED, OUT, IN = "routed", "out", "in"
APP_IN, APP_OUT, APP_ROUTE = "app-in", "app-out", "app-route"
Families = tuple[bool, bool]  # (IPv4, IPv6)
Item = tuple[int, HalfStage, Decision]


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


class Network(Protocol):
    """What the join and the halves need of a cloud's semantics."""

    book: RouteBook

    def routed(self, network: str) -> bool: ...

    def linked(self, a: str, b: str) -> bool:
        """Same network or an active peering (the rule where routes are not known)."""
        ...

    def appliance(self, target: str) -> Workload | None:
        """The workload a route's appliance target names (``None``: not in the snapshot)."""
        ...

    def own_chain(self, w: Workload, role: Role) -> tuple[FilterStage, ...]:
        """The workload's own chain as a source (outbound) or destination (inbound)."""
        ...

    def lookup(self, w: Workload, *, reply: bool) -> HalfStage | None: ...

    def exposure(self, w: Workload) -> tuple[Families, Families]:
        """(may go out by the internet gateway, can be reached from it), per family."""
        ...

    def forwarded(self, appliance_net: str, to_net: str) -> bool:
        """Whether traffic an appliance of one network forwards may cross into the other
        (Azure: the receiving side's ``allowForwardedTraffic``)."""
        ...


def ends(routed: Callable[[str], bool], src: Hashable, dst: Hashable,
         unrouted: Callable[[Hashable, Hashable], Hashable | None]) -> Hashable | None:
    """The link of two places ``(network, ..., out families, in families)`` (``None``:
    outside); ``unrouted(src, dst)`` where no routed network is on the way."""
    if src is None and dst is None:
        return None
    s_routed = isinstance(src, tuple) and routed(str(src[0]))
    d_routed = isinstance(dst, tuple) and routed(str(dst[0]))
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


def routing_stages(net: Network, w: Workload, role: Role) -> list[HalfStage]:
    """The stages routing adds to a half: the lookup and, per forwarding appliance it may
    send to, that appliance's chains (at the source) and lookup."""
    reply = role is Role.DESTINATION
    lookup = net.lookup(w, reply=reply)
    if lookup is None:
        return []
    out = [lookup]
    for target in net.book.targets(lookup.stage, NextHop.APPLIANCE):
        p = net.appliance(target)
        if p is None or not p.forwarding or not net.routed(p.network):
            continue
        if not reply:
            name = p.name or p.id
            for part, r in ((APP_IN, Role.DESTINATION), (APP_OUT, Role.SOURCE)):
                out.extend(HalfStage(replace(s, part=f"{part}|{p.id}",
                                             label=f"appliance {name}: {s.label}"))
                           for s in net.own_chain(p, r))
        app = net.lookup(p, reply=reply)
        if app is not None:
            out.append(HalfStage(replace(app.stage, part=f"{APP_ROUTE}|{p.id}"), reply=reply))
    return out


def join(net: Network, e: Ends, src: Half, src_decisions: tuple[Decision, ...], dst: Half,
         dst_decisions: tuple[Decision, ...]) -> Joined:
    """Both chains, the source's route (forward) and the destination's (reply)."""
    w = _Walk(net, e, src, src_decisions, dst, dst_decisions)
    ok = True
    if e.kind != IN:
        ok = w.forward() if net.routed(e.src_net) else (
            e.kind == OUT or net.linked(e.src_net, e.dst_net))
    if ok and e.kind != OUT and net.routed(e.dst_net):
        ok = w.reply()
    w.chains()
    if not ok:
        dead_end(w.hops)
    return Joined(w.opened if ok else NO_SERVICES, tuple(w.hops))


class _Walk:
    def __init__(self, net: Network, e: Ends, src: Half, sd: tuple[Decision, ...], dst: Half,
                 dd: tuple[Decision, ...]) -> None:
        self.net = net
        self.e = e
        self.src = [(i, h, d) for i, (h, d) in enumerate(zip(src.stages, sd, strict=True))]
        self.dst = [(i, h, d) for i, (h, d) in enumerate(zip(dst.stages, dd, strict=True))]
        self.hops: list[Hop] = []
        self.opened: ServiceSet = ALL_SERVICES
        self.late: list[Hop] = []  # the destination's chain and return route, after the rest

    def chains(self) -> None:
        """The two endpoints' own chains (the appliance's were added on the way)."""
        out: list[Hop] = []
        for slot, items in ((SOURCE_SLOT, self.src), (DESTINATION_SLOT, self.dst)):
            chain = []
            for i, h, d in items:
                if h.stage.part in _ROUTING or "|" in h.stage.part:
                    continue
                out.append(Hop(h.stage.label, d, (slot, i), h.stage.mode, slot))
                chain.append((h.stage.mode, d))
            if chain:
                self.opened = self.opened & combine(chain)
            if slot == SOURCE_SLOT:
                out.extend(self.hops)  # the source's own chain first, then the route
                self.hops = []
        self.hops = out + self.late

    def find(self, items: list[Item], part: str) -> list[Item]:
        return [item for item in items if item[1].stage.part == part]

    def route(self, slot: str, item: Item | None, prefix: str, into: list[Hop]
              ) -> Taken | None:
        if item is None:
            return None
        i, h, d = item
        taken = self.net.book.taken(d)
        says = taken.says() if taken else f"{h.stage.filters[0].name}: no route"
        into.append(Hop(f"{prefix} {says}", d, (slot, i)))
        return None if taken is None or taken.hop is NextHop.DROP else taken

    def forward(self) -> bool:
        taken = self.route(SOURCE_SLOT, _one(self.find(self.src, ROUTE_PART)), "route",
                           self.hops)
        return self.leg(taken, self.e.src_net, self.e.src_out, second=False)

    def leg(self, taken: Taken | None, here: str, out: Families, *, second: bool) -> bool:
        """Where a forward route goes from network ``here``."""
        if taken is None:
            return False
        hop, outside, e = taken.hop, self.e.kind == OUT, self.e
        if hop is NextHop.LOCAL:
            return outside or e.dst_net == here
        if hop is NextHop.PEERING:
            if not (outside or e.dst_net == taken.route.target):
                return False
            return not second or self.net.forwarded(here, taken.route.target)
        if hop is NextHop.APPLIANCE:
            return True if second else self.through(taken.route.target)
        if not outside:
            return False
        if hop is NextHop.INTERNET:
            return out[1] if taken.v6 else out[0]
        return hop is NextHop.GATEWAY

    def through(self, target: str) -> bool:
        """The flow through an appliance: its inbound then outbound chain, then its lookup."""
        p = self.net.appliance(target)
        if p is None:
            return True  # not in the snapshot (a notice says so): not evaluated
        if not p.forwarding:
            return False
        for part in (APP_IN, APP_OUT):
            items = self.find(self.src, f"{part}|{p.id}")
            for i, h, d in items:
                self.hops.append(Hop(h.stage.label, d, (SOURCE_SLOT, i), h.stage.mode,
                                     f"{part}|{p.id}"))
            if items:
                self.opened = self.opened & combine([(h.stage.mode, d) for _, h, d in items])
        item = _one(self.find(self.src, f"{APP_ROUTE}|{p.id}"))
        taken = self.route(SOURCE_SLOT, item, f"route (appliance {p.name or p.id})", self.hops)
        return self.leg(taken, p.network, self.net.exposure(p)[0], second=True)

    def reply(self) -> bool:
        taken = self.route(DESTINATION_SLOT, _one(self.find(self.dst, ROUTE_PART)),
                           "return route", self.late)
        if taken is None:
            return False
        if taken.hop is NextHop.APPLIANCE:
            p = self.net.appliance(taken.route.target)
            if p is None:
                return True  # not evaluated
            if not p.forwarding:
                return False
            item = _one(self.find(self.dst, f"{APP_ROUTE}|{p.id}"))
            back = self.route(DESTINATION_SLOT, item, f"return route (appliance "
                              f"{p.name or p.id})", self.late)
            return back is not None and back.hop is not NextHop.APPLIANCE and self.back(
                back, p.network, self.net.exposure(p)[1])
        return self.back(taken, self.e.dst_net, self.e.dst_in)

    def back(self, taken: Taken, here: str, exposed: Families) -> bool:
        hop, e = taken.hop, self.e
        if e.kind == ROUTED:
            if hop is NextHop.LOCAL:
                return e.src_net == here
            return hop is NextHop.PEERING and taken.route.target == e.src_net
        if hop is NextHop.INTERNET:
            return exposed[1] if taken.v6 else exposed[0]
        return hop in (NextHop.LOCAL, NextHop.PEERING, NextHop.GATEWAY, NextHop.APPLIANCE)


_ROUTING = (ROUTE_PART,)


def _one(items: list[Item]) -> Item | None:
    return items[0] if items else None
