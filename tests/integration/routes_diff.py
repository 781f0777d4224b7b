"""What the routed differential tests share: the notices that would make a generated routed
estate partial (the generators must never write those), and a failure message that says
which hop decided on the oracle's side, so the engine can be debugged against it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pathwarden.model import Estate

# Notices of the routing loaders that mean "a path is decided on routes the snapshot lacks".
ROUTE_GAPS = frozenset({
    "route-target-missing", "route-reference-missing", "transit-routes-missing",
    "main-route-table-missing", "prefix-list-missing", "route-target-unknown",
    "truncated-output", "route-table-unknown", "route-table-subnet-unknown",
    "public-ip-unknown", "appliance-unknown", "peering-unknown", "network-unknown",
    "subnet-unknown", "load-balancer-next-hop",
})


def assert_routes_complete(estate: Estate, dump: str) -> None:
    """The generated routing files load without a gap (other partial causes, such as the
    stale security group references the generators write on purpose, are not routing's)."""
    gaps = [f"{n.code}: {n.message}" for n in estate.notices if n.code in ROUTE_GAPS]
    assert not gaps, "generated routing files load with gaps:\n  " + "\n  ".join(gaps) + (
        f"\n{dump}")


def explain(oracle: Any, pairs: Iterable[tuple[Any, Any]], proto: int, port: int) -> str:
    """The oracle's verdict for each member pair: allowed or the hop that decided, with the
    route trace (``route rtb-1: 10.0.128.0/17 -> tgw-...``)."""
    lines = []
    for s, d in list(pairs)[:6]:
        v = oracle.verdict(s, d, proto, port)
        what = "allowed" if v.allowed else f"denied: {v.reason}"
        lines.append(f"    {s} -> {d}: {what}")
        lines += [f"        {t}" for t in v.trace]
    return "\n".join(lines)


def packet_text(proto: int, port: int) -> str:
    if proto in (1, 58):
        return f"protocol {proto} type {port // 256} code {port % 256}"
    return f"protocol {proto} port {port}"
