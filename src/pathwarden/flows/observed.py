"""Observed connections as the analyses use them: one :class:`Pair` per (client, server,
protocol, port, action), aggregated in the store by the portable ``pairs`` query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pathwarden.flows.record import ACCEPT, REJECT
from pathwarden.flows.store import FlowStore
from pathwarden.model import ServiceSet
from pathwarden.model.services import ICMP, ICMPV6, PORTED, TCP, UDP, protocol_name


@dataclass(frozen=True, slots=True)
class Pair:
    client: str
    server: str
    proto: int
    port: int
    action: str | None
    records: int
    bytes: int
    first_seen: datetime
    last_seen: datetime

    @property
    def accepted(self) -> bool:
        return self.action == ACCEPT

    @property
    def rejected(self) -> bool:
        return self.action == REJECT

    def services(self) -> ServiceSet:
        return flow_services(self.proto, self.port)

    def service_text(self) -> str:
        return service_text(self.proto, self.port)


def flow_services(proto: int, port: int) -> ServiceSet:
    """What one logged flow used. Flow logs carry no ICMP type (AWS writes 0 in the port
    fields), so an ICMP or portless flow stands for its whole protocol."""
    if proto in PORTED and 0 <= port <= 65535:
        return ServiceSet.ports(proto, port, port)
    if 0 <= proto <= 255:
        return ServiceSet.protocol(proto)
    return ServiceSet()


ECHO_REPLY = {ICMP: 0, ICMPV6: 129}  # the reply an echo request gets (ICMP type)


def return_services(proto: int, ephemeral: tuple[int, int]) -> ServiceSet:
    """What the replies of one logged flow use on a stateless filter (an AWS network ACL
    checks them as traffic of their own, vpc-network-acls.md "Ephemeral ports"): TCP and UDP
    replies go to the client's ephemeral port, which the logs do not attribute, so the whole
    ``ephemeral`` range; ICMP the echo reply; any other protocol the whole protocol."""
    if proto in (TCP, UDP):
        return ServiceSet.ports(proto, *ephemeral)
    if proto in ECHO_REPLY:
        return ServiceSet.icmp(proto, ECHO_REPLY[proto])
    if 0 <= proto <= 255:
        return ServiceSet.protocol(proto)
    return ServiceSet()


def service_text(proto: int, port: int) -> str:
    name = protocol_name(proto)
    return f"{name}/{port}" if proto in PORTED else name


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def last_days(cls, store: FlowStore, days: int | None, since: datetime | None = None,
                  until: datetime | None = None) -> Window:
        """``since``/``until`` as given; with ``days``, the ``days`` before ``until`` (default:
        just after the last stored flow)."""
        if days is None:
            return cls(since, until)
        end = until
        if end is None:
            last = store.span()[1]
            end = (last + timedelta(seconds=1)) if last else datetime.now()
        return cls(end - timedelta(days=days), end)


EVERYTHING = Window()


def rejected_keys(pairs: list[Pair]) -> set[tuple[str, str, int, int]]:
    """Connections some ENI rejected. AWS logs a flow at every ENI it passes: a connection the
    destination rejects still shows ACCEPT at the source's ENI (its egress let it out)."""
    return {(p.client, p.server, p.proto, p.port) for p in pairs if p.rejected}


def load_pairs(store: FlowStore, window: Window = EVERYTHING, *,
               accepted_only: bool = False) -> list[Pair]:
    rows = store.query("pairs", since=window.since, until=window.until)
    out = []
    for client, server, proto, port, action, records, octets, first, last in rows:
        if client is None or server is None or proto is None:
            continue
        if accepted_only and action != ACCEPT:
            continue
        out.append(Pair(str(client), str(server), int(proto), int(port or 0), action,
                        int(records), int(octets or 0), first, last))
    return out
