"""Differential test of the routing step (issue 13) on GCP: the engine over the GCP loader
agrees with the brute-force oracle (tests/oracle/gcp_routes.py) on routed estates
(``gcp_estates(routes=True)``: routes by tag and priority, peering routes, Cloud NAT,
external IPs), and, in a second
test, with appliance routes (``appliances=True``). A failure names the endpoints, the packet
and the oracle's verdict with the hop that decided and the route trace.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathwarden.engine.engine import Engine
from pathwarden.providers.gcp.load import load_gcp_snapshot
from tests.integration.routes_diff import assert_routes_complete, explain, packet_text
from tests.integration.test_oracle_gcp import PACKETS
from tests.oracle.gcp_estates import GeneratedEstate, gcp_estates
from tests.oracle.gcp_oracle import GcpOracle

CHECKS = settings(deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))


def _agree(est: GeneratedEstate, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = est.write(Path(tmp))
        loaded = load_gcp_snapshot(folder)
        oracle = GcpOracle(folder)
    assert_routes_complete(loaded, est.dump())
    engine = Engine(loaded)
    ends: list[tuple[Any, ...]] = [("nic", vm, k, ip) for vm, k, ip in est.nics]
    ends += [("outside", ip) for ip in est.outside]
    pairs = [(a, b) for a in ends for b in ends
             if (a[0] == "nic" or b[0] == "nic") and a[-1] != b[-1]]
    chosen = data.draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=12, unique=True))
    for src, dst in chosen:
        opened = engine.reach(src[-1], dst[-1], explain=False).open
        for proto, port in PACKETS:
            want = oracle.allowed(src, dst, proto, port)
            got = opened.contains(proto, port)
            assert got == want, (
                f"engine and oracle disagree on {src} -> {dst}, {packet_text(proto, port)}: "
                f"engine {'open' if got else 'closed'}, oracle "
                f"{'allowed' if want else 'denied'}\n"
                f"  oracle:\n{explain(oracle, [(src, dst)], proto, port)}\n"
                f"  engine open: {opened.describe()}\n{est.dump()}"
            )


@settings(CHECKS, max_examples=60)
@given(est=gcp_estates(routes=True), data=st.data())
def test_engine_routes_gcp_like_the_oracle(est: GeneratedEstate, data: st.DataObject) -> None:
    _agree(est, data)


@settings(CHECKS, max_examples=40)
@given(est=gcp_estates(routes=True, appliances=True), data=st.data())
def test_engine_routes_gcp_appliances_like_the_oracle(
    est: GeneratedEstate, data: st.DataObject
) -> None:
    _agree(est, data)
