"""Field-level reading of Azure JSON in both shapes it comes in.

The ARM REST shape (what ``model.as_dict()`` of azure-mgmt-network 33.x and the REST API
return) nests a resource's fields under ``properties``; the az CLI (``az network ... -o json``)
flattens them into the resource object. :func:`props` hides the difference. ARM ids are
case-insensitive ("resource IDs are case-insensitive", ARM docs), so references are matched
through :func:`key`.
"""

from __future__ import annotations

from pathwarden.model import ALL_SERVICES, NO_SERVICES, ServiceSet
from pathwarden.model.services import ICMP, ICMPV6, TCP, UDP
from pathwarden.providers.jsondoc import Node

ESP, AH = 50, 51
# networkSecurityGroup.json: protocol enum Tcp | Udp | Icmp | Esp | * | Ah; admin rules use
# "Any"; effective rules use "All".
PROTOCOLS: dict[str, tuple[int, ...] | None] = {
    "tcp": (TCP,),
    "udp": (UDP,),
    "icmp": (ICMP, ICMPV6),  # an Icmp rule on IPv6 traffic matches ICMPv6
    "esp": (ESP,),
    "ah": (AH,),
    "*": None,
    "any": None,
    "all": None,
}
PORT_PROTOCOLS = (TCP, UDP)
FULL_PORTS = ((0, 65535),)


def key(arm_id: str) -> str:
    return arm_id.strip().lower()


def props(node: Node) -> Node:
    """The node holding a resource's fields: ``properties`` (REST) or the node itself (CLI)."""
    inner = node.child("properties")
    return inner if inner is not None else node


def ref(node: Node, field: str) -> str:
    """``{"id": ...}`` reference in ``field`` ('' when absent)."""
    child = node.child(field)
    return child.text("id") if child is not None else ""


def refs(node: Node, field: str) -> list[str]:
    return [c.text("id") for c in node.children(field) if c.text("id")]


def texts(node: Node, field: str) -> list[str]:
    """A list of strings (absent or null: empty)."""
    value = node.data.get(field)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        node.fail(field, "expected a list of strings")
    return [v for v in value if v.strip()]


def singular_plural(node: Node, singular: str, plural: str) -> list[str]:
    """Azure's alternative fields (``sourceAddressPrefix`` / ``sourceAddressPrefixes``): one
    side is populated; both are read (networkSecurityGroup.json)."""
    out = texts(node, plural)
    one = node.text(singular).strip()
    if one and one not in out:
        out.insert(0, one)
    return out


def parse_ports(node: Node, field: str, items: list[str]) -> tuple[tuple[int, int], ...]:
    """Port fields: "Integer or range between 0 and 65535. Asterisk '*' ... all ports"; the
    plural field and effective rules also write ``a-b``; a comma list is accepted."""
    ranges: list[tuple[int, int]] = []
    if not items:
        return FULL_PORTS
    for item in items:
        for part in item.split(","):
            text = part.strip()
            if text in ("*", "", "any", "Any"):
                return FULL_PORTS
            lo_s, _, hi_s = text.partition("-")
            try:
                lo, hi = int(lo_s), int(hi_s or lo_s)
            except ValueError:
                node.fail(field, f"expected a port, a range a-b or '*', found {text!r}")
            if not 0 <= lo <= hi <= 65535:
                node.fail(field, f"port range {text!r} is not within 0-65535")
            ranges.append((lo, hi))
    return _merge(ranges)


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return tuple(out)


def protocol_numbers(node: Node, field: str) -> tuple[int, ...] | None:
    text = node.require_text(field).strip().lower()
    if text not in PROTOCOLS:
        node.fail(field, f"expected Tcp, Udp, Icmp, Esp, Ah or '*', found {text!r}")
    return PROTOCOLS[text]


def services(protos: tuple[int, ...] | None, ports: tuple[tuple[int, int], ...]) -> ServiceSet:
    """What one rule matches by protocol and destination port.

    Ports exist for TCP and UDP only; for ICMP, ESP and AH the port fields are ignored. A ``*``
    rule with specific ports matches TCP and UDP on those ports and nothing that has no ports
    (docs/azure-semantics.md, "Protocols and ports")."""
    full = ports == FULL_PORTS
    if protos is None:
        if full:
            return ALL_SERVICES
        protos = PORT_PROTOCOLS
    parts: list[ServiceSet] = []
    for p in protos:
        if p in PORT_PROTOCOLS and not full:
            parts.extend(ServiceSet.ports(p, lo, hi) for lo, hi in ports)
        else:
            parts.append(ServiceSet.protocol(p))
    return ServiceSet.union_all(parts) if parts else NO_SERVICES


def port_services() -> ServiceSet:
    return ServiceSet.protocol(TCP) | ServiceSet.protocol(UDP)


def tag_pairs(node: Node, field: str = "tags") -> tuple[tuple[str, str], ...]:
    """ARM ``tags`` is an object of string values."""
    value = node.data.get(field)
    if value is None:
        return ()
    if not isinstance(value, dict):
        node.fail(field, "expected an object of tag names and values")
    return tuple(sorted((str(k), "" if v is None else str(v)) for k, v in value.items()))


def name_of(arm_id: str) -> str:
    return arm_id.rstrip("/").rsplit("/", 1)[-1]


def segment(arm_id: str, name: str) -> str:
    """The value after ``/name/`` in an ARM id (``subscriptions``, ``resourceGroups``)."""
    parts = arm_id.strip("/").split("/")
    for i, p in enumerate(parts[:-1]):
        if p.lower() == name.lower():
            return parts[i + 1]
    return ""


def parent_id(arm_id: str, levels: int = 2) -> str:
    """``.../virtualNetworks/v/subnets/s`` -> ``.../virtualNetworks/v`` (levels=2)."""
    parts = arm_id.rstrip("/").split("/")
    return "/".join(parts[:-levels])
