"""plan -> approve -> apply on GCP VPC firewall rules through the real google-cloud-compute
clients (REST transport, AnonymousCredentials) against the local Compute fake
(tests/integration/gcp_fake.py).

The estate is the multi-cloud example's GCP snapshot, served by the fake. Results are asserted
by reading the firewall rules back through ``FirewallsClient``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import compute_v1

from pathwarden.apply.approval import make_approval, write_approval
from pathwarden.apply.audit import MemoryAudit
from pathwarden.apply.aws import ApplyError
from pathwarden.apply.gcp import GcpWriter
from pathwarden.apply.workflow import plan_document, run_apply
from pathwarden.providers.gcp.discover import default_retry, discover_gcp
from pathwarden.providers.load import load_estate
from tests.integration.gcp_fake import FakeCompute

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "multi-cloud"
PROJECT = "corp-shared-prod"
FAST = default_retry(initial=0.01, maximum=0.02, deadline=0.5)


def _example(name: str) -> Any:
    return json.loads((EXAMPLE / "snapshot" / "gcp" / name).read_text())


@pytest.fixture
def fake() -> Iterator[FakeCompute]:
    f = FakeCompute(page_size=50)
    f.firewalls = _example("firewall-rules.json")
    f.instances = _example("instances.json")
    f.networks = _example("networks.json")
    f.subnets = _example("subnets.json")  # the instances' subnetworks: a complete estate
    f.routes = [{  # what routes.list holds for them: one subnet route each
        "kind": "compute#route", "name": f"default-route-{s['name']}", "network": s["network"],
        "destRange": s["ipCidrRange"], "priority": 0, "routeType": "SUBNET",
        "nextHopNetwork": s["network"],
        "selfLink": f"{s['network'].rsplit('/networks/', 1)[0]}/routes/r-{s['name']}",
    } for s in f.subnets]
    f.hierarchy = []
    f.start()
    yield f
    f.stop()


def firewalls(fake: FakeCompute) -> dict[str, Any]:
    client = compute_v1.FirewallsClient(credentials=AnonymousCredentials(), transport="rest",
                                        client_options=ClientOptions(api_endpoint=fake.url))
    return {fw.name: fw for fw in client.list(project=PROJECT)}


def writer(fake: FakeCompute, check: bool = False) -> GcpWriter:
    return GcpWriter(check=check, credentials=AnonymousCredentials(), api_endpoint=fake.url)


def plan(fake: FakeCompute, tmp_path: Path) -> dict[str, Any]:
    discover_gcp(tmp_path / "snap", PROJECT, credentials=AnonymousCredentials(),
                 api_endpoint=fake.url, retry=FAST, effective=False, progress=False)
    estate = load_estate([str(tmp_path / "snap")])
    return plan_document(estate, str(EXAMPLE / "policy.yml"), date(2026, 11, 25))


def approve(doc: dict[str, Any], tmp_path: Path) -> str:
    path = tmp_path / "approval.yml"
    write_approval(make_approval(doc["content_sha256"], "CHG0100", "jane.doe", None), path)
    return str(path)


def writes(fake: FakeCompute) -> list[tuple[str, str]]:
    return [(m, p) for m, p in fake.requests
            if m in ("POST", "PATCH", "DELETE") and "/operations/" not in p]


def test_plan_approve_apply_closes_the_path(fake: FakeCompute, tmp_path: Path) -> None:
    doc = plan(fake, tmp_path)
    assert doc["proof"]["ok"]
    assert [r["type"] for r in doc["resources"]] == ["gcp_vpc"]
    audit = MemoryAudit()
    out = run_apply(doc, approval_file=approve(doc, tmp_path), check=False, audit=audit,
                    writers={"gcp": writer(fake)})
    assert out.status == "applied", out.message
    rules = firewalls(fake)
    added = [fw for name, fw in rules.items() if name.startswith("pathwarden-")]
    assert len(added) == 1
    deny = added[0]
    assert deny.priority < rules["allow-internal-ssh"].priority
    assert [(d.I_p_protocol, list(d.ports)) for d in deny.denied] == [("tcp", ["22"])]
    assert list(deny.target_tags) == ["backup"]
    assert sorted(deny.source_ranges) == ["10.40.1.2/31"]  # ws-1 and ws-2
    assert "apply.verify" in audit.actions()


def test_check_mode_writes_nothing(fake: FakeCompute, tmp_path: Path) -> None:
    doc = plan(fake, tmp_path)
    before = sorted(firewalls(fake))
    w = writer(fake, check=True)
    out = run_apply(doc, approval_file=None, check=True, audit=MemoryAudit(),
                    writers={"gcp": w})
    assert out.status == "checked" and out.changed
    assert [m for m, _ in w.calls] == ["insert"]
    assert writes(fake) == []
    assert sorted(firewalls(fake)) == before


def test_precondition_drift_aborts_with_nothing_written(fake: FakeCompute,
                                                         tmp_path: Path) -> None:
    doc = plan(fake, tmp_path)
    next(f for f in fake.firewalls if f["name"] == "allow-internal-ssh")["sourceRanges"] = [
        "10.0.0.0/8"]  # someone widened the rule after the plan
    out = run_apply(doc, approval_file=approve(doc, tmp_path), check=False,
                    audit=MemoryAudit(), writers={"gcp": writer(fake)})
    assert out.status == "refused" and "precondition" in out.message
    assert writes(fake) == []
    assert not any(n.startswith("pathwarden-") for n in firewalls(fake))


def test_failed_verification_rolls_back(fake: FakeCompute, tmp_path: Path) -> None:
    doc = plan(fake, tmp_path)
    w = writer(fake)
    real = w.read
    reads: list[str] = []

    def flaky_read(resource: dict[str, Any]) -> Any:
        reads.append(resource["id"])
        if len(reads) == 2:  # 1: precondition, 2: verification
            raise ApplyError("firewalls.list: connection reset")
        return real(resource)

    w.read = flaky_read  # type: ignore[method-assign]
    audit = MemoryAudit()
    out = run_apply(doc, approval_file=approve(doc, tmp_path), check=False, audit=audit,
                    writers={"gcp": w})
    assert out.status == "rolled back", out.message
    assert not any(n.startswith("pathwarden-") for n in firewalls(fake))
    assert [m for m, _ in writes(fake)] == ["POST", "DELETE"]
