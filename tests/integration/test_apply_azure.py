"""plan -> approve -> apply on Azure NSGs through the real NetworkManagementClient against the
local ARM fake (tests/integration/azure_fake.py).

The estate is the multi-cloud example's Azure snapshot (az CLI shape), put into the fake in
the ARM REST shape. Results are asserted by reading the NSG back through the SDK.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.mgmt.network import NetworkManagementClient

from pathwarden.apply.approval import make_approval, write_approval
from pathwarden.apply.audit import MemoryAudit
from pathwarden.apply.aws import ApplyError
from pathwarden.apply.azure import AzureWriter
from pathwarden.apply.workflow import plan_document, run_apply
from pathwarden.providers.azure.discover import discover_azure
from pathwarden.providers.load import load_estate
from tests.integration.azure_fake import FakeArm

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "multi-cloud"
SUB = "5e0c1f3a-7b2d-4c86-9a41-d8f27b6e3c19"
RG, NSG = "rg-corp-network", "nsg-snet-backup"
ASG_WS = (f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/"
          "applicationSecurityGroups/asg-workstations")
FAST = {"retry_total": 1, "retry_backoff_factor": 0.01, "retry_backoff_max": 0.05,
        "polling_interval": 0}
TOP = ("id", "name", "location", "type", "etag", "tags")
NESTED = ("securityRules", "defaultSecurityRules", "ipConfigurations", "subnets")


class FakeCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("fake-token", int(time.time()) + 3600)


def rest(obj: dict[str, Any]) -> dict[str, Any]:
    """An az CLI (flattened) resource in the ARM REST shape (fields under ``properties``)."""
    out = {k: obj[k] for k in TOP if k in obj}
    props = {k: v for k, v in obj.items() if k not in TOP and k != "resourceGroup"}
    for key in NESTED:
        if isinstance(props.get(key), list):
            props[key] = [rest(x) for x in props[key]]
    out["properties"] = props
    return out


def example_resources() -> dict[str, list[dict[str, Any]]]:
    folder = EXAMPLE / "snapshot" / "azure"
    files = {"networkSecurityGroups": "network-nsg-list.json",
             "networkInterfaces": "network-nic-list.json",
             "virtualNetworks": "network-vnet-list.json",
             "applicationSecurityGroups": "network-asg-list.json"}
    return {kind: [rest(x) for x in json.loads((folder / name).read_text())]
            for kind, name in files.items()}


@pytest.fixture
def arm() -> Iterator[FakeArm]:
    fake = FakeArm(resources=example_resources(), page_size=50).start()
    yield fake
    fake.stop()


def sdk(arm: FakeArm) -> Any:
    return NetworkManagementClient(FakeCredential(), SUB, base_url=arm.url, **FAST)


def writer(arm: FakeArm, check: bool = False) -> AzureWriter:
    return AzureWriter(check=check, credential=FakeCredential(), base_url=arm.url,
                       client_kwargs=FAST)


def plan(arm: FakeArm, tmp_path: Path) -> dict[str, Any]:
    discover_azure(tmp_path / "snap", SUB, credential=FakeCredential(), base_url=arm.url,
                   client_kwargs=FAST, admin_rules=False, progress=False)
    estate = load_estate([str(tmp_path / "snap")])
    return plan_document(estate, str(EXAMPLE / "policy.yml"), date(2026, 11, 25))


def approve(doc: dict[str, Any], tmp_path: Path) -> str:
    path = tmp_path / "approval.yml"
    write_approval(make_approval(doc["content_sha256"], "CHG0099", "jane.doe", None), path)
    return str(path)


def custom_rules(arm: FakeArm) -> list[dict[str, Any]]:
    nsg = sdk(arm).network_security_groups.get(RG, NSG, enforce_https=False).as_dict()
    return list(nsg["properties"].get("securityRules") or [])


def writes(arm: FakeArm) -> list[tuple[str, str, int]]:
    return [x for x in arm.log if x[0] in ("PUT", "DELETE")]


def test_plan_approve_apply_closes_the_path(arm: FakeArm, tmp_path: Path) -> None:
    doc = plan(arm, tmp_path)
    assert doc["proof"]["ok"]
    assert [r["type"] for r in doc["resources"]] == ["az_nsg"]
    audit = MemoryAudit()
    out = run_apply(doc, approval_file=approve(doc, tmp_path), check=False, audit=audit,
                    writers={"azure": writer(arm)})
    assert out.status == "applied", out.message
    rules = {r["name"]: r["properties"] for r in custom_rules(arm)}
    added = [p for name, p in rules.items() if name.startswith("pathwarden-")]
    assert len(added) == 1
    deny = added[0]
    assert deny["access"] == "Deny" and deny["direction"] == "Inbound"
    assert 100 <= deny["priority"] < rules["Allow-SSH-VNet"]["priority"]
    assert [a["id"] for a in deny["sourceApplicationSecurityGroups"]] == [ASG_WS]
    assert deny["protocol"] == "*"
    assert "apply.verify" in audit.actions()
    # re-running is idempotent: the live NSG is already at its postcondition
    again = run_apply(doc, approval_file=approve(doc, tmp_path), check=False,
                      audit=MemoryAudit(), writers={"azure": writer(arm)})
    assert again.status == "nothing to do"


def test_check_mode_writes_nothing(arm: FakeArm, tmp_path: Path) -> None:
    doc = plan(arm, tmp_path)
    before = custom_rules(arm)
    w = writer(arm, check=True)
    out = run_apply(doc, approval_file=None, check=True, audit=MemoryAudit(),
                    writers={"azure": w})
    assert out.status == "checked" and out.changed
    assert [m for m, _ in w.calls] == ["begin_create_or_update"]
    assert writes(arm) == []
    assert custom_rules(arm) == before


def test_precondition_drift_aborts_with_nothing_written(arm: FakeArm, tmp_path: Path) -> None:
    doc = plan(arm, tmp_path)
    rule = {"properties": {"protocol": "Tcp", "sourceAddressPrefix": "10.0.0.0/8",
                           "destinationAddressPrefix": "*", "sourcePortRange": "*",
                           "destinationPortRange": "443", "access": "Allow",
                           "direction": "Inbound", "priority": 300}}
    sdk(arm).security_rules.begin_create_or_update(RG, NSG, "someone-else", rule,
                                                   enforce_https=False).result()
    before = writes(arm)
    out = run_apply(doc, approval_file=approve(doc, tmp_path), check=False,
                    audit=MemoryAudit(), writers={"azure": writer(arm)})
    assert out.status == "refused" and "precondition" in out.message
    assert writes(arm) == before
    assert sorted(r["name"] for r in custom_rules(arm)) == ["Allow-SSH-VNet", "someone-else"]


def test_failed_verification_rolls_back(arm: FakeArm, tmp_path: Path) -> None:
    """The re-read after the writes fails once: the added rule is deleted again and the NSG
    is verified back at its precondition."""
    doc = plan(arm, tmp_path)
    w = writer(arm)
    real = w.read
    reads: list[str] = []

    def flaky_read(resource: dict[str, Any]) -> Any:
        reads.append(resource["id"])
        if len(reads) == 2:  # 1: precondition, 2: verification
            raise ApplyError("network_security_groups.get: connection reset")
        return real(resource)

    w.read = flaky_read  # type: ignore[method-assign]
    audit = MemoryAudit()
    out = run_apply(doc, approval_file=approve(doc, tmp_path), check=False, audit=audit,
                    writers={"azure": w})
    assert out.status == "rolled back", out.message
    assert [r["name"] for r in custom_rules(arm)] == ["Allow-SSH-VNet"]
    assert [m for m, _, _ in writes(arm)] == ["PUT", "DELETE"]
    assert "apply.rollback.verify" in audit.actions()
