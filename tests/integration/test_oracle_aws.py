"""Differential test: the engine's AWS reach answers agree with the brute-force oracle.

For each random snapshot (tests/oracle/aws_estates.py) the engine is asked, through the public
API, what is open between a few endpoints (ENI -> ENI, SG -> ENI, ENI -> CIDR, CIDR -> ENI,
IP -> ENI, ENI -> IP); its ``open`` JSON (DESIGN.md contract) is turned into a membership
function by the small parser below and compared, on sample packets, with the union of the
oracle's per-packet verdicts over the endpoints' member addresses. Where the oracle can list
every address of an endpoint (ENIs, SG members, single IPs) the two must be equal; for a CIDR
the engine answers for *all* its addresses, so only "oracle allows a sampled address => engine
open" is required.
"""

from __future__ import annotations

import ipaddress
import itertools
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathwarden.api import Engine, load_estate
from tests.oracle.aws_estates import GeneratedEstate, aws_estates
from tests.oracle.aws_oracle import AwsOracle, addr, net

Json = dict[str, Any]
Packet = tuple[int, int]
OracleEnd = tuple[str, ...]
NAMES = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
SG_NAMES = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
BASE_PROTOCOLS = {0, 6, 17, 1, 58, 50, 132, 255}
FIXED_ICMP = [(8, 0), (0, 0), (128, 0), (129, 0), (3, 4), (255, 255), (0, 255)]


# ---------------------------------------------------------------- the engine's "open" JSON


def _in(ranges: Iterable[list[int]], value: int) -> bool:
    return any(lo <= value <= hi for lo, hi in ranges)


def engine_allows(open_list: list[Json], proto: int, port: int) -> bool:
    """Membership in DESIGN.md's ``open`` list: ``all``; ``ports`` null = every port (ICMP:
    every type); ICMP ``ports`` are types and ``codes`` narrows partly open types."""
    for item in open_list:
        name = item["protocol"]
        if name == "all":
            return True
        number = NAMES[name] if name in NAMES else int(name)
        if number != proto:
            continue
        ports = item["ports"]
        if proto in (1, 58):
            icmp_type, code = divmod(port, 256)
            codes = item.get("codes", {})
            if str(icmp_type) in codes:
                if _in(codes[str(icmp_type)], code):
                    return True
            elif ports is None or _in(ports, icmp_type):
                return True
        elif ports is None or _in(ports, port):
            return True
    return False


def check_contract_shape(open_list: list[Json]) -> None:
    """``ranges are merged and sorted`` (DESIGN.md). ICMP types whose codes are only partly open
    stand alone (with ``codes``), so adjacent ICMP type ranges need not be merged."""
    for item in open_list:
        ranges = item["ports"] or []
        gap = 0 if item["protocol"] in ("icmp", "icmpv6") else 1
        for (lo1, hi1), (lo2, _) in itertools.pairwise(ranges):
            assert lo1 <= hi1 and hi1 + gap < lo2, f"unmerged or unsorted ranges: {item}"


# ---------------------------------------------------------------- sample packets


def sample_packets(files: dict[str, Json], extra_ports: list[int]) -> list[Packet]:
    """Every protocol that some rule names plus a few others; the boundary ports of every rule
    and NACL entry range and their +-1 neighbours; ICMP boundary types/codes and echo."""
    protocols = set(BASE_PROTOCOLS)
    ports: set[int] = {0, 1023, 1024, 65535, *extra_ports}
    icmp_types: set[int] = {0, 8, 128, 129, 255}
    icmp_codes: set[int] = {0, 255}
    sgs = files["describe-security-groups.json"]["SecurityGroups"]
    for sg in sgs:
        for perm in sg["IpPermissions"] + sg["IpPermissionsEgress"]:
            name = perm["IpProtocol"]
            if name != "-1":
                protocols.add(SG_NAMES[name] if name in SG_NAMES else int(name))
            if "FromPort" in perm:
                ports.update(_around(perm["FromPort"], perm["ToPort"]))
                icmp_types.update(_around(perm["FromPort"]))
                icmp_codes.update(_around(perm["ToPort"]))
    for nacl in files["describe-network-acls.json"]["NetworkAcls"]:
        for entry in nacl["Entries"]:
            if entry["Protocol"] != "-1":
                protocols.add(int(entry["Protocol"]))
            if "PortRange" in entry:
                ports.update(_around(entry["PortRange"]["From"], entry["PortRange"]["To"]))
            if "IcmpTypeCode" in entry:
                icmp_types.update(_around(entry["IcmpTypeCode"]["Type"]))
                icmp_codes.update(_around(entry["IcmpTypeCode"]["Code"]))
    packets: list[Packet] = []
    for proto in sorted(protocols):
        if proto in (6, 17):
            packets += [(proto, p) for p in sorted(ports) if 0 <= p <= 65535]
        elif proto in (1, 58):
            pairs = {(t, c) for t in icmp_types for c in icmp_codes} | set(FIXED_ICMP)
            packets += [
                (proto, t * 256 + c) for t, c in sorted(pairs) if 0 <= t <= 255 and 0 <= c <= 255
            ]
        else:
            packets.append((proto, 0))
    return packets


def _around(*values: int) -> set[int]:
    return {v + d for v in values for d in (-1, 0, 1) if v != -1}


# ---------------------------------------------------------------- endpoints, oracle side


def eni_ends(oracle: AwsOracle, eni_id: str) -> list[OracleEnd]:
    return [("eni", eni_id, ip) for ip in oracle.eni_addresses(eni_id)]


def ip_ends(oracle: AwsOracle, ip: str) -> list[OracleEnd]:
    owners = [e for e in oracle.enis if any(addr(x) == addr(ip) for x in oracle.eni_addresses(e))]
    return [("eni", o, ip) for o in owners] or [("outside", ip)]


def cidr_samples(oracle: AwsOracle, cidr: str, randoms: list[int]) -> list[OracleEnd]:
    """ENI addresses inside, the two boundaries, platform addresses inside, a few random ones;
    all of them outside addresses, as the engine treats a CIDR endpoint."""
    n = net(cidr)
    found = [n.network_address, n.broadcast_address]
    found += [n.network_address + (r % n.num_addresses) for r in randoms]
    for eni_id in oracle.enis:
        found += [addr(x) for x in oracle.eni_addresses(eni_id)]
    found += [addr(p) for p in oracle.platform_addresses()]
    unique = sorted({a for a in found if a.version == n.version and a in n}, key=str)
    return [("outside", str(a)) for a in unique]


def oracle_union(
    oracle: AwsOracle, srcs: list[OracleEnd], dsts: list[OracleEnd], packet: Packet
) -> tuple[OracleEnd, OracleEnd] | None:
    """The first same-family member pair the oracle lets the packet through, if any."""
    for s in srcs:
        for d in dsts:
            if addr(s[-1]).version == addr(d[-1]).version and oracle.allowed(s, d, *packet):
                return s, d
    return None


# ---------------------------------------------------------------- the test


@st.composite
def _ip_choice(draw: st.DrawFn, oracle: AwsOracle) -> str:
    ips = [ip for e in oracle.enis for ip in oracle.eni_addresses(e)]
    others = ["192.0.2.1", "10.0.1.50", "2001:db8::99", "169.254.169.254", "10.0.0.2"]
    return str(draw(st.sampled_from(ips + others)))


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(estate=aws_estates(), data=st.data())
def test_engine_agrees_with_the_brute_force_oracle(estate: GeneratedEstate, data: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = estate.write(Path(tmp))
        oracle = AwsOracle(folder)
        engine = Engine(load_estate([folder]))
    enis = sorted(oracle.enis)
    sgs = sorted(oracle.security_groups)
    cidrs = estate.cidrs_v4 + estate.cidrs_v6
    eni = st.sampled_from(enis)
    randoms = data.draw(st.lists(st.integers(0, 2**32), min_size=2, max_size=2), "randoms")
    extra_ports = data.draw(st.lists(st.integers(0, 65535), min_size=2, max_size=2), "ports")
    packets = sample_packets(estate.files, extra_ports)

    cases: list[tuple[str, str, list[OracleEnd], list[OracleEnd], bool]] = []
    for _ in range(4):
        a, b = data.draw(eni, "src eni"), data.draw(eni, "dst eni")
        cases.append((a, b, eni_ends(oracle, a), eni_ends(oracle, b), True))
    sg, b = data.draw(st.sampled_from(sgs), "src sg"), data.draw(eni, "dst eni")
    members = [end for m in oracle.sg_members(sg) for end in eni_ends(oracle, m)]
    cases.append((sg, b, members, eni_ends(oracle, b), True))
    a, cidr = data.draw(eni, "src eni"), data.draw(st.sampled_from(cidrs), "dst cidr")
    cases.append((a, cidr, eni_ends(oracle, a), cidr_samples(oracle, cidr, randoms), False))
    cidr, b = data.draw(st.sampled_from(cidrs), "src cidr"), data.draw(eni, "dst eni")
    cases.append((cidr, b, cidr_samples(oracle, cidr, randoms), eni_ends(oracle, b), False))
    ip, b = data.draw(_ip_choice(oracle), "src ip"), data.draw(eni, "dst eni")
    cases.append((ip, b, ip_ends(oracle, ip), eni_ends(oracle, b), True))
    a, ip = data.draw(eni, "src eni"), data.draw(_ip_choice(oracle), "dst ip")
    cases.append((a, ip, eni_ends(oracle, a), ip_ends(oracle, ip), True))
    # Platform addresses (IMDS, DNS, VPC+2) are never an open path, either way.
    a, ip = data.draw(eni, "eni"), data.draw(st.sampled_from(oracle.platform_addresses()), "ip")
    cases.append((a, ip, eni_ends(oracle, a), ip_ends(oracle, ip), True))
    cases.append((ip, a, ip_ends(oracle, ip), eni_ends(oracle, a), True))

    for src_text, dst_text, srcs, dsts, exact in cases:
        open_list = engine.reach(src_text, dst_text, explain=False).to_json()["open"]
        check_contract_shape(open_list)
        for packet in packets:
            witness = oracle_union(oracle, srcs, dsts, packet)
            engine_open = engine_allows(open_list, *packet)
            missed = witness is not None and not engine_open
            extra = exact and engine_open and witness is None
            if missed or extra:
                raise AssertionError(
                    _counterexample(
                        estate, src_text, dst_text, packet, witness, engine_open, open_list
                    )
                )


def _counterexample(
    estate: GeneratedEstate,
    src: str,
    dst: str,
    packet: Packet,
    witness: tuple[OracleEnd, OracleEnd] | None,
    engine_open: bool,
    open_list: list[Json],
) -> str:
    proto, port = packet
    shown = f"type {port // 256} code {port % 256}" if proto in (1, 58) else f"port {port}"
    return (
        f"engine and oracle disagree on {src} -> {dst}, protocol {proto} {shown}:\n"
        f"  oracle: {f'allowed via {witness}' if witness else 'denied for every member pair'}\n"
        f"  engine: {'open' if engine_open else 'closed'}; open = {open_list}\n"
        f"snapshot folder files:\n{estate.dump()}"
    )


def test_engine_json_parser_reads_the_contract() -> None:
    """The test's own parser, on the examples DESIGN.md gives."""
    doc: list[Json] = [
        {"protocol": "tcp", "ports": [[22, 22], [443, 443]]},
        {"protocol": "icmp", "ports": [[3, 3], [8, 8]], "codes": {"3": [[4, 4]]}},
        {"protocol": "50", "ports": None},
    ]
    assert engine_allows(doc, 6, 22) and not engine_allows(doc, 6, 23)
    assert engine_allows(doc, 1, 8 * 256 + 7) and engine_allows(doc, 1, 3 * 256 + 4)
    assert not engine_allows(doc, 1, 3 * 256 + 3) and not engine_allows(doc, 1, 0)
    assert engine_allows(doc, 50, 0) and not engine_allows(doc, 17, 22)
    assert engine_allows([{"protocol": "all", "ports": None}], 132, 0)
    assert ipaddress.ip_address("10.0.0.1") in net("10.0.0.7/16")
