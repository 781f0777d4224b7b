"""The interval algebra and the protocol/port encoding, checked against Python sets."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from pathwarden.model import ALL_SERVICES, AddressSet, ServiceSet
from pathwarden.model.intervals import IntervalSet
from pathwarden.model.services import ICMP, TCP

ranges = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 8)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=6,
)


def as_set(rs: list[tuple[int, int]]) -> set[int]:
    return {v for lo, hi in rs for v in range(lo, hi + 1)}


@given(ranges, ranges)
def test_algebra_matches_python_sets(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    x, y = IntervalSet(a), IntervalSet(b)
    assert as_set(list((x | y).ranges)) == as_set(a) | as_set(b)
    assert as_set(list((x & y).ranges)) == as_set(a) & as_set(b)
    assert as_set(list((x - y).ranges)) == as_set(a) - as_set(b)
    for v in range(0, 70):
        assert x.contains(v) == (v in as_set(a))


@given(ranges)
def test_ranges_are_merged_sorted_and_disjoint(a: list[tuple[int, int]]) -> None:
    rs = IntervalSet(a).ranges
    for (_, hi), (lo, _) in itertools.pairwise(rs):
        assert lo > hi + 1


def test_contract_rendering_splits_protocols_and_merges_ranges() -> None:
    s = ServiceSet.tcp(443) | ServiceSet.tcp(22) | ServiceSet.tcp(23) | ServiceSet.protocol(50)
    assert s.to_contract() == [
        {"protocol": "tcp", "ports": [[22, 23], [443, 443]]},
        {"protocol": "50", "ports": None},
    ]
    assert ALL_SERVICES.to_contract() == [{"protocol": "all", "ports": None}]


def test_icmp_type_and_code_render_as_types_with_partial_codes() -> None:
    s = ServiceSet.icmp(ICMP, 3, 4) | ServiceSet.icmp(ICMP, 8) | ServiceSet.icmp(ICMP, 0)
    assert s.to_contract() == [
        {"protocol": "icmp", "ports": [[0, 0], [3, 3], [8, 8]], "codes": {"3": [[4, 4]]}}
    ]
    assert ServiceSet.icmp(ICMP, 8).contains(ICMP, 8 * 256 + 5)
    assert not ServiceSet.icmp(ICMP, 8).contains(ICMP, 9 * 256)


def test_protocol_blocks_do_not_bleed_into_each_other() -> None:
    s = ServiceSet.ports(TCP, 0, 65535)
    assert s == ServiceSet.protocol(TCP)
    assert not s.contains(TCP + 1, 0)
    assert not s.contains(TCP - 1, 65535)


def test_ipv4_and_ipv6_stay_apart() -> None:
    v4 = AddressSet.parse("0.0.0.0/0")
    v6 = AddressSet.parse("::/0")
    assert not (v4 & v6)
    assert v4.contains_ip("10.0.0.1") and not v4.contains_ip("::1")
    assert (v4 | v6).contains_ip("2001:db8::1")


def test_cidr_host_bits_are_canonicalised() -> None:
    assert AddressSet.parse("100.68.0.18/18") == AddressSet.parse("100.68.0.0/18")
    assert AddressSet.parse("10.0.0.0/8").describe() == ["10.0.0.0/8"]


@given(
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 20)), max_size=6),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 20)), max_size=6),
)
def test_overlaps_is_a_nonempty_intersection(a: list[tuple[int, int]],
                                             b: list[tuple[int, int]]) -> None:
    x = IntervalSet((lo, lo + n) for lo, n in a)
    y = IntervalSet((lo, lo + n) for lo, n in b)
    assert x.overlaps(y) == bool(x & y) == y.overlaps(x)
