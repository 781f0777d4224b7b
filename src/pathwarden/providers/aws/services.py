"""AWS protocol, port and ICMP fields -> :class:`ServiceSet` (wire format only).

Security groups (API_IpPermission.html): ``IpProtocol`` is a name (``tcp``, ``udp``, ``icmp``,
``icmpv6``) or a number string; ``-1`` is every protocol and port. ``tcp``/``udp`` use
``FromPort``-``ToPort`` (absent = all ports); ``icmp``/``icmpv6`` keep the ICMP type in
``FromPort`` and the code in ``ToPort`` (-1 = all); any other protocol number allows the whole
protocol "regardless of any port range you specify". ``describe-security-groups`` omits the
ports for ``-1`` while ``describe-security-group-rules`` writes ``-1``/``-1``.

Network ACL entries (CreateNetworkAclEntry): ``Protocol`` is a number string, ``-1`` = all;
``6``/``17`` use ``PortRange`` (absent = all); ``1`` uses ``IcmpTypeCode`` (absent or -1 =
all); ``58`` on an IPv4 entry is all of ICMPv6, on an IPv6 entry it uses ``IcmpTypeCode``; any
other number is the whole protocol.

Results are cached by the raw field values, so 50,000 rules with a few hundred distinct
protocol/port combinations build a few hundred :class:`ServiceSet` values.
"""

from __future__ import annotations

from pathwarden.model import ALL_SERVICES, ServiceSet
from pathwarden.model.services import ICMP, ICMPV6, NUMBERS, PORT_MAX, PROTO_MAX, TCP, UDP
from pathwarden.providers.jsondoc import Node

ALL = -1
PORTED = frozenset({TCP, UDP})
_LABELS = {TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMPV6: "icmpv6"}


def parse_protocol(node: Node, key: str) -> int:
    """``-1``/``all`` -> -1; a known name or a number 0-255 -> that number."""
    text = node.require_text(key).strip().lower()
    if text in ("-1", "all"):
        return ALL
    number = NUMBERS.get(text)
    if number is not None:
        return number
    if text.isdigit() and int(text) <= PROTO_MAX:
        return int(text)
    node.fail(
        key, f"expected -1, tcp, udp, icmp, icmpv6 or a protocol number 0-255, found {text!r}"
    )


def protocol_label(proto: int) -> str:
    return "all" if proto == ALL else _LABELS.get(proto, str(proto))


def _icmp(node: Node, key: str, proto: int, icmp_type: int | None, code: int | None) -> ServiceSet:
    if icmp_type is None or icmp_type == ALL:
        return ServiceSet.protocol(proto)
    if not 0 <= icmp_type <= 255:
        node.fail(key, f"expected an ICMP type 0-255 or -1, found {icmp_type}")
    if code is None or code == ALL:
        return ServiceSet.icmp(proto, icmp_type)
    if not 0 <= code <= 255:
        node.fail(key, f"expected an ICMP code 0-255 or -1, found {code}")
    return ServiceSet.icmp(proto, icmp_type, code)


def _ports(node: Node, where: str, proto: int, lo: int | None, hi: int | None) -> ServiceSet:
    if (lo is None or lo == ALL) and (hi is None or hi == ALL):
        return ServiceSet.protocol(proto)
    if lo is None or hi is None or not 0 <= lo <= hi <= PORT_MAX:
        node.fail(where, f"expected a port range 0 <= from <= to <= 65535, found {lo}-{hi}")
    return ServiceSet.ports(proto, lo, hi)


class ServiceCache:
    """Memoised field parsing for SG permissions and NACL entries."""

    def __init__(self) -> None:
        self._sg: dict[tuple[object, ...], tuple[ServiceSet, str, str]] = {}
        self._nacl: dict[tuple[object, ...], ServiceSet] = {}

    def security_group(self, perm: Node) -> tuple[ServiceSet, str, str]:
        """Services of one ``IpPermission`` or rule object, with the protocol and port labels
        used in synthetic rule ids (``tcp``, ``22-22``)."""
        data = perm.data
        key = _key(data.get("IpProtocol"), data.get("FromPort"), data.get("ToPort"))
        if key is None:  # a list or object where a scalar belongs: parsing reports it
            return self._security_group(perm)
        hit = self._sg.get(key)
        if hit is None:
            hit = self._sg[key] = self._security_group(perm)
        return hit

    def _security_group(self, perm: Node) -> tuple[ServiceSet, str, str]:
        proto = parse_protocol(perm, "IpProtocol")
        lo, hi = perm.integer("FromPort"), perm.integer("ToPort")
        label = protocol_label(proto)
        if proto == ALL:
            return ALL_SERVICES, label, "all"
        if proto in PORTED:
            services = _ports(perm, "FromPort", proto, lo, hi)
        elif proto in (ICMP, ICMPV6):
            services = _icmp(perm, "FromPort", proto, lo, hi)
        else:
            return ServiceSet.protocol(proto), label, "all"
        if services == ServiceSet.protocol(proto):
            ports = "all" if lo in (None, ALL) else f"{lo}-{hi}"
        else:
            ports = f"{lo}-{'all' if hi in (None, ALL) else hi}"
        return services, label, ports

    def network_acl(self, entry: Node, ipv6: bool) -> ServiceSet:
        data = entry.data
        ports = data.get("PortRange")
        icmp = data.get("IcmpTypeCode")
        key = _key(data.get("Protocol"), ipv6, *_pair(ports, "From", "To"),
                   *_pair(icmp, "Type", "Code"))
        if key is None:  # a list or object where a scalar belongs: parsing reports it
            return self._network_acl(entry, ipv6)
        hit = self._nacl.get(key)
        if hit is None:
            hit = self._nacl[key] = self._network_acl(entry, ipv6)
        return hit

    def _network_acl(self, entry: Node, ipv6: bool) -> ServiceSet:
        proto = parse_protocol(entry, "Protocol")
        if proto == ALL:
            return ALL_SERVICES
        if proto in PORTED:
            pr = entry.child("PortRange")
            if pr is None:
                return ServiceSet.protocol(proto)
            return _ports(pr, "From", proto, pr.integer("From"), pr.integer("To"))
        if proto == ICMP or (proto == ICMPV6 and ipv6):
            tc = entry.child("IcmpTypeCode")
            if tc is None:
                return ServiceSet.protocol(proto)
            return _icmp(tc, "Type", proto, tc.integer("Type"), tc.integer("Code"))
        return ServiceSet.protocol(proto)


def _pair(value: object, a: str, b: str) -> tuple[object, ...]:
    if isinstance(value, dict):
        return (True, value.get(a), value.get(b))
    return (value,)


def _key(*values: object) -> tuple[tuple[type, object], ...] | None:
    """A cache key of scalar field values, typed so that ``true`` never hits the entry of
    ``1`` (nor ``1.0`` that of ``1``); ``None`` when a value is a list or an object."""
    if any(isinstance(v, list | dict) for v in values):
        return None
    return tuple((type(v), v) for v in values)
