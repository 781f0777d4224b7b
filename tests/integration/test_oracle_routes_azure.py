"""Differential test of the routing step (issue 13) on Azure: the engine over the Azure loader
agrees with the brute-force oracle (tests/oracle/azure_routes.py) on routed estates
(``azure_estates(routes=True)``: UDRs, system and peering routes, public IPs), and, in a second
test, with appliance routes (``appliances=True``). A failure names the endpoints, the packet
and the oracle's verdict with the hop that decided and the route trace.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathwarden.engine.engine import Engine
from pathwarden.providers.azure.load import load_azure_snapshot
from tests.integration.routes_diff import assert_routes_complete, explain, packet_text
from tests.integration.test_oracle_azure import PACKETS
from tests.oracle.azure_estates import GeneratedEstate, azure_estates
from tests.oracle.azure_oracle import AzureOracle

CHECKS = settings(deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))


def _agree(est: GeneratedEstate, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = est.write(Path(tmp))
        loaded = load_azure_snapshot(folder)
        oracle = AzureOracle(folder)
    assert_routes_complete(loaded, est.dump())
    engine = Engine(loaded)
    ends: list[tuple[str, ...]] = [("nic", nic, ip) for nic, ip in est.nic_ips]
    ends += [("outside", ip) for ip in est.outside]
    pairs = [(a, b) for a in ends for b in ends if a[0] == "nic" or b[0] == "nic"]
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
@given(est=azure_estates(routes=True), data=st.data())
def test_engine_routes_azure_like_the_oracle(est: GeneratedEstate, data: st.DataObject) -> None:
    _agree(est, data)


@settings(CHECKS, max_examples=40)
@given(est=azure_estates(routes=True, appliances=True), data=st.data())
def test_engine_routes_azure_appliances_like_the_oracle(
    est: GeneratedEstate, data: st.DataObject
) -> None:
    _agree(est, data)
