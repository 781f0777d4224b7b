"""Assumptions the estate rests on that no single loader states: said once per cloud.

Routes are not evaluated yet: a workload reaches another in the same network or in a network
joined to it by an active peering (:func:`pathwarden.providers.base.private_route`). DESIGN.md
("Routing files") asks for a notice saying so, naming the routing files found or missing; it
goes when the engine evaluates routes.
"""

from __future__ import annotations

from pathlib import Path

from pathwarden.model import Notice

ROUTE_FILES: dict[str, tuple[str, ...]] = {
    "aws": ("describe-route-tables.json", "describe-transit-gateways.json",
            "describe-transit-gateway-route-tables.json"),
    "azure": ("network-route-table-list.json",),
    "gcp": ("routes.json",),
}


def route_notices(folders: list[tuple[str, Path]]) -> tuple[Notice, ...]:
    """The routing assumption, once for the estate, naming per cloud the routing files found
    (not evaluated yet) or expected."""
    clouds = list(dict.fromkeys(c for c, _ in folders))
    if not clouds:
        return ()
    parts = []
    for cloud in clouds:
        names = ROUTE_FILES.get(cloud, ())
        found = sorted({n for c, f in folders if c == cloud for n in names if (f / n).is_file()})
        if found:
            parts.append(f"{cloud}: {', '.join(found)} not evaluated yet")
        else:
            parts.append(f"{cloud}: no {' / '.join(names)} in the snapshot")
    return (Notice(
        "routes-assumed",
        "routes are not evaluated: a workload is taken to reach another in the same network or "
        "in a network joined to it by an active peering, and no other (no transit gateway, VPN, "
        f"NAT or appliance hop is seen); {'; '.join(parts)}",
        ", ".join(clouds),
    ),)
