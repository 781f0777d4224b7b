"""Differential test: the engine over the Azure loader vs the brute-force per-packet oracle.

Random Azure estates (tests/oracle/azure_estates.py) are written as snapshot folders, loaded by
``load_azure_snapshot`` and asked ``Engine.reach`` between NIC addresses and outside
addresses; for sampled packets the oracle (tests/oracle/azure_oracle.py, written from the docs
and sharing no code with pathwarden) must give the same verdict.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from pathwarden.engine.engine import Engine  # noqa: E402
from pathwarden.providers.azure.load import load_azure_snapshot  # noqa: E402
from tests.oracle.azure_estates import GeneratedEstate, azure_estates  # noqa: E402
from tests.oracle.azure_oracle import AzureOracle  # noqa: E402

TCP, UDP, ICMP, ICMPV6, ESP, AH, GRE = 6, 17, 1, 58, 50, 51, 47
PACKETS = [(TCP, p) for p in (0, 22, 53, 80, 443, 999, 1000, 1500, 2000, 3389, 65535)]
PACKETS += [(UDP, 53), (UDP, 1000), (ICMP, 8 * 256), (ICMPV6, 128 * 256), (ESP, 0), (AH, 0)]
PACKETS += [(GRE, 0)]


@settings(max_examples=220, deadline=None, suppress_health_check=list(HealthCheck))
@given(est=azure_estates(), data=st.data())
def test_engine_agrees_with_oracle(est: GeneratedEstate, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = est.write(Path(tmp))
        engine = Engine(load_azure_snapshot(folder))
        oracle = AzureOracle(folder)
        ends: list[tuple[str, ...]] = [("nic", nic, ip) for nic, ip in est.nic_ips]
        ends += [("outside", ip) for ip in est.outside]
        pairs = [(a, b) for a in ends for b in ends if a[0] == "nic" or b[0] == "nic"]
        chosen = data.draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=20,
                                    unique=True))
        for src, dst in chosen:
            opened = engine.reach(src[-1], dst[-1], explain=False).open
            for proto, port in PACKETS:
                want = oracle.allowed(src, dst, proto, port)
                got = opened.contains(proto, port)
                assert got == want, (
                    f"{src} -> {dst} proto {proto} port {port}: engine {got}, oracle {want}\n"
                    f"engine open: {opened.describe()}\n{est.dump()}"
                )
