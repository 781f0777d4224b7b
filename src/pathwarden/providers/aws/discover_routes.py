"""Every active and blackhole route of one transit gateway route table.

``SearchTransitGatewayRoutes`` is a search, not a listing: one answer holds at most
``MaxResults`` routes (1,000, also the default) and says ``AdditionalRoutesAvailable`` when
there are more. Newer API models add a ``NextToken`` and botocore a paginator for it; older
ones (boto3 1.34, this project's minimum) have neither, so "more" cannot be paged through.

:func:`search_routes` therefore uses the paginator where botocore has one, and, when an answer
is still cut short without a token, splits the search by destination instead: routes that are
a ``route-search.subnet-of-match`` of a prefix, the prefix's own route by
``route-search.exact-match``, then each half of the prefix, recursively, from ``0.0.0.0/0``
and ``::/0``; prefix-list routes by ``prefix-list-id`` over the region's managed prefix
lists. Each answer is complete when it does not say ``AdditionalRoutesAvailable``. Should a
part still be cut short, the search is reported incomplete and discovery records the call as
failed (the loader then knows the table's routes are missing, rather than reading a part).

No ``MaxResults`` is sent: the default is already the maximum (and moto fails on it).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

METHOD = "search_transit_gateway_routes"
STATES: list[dict[str, Any]] = [{"Name": "state", "Values": ["active", "blackhole"]}]
FILTER_VALUES = 200  # values per filter in one request


class IncompleteSearch(Exception):
    """Some routes could not be listed (``AdditionalRoutesAvailable`` with no way to split)."""


def search_routes(client: Any, table_id: str, prefix_lists: Sequence[str] = ()
                  ) -> tuple[dict[str, Any], int]:
    """``{"Routes": [...], "AdditionalRoutesAvailable": false}`` and the number of requests.
    Raises :class:`IncompleteSearch` when the routes cannot all be listed."""
    routes: list[dict[str, Any]] = []
    requests = 0
    more = False
    if client.can_paginate(METHOD):
        for page in client.get_paginator(METHOD).paginate(
                TransitGatewayRouteTableId=table_id, Filters=STATES):
            requests += 1
            routes.extend(page.get("Routes") or [])
            more = bool(page.get("AdditionalRoutesAvailable")) and not page.get("NextToken")
    else:
        page = getattr(client, METHOD)(TransitGatewayRouteTableId=table_id, Filters=STATES)
        requests = 1
        routes.extend(page.get("Routes") or [])
        more = bool(page.get("AdditionalRoutesAvailable"))
    if more:
        split = _Split(client, table_id, requests)
        split.add(routes)
        split.run(prefix_lists)
        routes, requests = list(split.found.values()), split.requests
    return {"Routes": routes, "AdditionalRoutesAvailable": False}, requests


@dataclass
class _Split:
    client: Any
    table_id: str
    requests: int
    found: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, routes: list[dict[str, Any]]) -> None:
        for r in routes:
            key = r.get("DestinationCidrBlock") or r.get("PrefixListId") or repr(r)
            self.found.setdefault(str(key), r)

    def ask(self, name: str, values: list[str]) -> bool:
        """One search narrowed by one filter; True when its answer was cut short."""
        self.requests += 1
        page = getattr(self.client, METHOD)(
            TransitGatewayRouteTableId=self.table_id,
            Filters=[*STATES, {"Name": name, "Values": values}])
        self.add(page.get("Routes") or [])
        return bool(page.get("AdditionalRoutesAvailable"))

    def run(self, prefix_lists: Sequence[str]) -> None:
        for top in ("0.0.0.0/0", "::/0"):
            self.cidr(ipaddress.ip_network(top))
        ids = list(dict.fromkeys(prefix_lists))
        for i in range(0, len(ids), FILTER_VALUES):
            if self.ask("prefix-list-id", ids[i:i + FILTER_VALUES]):
                raise IncompleteSearch(f"{self.table_id}: more prefix-list routes than one "
                                       "search returns")

    def cidr(self, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> None:
        if not self.ask("route-search.subnet-of-match", [str(net)]):
            return
        if net.prefixlen == net.max_prefixlen:
            raise IncompleteSearch(f"{self.table_id}: more routes for {net} than one search "
                                   "returns")
        self.ask("route-search.exact-match", [str(net)])
        for half in net.subnets(prefixlen_diff=1):
            self.cidr(half)
