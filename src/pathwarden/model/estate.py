"""Workloads, subnets, networks and the :class:`Estate` that holds them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from pathwarden.model.addresses import NOWHERE, AddressSet, IPAddress, parse_address
from pathwarden.model.routes import Attachment, Gateway, Peering, RouteTable
from pathwarden.model.rules import Filter

Tags = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Workload:
    """One enforcement point: an AWS ENI, an Azure NIC, a GCP VM NIC.

    ``filters`` are the ids of the filters attached to this workload itself (AWS security
    groups, an Azure NIC NSG); subnet-level filters hang off :class:`Subnet`.
    """

    id: str
    cloud: str
    addresses: tuple[str, ...]
    network: str
    subnet: str
    filters: tuple[str, ...] = ()
    account: str = ""
    region: str = ""
    name: str = ""
    instance: str = ""
    kind: str = ""
    tags: Tags = ()
    instance_tags: Tags = ()
    labels: tuple[str, ...] = ()  # GCP network tags, Azure ASG ids, ...
    service_account: str = ""
    description: str = ""
    public_addresses: tuple[str, ...] = ()  # public IPv4 (and IPv6) mapped to this workload
    forwarding: bool = False  # forwards traffic not addressed to it (an appliance)

    def ips(self) -> tuple[IPAddress, ...]:
        return tuple(parse_address(a) for a in self.addresses)

    def tag(self, key: str) -> str | None:
        for k, v in self.tags + self.instance_tags:
            if k == key:
                return v
        return None


@dataclass(frozen=True, slots=True)
class Subnet:
    id: str
    cloud: str
    network: str
    cidrs: AddressSet = NOWHERE
    filters: tuple[str, ...] = ()  # AWS NACL, Azure subnet NSG
    account: str = ""
    region: str = ""
    name: str = ""
    tags: Tags = ()
    route_table: str = ""  # the explicitly associated route table, if any
    stub: bool = False  # only referenced (by a workload): not described by the snapshot
    zone: str = ""  # AWS Availability Zone id (``use1-az1``), else its name


@dataclass(frozen=True, slots=True)
class Network:
    id: str
    cloud: str
    cidrs: AddressSet = NOWHERE
    account: str = ""
    region: str = ""
    name: str = ""
    peers: tuple[str, ...] = ()  # networks reachable by private address (active peerings)
    tags: Tags = ()
    routed: bool = False  # its route tables are in the snapshot: routes decide its paths
    peerings: tuple[Peering, ...] = ()  # every peering it holds, with its flags (any state)
    stub: bool = False  # only referenced (by a subnet, workload, rule): not described


@dataclass(frozen=True, slots=True)
class PrefixList:
    id: str
    name: str
    addresses: AddressSet
    entries: tuple[str, ...] = ()
    max_entries: int = 0
    stub: bool = False  # its entries are not in the snapshot (AWS: no entries file)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the loader or engine wants a person to know (stale reference, assumption)."""

    code: str
    message: str
    source: str = ""


class Lookup(StrEnum):
    """Where in an :class:`Estate` a referenced object is looked for."""

    FILTER = "filter"  # estate.filters
    SUBNET = "subnet"  # estate.subnets, not a stub
    NETWORK = "network"  # estate.networks, not a stub
    PREFIX_LIST = "prefix_list"  # estate.prefix_lists, not a stub
    SERVICE_ACCOUNT = "service_account"  # a workload runs as it (GCP)
    SUBNET_FILTER = "subnet_filter"  # estate.subnets[key] has a filter (an AWS subnet's NACL)
    NOWHERE = "nowhere"  # no other snapshot can supply it


@dataclass(frozen=True, slots=True)
class Missing:
    """A reference to an object the snapshot does not hold: an ENI's security group, a NIC's
    subnet, a rule's prefix list. The loaders record them; :func:`pathwarden.providers.
    references.settle` drops those another snapshot of the same estate supplies and turns the
    rest into notices and a partial estate (what is not there cannot be evaluated).

    ``kind`` names the object for people ("security group"), ``id`` is the id as the referrer
    writes it, ``key`` the key to look it up by ``lookup`` (often ``id``), ``by`` the referrer,
    ``effect`` what the estate does without it ("its rules are unknown").
    """

    kind: str
    id: str
    by: str
    effect: str
    lookup: Lookup
    key: str = ""
    source: str = ""


def _proxy(items: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(items))


@dataclass(frozen=True)
class Estate:
    """Everything the engine needs, normalised once at the edge, never mutated."""

    workloads: tuple[Workload, ...] = ()
    filters: Mapping[str, Filter] = field(default_factory=dict)
    subnets: Mapping[str, Subnet] = field(default_factory=dict)
    networks: Mapping[str, Network] = field(default_factory=dict)
    prefix_lists: Mapping[str, PrefixList] = field(default_factory=dict)
    route_tables: Mapping[str, RouteTable] = field(default_factory=dict)
    attachments: Mapping[str, Attachment] = field(default_factory=dict)
    gateways: Mapping[str, Gateway] = field(default_factory=dict)
    notices: tuple[Notice, ...] = ()
    partial: bool = False
    sources: tuple[str, ...] = ()
    options: Mapping[str, object] = field(default_factory=dict)
    missing: tuple[Missing, ...] = ()  # references not settled yet (see Missing)

    def __post_init__(self) -> None:
        for name in ("filters", "subnets", "networks", "prefix_lists", "route_tables",
                     "attachments", "gateways", "options"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        object.__setattr__(self, "_by_id", MappingProxyType({w.id: w for w in self.workloads}))

    def workload(self, workload_id: str) -> Workload | None:
        by_id: Mapping[str, Workload] = self.__dict__["_by_id"]
        return by_id.get(workload_id)

    def clouds(self) -> set[str]:
        return {w.cloud for w in self.workloads} | {f.cloud for f in self.filters.values()}

    def __iter__(self) -> Iterator[Workload]:
        return iter(self.workloads)

    @staticmethod
    def merge(estates: list[Estate]) -> Estate:
        """One estate from several snapshots (accounts, regions, clouds).

        An object one snapshot describes wins over a stub of it that another only references
        (a GCP Shared VPC host network seen from a service project), whatever the order."""
        if len(estates) == 1:
            return estates[0]
        filters: dict[str, Filter] = {}
        subnets: dict[str, Subnet] = {}
        networks: dict[str, Network] = {}
        prefix_lists: dict[str, PrefixList] = {}
        route_tables: dict[str, RouteTable] = {}
        attachments: dict[str, Attachment] = {}
        gateways: dict[str, Gateway] = {}
        options: dict[str, object] = {}
        for e in estates:
            filters.update(e.filters)
            _update(subnets, e.subnets)
            _update(networks, e.networks)
            _update(prefix_lists, e.prefix_lists)
            route_tables.update(e.route_tables)
            for aid, a in e.attachments.items():
                seen = attachments.get(aid)
                attachments[aid] = a if seen is None else seen.merged(a)
            gateways.update(e.gateways)
            options.update(e.options)
        return Estate(
            workloads=tuple(w for e in estates for w in e.workloads),
            filters=filters,
            subnets=subnets,
            networks=networks,
            prefix_lists=prefix_lists,
            route_tables=route_tables,
            attachments=attachments,
            gateways=gateways,
            notices=tuple(n for e in estates for n in e.notices),
            partial=any(e.partial for e in estates),
            sources=tuple(s for e in estates for s in e.sources),
            options=options,
            missing=tuple(m for e in estates for m in e.missing),
        )


_Stubbed = TypeVar("_Stubbed", Subnet, Network, PrefixList)


def _update(into: dict[str, _Stubbed], items: Mapping[str, _Stubbed]) -> None:
    """``into.update(items)``, except that a stub never replaces a described object, nor a
    subnet without filters one with (an AWS subnet shared into another account: the owner's
    snapshot holds its NACL, the participant's only the subnet)."""
    for key, item in items.items():
        old = into.get(key)
        if old is None or _rank(item) >= _rank(old):
            into[key] = item


def _rank(item: Subnet | Network | PrefixList) -> tuple[bool, bool]:
    return (not item.stub, bool(item.filters) if isinstance(item, Subnet) else False)
