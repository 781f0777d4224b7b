"""Routing references checked once every snapshot is merged (accounts, regions).

A hub-and-spoke estate spreads one path over several accounts: the spoke VPC's route table
names the transit gateway, the network account holds the TGW's route tables and the
attachments, and an attachment names a VPC of a third account. So these references are
checked on the merged estate, not per folder. A reference to something no snapshot holds is a
``route-reference-missing`` notice and makes the estate partial: the engine would otherwise
decide a path on routes it cannot see (DESIGN.md, "Never act on partial truth").

- a VPC route to ``tgw-X`` needs an attachment of X to that VPC, and X's route tables (in
  the TGW owner's account: a spoke account's view of an attachment has no association);
- an attachment's associated route table must be in the estate, and so must the VPC of a
  ``vpc`` attachment (unless the attachment is being deleted or never came up);
- a transit route must lead to an attachment in the estate;
- a route to an ENI or instance (an appliance) needs that ENI or instance.

Blackhole routes drop whatever they name, so their targets are not checked.
"""

from __future__ import annotations

from dataclasses import replace

from pathwarden.model import Estate, NextHop, Notice

ENDED = frozenset({"deleted", "deleting", "failed", "failing", "rejected", "rejecting"})


def check_routing(estate: Estate) -> Estate:
    """The merged estate with the missing references reported (and ``partial`` when any),
    and the ``routes-not-in-snapshot`` notice said once per cloud rather than once per folder."""
    missing = list(_missing(estate))
    notices: list[Notice] = []
    said: set[str] = set()
    for n in estate.notices:
        if n.code == "routes-not-in-snapshot":
            if n.source in said:
                continue
            said.add(n.source)
        notices.append(n)
    notices += [Notice("route-reference-missing", message, source) for source, message in missing]
    if len(notices) == len(estate.notices) and not missing:
        return estate
    return replace(estate, notices=tuple(notices), partial=estate.partial or bool(missing))


def _missing(estate: Estate) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    attached = {(a.gateway, a.resource) for a in estate.attachments.values()
                if a.kind == "vpc" and a.state not in ENDED}
    enis = {w.id for w in estate.workloads}
    instances = {w.instance for w in estate.workloads if w.instance}
    with_tables = {t.gateway for t in estate.route_tables.values() if t.kind == "transit"}
    for t in estate.route_tables.values():
        if t.cloud != "aws":
            continue
        for r in t.routes:
            if r.next_hop is NextHop.TRANSIT and (r.target, t.network) not in attached:
                out.append((r.id, f"{r.id} routes to {r.target}, but no attachment of "
                            f"{r.target} to {t.network} is in the snapshot: paths through "
                            "the transit gateway are not known"))
            elif r.next_hop is NextHop.TRANSIT and r.target not in with_tables:
                out.append((r.id, f"{r.id} routes to {r.target}, whose route tables are not in "
                            "the snapshot (they are in the transit gateway owner's account): "
                            "paths through it are not known"))
            elif r.next_hop is NextHop.APPLIANCE and r.target not in (
                enis if r.target.startswith("eni-") else instances
            ):
                out.append((r.id, f"{r.id} routes to {r.target or 'no target'}, which is not "
                            "in the snapshot: the appliance's filters are not known"))
            elif r.next_hop is NextHop.ATTACHMENT and r.target not in estate.attachments:
                out.append((r.id, f"{r.id} routes to attachment {r.target or '(none)'}, which "
                            "is not in the snapshot"))
    for a in estate.attachments.values():
        if a.state in ENDED:
            continue
        if a.route_table and a.route_table not in estate.route_tables:
            out.append((a.id, f"{a.id} is associated with transit route table "
                        f"{a.route_table}, which is not in the snapshot"))
        if a.kind == "vpc" and a.resource not in estate.networks:
            out.append((a.id, f"{a.id} attaches {a.resource or '(no VPC)'} to {a.gateway}, "
                        "but that VPC is not in the snapshot"))
    return out
