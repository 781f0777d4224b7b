"""Read the routing files of one AWS snapshot folder (DESIGN.md, "Routing files").

All of them are optional. Without ``describe-route-tables.json`` the estate keeps the
pre-routing assumption and says so once (``routes-not-in-snapshot``: "same network or
peering assumed"). With it, every VPC it names is ``routed`` (its routes decide its paths),
subnets get their explicit route table, and the gateways, transit gateways, attachments and
transit route tables of the other files are read (:mod:`.routes`, :mod:`.transit`).

What this folder alone can check, it checks here: a route to an internet, egress-only or NAT
gateway, or a peering connection, that the folder's own file of those does not hold; a transit
route table whose routes are not in the snapshot; a route search cut short
(``AdditionalRoutesAvailable``); a route target of an unknown kind. Each is a notice and, as
the engine would otherwise decide paths on routes the snapshot does not have, makes the estate
partial (DESIGN.md, "Never act on partial truth"). References that may point into another
account's snapshot (attachments, transit route tables, appliance ENIs) are checked after all
snapshots are merged (:mod:`.route_refs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from pathwarden.model import Attachment, Gateway, Network, NextHop, PrefixList, RouteTable, Subnet
from pathwarden.providers.aws import files
from pathwarden.providers.aws.files import SnapshotFile
from pathwarden.providers.aws.inventory import active_peerings
from pathwarden.providers.aws.routes import RouteParser, attached_gateway, nat_gateway
from pathwarden.providers.aws.rules import CidrCache
from pathwarden.providers.aws.transit import TransitParser
from pathwarden.providers.jsondoc import Node

NO_ROUTES = "routes not in snapshot: same network or peering assumed"
OUTSIDE = (NextHop.GATEWAY, NextHop.DROP)  # leaves the estate or drops: no path inside it
GATEWAY_FILES = {  # file -> the kind of hop it holds, and its id field
    files.INTERNET_GATEWAYS: (NextHop.INTERNET, "InternetGatewayId"),
    files.EGRESS_ONLY_GATEWAYS: (NextHop.EGRESS_ONLY, "EgressOnlyInternetGatewayId"),
    files.NAT_GATEWAYS: (NextHop.NAT, "NatGatewayId"),
}


class Reader(Protocol):
    """The loader's file access: opens a file (``None`` when absent) and records notices."""

    dir: Path
    partial: bool

    def open(self, spec: SnapshotFile, path: Path | None = None) -> Node | None: ...

    def note(self, code: str, message: str, source: str = "") -> None: ...


@dataclass
class Routing:
    route_tables: dict[str, RouteTable] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    gateways: dict[str, Gateway] = field(default_factory=dict)


def read_routing(
    reader: Reader,
    account: str,
    region: str,
    cidrs: CidrCache,
    prefix_lists: dict[str, PrefixList],
    subnets: dict[str, Subnet],
    networks: dict[str, Network],
    peerings: Node | None,
) -> Routing:
    """Read the folder's routing files; ``subnets`` and ``networks`` are updated in place."""
    return _Read(reader, account, region, cidrs, prefix_lists).run(subnets, networks, peerings)


@dataclass
class _Read:
    reader: Reader
    account: str
    region: str
    cidrs: CidrCache
    prefix_lists: dict[str, PrefixList]

    def fail(self, code: str, message: str, source: str) -> None:
        self.reader.note(code, message, source)
        self.reader.partial = True

    def run(self, subnets: dict[str, Subnet], networks: dict[str, Network],
            peerings: Node | None) -> Routing:
        out = Routing()
        gateway_files = self._gateways(out)
        transit = self._transit(out)
        root = self.reader.open(files.ROUTE_TABLES)
        if root is None:
            self.reader.note("routes-not-in-snapshot", NO_ROUTES, "aws")
            return out
        parser = RouteParser(self.account, self.region, self.cidrs, self.prefix_lists)
        for n in root.children(files.ROUTE_TABLES.top_key):
            parser.table(n)
        vpc = parser.out
        out.route_tables.update(vpc.tables)
        self._networks(vpc.routed, networks, subnets, peerings)
        for sid, tid in vpc.associations.items():
            s = subnets.get(sid) or Subnet(sid, "aws", vpc.tables[tid].network,
                                           account=vpc.tables[tid].account, region=self.region)
            subnets[sid] = replace(s, route_table=tid)
        for tid, gateway in vpc.edge:
            self.reader.note("gateway-route-table",
                             f"{tid} is associated with {gateway} (a gateway route table for "
                             "traffic entering the VPC); read, but paths do not use it", tid)
        for route_id, target in vpc.unknown_targets:
            self.fail("route-target-unknown",
                      f"{route_id} routes to {target or 'no target'}, a kind of target "
                      "pathwarden does not know: paths it carries are not evaluated", route_id)
        self._main_tables(vpc.tables, subnets)
        self._targets(vpc.tables, gateway_files, peerings)
        self._missing_lists(vpc.missing_lists + transit.missing_lists)
        return out

    # -- gateways and transit ------------------------------------------------------------------
    def _gateways(self, out: Routing) -> dict[NextHop, set[str]]:
        """Internet, egress-only and NAT gateways; for each file present, the ids it holds."""
        present: dict[NextHop, set[str]] = {}
        for spec, (kind, key) in GATEWAY_FILES.items():
            root = self.reader.open(spec)
            if root is None:
                continue
            ids = present[kind] = set()
            for n in root.children(spec.top_key):
                if kind is NextHop.NAT:
                    g = nat_gateway(n, self.account, self.region)
                else:
                    g = attached_gateway(n, key, kind, self.account, self.region)
                out.gateways[g.id] = g
                ids.add(g.id)
        return present

    def _transit(self, out: Routing) -> TransitParser:
        t = TransitParser(self.account, self.region, self.cidrs, self.prefix_lists)
        for spec, read in (
            (files.TRANSIT_GATEWAYS, t.transit_gateway),
            (files.TGW_ATTACHMENTS, t.attachment),
            (files.TGW_VPC_ATTACHMENTS, t.vpc_attachment),
            (files.TGW_ROUTE_TABLES, t.route_table),
        ):
            root = self.reader.open(spec)
            for n in root.children(spec.top_key) if root else ():
                read(n)
        described = set(t.tables)
        folder = self.reader.dir / files.TGW_ROUTES_DIR
        searched: set[str] = set()
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
            root = self.reader.open(files.TGW_ROUTES, path)
            assert root is not None  # the file exists
            t.routes(path.stem, root)
            searched.add(path.stem)
            if root.flag("AdditionalRoutesAvailable"):
                self.fail("truncated-output",
                          f"{files.TGW_ROUTES_DIR}/{path.name} holds only part of the routes of "
                          f"{path.stem} (AdditionalRoutesAvailable is true)", str(path))
        self._per_table(t, searched)
        for tid in sorted(described - searched):
            self.fail("transit-routes-missing",
                      f"the routes of transit gateway route table {tid} are not in the "
                      f"snapshot ({files.TGW_ROUTES_DIR}/{tid}.json): paths through it are not "
                      "known", tid)
        for tid in sorted(searched - described):
            self.reader.note("snapshot-inconsistent",
                             f"{files.TGW_ROUTES_DIR}/{tid}.json has routes of a table "
                             f"{files.TGW_ROUTE_TABLES.name} does not describe", tid)
        t.associate()
        for tid, table in t.tables.items():
            owner = t.gateways.get(table.gateway)
            if not table.account and owner is not None:
                t.tables[tid] = replace(table, account=owner.account)
        out.gateways.update(t.gateways)
        out.attachments.update(t.attachments)
        out.route_tables.update(t.tables)
        return t

    def _per_table(self, t: TransitParser, searched: set[str]) -> None:
        """The optional association and propagation listings of each table."""
        for spec, folder in ((files.TGW_ASSOCIATIONS, files.TGW_ASSOCIATIONS_DIR),
                             (files.TGW_PROPAGATIONS, files.TGW_PROPAGATIONS_DIR)):
            where = self.reader.dir / folder
            for path in sorted(where.glob("*.json")) if where.is_dir() else ():
                root = self.reader.open(spec, path)
                assert root is not None  # the file exists
                if spec is files.TGW_ASSOCIATIONS:
                    t.associations(path.stem, root)
                    continue
                quiet = t.propagations(path.stem, root) if path.stem in searched else []
                if quiet:
                    self.reader.note("snapshot-inconsistent",
                                     f"{folder}/{path.name} says {', '.join(quiet[:5])} "
                                     f"propagate into {path.stem}, but its routes hold no "
                                     "propagated route to them", path.stem)

    # -- checks within the folder --------------------------------------------------------------
    def _networks(self, routed: dict[str, str], networks: dict[str, Network],
                  subnets: dict[str, Subnet], peerings: Node | None) -> None:
        peers = active_peerings(peerings) if peerings is not None else {}
        for vpc, owner in routed.items():
            net = networks.get(vpc) or Network(vpc, "aws", account=owner, region=self.region,
                                               peers=tuple(sorted(peers.get(vpc, ()))))
            networks[vpc] = replace(net, routed=True)
        for vpc in sorted(set(networks) - set(routed)):
            if any(s.network == vpc for s in subnets.values()):
                self.reader.note("routes-missing",
                                 f"{files.ROUTE_TABLES.name} has no route table of {vpc}: "
                                 "same network or peering assumed for it", vpc)

    def _main_tables(self, tables: dict[str, RouteTable], subnets: dict[str, Subnet]) -> None:
        with_main = {t.network for t in tables.values() if t.main}
        for vpc in sorted({t.network for t in tables.values()} - with_main):
            loose = sorted(s.id for s in subnets.values()
                           if s.network == vpc and not s.route_table)
            if loose:
                self.fail("main-route-table-missing",
                          f"{vpc} has no main route table in {files.ROUTE_TABLES.name}, so the "
                          f"routes of {', '.join(loose[:5])} (no explicit association) are not "
                          "known", vpc)

    def _targets(self, tables: dict[str, RouteTable], present: dict[NextHop, set[str]],
                 peerings: Node | None) -> None:
        spec_of = {kind: spec for spec, (kind, _) in GATEWAY_FILES.items()}
        pcx = _peering_status(peerings)
        unseen: dict[SnapshotFile, set[str]] = {}
        for t in tables.values():
            for r in t.routes:
                if r.next_hop in spec_of:
                    spec, ids = spec_of[r.next_hop], present.get(r.next_hop)
                    if ids is None:
                        unseen.setdefault(spec, set()).add(r.target)
                    elif r.target not in ids:
                        self.fail("route-target-missing",
                                  f"{r.id} routes to {r.target}, which {spec.name} does not "
                                  "hold", r.id)
                elif r.next_hop is NextHop.PEERING and pcx is not None:
                    status = pcx.get(r.target)
                    if status is None:
                        self.fail("route-target-missing",
                                  f"{r.id} routes to {r.target}, which "
                                  f"{files.PEERINGS.name} does not hold", r.id)
                    elif status != "active":
                        self.reader.note("route-target-inactive",
                                         f"{r.id} routes to {r.target}, which is {status}: "
                                         "it carries nothing", r.id)
        for spec, targets in unseen.items():
            self.reader.note("missing-file",
                             f"{spec.name} is not in the snapshot: routes name "
                             f"{', '.join(sorted(targets)[:5])}, taken as attached to the "
                             "route table's VPC", str(self.reader.dir / spec.name))

    def _missing_lists(self, missing: list[tuple[str, str, NextHop]]) -> None:
        """One notice per prefix list whose entries are unknown; partial when one of its
        routes could carry a path inside the estate (not only out of it, or into a drop)."""
        by_list: dict[str, list[tuple[str, NextHop]]] = {}
        for route_id, pl, hop in missing:
            by_list.setdefault(pl, []).append((route_id, hop))
        for pl, routes in by_list.items():
            ids = [r for r, _ in routes]
            message = (f"prefix list {pl} is the destination of {len(ids)} route(s) "
                       f"({', '.join(ids[:3])}{', ...' if len(ids) > 3 else ''}), but its "
                       f"entries are not in {files.PREFIX_LIST_ENTRIES_DIR}/{pl}.json: those "
                       "routes match no address here")
            if all(hop in OUTSIDE for _, hop in routes):
                self.reader.note("prefix-list-missing", message, pl)
            else:
                self.fail("prefix-list-missing", message, pl)


def _peering_status(root: Node | None) -> dict[str, str] | None:
    """pcx id -> its ``Status.Code``; ``None`` when the peering file is absent."""
    if root is None:
        return None
    out: dict[str, str] = {}
    for p in root.children(files.PEERINGS.top_key):
        status = p.child("Status")
        out[p.require_text("VpcPeeringConnectionId")] = status.text("Code") if status else ""
    return out
