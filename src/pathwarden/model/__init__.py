"""The shared, frozen model every provider normalises into."""

from pathwarden.model.addresses import ANY, NOWHERE, AddressSet, Family
from pathwarden.model.estate import (
    Estate,
    Lookup,
    Missing,
    Network,
    Notice,
    PrefixList,
    Subnet,
    Workload,
)
from pathwarden.model.intervals import IntervalSet
from pathwarden.model.routes import Attachment, Gateway, NextHop, Peering, Route, RouteTable
from pathwarden.model.rules import (
    ANY_PEER,
    Action,
    Direction,
    Filter,
    FilterKind,
    Peer,
    PeerKind,
    Rule,
)
from pathwarden.model.services import ALL_SERVICES, NO_SERVICES, ServiceSet

__all__ = [
    "ALL_SERVICES",
    "ANY",
    "ANY_PEER",
    "NOWHERE",
    "NO_SERVICES",
    "Action",
    "AddressSet",
    "Attachment",
    "Direction",
    "Estate",
    "Family",
    "Filter",
    "FilterKind",
    "Gateway",
    "IntervalSet",
    "Lookup",
    "Missing",
    "Network",
    "NextHop",
    "Notice",
    "Peer",
    "PeerKind",
    "Peering",
    "PrefixList",
    "Route",
    "RouteTable",
    "Rule",
    "ServiceSet",
    "Subnet",
    "Workload",
]
