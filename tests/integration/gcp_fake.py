"""A small local fake of the Compute Engine REST endpoints pathwarden uses, for the real
google-cloud-compute clients (REST transport, ``http://`` api_endpoint, AnonymousCredentials).

stdlib ``ThreadingHTTPServer`` on 127.0.0.1, port 0. Bodies come from the recorded responses in
``tests/fixtures/gcp-api`` (the flight recordings' ``body``): the firewall rules of
``custodian-firewalls-list.json`` and ``custodian-firewalls-get.json``, the hierarchical
policies of the gcpdiag effective-firewalls dump, and an operation shaped like
``custodian-firewalls-patch-operation.json``. Instances, networks, subnets and routes are built
in the REST schema's shape for the project ``cloud-custodian`` of the recordings; the Cloud
Router with its NAT is gcpdiag's ``routers.list`` recording moved into that project.

Routes (prefix ``/compute/v1/projects/{p}``):
- ``GET global/firewalls`` (paged: ``maxResults``/``pageToken``, ``page_size`` items a page),
  ``POST global/firewalls``, ``GET|PATCH|DELETE global/firewalls/{name}``: writes return a
  RUNNING operation that reads DONE from the second look on;
- ``GET global/routes`` (paged like firewalls), ``GET aggregated/routers`` (paged by scope:
  ``page_size`` scopes a page, the empty scope's warning included),
- ``GET aggregated/instances``, ``GET aggregated/subnetworks``, ``GET global/networks``,
  ``GET global/networks/{n}/getEffectiveFirewalls``, ``GET global/firewallPolicies``,
  ``GET regions/{r}/firewallPolicies``;
- ``GET global/operations/{op}``, ``POST global/operations/{op}/wait`` (and the regional ones);
- faults: ``throttle[kind] = n`` answers the next n requests of ``kind`` with 429;
  ``fail.add(kind)`` answers every request of ``kind`` with 500. ``kind`` is the first path
  element after the project that names the resource (``firewalls``, ``instances``, ...).
"""

from __future__ import annotations

import copy
import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.integration.httpfake import serve, shutdown

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gcp-api"
PROJECT = "cloud-custodian"
REGION, ZONE = "us-east4", "us-east4-c"
BASE = "https://www.googleapis.com/compute/v1"
Json = dict[str, Any]


def recorded(name: str) -> Any:
    """The body of one fixture (flight recordings keep it under ``body``)."""
    doc = json.loads((FIXTURES / name).read_text())
    return doc["body"] if isinstance(doc, dict) and "body" in doc and "headers" in doc else doc


def link(path: str) -> str:
    return f"{BASE}/projects/{PROJECT}/{path}"


def moved(doc: Any) -> Any:
    """A recorded body with its project, region and network moved to the fake's."""
    text = json.dumps(doc).replace("gcpdiag-nat1-aaaa", PROJECT).replace(
        "europe-west4", REGION).replace("nat-vpc-network", "default")
    return json.loads(text)


def route(name: str, dest: str, priority: int, **hop: Any) -> Json:
    return {"kind": "compute#route", "name": name, "network": link("global/networks/default"),
            "destRange": dest, "priority": priority, "selfLink": link(f"global/routes/{name}"),
            **hop}


def instance(name: str, ip: str, tags: list[str], sa: str = "") -> Json:
    return {
        "kind": "compute#instance", "id": str(abs(hash(name)) % 10**18), "name": name,
        "zone": link(f"zones/{ZONE}"), "status": "RUNNING",
        "selfLink": link(f"zones/{ZONE}/instances/{name}"),
        "tags": {"items": tags, "fingerprint": "x"},
        "networkInterfaces": [{
            "kind": "compute#networkInterface", "name": "nic0", "networkIP": ip,
            "network": link("global/networks/default"),
            "subnetwork": link(f"regions/{REGION}/subnetworks/default"),
            "accessConfigs": [{"kind": "compute#accessConfig", "name": "External NAT",
                               "natIP": "34.86.1.2", "type": "ONE_TO_ONE_NAT"}],
        }],
        "serviceAccounts": [{"email": sa, "scopes": []}] if sa else [],
        "labels": {"team": "web"},
    }


@dataclass
class FakeCompute:
    page_size: int = 2
    firewalls: list[Json] = field(default_factory=list)
    instances: list[Json] = field(default_factory=list)
    networks: list[Json] = field(default_factory=list)
    subnets: list[Json] = field(default_factory=list)
    policies: list[Json] = field(default_factory=list)
    hierarchy: list[Json] = field(default_factory=list)
    routes: list[Json] = field(default_factory=list)
    routers: dict[str, list[Json]] = field(default_factory=dict)  # scope -> routers
    throttle: dict[str, int] = field(default_factory=dict)
    fail: set[str] = field(default_factory=set)
    requests: list[tuple[str, str]] = field(default_factory=list)
    operations: dict[str, Json] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        fw = recorded("custodian-firewalls-list.json")["items"]
        fw.append(recorded("custodian-firewalls-get.json"))
        self.firewalls = fw
        sa = fw[-1]["targetServiceAccounts"][0]
        self.instances = [instance("web-1", "10.150.0.2", ["oldtag"]),
                          instance("app-1", "10.150.0.3", [], sa)]
        self.networks = [{"kind": "compute#network", "name": "default",
                          "selfLink": link("global/networks/default"),
                          "autoCreateSubnetworks": True,
                          "subnetworks": [link(f"regions/{REGION}/subnetworks/default")],
                          "networkFirewallPolicyEnforcementOrder": "AFTER_CLASSIC_FIREWALL"}]
        self.subnets = [{"kind": "compute#subnetwork", "name": "default",
                         "network": link("global/networks/default"),
                         "ipCidrRange": "10.150.0.0/20", "region": link(f"regions/{REGION}"),
                         "selfLink": link(f"regions/{REGION}/subnetworks/default")}]
        dump = recorded("gcpdiag-effective-firewalls-with-hierarchical-policies.json")
        self.hierarchy = dump["firewallPolicys"]
        self.routes = [
            route("default-route-subnet", "10.150.0.0/20", 0,
                  nextHopNetwork=link("global/networks/default"), routeType="SUBNET"),
            route("default-route-internet", "0.0.0.0/0", 1000,
                  nextHopGateway=link("global/gateways/default-internet-gateway")),
            route("via-web-1", "192.168.10.0/24", 800, tags=["oldtag"],
                  nextHopInstance=link(f"zones/{ZONE}/instances/web-1")),
        ]
        self.routers = {
            f"regions/{REGION}": moved(recorded("gcpdiag-routers-list-cloud-nat.json")["items"]),
            "regions/europe-west1": [{"kind": "compute#router", "name": "bgp-only",
                                      "region": link("regions/europe-west1"),
                                      "network": link("global/networks/default"),
                                      "selfLink": link("regions/europe-west1/routers/bgp-only"),
                                      "bgp": {"asn": 64512}}],
        }

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeCompute:
        self.server = serve(self.handle)
        return self

    def stop(self) -> None:
        shutdown(self.server)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    # -- dispatch ----------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urllib.parse.urlsplit(h.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()}
        m = re.match(r"^/compute/v1/projects/([^/]+)/(.*)$", parsed.path)
        if m is None:
            return _send(h, 404, _error(404, f"no route {parsed.path}"))
        rest = m.group(2).split("/")
        kind = _kind(rest)
        length = int(h.headers.get("Content-Length") or 0)
        body = json.loads(h.rfile.read(length) or b"{}") if length else {}
        with self.lock:
            self.requests.append((method, parsed.path))
            if self.throttle.get(kind, 0) > 0:
                self.throttle[kind] -= 1
                return _send(h, 429, _error(429, "Rate Limit Exceeded", "rateLimitExceeded"))
            if kind in self.fail:
                return _send(h, 500, _error(500, f"{kind} is broken in this fake"))
            status, out = self.route(method, rest, query, body)
        _send(h, status, out)

    def route(self, method: str, rest: list[str], query: dict[str, str],
              body: Json) -> tuple[int, Any]:
        path = "/".join(rest)
        if path == "global/firewalls" and method == "GET":
            return 200, self.page(self.firewalls, query, "compute#firewallList")
        if path == "global/firewalls" and method == "POST":
            body.setdefault("selfLink", link(f"global/firewalls/{body.get('name')}"))
            self.firewalls.append(body)
            return 200, self.operation("insert", body["selfLink"])
        if len(rest) == 3 and rest[:2] == ["global", "firewalls"]:
            return self.firewall(method, rest[2], body)
        if path == "global/routes":
            return 200, self.page(self.routes, query, "compute#routeList")
        if path == "aggregated/routers":
            return 200, self.scoped_page(self.routers, "routers", query)
        if path == "aggregated/instances":
            return 200, self.aggregated(self.instances, "instances", f"zones/{ZONE}")
        if path == "aggregated/subnetworks":
            return 200, self.aggregated(self.subnets, "subnetworks", f"regions/{REGION}")
        if path == "global/networks":
            return 200, self.page(self.networks, query, "compute#networkList")
        if len(rest) == 4 and rest[3] == "getEffectiveFirewalls":
            return 200, {"firewalls": [f for f in self.firewalls
                                       if f.get("network", "").endswith(f"/{rest[2]}")],
                         "firewallPolicys": copy.deepcopy(self.hierarchy)}
        if path == "global/firewallPolicies":
            return 200, self.page([p for p in self.policies if "region" not in p], query,
                                  "compute#firewallPolicyList")
        if len(rest) == 3 and rest[0] == "regions" and rest[2] == "firewallPolicies":
            return 200, self.page([p for p in self.policies
                                   if p.get("region", "").endswith(f"/{rest[1]}")], query,
                                  "compute#firewallPolicyList")
        if "operations" in rest:
            op = self.operations.get(rest[rest.index("operations") + 1])
            if op is None:
                return 404, _error(404, "operation not found")
            if rest[-1] == "wait" or op["looked"]:
                op["status"] = "DONE"
            op["looked"] = True
            return 200, {k: v for k, v in op.items() if k != "looked"}
        return 404, _error(404, f"no route {method} {path}")

    def firewall(self, method: str, name: str, body: Json) -> tuple[int, Any]:
        found = [f for f in self.firewalls if f.get("name") == name]
        if not found:
            return 404, _error(404, f"The resource 'projects/{PROJECT}/global/firewalls/{name}' "
                               "was not found", "notFound")
        fw = found[0]
        if method == "GET":
            return 200, fw
        if method == "PATCH":
            fw.update(body)
        elif method == "DELETE":
            self.firewalls.remove(fw)
        else:
            return 405, _error(405, "method not allowed")
        return 200, self.operation(method.lower(), fw.get("selfLink", ""))

    def operation(self, kind: str, target: str) -> Json:
        op = copy.deepcopy(recorded("custodian-firewalls-patch-operation.json"))
        name = f"operation-{len(self.operations) + 1}"
        op.update(name=name, operationType=kind, targetLink=target, status="RUNNING",
                  selfLink=link(f"global/operations/{name}"), looked=False)
        self.operations[name] = op
        return {k: v for k, v in op.items() if k != "looked"}

    def page(self, items: list[Json], query: dict[str, str], kind: str) -> Json:
        size = int(query.get("maxResults") or self.page_size)
        start = int(query.get("pageToken") or 0)
        out: Json = {"kind": kind, "items": items[start:start + size], "id": kind}
        if start + size < len(items):
            out["nextPageToken"] = str(start + size)
        return out

    def scoped_page(self, by_scope: dict[str, list[Json]], key: str,
                    query: dict[str, str]) -> Json:
        """An aggregated list paged by scope, with a scope that has nothing (its warning)."""
        scopes: list[tuple[str, Json]] = [(s, {key: v}) for s, v in sorted(by_scope.items())]
        scopes.append(("regions/asia-east1", {"warning": {"code": "NO_RESULTS_ON_PAGE"}}))
        size = int(query.get("maxResults") or self.page_size)
        start = int(query.get("pageToken") or 0)
        out: Json = {"kind": f"compute#{key}AggregatedList",
                     "items": dict(scopes[start:start + size])}
        if start + size < len(scopes):
            out["nextPageToken"] = str(start + size)
        return out

    def aggregated(self, items: list[Json], key: str, scope: str) -> Json:
        return {"kind": f"compute#{key}AggregatedList", "items": {
            scope: {key: items} if items else {"warning": {"code": "NO_RESULTS_ON_PAGE"}},
            "zones/europe-west1-b": {"warning": {"code": "NO_RESULTS_ON_PAGE",
                                                 "message": "no results"}},
        }}


def _kind(rest: list[str]) -> str:
    if rest and rest[0] in ("global", "aggregated") and len(rest) > 1:
        return rest[1]
    if rest and rest[0] == "regions" and len(rest) > 2:
        return rest[2]
    return rest[0] if rest else ""


def _error(code: int, message: str, reason: str = "backendError") -> Json:
    return {"error": {"code": code, "message": message,
                      "errors": [{"message": message, "domain": "global", "reason": reason}]}}


def _send(h: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    data = json.dumps(body).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json; charset=UTF-8")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)
