"""Reach endpoints: what ``--from`` and ``--to`` name, resolved against an estate.

An endpoint is a set of workload addresses (each workload with the addresses of it that take
part) plus an outside address set (CIDRs that are not our workloads).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pathwarden.errors import EndpointError
from pathwarden.model import NOWHERE, AddressSet, Estate, Workload
from pathwarden.model.addresses import parse_address, parse_network


@dataclass(frozen=True, slots=True)
class Member:
    workload: Workload
    addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Endpoint:
    label: str
    members: tuple[Member, ...] = ()
    outside: AddressSet = NOWHERE

    @classmethod
    def of_workloads(cls, label: str, workloads: list[Workload]) -> Endpoint:
        return cls(label, tuple(Member(w, w.addresses) for w in workloads))

    def is_empty(self) -> bool:
        return not self.members and not self.outside


SegmentResolver = Callable[[str], Endpoint]


def parse_endpoint(estate: Estate, text: str, segments: SegmentResolver | None = None) -> Endpoint:
    """Resolve ENI id, instance id, IP address, CIDR, security group id or ``segment:NAME``."""
    text = text.strip()
    if text.startswith("segment:"):
        if segments is None:
            raise EndpointError(f"{text}: segment endpoints need --policy")
        return segments(text.removeprefix("segment:"))
    w = estate.workload(text)
    if w is not None:
        return Endpoint.of_workloads(text, [w])
    by_instance = [x for x in estate.workloads if x.instance == text]
    if by_instance:
        return Endpoint.of_workloads(text, by_instance)
    if text in estate.filters:
        members = [x for x in estate.workloads if text in x.filters]
        return Endpoint.of_workloads(text, members)
    if "/" not in text:
        try:
            ip = parse_address(text)
        except ValueError:
            ip = None
        if ip is not None:
            owners = [x for x in estate.workloads if any(_same(a, ip) for a in x.addresses)]
            if owners:
                return Endpoint(text, tuple(Member(o, (str(ip),)) for o in owners))
            return Endpoint(text, outside=AddressSet.of_ips([ip]))
    else:
        try:
            return Endpoint(text, outside=AddressSet.of_network(parse_network(text)))
        except ValueError:
            pass
    by_name = [x for x in estate.workloads if x.name and x.name == text]
    if by_name:
        return Endpoint.of_workloads(text, by_name)
    raise EndpointError(
        f"{text!r} is not an ENI, instance, security group, IP address, CIDR or segment:NAME "
        "in this estate"
    )


def _same(address: str, ip: object) -> bool:
    try:
        return parse_address(address) == ip
    except ValueError:
        return False
