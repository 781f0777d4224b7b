"""Address sets with IPv4 and IPv6 kept apart.

An IPv4 rule never matches IPv6 traffic and vice versa (AWS: "none of the rules for the IPv4
traffic apply to the IPv6 traffic", vpc-network-acls.md), so an :class:`AddressSet` holds two
independent :class:`IntervalSet` values and no operation mixes them.

>>> s = AddressSet.parse("10.0.0.0/8") | AddressSet.parse("2001:db8::/32")
>>> s.contains_ip("10.1.2.3"), s.contains_ip("2001:db8::1"), s.contains_ip("11.0.0.1")
(True, True, False)
>>> [str(n) for n in (AddressSet.parse("10.0.0.0/8") - AddressSet.parse("10.0.0.0/9")).networks()]
['10.128.0.0/9']
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

from pathwarden.model.intervals import EMPTY, IntervalSet

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

V4_MAX = (1 << 32) - 1
V6_MAX = (1 << 128) - 1


class Family(IntEnum):
    V4 = 4
    V6 = 6


def parse_network(text: str) -> IPNetwork:
    """Parse a CIDR or a bare address; host bits are cleared, as AWS canonicalises
    ``100.68.0.18/18`` to ``100.68.0.0/18`` (vpc-network-acls.md)."""
    return ipaddress.ip_network(text.strip(), strict=False)


def parse_address(text: str) -> IPAddress:
    return ipaddress.ip_address(text.strip())


@lru_cache(maxsize=1 << 18)
def address_value(text: str) -> tuple[Family, int]:
    """``(family, integer)`` of an address text, as :func:`parse_address` reads it (ValueError
    when it is no address), memoised: an estate's addresses are read by several layers.

    >>> address_value("10.0.0.1"), address_value("::1")
    ((<Family.V4: 4>, 167772161), (<Family.V6: 6>, 1))
    """
    parts = text.split(".")
    if len(parts) == 4 and all(
        p.isascii() and p.isdigit() and (p == "0" or p[0] != "0") and len(p) <= 3 and int(p) < 256
        for p in parts
    ):
        a, b, c, d = (int(p) for p in parts)
        return Family.V4, (a << 24) | (b << 16) | (c << 8) | d
    ip = parse_address(text)
    return (Family.V4 if ip.version == 4 else Family.V6), int(ip)


@dataclass(frozen=True, slots=True)
class AddressSet:
    v4: IntervalSet = EMPTY
    v6: IntervalSet = EMPTY

    @classmethod
    def parse(cls, text: str) -> AddressSet:
        return cls.of_network(parse_network(text))

    @classmethod
    def of_network(cls, net: IPNetwork) -> AddressSet:
        lo = int(net.network_address)
        hi = lo + net.num_addresses - 1
        if net.version == 4:
            return cls(v4=IntervalSet.span(lo, hi))
        return cls(v6=IntervalSet.span(lo, hi))

    @classmethod
    def of_ips(cls, ips: Iterable[IPAddress]) -> AddressSet:
        v4: list[tuple[int, int]] = []
        v6: list[tuple[int, int]] = []
        for ip in ips:
            n = int(ip)
            (v4 if ip.version == 4 else v6).append((n, n))
        return cls(IntervalSet(v4) if v4 else EMPTY, IntervalSet(v6) if v6 else EMPTY)

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> AddressSet:
        """The addresses (texts) as a set; ValueError for a text that is no address."""
        v4: list[tuple[int, int]] = []
        v6: list[tuple[int, int]] = []
        for t in texts:
            fam, n = address_value(t)
            (v4 if fam is Family.V4 else v6).append((n, n))
        return cls(IntervalSet(v4) if v4 else EMPTY, IntervalSet(v6) if v6 else EMPTY)

    @classmethod
    def from_cidrs(cls, cidrs: Iterable[str]) -> AddressSet:
        """The union of CIDR texts (the inverse of :meth:`describe`)."""
        return cls.union_all(cls.of_network(parse_network(c)) for c in cidrs)

    @classmethod
    def union_all(cls, sets: Iterable[AddressSet]) -> AddressSet:
        items = list(sets)
        return cls(
            IntervalSet.union_all(s.v4 for s in items),
            IntervalSet.union_all(s.v6 for s in items),
        )

    def family(self, fam: Family) -> IntervalSet:
        return self.v4 if fam is Family.V4 else self.v6

    def __bool__(self) -> bool:
        return bool(self.v4) or bool(self.v6)

    def __or__(self, other: AddressSet) -> AddressSet:
        return AddressSet(self.v4 | other.v4, self.v6 | other.v6)

    def __and__(self, other: AddressSet) -> AddressSet:
        return AddressSet(self.v4 & other.v4, self.v6 & other.v6)

    def overlaps(self, other: AddressSet) -> bool:
        """``bool(self & other)`` without building the intersection."""
        return self.v4.overlaps(other.v4) or self.v6.overlaps(other.v6)

    def __sub__(self, other: AddressSet) -> AddressSet:
        return AddressSet(self.v4 - other.v4, self.v6 - other.v6)

    def contains_ip(self, ip: str | IPAddress) -> bool:
        addr = parse_address(ip) if isinstance(ip, str) else ip
        return (self.v4 if addr.version == 4 else self.v6).contains(int(addr))

    def size(self) -> int:
        return self.v4.size() + self.v6.size()

    def networks(self) -> Iterator[IPNetwork]:
        """The fewest CIDR prefixes that cover exactly this set."""
        for lo, hi in self.v4:
            yield from ipaddress.summarize_address_range(
                ipaddress.IPv4Address(lo), ipaddress.IPv4Address(hi)
            )
        for lo, hi in self.v6:
            yield from ipaddress.summarize_address_range(
                ipaddress.IPv6Address(lo), ipaddress.IPv6Address(hi)
            )

    def cidrs(self) -> list[str]:
        """The texts of :meth:`networks` (the same prefixes, in the same order), IPv4 ones
        written directly: a scattered set minus a large one takes thousands of prefixes.

        >>> (AddressSet.parse("10.0.0.0/8") - AddressSet.parse("10.0.0.5/32")).cidrs()[:4]
        ['10.0.0.0/30', '10.0.0.4/32', '10.0.0.6/31', '10.0.0.8/29']
        """
        out = [f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}/{plen}"
               for lo, hi in self.v4 for n, plen in _blocks(lo, hi, 32)]
        out.extend(str(ipaddress.IPv6Network((n, plen)))
                   for lo, hi in self.v6 for n, plen in _blocks(lo, hi, 128))
        return out

    def describe(self) -> list[str]:
        return self.cidrs()


def _blocks(lo: int, hi: int, bits: int) -> Iterator[tuple[int, int]]:
    """The fewest aligned prefixes ``(start, length)`` covering ``lo..hi`` (``bits`` wide), in
    order: each the largest block that starts at ``lo`` and ends by ``hi``."""
    while lo <= hi:
        aligned = lo & -lo if lo else 1 << bits
        fits = 1 << ((hi - lo + 1).bit_length() - 1)
        size = min(aligned, fits)
        yield lo, bits - size.bit_length() + 1
        lo += size


ANY_V4 = AddressSet(v4=IntervalSet.span(0, V4_MAX))
ANY_V6 = AddressSet(v6=IntervalSet.span(0, V6_MAX))
ANY = ANY_V4 | ANY_V6
NOWHERE = AddressSet()


def ip_to_int(ip: IPAddress) -> tuple[Family, int]:
    return (Family.V4 if ip.version == 4 else Family.V6), int(ip)


def int_to_ip(fam: Family, value: int) -> IPAddress:
    if fam is Family.V4:
        return ipaddress.IPv4Address(value)
    return ipaddress.IPv6Address(value)
