"""The policy's port syntax, parsed into :class:`~pathwarden.model.ServiceSet`.

One item is ``PROTOCOL`` (every port of it), ``PROTOCOL/PORT`` or ``PROTOCOL/LOW-HIGH`` for
tcp, udp and sctp, ``icmp``/``icmpv6`` with an optional ``/TYPE`` or ``/TYPE/CODE``, an IANA
protocol number (``47``: the whole protocol), or ``all``. A list is the union of its items;
no ``ports`` at all means ``all``.

>>> parse_ports(["tcp/443", "tcp/8000-8100", "udp/53"]).describe()
'tcp/443,8000-8100 udp/53'
>>> parse_port("icmp/8").to_contract()
[{'protocol': 'icmp', 'ports': [[8, 8]]}]
>>> parse_port("all") == ALL_SERVICES
True
>>> parse_port("tcp/70000")
Traceback (most recent call last):
...
ValueError: bad port 'tcp/70000': port 70000 is out of range; expected 0-65535
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pathwarden.model import ALL_SERVICES, ServiceSet
from pathwarden.model.services import NUMBERS, PORT_MAX, PORTED, PROTO_MAX

EXPECTED = (
    "expected tcp/PORT, tcp/LOW-HIGH, udp/..., sctp/..., tcp (all ports), icmp, icmp/TYPE, "
    "icmp/TYPE/CODE, icmpv6/..., a protocol number 0-255, or all"
)
# Loose shape for editors (the JSON Schema); parse_port checks the numbers.
PORT_PATTERN = (
    r"^(all|[0-9]{1,3}|(tcp|udp|sctp)(/[0-9]{1,5}(-[0-9]{1,5})?)?"
    r"|(icmp|icmpv6)(/[0-9]{1,3}(/[0-9]{1,3})?)?)$"
)
_SHAPE = re.compile(PORT_PATTERN)


def _number(text: str, item: str, what: str, top: int) -> int:
    value = int(text)
    if value > top:
        raise ValueError(f"bad port {item!r}: {what} {value} is out of range; expected 0-{top}")
    return value


def parse_port(item: str) -> ServiceSet:
    """One port item; raises ``ValueError`` with an "expected ..." message."""
    text = item.strip().lower() if isinstance(item, str) else ""
    if not _SHAPE.match(text):
        raise ValueError(f"bad port {item!r}: {EXPECTED}")
    if text == "all":
        return ALL_SERVICES
    if text.isdigit():
        return ServiceSet.protocol(_number(text, item, "protocol", PROTO_MAX))
    name, _, rest = text.partition("/")
    proto = NUMBERS[name]
    if not rest:
        return ServiceSet.protocol(proto)
    if proto in PORTED:
        lo_text, _, hi_text = rest.partition("-")
        lo = _number(lo_text, item, "port", PORT_MAX)
        hi = _number(hi_text, item, "port", PORT_MAX) if hi_text else lo
        if lo > hi:
            raise ValueError(f"bad port {item!r}: range {lo}-{hi} is backwards; expected LOW-HIGH")
        return ServiceSet.ports(proto, lo, hi)
    type_text, _, code_text = rest.partition("/")
    icmp_type = _number(type_text, item, "ICMP type", 255)
    code = _number(code_text, item, "ICMP code", 255) if code_text else None
    return ServiceSet.icmp(proto, icmp_type, code)


def parse_ports(items: Iterable[str] | None) -> ServiceSet:
    """The union of the items; ``None`` (no ``ports`` key) means every protocol and port."""
    if items is None:
        return ALL_SERVICES
    return ServiceSet.union_all(parse_port(i) for i in items)
