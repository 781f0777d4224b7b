"""Route tables, transit-gateway attachments and gateways as JSON, and back, exactly.

Part of the normalised estate document (:mod:`pathwarden.model.serialize`): ``route_tables``,
``attachments`` and ``gateways`` are objects keyed by id. A table's ``routes`` stay a list in
the table's order: one destination may have several routes (a transit route spread over
several attachments), so a route id is not a key. Address sets are lists of CIDRs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pathwarden.model.addresses import AddressSet
from pathwarden.model.routes import Attachment, Gateway, NextHop, Route, RouteTable

Json = dict[str, Any]


def route_json(r: Route) -> Json:
    return {
        "id": r.id, "destination": r.destination, "addresses": r.addresses.describe(),
        "next_hop": r.next_hop.value, "target": r.target, "priority": r.priority,
        "tags": list(r.tags), "state": r.state, "origin": r.origin,
    }


def route_from_json(d: Mapping[str, Any]) -> Route:
    return Route(
        id=d["id"], destination=d["destination"], addresses=AddressSet.from_cidrs(d["addresses"]),
        next_hop=NextHop(d["next_hop"]), target=d.get("target", ""),
        priority=int(d.get("priority", 0)), tags=tuple(d.get("tags", [])),
        state=d.get("state", "active"), origin=d.get("origin", ""),
    )


def route_table_json(t: RouteTable) -> Json:
    return {
        "cloud": t.cloud, "kind": t.kind, "routes": [route_json(r) for r in t.routes],
        "network": t.network, "main": t.main, "subnets": list(t.subnets), "gateway": t.gateway,
        "attachments": list(t.attachments), "account": t.account, "region": t.region,
        "name": t.name,
    }


def route_table_from_json(tid: str, d: Mapping[str, Any]) -> RouteTable:
    return RouteTable(
        id=tid, cloud=d["cloud"], kind=d["kind"],
        routes=tuple(route_from_json(r) for r in d.get("routes", [])),
        network=d.get("network", ""), main=bool(d.get("main", False)),
        subnets=tuple(d.get("subnets", [])), gateway=d.get("gateway", ""),
        attachments=tuple(d.get("attachments", [])), account=d.get("account", ""),
        region=d.get("region", ""), name=d.get("name", ""),
    )


def attachment_json(a: Attachment) -> Json:
    return {
        "gateway": a.gateway, "kind": a.kind, "resource": a.resource, "subnets": list(a.subnets),
        "route_table": a.route_table, "state": a.state, "account": a.account,
        "region": a.region,
    }


def attachment_from_json(aid: str, d: Mapping[str, Any]) -> Attachment:
    return Attachment(
        id=aid, gateway=d["gateway"], kind=d["kind"], resource=d.get("resource", ""),
        subnets=tuple(d.get("subnets", [])), route_table=d.get("route_table", ""),
        state=d.get("state", "available"), account=d.get("account", ""),
        region=d.get("region", ""),
    )


def gateway_json(g: Gateway) -> Json:
    return {
        "cloud": g.cloud, "kind": g.kind.value, "network": g.network, "subnet": g.subnet,
        "public": g.public.describe(), "state": g.state, "account": g.account,
        "region": g.region, "association_table": g.association_table,
        "propagation_table": g.propagation_table,
    }


def gateway_from_json(gid: str, d: Mapping[str, Any]) -> Gateway:
    return Gateway(
        id=gid, cloud=d["cloud"], kind=NextHop(d["kind"]), network=d.get("network", ""),
        subnet=d.get("subnet", ""), public=AddressSet.from_cidrs(d.get("public", [])),
        state=d.get("state", "available"), account=d.get("account", ""),
        region=d.get("region", ""), association_table=d.get("association_table", ""),
        propagation_table=d.get("propagation_table", ""),
    )


def routing_json(route_tables: Mapping[str, RouteTable], attachments: Mapping[str, Attachment],
                 gateways: Mapping[str, Gateway]) -> Json:
    """The three routing members of the estate document."""
    return {
        "route_tables": {tid: route_table_json(t) for tid, t in route_tables.items()},
        "attachments": {aid: attachment_json(a) for aid, a in attachments.items()},
        "gateways": {gid: gateway_json(g) for gid, g in gateways.items()},
    }


def routing_from_json(d: Mapping[str, Any]) -> Json:
    """Keyword arguments for :class:`~pathwarden.model.Estate` (absent members: empty, as in
    documents written before routes were part of the estate)."""
    return {
        "route_tables": {tid: route_table_from_json(tid, t)
                         for tid, t in d.get("route_tables", {}).items()},
        "attachments": {aid: attachment_from_json(aid, a)
                        for aid, a in d.get("attachments", {}).items()},
        "gateways": {gid: gateway_from_json(gid, g) for gid, g in d.get("gateways", {}).items()},
    }
