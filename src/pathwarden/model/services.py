"""Protocol and port sets, folded onto one integer line.

A service is ``protocol * 65536 + port``. For TCP, UDP and SCTP the port is the destination
port; for ICMP and ICMPv6 it is ``type * 256 + code`` (AWS keeps ICMP type and code in the
port fields, API_IpPermission.html); for every other protocol the whole 65536-wide block of the
protocol is either in the set or not, because those protocols have no ports (AWS: "-1 or a
protocol number other than tcp, udp, icmp, or icmpv6 allows traffic on all ports").
One :class:`IntervalSet` therefore holds any mix of protocols, and ``ALL`` is a single range.

>>> s = ServiceSet.tcp(22) | ServiceSet.tcp(443) | ServiceSet.protocol(UDP)
>>> s.to_contract()
[{'protocol': 'tcp', 'ports': [[22, 22], [443, 443]]}, {'protocol': 'udp', 'ports': None}]
>>> ServiceSet.icmp(ICMP, 8).to_contract()
[{'protocol': 'icmp', 'ports': [[8, 8]]}]
>>> ALL_SERVICES.to_contract()
[{'protocol': 'all', 'ports': None}]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pathwarden.model.intervals import EMPTY, IntervalSet, Range

ICMP = 1
TCP = 6
UDP = 17
ICMPV6 = 58
SCTP = 132

BLOCK = 1 << 16
PORT_MAX = BLOCK - 1
PROTO_MAX = 255
NAMES = {ICMP: "icmp", TCP: "tcp", UDP: "udp", ICMPV6: "icmpv6"}
NUMBERS = {name: num for num, name in NAMES.items()} | {"sctp": SCTP}
PORTED = frozenset({TCP, UDP, SCTP})
ICMPS = frozenset({ICMP, ICMPV6})


def protocol_name(proto: int) -> str:
    return NAMES.get(proto, str(proto))


@dataclass(frozen=True, slots=True)
class ServiceSet:
    """A set of (protocol, port-or-icmp-type/code) values."""

    values: IntervalSet = EMPTY

    # -- constructors --------------------------------------------------------------------------
    @classmethod
    def protocol(cls, proto: int) -> ServiceSet:
        base = proto * BLOCK
        return cls(IntervalSet.span(base, base + PORT_MAX))

    @classmethod
    def ports(cls, proto: int, lo: int, hi: int) -> ServiceSet:
        if not (0 <= lo <= hi <= PORT_MAX):
            raise ValueError(f"bad port range {lo}-{hi}")
        base = proto * BLOCK
        return cls(IntervalSet.span(base + lo, base + hi))

    @classmethod
    def tcp(cls, lo: int, hi: int | None = None) -> ServiceSet:
        return cls.ports(TCP, lo, lo if hi is None else hi)

    @classmethod
    def udp(cls, lo: int, hi: int | None = None) -> ServiceSet:
        return cls.ports(UDP, lo, lo if hi is None else hi)

    @classmethod
    def icmp(cls, proto: int, icmp_type: int | None, code: int | None = None) -> ServiceSet:
        """ICMP/ICMPv6 by type and code; ``None`` (or -1 in cloud JSON) means all."""
        if icmp_type is None:
            return cls.protocol(proto)
        if code is None:
            return cls.ports(proto, icmp_type * 256, icmp_type * 256 + 255)
        return cls.ports(proto, icmp_type * 256 + code, icmp_type * 256 + code)

    @classmethod
    def union_all(cls, sets: Iterable[ServiceSet]) -> ServiceSet:
        return cls(IntervalSet.union_all(s.values for s in sets))

    # -- algebra -------------------------------------------------------------------------------
    def __bool__(self) -> bool:
        return bool(self.values)

    def __or__(self, other: ServiceSet) -> ServiceSet:
        return ServiceSet(self.values | other.values)

    def __and__(self, other: ServiceSet) -> ServiceSet:
        if self.values == other.values or other.values == _ALL:  # joins meet these often
            return self
        if self.values == _ALL:
            return other
        return ServiceSet(self.values & other.values)

    def __sub__(self, other: ServiceSet) -> ServiceSet:
        return ServiceSet(self.values - other.values)

    def overlaps(self, other: ServiceSet) -> bool:
        return self.values.overlaps(other.values)

    def issubset(self, other: ServiceSet) -> bool:
        return self.values.issubset(other.values)

    def contains(self, proto: int, port: int = 0) -> bool:
        return self.values.contains(proto * BLOCK + port)

    def size(self) -> int:
        return self.values.size()

    # -- views ---------------------------------------------------------------------------------
    def by_protocol(self) -> Iterator[tuple[int, tuple[Range, ...]]]:
        """Yield ``(protocol, ranges within the protocol's block)`` in protocol order."""
        current: int | None = None
        ranges: list[Range] = []
        for lo, hi in self.values:
            p = lo // BLOCK
            while p <= hi // BLOCK:
                block_lo = max(lo, p * BLOCK) - p * BLOCK
                block_hi = min(hi, p * BLOCK + PORT_MAX) - p * BLOCK
                if p != current:
                    if current is not None:
                        yield current, tuple(ranges)
                    current, ranges = p, []
                ranges.append((block_lo, block_hi))
                p += 1
        if current is not None:
            yield current, tuple(ranges)

    def to_contract(self) -> list[dict[str, Any]]:
        """The ``open`` list of DESIGN.md's reach contract."""
        if self == ALL_SERVICES:
            return [{"protocol": "all", "ports": None}]
        out: list[dict[str, Any]] = []
        for proto, ranges in self.by_protocol():
            full = ranges == ((0, PORT_MAX),)
            entry: dict[str, Any] = {"protocol": protocol_name(proto), "ports": None}
            if not full and proto in ICMPS:
                entry["ports"], codes = _icmp_types(ranges)
                if codes:
                    entry["codes"] = codes
            elif not full:
                entry["ports"] = [[lo, hi] for lo, hi in ranges]
            out.append(entry)
        return out

    def describe(self) -> str:
        """Short human form: ``tcp/22,443 udp/53 icmp/8 all``."""
        parts = []
        for item in self.to_contract():
            if item["ports"] is None:
                parts.append(item["protocol"])
            else:
                spans = ",".join(str(a) if a == b else f"{a}-{b}" for a, b in item["ports"])
                parts.append(f"{item['protocol']}/{spans}")
        return " ".join(parts) if parts else "nothing"


def _icmp_types(ranges: tuple[Range, ...]) -> tuple[list[list[int]], dict[str, list[list[int]]]]:
    """Split ICMP ranges into whole types and, for partly open types, their codes."""
    types: list[list[int]] = []
    codes: dict[str, list[list[int]]] = {}
    for lo, hi in ranges:
        for t in range(lo // 256, hi // 256 + 1):
            c_lo, c_hi = max(lo, t * 256) - t * 256, min(hi, t * 256 + 255) - t * 256
            whole = (c_lo, c_hi) == (0, 255)
            if types and types[-1][1] >= t:  # a type already seen: more of its codes
                codes.setdefault(str(t), []).append([c_lo, c_hi])
                continue
            if whole and types and types[-1][1] == t - 1 and str(t - 1) not in codes:
                types[-1][1] = t
                continue
            types.append([t, t])
            if not whole:
                codes.setdefault(str(t), []).append([c_lo, c_hi])
    return types, codes


_ALL = IntervalSet.span(0, (PROTO_MAX + 1) * BLOCK - 1)
ALL_SERVICES = ServiceSet(_ALL)
NO_SERVICES = ServiceSet()
