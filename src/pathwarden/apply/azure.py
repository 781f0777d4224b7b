"""Azure reads and writes for apply: NSG security rules by name (azure-mgmt-network).

Reads: ``network_security_groups.get`` parsed by the offline loader's own parser
(:class:`~pathwarden.providers.azure.rules.RuleParser`), so a live NSG and a snapshot of it give
the same :class:`Filter` and the same fingerprint. Writes (RBAC actions in
:data:`WRITE_ACTIONS`), each a long-running operation the SDK polls to its end:

- add / modify: ``security_rules.begin_create_or_update`` (a rule the plan adds is named
  ``pathwarden-<12 hex>`` after its content id; a rule removed earlier in this run is re-created
  from the exact body read before its removal);
- remove: ``security_rules.begin_delete``.

Check mode is guarded at the lowest write call (:meth:`AzureWriter._write`).
"""

from __future__ import annotations

from typing import Any

from pathwarden.apply.aws import ApplyError
from pathwarden.model import ALL_SERVICES, Direction, Filter, PeerKind, Rule
from pathwarden.model.services import ICMP, ICMPV6, PORT_MAX, TCP, UDP
from pathwarden.planner.edits import NEW_PREFIX
from pathwarden.providers.azure.rules import RuleParser
from pathwarden.providers.azure.shapes import name_of, segment
from pathwarden.providers.jsondoc import Node
from pathwarden.providers.sdk import require

WRITE_ACTIONS = (
    "Microsoft.Network/networkSecurityGroups/read",
    "Microsoft.Network/networkSecurityGroups/securityRules/read",
    "Microsoft.Network/networkSecurityGroups/securityRules/write",
    "Microsoft.Network/networkSecurityGroups/securityRules/delete",
)
ESP, AH = 50, 51


def rule_name(rule_id: str) -> str:
    """The NSG rule name of a model rule id (``new:abc`` -> ``pathwarden-abc``)."""
    if rule_id.startswith(NEW_PREFIX):
        return "pathwarden-" + rule_id[len(NEW_PREFIX):]
    return name_of(rule_id)


def _ports(ranges: tuple[tuple[int, int], ...]) -> list[str]:
    return [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges]


def protocol_and_ports(r: Rule) -> tuple[str, list[str]]:
    """``(protocol, destination port ranges)`` of one NSG rule, or :class:`ApplyError`."""
    if r.services == ALL_SERVICES:
        return "*", ["*"]
    blocks = dict(r.services.by_protocol())
    full = ((0, PORT_MAX),)
    if set(blocks) == {TCP, UDP} and blocks[TCP] == blocks[UDP]:
        return "*", _ports(blocks[TCP])
    if set(blocks) == {ICMP, ICMPV6} and blocks[ICMP] == full == blocks[ICMPV6]:
        return "Icmp", ["*"]
    if len(blocks) == 1:
        proto, ranges = next(iter(blocks.items()))
        names = {TCP: "Tcp", UDP: "Udp", ESP: "Esp", AH: "Ah"}
        if proto in (TCP, UDP):
            return names[proto], ["*"] if ranges == full else _ports(ranges)
        if proto in (ESP, AH) and ranges == full:
            return names[proto], ["*"]
    raise ApplyError(f"{r.id}: {r.services.describe()} is not one NSG rule")


def _addresses(peers: tuple[Any, ...]) -> tuple[list[str], list[dict[str, str]]]:
    prefixes: list[str] = []
    asgs: list[dict[str, str]] = []
    for p in peers:
        if p.kind is PeerKind.ASG:
            asgs.append({"id": p.value})
        elif p.kind in (PeerKind.CIDR, PeerKind.SERVICE_TAG):
            prefixes.append(p.value)
        else:
            raise ApplyError(f"peer {p.label()} cannot be written to an NSG rule")
    return (prefixes or (["*"] if not asgs else [])), asgs


def rule_body(r: Rule) -> dict[str, Any]:
    """The ARM ``securityRules`` body of ``r`` (plural fields throughout)."""
    proto, ports = protocol_and_ports(r)
    src, src_asgs = _addresses(r.src)
    dst, dst_asgs = _addresses(r.dst)
    props: dict[str, Any] = {
        "protocol": proto, "access": "Allow" if r.action.value == "allow" else "Deny",
        "direction": "Inbound" if r.direction is Direction.INGRESS else "Outbound",
        "priority": r.order,
        "sourcePortRanges": _ports(r.src_ports) if r.src_ports else ["*"],
        "destinationPortRanges": ports,
    }
    for side, prefixes, asgs in (("source", src, src_asgs), ("destination", dst, dst_asgs)):
        if asgs:
            props[f"{side}ApplicationSecurityGroups"] = asgs
        if prefixes:
            props[f"{side}AddressPrefixes"] = prefixes
    if r.description:
        props["description"] = r.description[:140]
    return {"properties": props}


class AzureWriter:
    """One writer per apply; one NetworkManagementClient per subscription."""

    def __init__(self, *, check: bool = False, credential: Any = None,
                 base_url: str | None = None, client_kwargs: dict[str, Any] | None = None
                 ) -> None:
        self.check = check
        self.credential = credential
        self.base_url = base_url
        self.client_kwargs = dict(client_kwargs or {})
        self.call_kwargs = {"enforce_https": False} if (base_url or "").startswith(
            "http://") else {}
        self._clients: dict[str, Any] = {}
        self._removed: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def client(self, resource: dict[str, Any]) -> Any:
        sub = segment(resource["id"], "subscriptions")
        if sub not in self._clients:
            network = require("azure.mgmt.network")
            cred = self.credential
            if cred is None:
                cred = require("azure.identity").DefaultAzureCredential()
            kw = dict(self.client_kwargs)
            if self.base_url:
                kw["base_url"] = self.base_url
            self._clients[sub] = network.NetworkManagementClient(cred, sub, **kw)
        return self._clients[sub]

    def _call(self, resource: dict[str, Any], what: str, fn: Any, *args: Any,
              sdk: bool = True) -> Any:
        errors = require("azure.core.exceptions")
        try:
            return fn(*args, **(self.call_kwargs if sdk else {}))
        except (errors.AzureError, OSError) as e:
            msg = getattr(getattr(e, "error", None), "message", None) or str(e).splitlines()[0]
            raise ApplyError(f"{what} {resource['id']}: {msg}") from e

    def _where(self, resource: dict[str, Any]) -> tuple[str, str]:
        return segment(resource["id"], "resourceGroups"), name_of(resource["id"])

    def _write(self, resource: dict[str, Any], method: str, name: str,
               body: dict[str, Any] | None = None) -> None:
        """The one place a write is sent: in check mode it is recorded, not sent."""
        self.calls.append((method, {"nsg": resource["id"], "rule": name, "body": body}))
        if self.check:
            return
        rg, nsg = self._where(resource)
        ops = self.client(resource).security_rules
        if method == "begin_delete":
            poller = self._call(resource, method, ops.begin_delete, rg, nsg, name)
        else:
            poller = self._call(resource, method, ops.begin_create_or_update, rg, nsg, name,
                                body)
        self._call(resource, f"{method} (polling)", poller.result, sdk=False)

    # -- reads -----------------------------------------------------------------------------
    def read(self, resource: dict[str, Any]) -> Filter:
        rg, nsg = self._where(resource)
        got = self._call(resource, "network_security_groups.get",
                         self.client(resource).network_security_groups.get, rg, nsg)
        body: dict[str, Any] = got.as_dict()
        return RuleParser().nsg(Node(body, f"live:{resource['id']}"))[0]

    # -- writes ----------------------------------------------------------------------------
    def add(self, resource: dict[str, Any], rule: Rule) -> str:
        name = rule_name(rule.id)
        body = self._removed.get((resource["id"], name.lower())) or rule_body(rule)
        self._write(resource, "begin_create_or_update", name, body)
        return f"{resource['id']}/securityRules/{name}"

    def modify(self, resource: dict[str, Any], live_id: str, rule: Rule) -> None:
        self._write(resource, "begin_create_or_update", rule_name(live_id), rule_body(rule))

    def remove(self, resource: dict[str, Any], live_id: str, rule: Rule) -> None:
        name = rule_name(live_id)
        if not self.check:
            rg, nsg = self._where(resource)
            got = self._call(resource, "security_rules.get",
                             self.client(resource).security_rules.get, rg, nsg, name)
            live = got.as_dict()
            props = {k: v for k, v in (live.get("properties") or {}).items()
                     if k not in ("provisioningState", "etag")}
            self._removed[(resource["id"], name.lower())] = {"properties": props}
        self._write(resource, "begin_delete", name)
