"""Differential test of the routing step (issue 13): the engine's AWS reach answers on routed
estates agree with the brute-force oracle (tests/oracle/aws_routes.py).

Estates come from ``aws_estates(routes=True)``: route tables, peerings, a transit gateway,
internet, NAT and egress-only gateways, public IPs; a second test adds appliance routes
(``appliances=True``). Each failure names the endpoints, the packet and, per member pair, the
oracle's verdict with the hop that decided and the route trace.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathwarden.api import Engine, load_estate
from tests.integration.routes_diff import assert_routes_complete, explain, packet_text
from tests.integration.test_oracle_aws import (
    OracleEnd,
    cidr_samples,
    engine_allows,
    eni_ends,
    ip_ends,
    sample_packets,
)
from tests.oracle.aws_estates import GeneratedEstate, aws_estates
from tests.oracle.aws_oracle import AwsOracle, addr

OUTSIDE = ["192.0.2.1", "8.8.8.8", "203.0.113.9", "2001:db8::99", "10.0.1.50", "198.51.100.1"]
CHECKS = settings(deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _agree(estate: GeneratedEstate, data: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = estate.write(Path(tmp))
        oracle = AwsOracle(folder)
        loaded = load_estate([folder])
    assert_routes_complete(loaded, estate.dump())
    engine = Engine(loaded)
    enis = sorted(oracle.enis)
    eni = st.sampled_from(enis)
    outside = st.sampled_from(OUTSIDE)
    packets = sample_packets(estate.files, [])
    cases: list[tuple[str, str, list[OracleEnd], list[OracleEnd], bool]] = []
    for _ in range(4):
        a, b = data.draw(eni, "src eni"), data.draw(eni, "dst eni")
        cases.append((a, b, eni_ends(oracle, a), eni_ends(oracle, b), True))
    a, ip = data.draw(eni, "src eni"), data.draw(outside, "dst ip")
    cases.append((a, ip, eni_ends(oracle, a), ip_ends(oracle, ip), True))
    ip, b = data.draw(outside, "src ip"), data.draw(eni, "dst eni")
    cases.append((ip, b, ip_ends(oracle, ip), eni_ends(oracle, b), True))
    cidr = data.draw(st.sampled_from(["0.0.0.0/1", "192.0.2.0/24", "2001:db8::/32"]), "cidr")
    b = data.draw(eni, "dst eni")
    cases.append((cidr, b, cidr_samples(oracle, cidr, [7, 99]), eni_ends(oracle, b), False))
    for src_text, dst_text, srcs, dsts, exact in cases:
        open_list = engine.reach(src_text, dst_text, explain=False).to_json()["open"]
        pairs = [(s, d) for s in srcs for d in dsts
                 if addr(s[-1]).version == addr(d[-1]).version]
        for packet in packets:
            witness = next((p for p in pairs if oracle.allowed(*p, *packet)), None)
            engine_open = engine_allows(open_list, *packet)
            if (witness is not None and not engine_open) or (
                exact and engine_open and witness is None
            ):
                raise AssertionError(
                    f"engine and oracle disagree on {src_text} -> {dst_text}, "
                    f"{packet_text(*packet)}:\n"
                    f"  engine: {'open' if engine_open else 'closed'}; open = {open_list}\n"
                    f"  oracle, per member pair:\n"
                    f"{explain(oracle, [witness] if witness else pairs, *packet)}\n"
                    f"snapshot folder files:\n{estate.dump()}"
                )


@settings(CHECKS, max_examples=50)
@given(estate=aws_estates(routes=True), data=st.data())
def test_engine_routes_aws_like_the_oracle(estate: GeneratedEstate, data: Any) -> None:
    _agree(estate, data)


@settings(CHECKS, max_examples=40)
@given(estate=aws_estates(routes=True, appliances=True), data=st.data())
def test_engine_routes_aws_appliances_like_the_oracle(estate: GeneratedEstate, data: Any) -> None:
    _agree(estate, data)
