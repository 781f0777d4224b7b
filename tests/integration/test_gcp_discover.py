"""Discovery and firewall writes through the real google-cloud-compute clients (REST transport,
``http://`` endpoint, AnonymousCredentials) against the local Compute fake
(tests/integration/gcp_fake.py): paging, aggregated lists, 429 throttling with google-api-core
retries, a call that keeps failing, firewall insert/patch/delete with operation polling, and the
routing files (routes, Cloud Routers with their NAT)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.api_core import exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import compute_v1

from pathwarden.engine.engine import Engine
from pathwarden.errors import InputError
from pathwarden.model import NextHop
from pathwarden.providers.gcp.discover import PERMISSIONS, default_retry, discover_gcp
from pathwarden.providers.gcp.load import load_gcp_snapshot
from pathwarden.providers.manifest import read_manifest
from tests.integration.gcp_fake import PROJECT, FakeCompute

FAST = default_retry(initial=0.01, maximum=0.02, deadline=0.5)


@pytest.fixture
def fake() -> Iterator[FakeCompute]:
    f = FakeCompute().start()
    yield f
    f.stop()


def discover(fake: FakeCompute, out: Path, **kw: Any) -> Any:
    return discover_gcp(out, PROJECT, credentials=AnonymousCredentials(), api_endpoint=fake.url,
                        retry=FAST, progress=False, **kw)


def test_discovery_writes_the_layout_and_loads(fake: FakeCompute, tmp_path: Path) -> None:
    fake.policies = [{
        "name": "net-policy", "selfLink": f"https://www.googleapis.com/compute/v1/projects/"
        f"{PROJECT}/global/firewallPolicies/net-policy",
        "associations": [{"name": "a", "attachmentTarget": "https://www.googleapis.com/compute/"
                          f"v1/projects/{PROJECT}/global/networks/default"}],
        "rules": [{"priority": 100, "direction": "INGRESS", "action": "deny",
                   "match": {"srcIpRanges": ["1.1.1.1/32"],
                             "layer4Configs": [{"ipProtocol": "tcp", "ports": ["22"]}]}}],
    }]
    out = tmp_path / "snap"
    manifest = discover(fake, out)
    assert not manifest.partial
    folder = out / PROJECT
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.json"))
    assert names == ["effective-firewalls/default.json", "firewall-rules.json", "instances.json",
                     "network-firewall-policies.json", "networks.json", "routers.json",
                     "routes.json", "subnets.json"]
    rules = json.loads((folder / "firewall-rules.json").read_text())["items"]
    assert [r["name"] for r in rules] == ["test", "allow-inbound-xyz"]
    assert rules[0]["allowed"] == [{"IPProtocol": "tcp", "ports": ["22", "21-25"]}]
    # 2 firewall rules with page size 1: two list requests
    by_file = {c.file.split("/", 1)[1]: c for c in manifest.calls}
    assert by_file["instances.json"].items == 2
    estate = load_gcp_snapshot(out)
    assert {w.name for w in estate.workloads} == {"web-1", "app-1"}
    engine = Engine(estate)
    # 'test' allows tcp 21-25 from 1.1.1.1 to tag oldtag (web-1), but the network policy
    # (after the VPC rules) is never reached for that; 'allow-inbound-xyz' allows everything
    # to the service account of app-1 from anywhere.
    assert engine.reach("1.1.1.1", "web-1").open.describe() == "tcp/21-25"
    assert engine.reach("8.8.8.8", "web-1").open.describe() == "nothing"
    assert engine.reach("8.8.8.8", "app-1").open.describe() == "all"
    # the hierarchical sub-folder policy allows all from 10.102.0.1 to its target SA only
    assert engine.reach("10.101.0.1", "web-1").open.describe() == "tcp/2000-2003"


def test_throttling_is_retried(fake: FakeCompute, tmp_path: Path) -> None:
    fake.page_size = 1
    fake.throttle = {"firewalls": 2, "instances": 1, "networks": 3}
    manifest = discover(fake, tmp_path / "snap")
    assert not manifest.partial
    fw = next(c for c in manifest.calls if c.file.endswith("firewall-rules.json"))
    assert (fw.items, fw.requests) == (2, 2)
    hits = [p for m, p in fake.requests if p.endswith("/global/firewalls")]
    assert len(hits) == 4  # two 429s, then two pages


def test_failing_call_gives_a_clear_partial_result(fake: FakeCompute, tmp_path: Path) -> None:
    fake.fail.add("instances")
    out = tmp_path / "snap"
    manifest = discover(fake, out)
    assert manifest.partial
    failed = manifest.failures()
    assert [c.action for c in failed] == ["compute.instances.list"]
    assert failed[0].error.startswith("HTTP 500")
    assert "instances is broken" in failed[0].error
    assert not (out / PROJECT / "instances.json").exists()
    assert (out / PROJECT / "firewall-rules.json").exists()
    saved = read_manifest(out)
    assert saved is not None and saved.partial
    estate = load_gcp_snapshot(out)
    assert estate.partial
    assert any(n.code == "discovery-failed" and "compute.instances.list" in n.message
               for n in estate.notices)


def test_bad_project_and_existing_out(fake: FakeCompute, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected a project id"):
        discover_gcp(tmp_path / "x", "Bad_Project", credentials=AnonymousCredentials())
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "other.txt").write_text("x")
    with pytest.raises(InputError, match="not empty"):
        discover(fake, tmp_path / "full")


def test_firewall_writes_poll_their_operations(fake: FakeCompute) -> None:
    opts = ClientOptions(api_endpoint=fake.url)
    creds = AnonymousCredentials()
    fw = compute_v1.FirewallsClient(credentials=creds, client_options=opts, transport="rest")
    ops = compute_v1.GlobalOperationsClient(credentials=creds, client_options=opts,
                                            transport="rest")
    new = compute_v1.Firewall(name="deny-ssh", priority=900, direction="INGRESS",
                              source_ranges=["0.0.0.0/0"],
                              denied=[compute_v1.Denied(I_p_protocol="tcp", ports=["22"])],
                              network=f"projects/{PROJECT}/global/networks/default")
    op = fw.insert(project=PROJECT, firewall_resource=new)
    assert ops.wait(project=PROJECT, operation=op.name).status.name == "DONE"
    op = fw.patch(project=PROJECT, firewall="deny-ssh",
                  firewall_resource=compute_v1.Firewall(source_ranges=["10.0.0.0/8"]))
    assert ops.get(project=PROJECT, operation=op.name).status.name == "RUNNING"
    assert ops.get(project=PROJECT, operation=op.name).status.name == "DONE"
    got = fw.get(project=PROJECT, firewall="deny-ssh")
    assert list(got.source_ranges) == ["10.0.0.0/8"]
    assert got.denied[0].I_p_protocol == "tcp"
    op = fw.delete(project=PROJECT, firewall="deny-ssh")
    ops.wait(project=PROJECT, operation=op.name)
    with pytest.raises(exceptions.NotFound):
        fw.get(project=PROJECT, firewall="deny-ssh")


def test_missing_application_default_credentials(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "nope.json"))
    with pytest.raises(InputError, match=r"no Google credentials: .*nope\.json"):
        discover_gcp(tmp_path / "out", PROJECT, progress=False)
    assert not (tmp_path / "out").exists()


def test_routes_and_routers_are_discovered(fake: FakeCompute, tmp_path: Path) -> None:
    manifest = discover(fake, tmp_path / "snap", effective=False)
    assert not manifest.partial
    by_file = {c.file.split("/", 1)[1]: c for c in manifest.calls}
    routes, routers = by_file["routes.json"], by_file["routers.json"]
    # three routes, two a page; three region scopes (one empty), two a page
    assert (routes.items, routes.requests, routes.action) == (3, 2, "compute.routes.list")
    assert (routers.items, routers.requests, routers.action) == (2, 2, "compute.routers.list")
    assert {"compute.routes.list", "compute.routers.list"} <= set(PERMISSIONS.values())
    hits = [p for m, p in fake.requests if p.endswith(("/global/routes", "/aggregated/routers"))]
    assert len(hits) == 4
    estate = load_gcp_snapshot(tmp_path / "snap")
    assert not estate.partial
    assert "routes-not-in-snapshot" not in {n.code for n in estate.notices}
    net = f"projects/{PROJECT}/global/networks/default"
    table = estate.route_tables[f"{net}/routes"]
    assert estate.networks[net].routed
    assert [(r.id.rsplit("/", 1)[1], r.next_hop, r.target, r.priority, r.tags)
            for r in table.routes] == [
        ("default-route-subnet", NextHop.LOCAL, net, 0, ()),
        ("default-route-internet", NextHop.INTERNET,
         f"projects/{PROJECT}/global/gateways/default-internet-gateway", 1000, ()),
        ("via-web-1", NextHop.APPLIANCE, f"projects/{PROJECT}/zones/us-east4-c/instances/web-1",
         800, ("oldtag",)),
    ]
    (nat,) = estate.gateways.values()
    assert nat.id == (f"projects/{PROJECT}/regions/us-east4/routers/public-nat-cloud-router/"
                      "nats/public-nat-gateway")
    assert (nat.kind, nat.network, nat.region, nat.subnets) == (NextHop.NAT, net, "us-east4", ())
    web = next(w for w in estate.workloads if w.name == "web-1")
    assert web.public_addresses == ("34.86.1.2",) and not web.forwarding


def test_a_failing_routes_call_is_partial(fake: FakeCompute, tmp_path: Path) -> None:
    fake.fail.add("routes")
    manifest = discover(fake, tmp_path / "snap", effective=False)
    assert [c.action for c in manifest.failures()] == ["compute.routes.list"]
    estate = load_gcp_snapshot(tmp_path / "snap")
    assert estate.partial
    assert "routes-not-in-snapshot" in {n.code for n in estate.notices}
