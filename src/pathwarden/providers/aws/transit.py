"""Transit gateways, their attachments and route tables -> model values (wire format only).

- ``describe-transit-gateways``: one :class:`Gateway` of kind ``transit`` per TGW, with its
  default association and propagation route tables when those defaults are ``enable``d.
- ``describe-transit-gateway-attachments``: one :class:`Attachment` per attachment (kind =
  ``ResourceType``, ``resource`` = ``ResourceId``), associated with the route table of its
  ``Association`` unless that association is ``disassociated``/``failed`` (tgw-route-tables.md:
  an attachment is associated with exactly one route table, and looks its routes up there);
- ``describe-transit-gateway-vpc-attachments`` adds each VPC attachment's ``SubnetIds``;
- ``describe-transit-gateway-route-tables``: one :class:`RouteTable` of kind ``transit`` per
  table (``deleted`` ones are left out), ``attachments`` = the attachments associated with it;
- ``search-transit-gateway-routes/<tgw-rtb-id>.json``: its routes. A route forwards to each
  attachment in ``TransitGatewayAttachments`` (several: equal-cost paths, one :class:`Route`
  each, all with the same id ``<table>:<destination>``); ``State: blackhole`` drops; ``Type``
  (``static``/``propagated``) is kept as the route's ``origin``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pathwarden.model import (
    NOWHERE,
    AddressSet,
    Attachment,
    Gateway,
    NextHop,
    PrefixList,
    Route,
    RouteTable,
)
from pathwarden.providers.aws.routes import GONE
from pathwarden.providers.aws.rules import CidrCache
from pathwarden.providers.jsondoc import Node, describe_value, tag_value


def strings(n: Node, key: str) -> tuple[str, ...]:
    """A list of non-empty strings (``SubnetIds``); absent or null gives ``()``."""
    value = n.data.get(key)
    if value is None:
        return ()
    if type(value) is list and all(type(v) is str and v for v in value):
        return tuple(value)
    if type(value) is not list:
        n.fail(key, f"expected a list of strings, found {describe_value(value)}")
    bad = next(i for i, v in enumerate(value) if type(v) is not str or not v)
    n.fail(f"{key}[{bad}]", f"expected a non-empty string, found {describe_value(value[bad])}")


@dataclass
class TransitParser:
    account: str
    region: str
    cidrs: CidrCache
    prefix_lists: dict[str, PrefixList]
    gateways: dict[str, Gateway] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    tables: dict[str, RouteTable] = field(default_factory=dict)
    missing_lists: list[tuple[str, str, NextHop]] = field(default_factory=list)

    def transit_gateway(self, n: Node) -> None:
        options = n.child("Options")

        def default(flag: str, key: str) -> str:
            if options is None or options.text(flag) != "enable":
                return ""
            return options.text(key)

        gid = n.require_text("TransitGatewayId")
        self.gateways[gid] = Gateway(
            id=gid,
            cloud="aws",
            kind=NextHop.TRANSIT,
            state=n.text("State", "available"),
            account=n.text("OwnerId") or self.account,
            region=self.region,
            association_table=default("DefaultRouteTableAssociation",
                                      "AssociationDefaultRouteTableId"),
            propagation_table=default("DefaultRouteTablePropagation",
                                      "PropagationDefaultRouteTableId"),
        )

    def attachment(self, n: Node) -> None:
        aid = n.require_text("TransitGatewayAttachmentId")
        association = n.child("Association")
        table = ""
        if association is not None and association.text("State") not in GONE:
            table = association.require_text("TransitGatewayRouteTableId")
        old = self.attachments.get(aid)
        self.attachments[aid] = Attachment(
            id=aid,
            gateway=n.require_text("TransitGatewayId"),
            kind=n.require_text("ResourceType"),
            resource=n.text("ResourceId"),
            subnets=old.subnets if old else (),
            route_table=table,
            state=n.text("State", "available"),
            account=n.text("ResourceOwnerId") or self.account,
            region=self.region,
        )

    def vpc_attachment(self, n: Node) -> None:
        aid = n.require_text("TransitGatewayAttachmentId")
        subnets = strings(n, "SubnetIds")
        old = self.attachments.get(aid)
        if old is not None:
            self.attachments[aid] = replace(old, subnets=subnets,
                                            resource=old.resource or n.text("VpcId"))
            return
        self.attachments[aid] = Attachment(
            id=aid,
            gateway=n.require_text("TransitGatewayId"),
            kind="vpc",
            resource=n.require_text("VpcId"),
            subnets=subnets,
            state=n.text("State", "available"),
            account=n.text("VpcOwnerId") or self.account,
            region=self.region,
        )

    def route_table(self, n: Node) -> None:
        if n.text("State") == "deleted":
            return
        tid = n.require_text("TransitGatewayRouteTableId")
        self.tables[tid] = RouteTable(
            id=tid,
            cloud="aws",
            kind="transit",
            routes=(),
            gateway=n.require_text("TransitGatewayId"),
            account=self.account,
            region=self.region,
            name=tag_value(n.tags("Tags"), "Name"),
        )

    def routes(self, tid: str, root: Node) -> None:
        """The routes of ``search-transit-gateway-routes/<tid>.json``."""
        out: list[Route] = []
        for r in root.children("Routes"):
            destination, addresses = self._destination(r)
            route_id = f"{tid}:{destination}"
            state = r.text("State", "active")
            origin = r.text("Type")
            targets = [a.text("TransitGatewayAttachmentId")
                       for a in r.children("TransitGatewayAttachments")]
            hop = NextHop.DROP if state == "blackhole" else NextHop.ATTACHMENT
            if destination.startswith("pl-") and not addresses:
                self.missing_lists.append((route_id, destination, hop))
            for target in targets or [""]:
                out.append(Route(route_id, destination, addresses, hop, target, state=state,
                                 origin=origin))
        table = self.tables.get(tid) or RouteTable(tid, "aws", "transit", (), account=self.account,
                                                   region=self.region)
        self.tables[tid] = replace(table, routes=tuple(out))

    def _destination(self, r: Node) -> tuple[str, AddressSet]:
        cidr, pl = r.text("DestinationCidrBlock"), r.text("PrefixListId")
        if bool(cidr) == bool(pl):
            r.fail(None, "expected exactly one of DestinationCidrBlock, PrefixListId; found "
                   + ("both" if cidr else "none"))
        if pl:
            found = self.prefix_lists.get(pl)
            return pl, found.addresses if found is not None else NOWHERE
        return cidr, self.cidrs.parse(r, "DestinationCidrBlock")

    def associations(self, tid: str, root: Node) -> None:
        """``get-transit-gateway-route-table-associations/<tid>.json``: each live association
        makes ``tid`` its attachment's table (an attachment no other file describes is added
        with what the association says of it)."""
        gateway = self.tables[tid].gateway if tid in self.tables else ""
        for n in root.children("Associations"):
            if n.text("State") in GONE:
                continue
            aid = n.require_text("TransitGatewayAttachmentId")
            old = self.attachments.get(aid) or Attachment(
                aid, gateway, n.text("ResourceType"), n.text("ResourceId"),
                account=self.account, region=self.region)
            self.attachments[aid] = replace(old, route_table=tid)

    def propagations(self, tid: str, root: Node) -> list[str]:
        """``get-transit-gateway-route-table-propagations/<tid>.json``: the attachments whose
        enabled propagation left no propagated route in ``tid`` (a snapshot whose files were
        taken at different times, or a search that was filtered)."""
        routed = {r.target for r in self.tables[tid].routes if r.origin == "propagated"} if (
            tid in self.tables) else set()
        return [aid for n in root.children("TransitGatewayRouteTablePropagations")
                if n.text("State") == "enabled"
                and (aid := n.require_text("TransitGatewayAttachmentId")) not in routed]

    def associate(self) -> None:
        """Fill each table's ``attachments`` from the attachments' associations."""
        by_table: dict[str, list[str]] = {}
        for a in self.attachments.values():
            if a.route_table:
                by_table.setdefault(a.route_table, []).append(a.id)
        for tid, ids in by_table.items():
            table = self.tables.get(tid)
            if table is not None:
                self.tables[tid] = replace(table, attachments=tuple(sorted(ids)))
