"""A small local fake of the ARM endpoints pathwarden uses, for the real NetworkManagementClient.

stdlib ``ThreadingHTTPServer`` on 127.0.0.1, port 0. Bodies come from the published REST
examples in ``tests/fixtures/azure-api`` (the x-ms-examples ``responses["200"]["body"]``), with
the subscription id ``subid`` replaced by a GUID, and the public IPs of a recorded
``publicIPAddresses`` list (cloud-custodian cassette). The VNet is not among the published
examples: it is built from the NIC example's subnet reference in the REST schema's shape, its
subnet associated with the route table example ``testrt``; the NIC example's public IP
``test-ip`` is built the same way.

Routes (every request must carry ``api-version``, as ARM demands):
- ``GET /subscriptions/S/providers/Microsoft.Network/{kind}`` (list_all) and
  ``GET /subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/{kind}`` (list), paged
  with absolute ``nextLink`` URLs (``page_size`` items per page);
- ``GET .../networkSecurityGroups/N`` (one NSG, as ``network_security_groups.get`` reads it);
- ``PUT|GET|DELETE .../networkSecurityGroups/N/securityRules/R``: PUT and DELETE are long-running
  operations (201/202 + ``Azure-AsyncOperation``; the operation reads ``InProgress`` once, then
  ``Succeeded``);
- ``POST .../virtualNetworks/V/listNetworkManagerEffectiveSecurityAdminRules``;
- faults: ``throttle[kind] = n`` answers the next n list requests of ``kind`` with 429 and
  ``Retry-After``; ``fail.add(kind)`` answers every request of ``kind`` with 500.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.integration.httpfake import serve, shutdown

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "azure-api"
SUB = "11111111-2222-3333-4444-555555555555"
Json = dict[str, Any]
KINDS = ("networkSecurityGroups", "networkInterfaces", "virtualNetworks",
         "applicationSecurityGroups", "routeTables", "publicIPAddresses")
TEST_IP = "20.61.15.7"  # the address given to the NIC example's public IP
_LIST = re.compile(r"^/subscriptions/([^/]+)(?:/resourceGroups/([^/]+))?"
                   r"/providers/Microsoft\.Network/(\w+)$", re.I)
_RULE = re.compile(r"^/subscriptions/[^/]+/resourceGroups/([^/]+)/providers/Microsoft\.Network/"
                   r"networkSecurityGroups/([^/]+)/securityRules/([^/]+)$", re.I)
_NSG = re.compile(r"^/subscriptions/[^/]+/resourceGroups/([^/]+)/providers/Microsoft\.Network/"
                  r"networkSecurityGroups/([^/]+)$", re.I)
_ADMIN = re.compile(r"^/subscriptions/[^/]+/resourceGroups/([^/]+)/providers/Microsoft\.Network/"
                    r"virtualNetworks/([^/]+)/listNetworkManagerEffectiveSecurityAdminRules$",
                    re.I)
_OPERATION = re.compile(r"^/subscriptions/[^/]+/providers/Microsoft\.Network/locations/[^/]+/"
                        r"operations/([^/]+)$", re.I)


def example_body(name: str, status: str = "200") -> Any:
    """The response body of one published example, with the GUID subscription."""
    doc = json.loads((FIXTURES / name).read_text())
    text = json.dumps(doc["responses"][status]["body"]).replace("/subscriptions/subid/",
                                                                 f"/subscriptions/{SUB}/")
    return json.loads(text)


def recorded_value(name: str) -> list[Json]:
    """The ``value`` of the first interaction of a recorded cassette."""
    doc = json.loads((FIXTURES / name).read_text())
    out: list[Json] = doc["interactions"][0]["response"]["body"]["data"]["value"]
    return out


def published_estate() -> dict[str, list[Json]]:
    nsgs = example_body("nsg-list-2024-07-01.json")["value"]
    nsgs.append(example_body("nsg-get-2024-05-01.json"))
    nic = example_body("nic-get-2024-07-01.json")
    table = example_body("route-table-get-2024-07-01.json")
    ip_id = nic["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"]["id"]
    public_ips = recorded_value("custodian-cassette-public-ip-list.json")
    public_ips.append({
        "id": ip_id, "name": ip_id.rsplit("/", 1)[1], "location": nic["location"],
        "type": "Microsoft.Network/publicIPAddresses",
        "properties": {"ipAddress": TEST_IP, "publicIPAddressVersion": "IPv4",
                       "publicIPAllocationMethod": "Static", "provisioningState": "Succeeded",
                       "ipConfiguration": {"id": nic["properties"]["ipConfigurations"][0]["id"]}},
    })
    subnet_id = nic["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"]
    vnet_id = subnet_id.split("/subnets/")[0]
    vnet = {
        "id": vnet_id, "name": vnet_id.rsplit("/", 1)[1], "location": nic["location"],
        "type": "Microsoft.Network/virtualNetworks",
        "properties": {
            "addressSpace": {"addressPrefixes": ["172.20.0.0/16"]},
            "subnets": [{"id": subnet_id, "name": subnet_id.rsplit("/", 1)[1],
                         "properties": {"addressPrefix": "172.20.2.0/24",
                                        "routeTable": {"id": table["id"]},
                                        "provisioningState": "Succeeded"}}],
            "virtualNetworkPeerings": [], "provisioningState": "Succeeded",
        },
    }
    asgs = example_body("asg-list-2024-07-01.json")["value"]
    asgs.append(example_body("asg-get-2024-07-01.json"))
    return {"networkSecurityGroups": nsgs, "networkInterfaces": [nic],
            "virtualNetworks": [vnet], "applicationSecurityGroups": asgs,
            "routeTables": [table], "publicIPAddresses": public_ips}


@dataclass
class FakeArm:
    resources: dict[str, list[Json]] = field(default_factory=published_estate)
    page_size: int = 1
    throttle: dict[str, int] = field(default_factory=dict)
    fail: set[str] = field(default_factory=set)
    retry_after: str = "0"
    admin_rules: dict[str, list[Json]] = field(default_factory=dict)  # vnet name -> rules
    log: list[tuple[str, str, int]] = field(default_factory=list)  # (method, path, status)
    operations: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeArm:
        self.server = serve(self.handle)
        return self

    def stop(self) -> None:
        shutdown(self.server)

    def requests(self, method: str, fragment: str) -> list[int]:
        return [s for m, p, s in self.log if m == method and fragment in p]

    # -- dispatch ------------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        url = urllib.parse.urlsplit(h.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        length = int(h.headers.get("Content-Length") or 0)
        body = json.loads(h.rfile.read(length) or b"null") if length else None
        status, payload, headers = self.route(method, url.path, query, body)
        with self.lock:
            self.log.append((method, url.path, status))
        data = b"" if payload is None else json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("x-ms-request-id", str(uuid.uuid4()))
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def route(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if "api-version" not in query:
            return 400, _error("MissingApiVersionParameter", "api-version is required"), {}
        if m := _LIST.match(path):
            return self.list(m.group(2), m.group(3), query)
        if m := _RULE.match(path):
            return self.rule(method, m.group(2), m.group(3), body, query["api-version"])
        if (m := _NSG.match(path)) and method == "GET":
            nsg = next((n for n in self.resources["networkSecurityGroups"]
                        if n["name"].lower() == m.group(2).lower()), None)
            if nsg is None:
                return 404, _error("ResourceNotFound", f"NSG {m.group(2)} not found"), {}
            return 200, nsg, {}
        if (m := _ADMIN.match(path)) and method == "POST":
            if "admin" in self.fail:
                return 500, _error("InternalServerError", "admin rules unavailable"), {}
            return 200, {"value": self.admin_rules.get(m.group(2), []), "skipToken": ""}, {}
        if m := _OPERATION.match(path):
            states = self.operations.get(m.group(1))
            if not states:
                return 404, _error("NotFound", "no such operation"), {}
            state = states.pop(0) if len(states) > 1 else states[0]
            return 200, {"status": state}, {}
        return 404, _error("NotFound", f"no route for {method} {path}"), {}

    def list(self, rg: str | None, kind: str, query: dict[str, str]) -> tuple[int, Any, dict]:
        if kind not in self.resources and kind not in KINDS:
            return 404, _error("NotFound", kind), {}
        if kind in self.fail:
            return 500, _error("InternalServerError", f"listing {kind} failed"), {}
        with self.lock:
            if self.throttle.get(kind, 0) > 0:
                self.throttle[kind] -= 1
                return 429, _error("TooManyRequests", "throttled"), {
                    "Retry-After": self.retry_after}
        items = [r for r in self.resources.get(kind, [])
                 if rg is None or f"/resourcegroups/{rg.lower()}/" in r["id"].lower()]
        start = int(query.get("$skiptoken", "0"))
        page: Json = {"value": items[start:start + self.page_size]}
        if start + self.page_size < len(items):
            scope = f"/resourceGroups/{rg}" if rg else ""
            page["nextLink"] = (f"{self.url}/subscriptions/{SUB}{scope}/providers/"
                                f"Microsoft.Network/{kind}?api-version={query['api-version']}"
                                f"&$skiptoken={start + self.page_size}")
        return 200, page, {}

    def rule(
        self, method: str, nsg_name: str, name: str, body: Any, api: str
    ) -> tuple[int, Any, dict[str, str]]:
        nsg = next((n for n in self.resources["networkSecurityGroups"]
                    if n["name"].lower() == nsg_name.lower()), None)
        if nsg is None:
            return 404, _error("ResourceNotFound", f"NSG {nsg_name} not found"), {}
        rules = nsg["properties"].setdefault("securityRules", [])
        current = next((r for r in rules if r["name"].lower() == name.lower()), None)
        if method == "GET":
            if current is None:
                return 404, _error("NotFound", f"rule {name} not found"), {}
            return 200, current, {}
        op = uuid.uuid4().hex
        self.operations[op] = ["InProgress", "Succeeded"]
        poll = {"Azure-AsyncOperation": f"{self.url}/subscriptions/{SUB}/providers/"
                f"Microsoft.Network/locations/{nsg['location']}/operations/{op}?api-version={api}"}
        if method == "DELETE":
            if current is not None:
                rules.remove(current)
            return 202, None, {**poll, "Location": poll["Azure-AsyncOperation"]}
        props = copy.deepcopy((body or {}).get("properties") or {})
        props["provisioningState"] = "Succeeded"
        rule = {"name": name, "id": f"{nsg['id']}/securityRules/{name}",
                "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                "properties": props}
        if current is not None:
            rules.remove(current)
        rules.append(rule)
        created = copy.deepcopy(rule)
        created["properties"]["provisioningState"] = "Updating"
        return (200 if current else 201), created, poll


def _error(code: str, message: str) -> Json:
    return {"error": {"code": code, "message": message}}
