"""Route tables as stages: a route lookup is a filter whose rules are routes.

A table becomes a :class:`~pathwarden.model.Filter` of kind ``route``: one rule per
(route, destination CIDR), matching the flow's destination (on the reply: the original
source), ranked so the lowest ``order`` is the most specific prefix, then the cloud's
tie-break. The engine evaluates it like any stage, per distinct address behaviour; its
:class:`~pathwarden.engine.verdicts.Decision` names the route taken (``Decision.route``), and
the provider's join reads where that route goes (:meth:`RouteBook.taken`) and decides whether
the flow is delivered. A prefix list or service tag destination matches with the prefix length
of its entry that holds the address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from pathwarden.engine.stages import FilterStage
from pathwarden.engine.verdicts import Decision
from pathwarden.model import (
    ALL_SERVICES,
    Action,
    AddressSet,
    Direction,
    Filter,
    FilterKind,
    NextHop,
    Peer,
    PeerKind,
    PrefixList,
    Route,
    RouteTable,
    Rule,
)
from pathwarden.model.addresses import parse_network

ROUTE_PART = "route"
TIES = 1 << 20  # room for a cloud's tie-break (GCP priorities are 0..65535) below one prefix


@dataclass(frozen=True, slots=True)
class Taken:
    """The route a lookup took, and the table it is in."""

    table: RouteTable
    route: Route

    @property
    def hop(self) -> NextHop:
        return self.route.next_hop

    @property
    def v6(self) -> bool:
        return bool(self.route.addresses.v6) and not self.route.addresses.v4

    def says(self) -> str:
        """``rtb-0a1: 10.2.0.0/16 -> tgw-0b2``, as explanations name the hop (a resource
        path, as Azure and GCP ids are, by its name)."""
        return (f"{_short(self.table.id, self.table.name)}: {self.route.destination} -> "
                f"{_short(self.route.target) or self.hop.value}")


def _short(ident: str, name: str = "") -> str:
    if "/" not in ident:
        return ident
    return name or ident.rstrip("/").rsplit("/", 1)[-1]


def rank(prefixlen: int, tie: int = 0) -> int:
    """The rule order of a destination of ``prefixlen`` bits: longer prefixes first."""
    return (129 - prefixlen) * TIES + tie


def blocks(route: Route, prefix_lists: Mapping[str, PrefixList]) -> list[str]:
    """The CIDRs a route's destination stands for, each with its own prefix length: the
    destination itself, a prefix list's (or service tag's) entries, else the address set cut
    into CIDR blocks."""
    try:
        parse_network(route.destination)
        return [route.destination]
    except ValueError:
        pass
    listed = prefix_lists.get(route.destination)
    if listed is not None and listed.entries:
        return list(listed.entries)
    out: list[str] = []
    for net in route.addresses.networks():
        out.append(str(net))
    return out


def prefixlen(cidr: str) -> int:
    return ipaddress.ip_network(cidr, strict=False).prefixlen


class RouteBook:
    """One cloud's route lookups: a filter (and its stages) per table or per combination of
    tables a provider looks up together, and the route behind each rule id."""

    def __init__(self, cloud: str, prefix_lists: Mapping[str, PrefixList]) -> None:
        self.cloud = cloud
        self.prefix_lists = prefix_lists
        self._routes: dict[str, Taken] = {}
        self._filters: dict[Hashable, Filter] = {}
        self._stages: dict[tuple[Hashable, bool], FilterStage] = {}

    def filter(self, key: Hashable, name: str,
               routes: Iterable[tuple[RouteTable, Route, int]]) -> Filter:
        """The lookup over ``routes`` (each with its table and tie-break rank, lower wins at
        equal prefix), built once per ``key``. Inactive routes are not looked up."""
        hit = self._filters.get(key)
        if hit is None:
            rules: list[Rule] = []
            seen: set[str] = set()
            for table, r, tie in routes:
                if r.state == "inactive" or r.id in seen:
                    continue  # a route listed twice (ECMP targets): the first is taken
                seen.add(r.id)
                self._routes.setdefault(r.id, Taken(table, r))
                action = Action.DENY if r.next_hop is NextHop.DROP else Action.ALLOW
                says = f"{r.destination} -> {r.target or r.next_hop.value}"
                for cidr in blocks(r, self.prefix_lists):
                    rules.append(Rule(r.id, table.id, action, Direction.EGRESS, ALL_SERVICES,
                                      dst=(Peer(PeerKind.CIDR, cidr),),
                                      order=rank(prefixlen(cidr), tie), route=says))
            hit = self._filters[key] = Filter(f"route:{key}", FilterKind.ROUTE, self.cloud,
                                              tuple(rules), name=name)
        return hit

    def stage(self, key: Hashable, name: str, routes: Iterable[tuple[RouteTable, Route, int]],
              *, reply: bool = False) -> FilterStage:
        """The lookup as a stage: ``route table NAME`` (forward) or ``return route table
        NAME`` (the reply's lookup, made at the destination for the source address)."""
        hit = self._stages.get((key, reply))
        if hit is None:
            f = self.filter(key, name, routes)
            label = f"{'return ' if reply else ''}route table {name}"
            hit = self._stages[(key, reply)] = FilterStage(
                label, (f,), Direction.EGRESS, FilterKind.ROUTE, part=ROUTE_PART,
                digest=f"{f.id}|{reply}")
        return hit

    def taken(self, decision: Decision) -> Taken | None:
        """The route a lookup's decision took (``None``: no route)."""
        return self._routes.get(decision.route) if decision.route else None

    def targets(self, stage: FilterStage, hop: NextHop) -> list[str]:
        """The targets of the routes of one kind a lookup stage may take, in route order."""
        out: dict[str, None] = {}
        for f in stage.filters:
            for r in f.rules:
                t = self._routes.get(r.id)
                if t is not None and t.hop is hop:
                    out.setdefault(t.route.target, None)
        return list(out)



def table_sets(tables: Iterable[RouteTable], prefix_lists: Mapping[str, PrefixList]
               ) -> Iterable[AddressSet]:
    """Every destination block of these tables' routes (the engine's atoms must not straddle
    a route's boundary)."""
    seen: set[str] = set()
    for t in tables:
        for r in t.routes:
            for cidr in blocks(r, prefix_lists):
                if cidr not in seen:
                    seen.add(cidr)
                    yield AddressSet.parse(cidr)
