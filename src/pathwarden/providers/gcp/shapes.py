"""Field-level reading of Compute Engine JSON (``gcloud ... --format=json`` and REST bodies).

gcloud writes a JSON list of resources; the REST API writes a page ``{"items": [...]}``, and an
aggregated list ``{"items": {"zones/us-east1-b": {"instances": [...]}, ...}}``. References
between resources are URLs (``https://www.googleapis.com/compute/v1/projects/p/global/networks/n``)
or partial paths (``projects/p/global/networks/n``, ``global/networks/n``, ``n``); every id in
the model is the canonical partial path ``projects/p/global/networks/n``.
"""

from __future__ import annotations

from pathwarden.errors import SnapshotError
from pathwarden.model import ALL_SERVICES, NO_SERVICES, ServiceSet
from pathwarden.model.services import ICMP, SCTP, TCP, UDP
from pathwarden.providers.jsondoc import Node, describe_value

CLOUD = "gcp"
URL_PREFIXES = (
    "https://www.googleapis.com/compute/v1/",
    "https://compute.googleapis.com/compute/v1/",
    "https://www.googleapis.com/compute/beta/",
    "https://compute.googleapis.com/compute/beta/",
)
# firewalls REST reference, IPProtocol: "tcp, udp, icmp, esp, ah, ipip, sctp" or a number.
PROTOCOLS = {"tcp": TCP, "udp": UDP, "icmp": ICMP, "esp": 50, "ah": 51, "sctp": SCTP, "ipip": 4}
PORTED = (TCP, UDP, SCTP)


def path_of(ref: str) -> str:
    """``https://.../compute/v1/projects/p/global/networks/n`` -> ``projects/p/.../n``."""
    ref = ref.strip()
    for prefix in URL_PREFIXES:
        if ref.startswith(prefix):
            return ref[len(prefix):]
    if "://" in ref:
        marker = ref.find("/projects/")
        if marker >= 0:
            return ref[marker + 1:]
    return ref.lstrip("/")


def last(ref: str) -> str:
    return ref.rstrip("/").rsplit("/", 1)[-1]


def segment(ref: str, name: str) -> str:
    """The path element after ``name``: ``segment("projects/p/zones/z/...", "zones") == "z"``."""
    parts = path_of(ref).split("/")
    for i, part in enumerate(parts[:-1]):
        if part == name:
            return parts[i + 1]
    return ""


def network_id(ref: str, project: str) -> str:
    """Canonical network id; a bare name or ``global/networks/n`` takes ``project``."""
    p = path_of(ref)
    if p.startswith("projects/"):
        return p
    return f"projects/{project}/global/networks/{last(p)}"


def region_of_zone(zone: str) -> str:
    """``us-east1-b`` -> ``us-east1``."""
    return zone.rsplit("-", 1)[0] if zone.count("-") >= 2 else zone


def texts(node: Node, field: str) -> list[str]:
    """A list of strings (absent or null: empty); blank entries are dropped."""
    value = node.data.get(field)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        node.fail(field, f"expected a list of strings, found {describe_value(value)}")
    return [v.strip() for v in value if v.strip()]


def priority(node: Node, default: int) -> int:
    value = node.data.get("priority")
    if value is None:
        return default
    if isinstance(value, str) and value.isdigit():  # proto3 JSON may quote int64
        return int(value)
    if type(value) is not int or value < 0:
        node.fail("priority", f"expected a non-negative integer, found {describe_value(value)}")
    return value


def services(node: Node, proto_field: str) -> ServiceSet:
    """One ``{IPProtocol, ports}`` (VPC rule) or ``{ipProtocol, ports}`` (policy rule) entry.

    Ports apply to tcp, udp and sctp only; an entry without ports is the whole protocol;
    ``all`` is every protocol and port (firewalls REST reference, ``allowed[].ports``).
    """
    raw = node.data.get(proto_field)
    if raw is None and proto_field == "IPProtocol":  # SDK ``to_dict`` spells it I_p_protocol
        raw = node.data.get("I_p_protocol", node.data.get("ipProtocol"))
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        node.fail(proto_field, f"expected a protocol name or number, found {describe_value(raw)}")
    name = raw.strip().lower()
    if name == "all":
        return ALL_SERVICES
    proto = PROTOCOLS.get(name)
    if proto is None:
        if not name.isdigit() or int(name) > 255:
            node.fail(proto_field, f"unknown protocol {raw!r} (expected tcp, udp, icmp, esp, "
                      "ah, sctp, ipip, all or a number 0-255)")
        proto = int(name)
    ports = texts(node, "ports")
    if not ports or proto not in PORTED:
        return ServiceSet.protocol(proto)
    out = NO_SERVICES
    for text in ports:
        lo, _, hi = text.partition("-")
        try:
            out = out | ServiceSet.ports(proto, int(lo), int(hi or lo))
        except ValueError:
            node.fail("ports", f"bad port or range {text!r} (expected N or N-M within 0-65535)")
    return out


def items_of(data: object, label: str, kind: str) -> list[Node]:
    """The resources of a list file: a JSON list (gcloud), a REST page ``{"items": [...]}``,
    an aggregated page ``{"items": {scope: {kind: [...]}}}``, or one resource object."""
    if isinstance(data, dict) and "items" in data:
        inner = data["items"]
        if isinstance(inner, dict):  # aggregatedList
            flat: list[object] = []
            for scope, bag in sorted(inner.items()):
                if not isinstance(bag, dict):
                    raise SnapshotError(label, f"expected an object, found "
                                        f"{describe_value(bag)}", f"items.{scope}")
                for key, values in sorted(bag.items()):
                    if key == "warning" or (kind != "items" and key != kind):
                        continue
                    if not isinstance(values, list):
                        raise SnapshotError(label, "expected a list", f"items.{scope}.{key}")
                    flat.extend(values)
            data = flat
        else:
            data = inner
    elif isinstance(data, dict) and ("name" in data or "selfLink" in data):
        data = [data]
    elif isinstance(data, dict) and not data:
        data = []
    if not isinstance(data, list):
        raise SnapshotError(label, f"expected a JSON list as `gcloud ... --format=json` writes, "
                            f"or a REST page {{\"items\": [...]}}; found {describe_value(data)}")
    return Node({"items": data}, label).children("items")
