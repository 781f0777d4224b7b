"""GCP reads and writes for apply: VPC firewall rules by name (google-cloud-compute).

A ChangeSet resource is one group of a network's VPC rules with one target (see
:mod:`pathwarden.providers.gcp.rules`): reading it lists the project's firewall rules
(``FirewallsClient.list``), parses them with the offline loader's parser and keeps the group
with the resource's id, so a live read and a snapshot give the same fingerprint. Writes
(IAM permissions in :data:`WRITE_ACTIONS`), each followed by a wait on its global operation
(``GlobalOperationsClient.wait``):

- add: ``FirewallsClient.insert`` (a rule the plan adds is named ``pathwarden-<12 hex>``, with
  the group's target tags or service accounts; a rule removed earlier in this run is
  re-inserted from the exact body read before its removal);
- modify: ``FirewallsClient.patch`` of the source side (ranges, tags, service accounts) and
  priority;
- remove: ``FirewallsClient.delete``.

Check mode is guarded at the lowest write call (:meth:`GcpWriter._write`).
"""

from __future__ import annotations

import json
from typing import Any

from pathwarden.apply.aws import ApplyError
from pathwarden.model import ALL_SERVICES, Direction, Filter, FilterKind, PeerKind, Rule
from pathwarden.model.services import PORT_MAX, protocol_name
from pathwarden.planner.edits import NEW_PREFIX
from pathwarden.providers.gcp.discover import to_json
from pathwarden.providers.gcp.rules import VPC, Container
from pathwarden.providers.gcp.rules import RuleParser as GcpRuleParser
from pathwarden.providers.gcp.shapes import last, network_id
from pathwarden.providers.jsondoc import Node
from pathwarden.providers.sdk import require

WRITE_ACTIONS = (
    "compute.firewalls.list", "compute.firewalls.get", "compute.firewalls.create",
    "compute.firewalls.update", "compute.firewalls.delete", "compute.networks.updatePolicy",
    "compute.globalOperations.get",
)
PORTED = ("tcp", "udp", "sctp")
DROP = ("id", "creationTimestamp", "selfLink", "kind")


def rule_name(rule_id: str) -> str:
    if rule_id.startswith(NEW_PREFIX):
        return "pathwarden-" + rule_id[len(NEW_PREFIX):]
    return last(rule_id)


def entries(r: Rule) -> list[dict[str, Any]]:
    """``allowed[]``/``denied[]`` entries naming exactly ``r.services``."""
    if r.services == ALL_SERVICES:
        return [{"IPProtocol": "all"}]
    out: list[dict[str, Any]] = []
    for proto, ranges in r.services.by_protocol():
        name = protocol_name(proto).lower()
        if ranges == ((0, PORT_MAX),):
            out.append({"IPProtocol": name})
        elif name in PORTED:
            out.append({"IPProtocol": name, "ports": [str(lo) if lo == hi else f"{lo}-{hi}"
                                                      for lo, hi in ranges]})
        else:
            raise ApplyError(f"{r.id}: {r.services.describe()} is not one GCP firewall rule")
    return out


def source_fields(r: Rule) -> dict[str, list[str]]:
    peers = r.src if r.direction is Direction.INGRESS else r.dst
    out: dict[str, list[str]] = {}
    key = "sourceRanges" if r.direction is Direction.INGRESS else "destinationRanges"
    for p in peers:
        if p.kind is PeerKind.CIDR:
            out.setdefault(key, []).append(p.value)
        elif p.kind is PeerKind.NETWORK_TAG:
            out.setdefault("sourceTags", []).append(p.value)
        elif p.kind is PeerKind.SERVICE_ACCOUNT:
            out.setdefault("sourceServiceAccounts", []).append(p.value)
        else:
            raise ApplyError(f"{r.id}: peer {p.label()} cannot be written to a GCP rule")
    return out


class GcpWriter:
    """One writer per apply; one FirewallsClient and GlobalOperationsClient."""

    def __init__(self, *, check: bool = False, credentials: Any = None,
                 api_endpoint: str | None = None) -> None:
        self.check = check
        self.credentials = credentials
        self.api_endpoint = api_endpoint
        self._clients: tuple[Any, Any] | None = None
        self._removed: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def clients(self) -> tuple[Any, Any]:
        if self._clients is None:
            compute = require("google.cloud.compute_v1")
            kw: dict[str, Any] = {"transport": "rest"}
            if self.credentials is not None:
                kw["credentials"] = self.credentials
            if self.api_endpoint:
                kw["client_options"] = {"api_endpoint": self.api_endpoint}
            self._clients = (compute.FirewallsClient(**kw), compute.GlobalOperationsClient(**kw))
        return self._clients

    def _call(self, resource: dict[str, Any], what: str, fn: Any, **kw: Any) -> Any:
        errors = require("google.api_core.exceptions")
        try:
            return fn(**kw)
        except (errors.GoogleAPIError, OSError) as e:
            raise ApplyError(f"{what} {resource['id']}: {str(e).splitlines()[0]}") from e

    def _write(self, resource: dict[str, Any], method: str, **kw: Any) -> None:
        """The one place a write is sent: in check mode it is recorded, not sent."""
        self.calls.append((method, kw))
        if self.check:
            return
        firewalls, operations = self.clients()
        project = resource["account"]
        op = self._call(resource, method, getattr(firewalls, method), project=project, **kw)
        done = self._call(resource, "wait", operations.wait, project=project,
                          operation=op.name)
        if getattr(done, "error", None) and done.error.errors:
            raise ApplyError(f"{method} {resource['id']}: {done.error.errors[0].message}")

    # -- reads -----------------------------------------------------------------------------
    def read(self, resource: dict[str, Any]) -> Filter:
        if resource["type"] != VPC:
            raise ApplyError(f"{resource['id']}: only VPC firewall rules can be applied")
        project, network = resource["account"], resource["network"]
        firewalls, _ = self.clients()
        pager = self._call(resource, "firewalls.list", firewalls.list, project=project)
        container = Container(network, VPC, f"VPC firewall rules of {last(network)}",
                              project=project, network=network)
        parser = GcpRuleParser()
        try:
            items = [to_json(fw) for fw in pager]
        except require("google.api_core.exceptions").GoogleAPIError as e:
            raise ApplyError(f"firewalls.list {resource['id']}: {e}") from e
        for body in items:
            node = Node(body, f"live:{project}")
            if network_id(body.get("network") or "default", project) == network:
                container.rules.append(parser.firewall(node, network, project))
        for f in container.filters():
            if f.id == resource["id"]:
                return f
        return Filter(id=resource["id"], kind=FilterKind.PRIORITY, cloud="gcp", rules=(),
                      network=network,
                      account=project, layer=VPC)

    # -- writes ----------------------------------------------------------------------------
    def _target(self, resource: dict[str, Any]) -> dict[str, list[str]]:
        target = resource["id"].partition("@")[2]
        out: dict[str, list[str]] = {}
        for part in filter(None, target.split(";")):
            k, _, v = part.partition("=")
            key = {"target_tag": "targetTags", "target_sa": "targetServiceAccounts"}.get(k)
            if key is None:
                raise ApplyError(f"{resource['id']}: target {k} cannot be written")
            out.setdefault(key, []).append(v)
        return out

    def body(self, resource: dict[str, Any], r: Rule) -> dict[str, Any]:
        name = rule_name(r.id)
        if name in self._removed:
            return self._removed[name]
        action = "allowed" if r.action.value == "allow" else "denied"
        return {"name": name, "network": resource["network"], "priority": r.order,
                "direction": "INGRESS" if r.direction is Direction.INGRESS else "EGRESS",
                "description": r.description, action: entries(r), "disabled": r.disabled,
                **source_fields(r), **self._target(resource)}

    def add(self, resource: dict[str, Any], rule: Rule) -> str:
        compute = require("google.cloud.compute_v1")
        body = self.body(resource, rule)
        self._write(resource, "insert", firewall_resource=compute.Firewall.from_json(
            json.dumps(body), ignore_unknown_fields=True))
        return f"projects/{resource['account']}/global/firewalls/{body['name']}"

    def modify(self, resource: dict[str, Any], live_id: str, rule: Rule) -> None:
        compute = require("google.cloud.compute_v1")
        patch = {"priority": rule.order, **source_fields(rule)}
        self._write(resource, "patch", firewall=rule_name(live_id),
                    firewall_resource=compute.Firewall.from_json(json.dumps(patch)))

    def remove(self, resource: dict[str, Any], live_id: str, rule: Rule) -> None:
        name = rule_name(live_id)
        if not self.check:
            firewalls, _ = self.clients()
            got = self._call(resource, "firewalls.get", firewalls.get,
                             project=resource["account"], firewall=name)
            self._removed[name] = {k: v for k, v in to_json(got).items() if k not in DROP}
        self._write(resource, "delete", firewall=name)


