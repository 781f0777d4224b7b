"""Reach endpoints: what ``--from`` and ``--to`` name, resolved against an estate.

An endpoint is a set of workload addresses (each workload with the addresses of it that take
part) plus an outside address set (CIDRs that are not our workloads).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pathwarden.errors import EndpointError
from pathwarden.model import NOWHERE, AddressSet, Estate, Workload
from pathwarden.model.addresses import Family, address_value, parse_address, parse_network


@dataclass(frozen=True, slots=True)
class Member:
    workload: Workload
    addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Endpoint:
    label: str
    members: tuple[Member, ...] = ()
    outside: AddressSet = NOWHERE
    # addresses() once per endpoint (members and outside never change): the planner asks
    # for the same segment's addresses for every rule and candidate it weighs
    _memo: dict[str, AddressSet] = field(default_factory=dict, init=False, repr=False,
                                         compare=False, hash=False)

    @classmethod
    def of_workloads(cls, label: str, workloads: list[Workload]) -> Endpoint:
        return cls(label, tuple(Member(w, w.addresses) for w in workloads))

    def is_empty(self) -> bool:
        return not self.members and not self.outside

    def addresses(self) -> AddressSet:
        """Every address the endpoint stands for: its members' and its outside ranges."""
        hit = self._memo.get("addresses")
        if hit is None:
            hit = self._memo["addresses"] = AddressSet.union_all(
                workload_addresses(m.addresses) for m in self.members) | self.outside
        return hit


def workload_addresses(addresses: Iterable[str]) -> AddressSet:
    """Parsed addresses (a text that is no address is skipped: loaders report those)."""
    ok = []
    for a in addresses:
        try:
            address_value(a)
        except ValueError:
            continue
        ok.append(a)
    return AddressSet.of_texts(ok)


SegmentResolver = Callable[[str], Endpoint]


class EndpointIndex:
    """Lookups from endpoint text to workloads, built once per estate."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.by_instance: dict[str, list[Workload]] = {}
        self.by_filter: dict[str, list[Workload]] = {}
        self.by_name: dict[str, list[Workload]] = {}
        self.by_ip: dict[tuple[Family, int], list[Workload]] = {}
        self.by_label: dict[str, list[Workload]] = {}
        self.by_id: dict[str, Workload] = {}
        for w in estate.workloads:
            self.by_id[_key(w.id)] = w
            if w.instance:
                self.by_instance.setdefault(_key(w.instance), []).append(w)
                if "/" in w.instance:  # an ARM or GCP resource path: its last part is the name
                    self.by_name.setdefault(w.instance.rsplit("/", 1)[-1], []).append(w)
            for f in w.filters:
                self.by_filter.setdefault(_key(f), []).append(w)
            for label in w.labels:
                self.by_label.setdefault(_key(label), []).append(w)
            if w.name:
                self.by_name.setdefault(w.name, []).append(w)
            for a in w.addresses:
                try:
                    self.by_ip.setdefault(address_value(a), []).append(w)
                except ValueError:
                    continue


def parse_endpoint(
    index: EndpointIndex, text: str, segments: SegmentResolver | None = None
) -> Endpoint:
    """Resolve ENI id, instance id, IP address, CIDR, security group id or ``segment:NAME``."""
    text = text.strip()
    if text.startswith("segment:"):
        if segments is None:
            raise EndpointError(f"{text}: segment endpoints need --policy")
        return segments(text.removeprefix("segment:"))
    key = _key(text)
    w = index.by_id.get(key)
    if w is not None:
        return Endpoint.of_workloads(text, [w])
    if key in index.by_instance:
        return Endpoint.of_workloads(text, index.by_instance[key])
    if key in index.by_filter or text in index.estate.filters:
        return Endpoint.of_workloads(text, index.by_filter.get(key, []))
    if key in index.by_label:  # Azure ASG ids, GCP network tags
        return Endpoint.of_workloads(text, index.by_label[key])
    if "/" not in text:
        try:
            ip = parse_address(text)
        except ValueError:
            ip = None
        if ip is not None:
            owners = index.by_ip.get(address_value(str(ip)), [])
            if owners:
                return Endpoint(text, tuple(Member(o, (str(ip),)) for o in owners))
            return Endpoint(text, outside=AddressSet.of_ips([ip]))
    else:
        try:
            return Endpoint(text, outside=AddressSet.of_network(parse_network(text)))
        except ValueError:
            pass
    if text in index.by_name:
        return Endpoint.of_workloads(text, index.by_name[text])
    raise EndpointError(
        f"{text!r} is not an ENI, instance, security group, IP address, CIDR or segment:NAME "
        "in this estate"
    )


def _key(text: str) -> str:
    """ARM resource ids are case-insensitive; other ids are compared as written."""
    return text.lower() if text.startswith("/subscriptions/") else text
