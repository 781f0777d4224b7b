"""AWS transit gateways, their attachments, route tables and routes from Terraform values.

What the snapshot loader reads from ``describe-transit-gateway-*`` (:mod:`pathwarden.providers
.aws.transit`), built from the plan instead (tgw-route-tables.md for the AWS behaviour):

- ``aws_ec2_transit_gateway``: a transit :class:`Gateway`; with
  ``default_route_table_association``/``_propagation`` enabled (the default) its default
  route table, ``tf:ADDRESS.default_route_table`` until apply names it;
- ``aws_ec2_transit_gateway_vpc_attachment``: an :class:`Attachment` of its VPC and subnets,
  associated with the TGW's default association table and propagating the VPC's CIDRs into its
  default propagation table, unless ``transit_gateway_default_route_table_association`` /
  ``_propagation`` is false;
- ``aws_ec2_transit_gateway_route_table``: a transit :class:`RouteTable`;
- ``aws_ec2_transit_gateway_route``: one static route (``blackhole`` drops);
- ``..._route_table_association`` / ``..._route_table_propagation``: the attachment's table,
  and propagated routes (``origin`` ``propagated``) for the attached VPC's CIDRs.

Deleting an attachment removes its associations and propagated routes; static routes to it
are kept as drops (nothing is left to carry them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pathwarden.model import AddressSet, Attachment, Gateway, NextHop, Route, RouteTable
from pathwarden.model.addresses import parse_network
from pathwarden.terraform.plan import Resource
from pathwarden.terraform.world import PLACEHOLDER, World


class AwsTransit:
    def __init__(self, world: World, label: str) -> None:
        self.world = world
        self.label = label

    def _text(self, r: Resource, attr: str, why: str = "") -> str:
        text, unknown = self.world.one(r, attr)
        if not text and unknown and why:
            self.world.assume(r, attr, f"not evaluated: {why} ({unknown})")
        return text

    def _flag(self, r: Resource, attr: str) -> bool:
        """A ``true``-by-default boolean (``null`` or unknown: the provider's default)."""
        return r.values.get(attr) is not False

    def _table(self, tid: str, gateway: str = "") -> RouteTable:
        return self.world.route_tables.get(tid) or RouteTable(tid, "aws", "transit", (),
                                                               gateway=gateway)

    # -- transit gateways and tables -----------------------------------------------------------
    def transit_gateway(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if w.deleted(w.gateways, before, after):
            return
        assert after is not None
        gid = w.id_of(after)
        old = w.gateways.get(gid)
        default = f"{PLACEHOLDER}{after.address}.default_route_table"
        tables = []
        for flag, attr in (("default_route_table_association",
                            "association_default_route_table_id"),
                           ("default_route_table_propagation",
                            "propagation_default_route_table_id")):
            enabled = after.values.get(flag) != "disable"
            tables.append((self._text(after, attr) or default) if enabled else "")
        for tid in {t for t in tables if t}:
            w.route_tables[tid] = replace(self._table(tid, gid), gateway=gid)
            w.origin.setdefault(tid, after.address)
        w.gateways[gid] = Gateway(gid, "aws", NextHop.TRANSIT,
                                  account=old.account if old else "",
                                  region=old.region if old else "",
                                  association_table=tables[0], propagation_table=tables[1])
        w.origin[gid] = after.address

    def transit_table(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if w.deleted(w.route_tables, before, after):
            return
        assert after is not None
        tid = w.id_of(after)
        gateway = self._text(after, "transit_gateway_id", "the transit gateway is unknown")
        w.route_tables[tid] = replace(self._table(tid, gateway),
                                      gateway=gateway or self._table(tid).gateway)
        w.origin[tid] = after.address

    # -- attachments ---------------------------------------------------------------------------
    def vpc_attachment(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if after is None:
            assert before is not None
            self._detach(w.id_of(before))
            return
        aid = w.id_of(after)
        old = w.attachments.get(aid)
        gid = self._text(after, "transit_gateway_id", "the transit gateway is unknown")
        vpc = self._text(after, "vpc_id", "the VPC is unknown")
        subnets, _ = w.values(after, "subnet_ids")
        gw = w.gateways.get(gid)
        table = old.route_table if old else ""
        if self._flag(after, "transit_gateway_default_route_table_association"):
            if gw is None:
                w.assume(after, "transit_gateway_default_route_table_association",
                         "not evaluated: the transit gateway's default table is unknown")
            table = (gw.association_table if gw else "") or table
        w.attachments[aid] = Attachment(
            aid, gid, "vpc", vpc, tuple(str(s) for s in subnets if s), "",
            account=old.account if old else "", region=old.region if old else "")
        w.origin[aid] = after.address
        if table:
            self._associate(aid, table)
        if gw is not None and gw.propagation_table and self._flag(
                after, "transit_gateway_default_route_table_propagation"):
            self._propagate(after, aid, gw.propagation_table)

    def _detach(self, aid: str) -> None:
        w = self.world
        w.attachments.pop(aid, None)
        for t in list(w.route_tables.values()):
            if t.kind != "transit":
                continue
            routes = tuple(
                replace(x, next_hop=NextHop.DROP, state="blackhole")
                if x.target == aid and x.next_hop is NextHop.ATTACHMENT else x
                for x in t.routes if not (x.target == aid and x.origin == "propagated"))
            w.route_tables[t.id] = replace(
                t, routes=routes, attachments=tuple(a for a in t.attachments if a != aid))

    def _associate(self, aid: str, tid: str) -> None:
        w = self.world
        att = w.attachments.get(aid)
        if att is not None and att.route_table and att.route_table != tid:
            self._disassociate(aid, att.route_table)
        if att is not None:
            w.attachments[aid] = replace(att, route_table=tid)
        t = self._table(tid, att.gateway if att else "")
        if aid not in t.attachments:
            w.route_tables[tid] = replace(t, attachments=tuple(sorted((*t.attachments, aid))))

    def _disassociate(self, aid: str, tid: str) -> None:
        w = self.world
        att = w.attachments.get(aid)
        if att is not None and att.route_table == tid:
            w.attachments[aid] = replace(att, route_table="")
        t = w.route_tables.get(tid)
        if t is not None:
            w.route_tables[tid] = replace(t, attachments=tuple(a for a in t.attachments
                                                               if a != aid))

    def _propagate(self, r: Resource, aid: str, tid: str) -> None:
        w = self.world
        att = w.attachments.get(aid)
        net = w.networks.get(att.resource) if att and att.kind == "vpc" else None
        if net is None or not net.cidrs:
            w.assume(r, "transit_gateway_attachment_id",
                     "not evaluated: the attached network's CIDRs are unknown, so are the "
                     "routes it propagates")
            return
        t = self._table(tid, att.gateway if att else "")
        new = tuple(Route(f"{tid}:{c}", c, AddressSet.parse(c), NextHop.ATTACHMENT, aid,
                          origin="propagated") for c in net.cidrs.describe())
        kept = tuple(x for x in t.routes if not (x.origin == "propagated" and x.target == aid))
        w.route_tables[tid] = replace(t, routes=kept + new)
        for x in new:
            w.origin[x.id] = r.address

    def _unpropagate(self, aid: str, tid: str) -> None:
        t = self.world.route_tables.get(tid)
        if t is not None:
            self.world.route_tables[tid] = replace(t, routes=tuple(
                x for x in t.routes if not (x.origin == "propagated" and x.target == aid)))

    def association(self, before: Resource | None, after: Resource | None) -> None:
        self._pair(before, after, self._associate, self._disassociate)

    def propagation(self, before: Resource | None, after: Resource | None) -> None:
        def add(aid: str, tid: str) -> None:
            assert after is not None
            self._propagate(after, aid, tid)

        self._pair(before, after, add, self._unpropagate)

    def _pair(self, before: Resource | None, after: Resource | None,
              add: Callable[[str, str], None], remove: Callable[[str, str], None]) -> None:
        for r, fn in ((before, remove), (after, add)):
            if r is None:
                continue
            why = "the attachment or route table is unknown" if r is after else ""
            aid = self._text(r, "transit_gateway_attachment_id", why)
            tid = self._text(r, "transit_gateway_route_table_id", why)
            if aid and tid:
                fn(aid, tid)

    # -- static routes -------------------------------------------------------------------------
    def transit_route(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        for r, add in ((before, False), (after, True)):
            if r is None:
                continue
            tid = self._text(r, "transit_gateway_route_table_id",
                             "the route table is unknown" if add else "")
            dest = self._text(r, "destination_cidr_block",
                              "the destination is unknown" if add else "")
            if not tid or not dest:
                continue
            rid = f"{tid}:{dest}"
            t = self._table(tid)
            routes = tuple(x for x in t.routes if not (x.id == rid and x.origin == "static"))
            if add:
                blackhole = r.values.get("blackhole") is True
                target = "" if blackhole else self._text(
                    r, "transit_gateway_attachment_id", "the attachment is unknown")
                if not blackhole and not target:
                    continue
                routes += (Route(rid, dest, AddressSet.of_network(parse_network(dest)),
                                 NextHop.DROP if blackhole else NextHop.ATTACHMENT, target,
                                 state="blackhole" if blackhole else "active", origin="static"),)
                w.origin[rid] = r.address
            w.route_tables[tid] = replace(t, routes=routes)
