"""How often the routing step changes the oracles' answers on generated estates.

``python -m tests.oracle.mix [aws|azure|gcp] [N] [--appliances]`` generates N routed estates
(``routes=True``) and, for every ordered pair of workload addresses plus workload <-> outside
pairs, asks the oracle with routes and with routes ignored whether a few packets get through.
It prints the share of pairs in each class: open both ways, closed both ways, **dropped by a
route** (open without routes), **opened by routes** (closed without: a transit gateway or an
appliance path), and how many open pairs go through a transit gateway. Oracle only: it imports
no pathwarden code.
"""

from __future__ import annotations

import collections
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PACKETS = [(6, 22), (6, 443), (17, 53), (1, 8 * 256), (58, 128 * 256), (50, 0)]
OUTSIDE = ["192.0.2.1", "8.8.8.8", "203.0.113.9", "2001:db8::99"]


def _aws(folder: Path, routes: bool) -> tuple[Any, list[tuple[str, ...]]]:
    from tests.oracle.aws_oracle import AwsOracle

    o = AwsOracle(folder, routes=routes)
    ends: list[tuple[str, ...]] = [
        ("eni", e, ip) for e in sorted(o.enis) for ip in o.eni_addresses(e)
    ]
    return o, ends


def _azure(folder: Path, routes: bool) -> tuple[Any, list[tuple[str, ...]]]:
    from tests.oracle.azure_oracle import AzureOracle

    o = AzureOracle(folder, routes=routes)
    ends: list[tuple[str, ...]] = [("nic", n, ip) for n in sorted(o.nics) for ip in o.nic_ips(n)]
    return o, ends


def _gcp(folder: Path, routes: bool) -> tuple[Any, list[tuple[str, ...]]]:
    from tests.oracle.gcp_oracle import GcpOracle

    o = GcpOracle(folder, routes=routes)
    ends: list[tuple[Any, ...]] = []
    for vm in o.instances:
        for k, nic in enumerate(vm["networkInterfaces"]):
            ends += [("nic", vm["name"], k, ip) for ip in (nic.get("networkIP"),
                                                           nic.get("ipv6Address")) if ip]
    return o, ends


def _strategy(cloud: str, appliances: bool) -> st.SearchStrategy[Any]:
    if cloud == "aws":
        from tests.oracle.aws_estates import aws_estates

        return aws_estates(routes=True, appliances=appliances)
    if cloud == "azure":
        from tests.oracle.azure_estates import azure_estates

        return azure_estates(routes=True, appliances=appliances)
    from tests.oracle.gcp_estates import gcp_estates

    return gcp_estates(routes=True, appliances=appliances)


def _pairs(ends: list[tuple[Any, ...]]) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    for a in ends:
        for b in ends:
            if a[:-1] != b[:-1]:
                yield a, b
        for ip in OUTSIDE:
            yield a, ("outside", ip)
            yield ("outside", ip), a


def measure(cloud: str, n: int, appliances: bool = False) -> collections.Counter[str]:
    make: Callable[[Path, bool], tuple[Any, list[tuple[str, ...]]]] = {
        "aws": _aws, "azure": _azure, "gcp": _gcp}[cloud]
    counts: collections.Counter[str] = collections.Counter()

    @settings(max_examples=n, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(est=_strategy(cloud, appliances))
    def run(est: Any) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = est.write(Path(tmp))
            routed, ends = make(folder, True)
            plain, _ = make(folder, False)
            counts["estates"] += 1
            for a, b in _pairs(ends):
                with_routes = any(routed.allowed(a, b, *p) for p in PACKETS)
                without = any(plain.allowed(a, b, *p) for p in PACKETS)
                kind = "outside" if "outside" in (a[0], b[0]) else "workloads"
                counts[f"{kind} pairs"] += 1
                if with_routes and without:
                    counts[f"{kind}: open either way"] += 1
                elif with_routes:
                    counts[f"{kind}: opened by routes"] += 1
                elif without:
                    counts[f"{kind}: dropped by a route"] += 1
                else:
                    counts[f"{kind}: closed either way"] += 1
                if with_routes and cloud == "aws":
                    trace = " ".join(routed.way(a, b).trace)
                    if "tgw-rtb" in trace:
                        counts[f"{kind}: open through the transit gateway"] += 1

    run()
    return counts


def main(argv: list[str]) -> None:
    cloud = argv[0] if argv else "aws"
    n = int(argv[1]) if len(argv) > 1 else 100
    counts = measure(cloud, n, appliances="--appliances" in argv)
    print(f"{cloud}: {counts['estates']} estates")
    for kind in ("workloads", "outside"):
        total = counts[f"{kind} pairs"] or 1
        print(f"  {kind} pairs: {counts[f'{kind} pairs']}")
        for name in ("open either way", "opened by routes", "dropped by a route",
                     "closed either way", "open through the transit gateway"):
            value = counts[f"{kind}: {name}"]
            print(f"    {name:34} {value:6}  {100 * value / total:5.1f}%")


if __name__ == "__main__":
    main(sys.argv[1:])
