"""AWS VPC route tables, routes, associations and gateways from Terraform values.

Each resource edits the overlay's route tables the way the snapshot loader would have read
the result (:mod:`pathwarden.providers.aws.routes`): routes are named ``<table>:<destination>``
and their next hop follows the target attribute (``nat_gateway_id`` NAT, ``transit_gateway_id``
transit, ...; ``gateway_id`` by the id's prefix, or by the type of the resource a ``tf:``
placeholder names). Terraform semantics kept here:

- ``aws_route_table`` / ``aws_default_route_table``: inline ``route`` blocks known in the plan
  replace the table's routes; the local routes are implicit (Terraform never lists them) and
  are the VPC's CIDRs. Unknown on create and not configured: local routes only (standalone
  ``aws_route`` resources add the rest); unknown on update: unchanged; configured but
  unresolvable: local routes only, reported;
- ``aws_route`` adds or removes one route; ``aws_route_table_association`` and
  ``aws_main_route_table_association`` move subnets and the main flag;
- ``aws_internet_gateway``, ``aws_egress_only_internet_gateway``, ``aws_nat_gateway`` are
  gateways of their VPC (a NAT gateway's public IP is known only after apply unless set).

A VPC becomes ``routed`` (its routes decide its paths) when the snapshot says so, or when
Terraform knows all its tables: it manages the VPC and a route table in it, and either its
main table too or the VPC is created by this plan (then the main table AWS creates holds only
the local routes, and is added as such).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pathwarden.model import NOWHERE, AddressSet, Gateway, NextHop, Route, RouteTable
from pathwarden.model.addresses import parse_address, parse_network
from pathwarden.providers.aws.routes import next_hop
from pathwarden.terraform.plan import Resource, split_address
from pathwarden.terraform.world import PLACEHOLDER, World

TARGETS: tuple[tuple[str, NextHop | None], ...] = (
    ("nat_gateway_id", NextHop.NAT),
    ("transit_gateway_id", NextHop.TRANSIT),
    ("vpc_peering_connection_id", NextHop.PEERING),
    ("egress_only_gateway_id", NextHop.EGRESS_ONLY),
    ("network_interface_id", NextHop.APPLIANCE),
    ("instance_id", NextHop.APPLIANCE),
    ("gateway_id", None),
    ("vpc_endpoint_id", NextHop.GATEWAY),
    ("local_gateway_id", NextHop.GATEWAY),
    ("carrier_gateway_id", NextHop.GATEWAY),
    ("core_network_arn", NextHop.GATEWAY),
)
BY_TYPE = {  # the hop a tf:ADDRESS placeholder stands for, by resource type
    "aws_internet_gateway": NextHop.INTERNET,
    "aws_egress_only_internet_gateway": NextHop.EGRESS_ONLY,
    "aws_nat_gateway": NextHop.NAT,
    "aws_ec2_transit_gateway": NextHop.TRANSIT,
    "aws_vpc_peering_connection": NextHop.PEERING,
    "aws_network_interface": NextHop.APPLIANCE,
    "aws_instance": NextHop.APPLIANCE,
    "aws_vpn_gateway": NextHop.GATEWAY,
    "aws_vpc_endpoint": NextHop.GATEWAY,
}
INLINE_DESTINATIONS = ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id")
DESTINATIONS = ("destination_cidr_block", "destination_ipv6_cidr_block",
                "destination_prefix_list_id")


def hop_of(kind: NextHop | None, target: str) -> NextHop | None:
    if kind is not None:
        return kind
    if target.startswith(PLACEHOLDER):
        parts = split_address(target.removeprefix(PLACEHOLDER))
        return BY_TYPE.get(parts[-2]) if len(parts) >= 2 else None
    return next_hop(target)


def addresses_of(world: World, text: str) -> AddressSet:
    if text.startswith("pl-") or text.startswith(PLACEHOLDER):
        pl = world.prefix_lists.get(text)
        return pl.addresses if pl is not None else NOWHERE
    return AddressSet.of_network(parse_network(text))


def local_routes(world: World, table: str, vpc: str) -> tuple[Route, ...]:
    net = world.networks.get(vpc)
    cidrs = net.cidrs.describe() if net is not None else []
    return tuple(Route(f"{table}:{c}", c, AddressSet.parse(c), NextHop.LOCAL, "local",
                       origin="CreateRouteTable") for c in cidrs)


class AwsRoutes:
    def __init__(self, world: World, label: str) -> None:
        self.world = world
        self.label = label

    # -- one route ---------------------------------------------------------------------------
    def build(self, r: Resource, table: str, keys: tuple[str, ...], where: str,
              item: Mapping[str, Any] | None = None, unk: Mapping[str, Any] | None = None,
              expr: Mapping[str, Any] | None = None) -> Route | None:
        """The route a resource (``item`` None) or an inline block describes, or None (with
        the reason reported) when its destination or target is not known."""
        w = self.world

        def vals(attr: str) -> tuple[list[str], bool]:
            sub = (expr or {}).get(attr) if item is not None else None
            got, complete = w.values(r, attr, item, (unk or {}).get(attr), sub)
            return list(dict.fromkeys(str(v) for v in got if v)), complete

        found = [(key, *vals(key)) for key in keys]
        destination = next((got[0] for _, got, _ in found if got), "")
        if not destination:
            unknown = [key for key, _, complete in found if not complete]
            if unknown:
                w.assume(r, f"{where}{unknown[0]}", "not evaluated: the destination is unknown")
            return None
        if len(found[0][1]) > 1 or any(len(got) > 1 for _, got, _ in found[1:]):
            w.assume(r, f"{where}destination", "not evaluated: the destination is ambiguous")
            return None
        for attr, kind in TARGETS:
            got, _ = vals(attr)
            if len(got) > 1:
                w.assume(r, f"{where}{attr}", f"not evaluated: one of {', '.join(got[:3])}")
                return None
            if got:
                hop = hop_of(kind, got[0])
                if hop is None:
                    break
                return Route(f"{table}:{destination}", destination,
                             addresses_of(w, destination), hop, got[0], origin="CreateRoute")
        w.assume(r, f"{where}target", "not evaluated: the route's target is unknown")
        return None

    def _put(self, table: str, route: Route, address: str) -> None:
        t = self.world.route_tables.get(table)
        if t is None:
            t = RouteTable(table, "aws", "vpc", ())
        kept = tuple(x for x in t.routes if x.id != route.id)
        self.world.route_tables[table] = replace(t, routes=(*kept, route))
        self.world.origin[route.id] = address

    def one(self, r: Resource, attr: str, what: str) -> str:
        """The attribute's one value; "" (reported, when ``what`` is given) when it is not
        known or could be any of several."""
        text, why = self.world.one(r, attr)
        if not text and why and what:
            self.world.assume(r, attr, f"not evaluated: {what} is {why}")
        return text

    # -- resources ---------------------------------------------------------------------------
    def route_table(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if w.deleted(w.route_tables, before, after):
            return
        assert after is not None
        default = after.type == "aws_default_route_table"
        tid = w.id_of(after)
        if default:
            value, known = w.value(after, "default_route_table_id")
            tid = str(value) if known and value else tid
        old = w.route_tables.get(tid)
        network = w.one(after, "vpc_id")[0] or (old.network if old else "")
        if default and not network and w.refs is not None:  # the VPC whose default it is
            refs, _ = w.refs.refs(after.address, "default_route_table_id")
            network = next((w.ids[x.address] for x in refs if x.address in w.ids
                            and split_address(x.address)[-2] == "aws_vpc"), "")
        if not network:
            w.assume(after, "vpc_id", "its VPC is unknown: no local routes, and the VPC's "
                                      "routes are not taken as complete")
        local = tuple(x for x in old.routes if x.next_hop is NextHop.LOCAL) if old else ()
        local = local or local_routes(w, tid, network)
        items = after.values.get("route")
        unknown = after.unknown.get("route") is True or after.unknown.get("*") is True
        if isinstance(items, list) and not unknown:
            routes = local + tuple(self._inline(after, tid, items))
        elif old is not None and (before is not None or (items is None and not unknown)):
            routes = old.routes  # an update that leaves them, or a state that does not say
        else:
            if w.refs is not None and w.refs.is_configured(after.address, "route"):
                w.assume(after, "route", "not evaluated: only the local routes are known")
            routes = local
        w.route_tables[tid] = RouteTable(
            tid, "aws", "vpc", routes, network=network, main=default or bool(old and old.main),
            subnets=old.subnets if old else (), account=old.account if old else "",
            region=old.region if old else "", name=_name(after) or (old.name if old else ""))
        w.origin[tid] = after.address
        for x in routes:
            w.origin.setdefault(x.id, after.address)

    def _inline(self, r: Resource, tid: str, items: list[Any]) -> list[Route]:
        flags = r.unknown.get("route")
        exprs = self.world.refs.expression(r.address, "route") if self.world.refs else None
        out: list[Route] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            unk = flags[i] if isinstance(flags, list) and i < len(flags) else {}
            expr = exprs[i] if isinstance(exprs, list) and i < len(exprs) else {}
            route = self.build(r, tid, INLINE_DESTINATIONS, f"route[{i}].", item,
                               unk if isinstance(unk, dict) else {},
                               expr if isinstance(expr, dict) else {})
            if route is not None:
                out.append(route)
        return out

    def route(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if before is not None:
            tid = w.one(before, "route_table_id")[0]
            dest = next((str(before.values[k]) for k in DESTINATIONS if before.values.get(k)), "")
            t = w.route_tables.get(tid)
            if t is not None and dest:
                rid = f"{t.id}:{dest}"
                w.route_tables[t.id] = replace(t, routes=tuple(x for x in t.routes if x.id != rid))
        if after is not None:
            table = self.one(after, "route_table_id", "the route table")
            route = self.build(after, table, DESTINATIONS, "") if table else None
            if route is not None:
                self._put(table, route, after.address)

    def association(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        for r, add in ((before, False), (after, True)):
            if r is None:
                continue
            gateway = w.one(r, "gateway_id")[0]
            tid = self.one(r, "route_table_id", "the route table" if add else "")
            if gateway:
                if add:
                    w.notices.append(_notice(r, f"{tid} is a gateway route table of {gateway}: "
                                                "read, but paths do not use it"))
                continue
            subnet = self.one(r, "subnet_id", "the subnet" if add else "")
            if tid and subnet:
                self._associate(subnet, tid if add else "", r.address)

    def _associate(self, subnet: str, tid: str, address: str) -> None:
        w = self.world
        for t in list(w.route_tables.values()):
            if subnet in t.subnets and t.id != tid:
                w.route_tables[t.id] = replace(t, subnets=tuple(s for s in t.subnets
                                                                if s != subnet))
        if tid:
            t = w.route_tables.get(tid) or RouteTable(tid, "aws", "vpc", ())
            if subnet not in t.subnets:
                w.route_tables[tid] = replace(t, subnets=(*t.subnets, subnet))
        s = w.subnets.get(subnet)
        if s is not None:
            w.subnets[subnet] = replace(s, route_table=tid)
        w.origin[f"{subnet}:route_table"] = address

    def main_association(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if after is None:
            assert before is not None
            original = w.one(before, "original_route_table_id")[0]
            if original in w.route_tables:
                self._make_main(original)
            return
        tid = self.one(after, "route_table_id", "the route table")
        if tid:
            self._make_main(tid)

    def _make_main(self, tid: str) -> None:
        w = self.world
        table = w.route_tables.get(tid) or RouteTable(tid, "aws", "vpc", ())
        for t in list(w.route_tables.values()):
            if t.main and t.network == table.network and t.id != tid:
                w.route_tables[t.id] = replace(t, main=False)
        w.route_tables[tid] = replace(table, main=True)

    def gateway(self, before: Resource | None, after: Resource | None) -> None:
        """``aws_internet_gateway``, ``aws_egress_only_internet_gateway``, ``aws_nat_gateway``."""
        w = self.world
        if w.deleted(w.gateways, before, after):
            return
        assert after is not None
        gid = w.id_of(after)
        old = w.gateways.get(gid)
        kind = BY_TYPE[after.type]
        subnet, public = "", NOWHERE
        if kind is NextHop.NAT:
            subnet = self.one(after, "subnet_id", "the subnet") or (old.subnet if old else "")
            s = w.subnets.get(subnet)
            vpc = s.network if s else (old.network if old else "")
            ip = w.one(after, "public_ip")[0]
            if ip:
                public = AddressSet.of_ips([parse_address(ip)])
        else:
            vpc, why = w.one(after, "vpc_id")
            if why:
                w.assume(after, "vpc_id", f"its VPC is {why}: not attached to any")
            vpc = vpc or (old.network if old else "")
        w.gateways[gid] = Gateway(gid, "aws", kind, vpc, subnet, public,
                                  account=old.account if old else "",
                                  region=old.region if old else "")
        w.origin[gid] = after.address

    # -- which VPCs Terraform knows every table of -------------------------------------------
    def finish(self) -> None:
        w = self.world
        w.routed.clear()
        for address, r in w.resources.items():
            if r.type != "aws_vpc":
                continue
            vpc = w.id_of(r)
            if vpc not in w.networks:
                continue  # deleted, or not yet created (the estate before the plan)
            tables = [t for t in w.route_tables.values() if t.kind == "vpc" and t.network == vpc]
            if not tables:
                continue
            if not any(t.main for t in tables) and vpc.startswith(PLACEHOLDER):
                tid = w.one(r, "main_route_table_id")[0] or (
                    f"{PLACEHOLDER}{address}.main_route_table")
                w.route_tables[tid] = RouteTable(tid, "aws", "vpc", local_routes(w, tid, vpc),
                                                 network=vpc, main=True)
                w.origin[tid] = address
            if any(t.main for t in w.route_tables.values() if t.network == vpc):
                w.routed.add(vpc)


def _name(r: Resource) -> str:
    tags = r.values.get("tags")
    return str(tags.get("Name") or "") if isinstance(tags, dict) else ""


def _notice(r: Resource, message: str) -> Any:
    from pathwarden.model import Notice

    return Notice("terraform", message, r.address)
