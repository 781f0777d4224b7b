"""Discovery and rule writes through the real NetworkManagementClient against the local ARM fake
(tests/integration/azure_fake.py): paging, throttling with Retry-After, a call that keeps
failing, long-running security-rule operations with Azure-AsyncOperation polling, and the
routing files (route tables, public IPs) with their nextLink pages."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.mgmt.network import NetworkManagementClient

from pathwarden.engine.engine import Engine
from pathwarden.model import NextHop
from pathwarden.providers.azure.discover import PERMISSIONS, discover_azure
from pathwarden.providers.azure.load import load_azure_snapshot
from tests.integration.azure_fake import SUB, TEST_IP, FakeArm

FAST = {"retry_total": 3, "retry_backoff_factor": 0.01, "retry_backoff_max": 0.05,
        "polling_interval": 0}
NSG_RG = "rg1"


class FakeCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("fake-token", int(time.time()) + 3600)


@pytest.fixture
def arm() -> Iterator[FakeArm]:
    fake = FakeArm().start()
    yield fake
    fake.stop()


def discover(arm: FakeArm, out: Path, **kw: Any) -> Any:
    return discover_azure(out, SUB, credential=FakeCredential(), base_url=arm.url,
                          client_kwargs=FAST, progress=False, **kw)


def test_discovery_pages_and_loads(arm: FakeArm, tmp_path: Path) -> None:
    arm.admin_rules["rg1-vnet"] = [{
        "id": "/subscriptions/x/providers/Microsoft.Network/networkManagers/nm/"
              "securityAdminConfigurations/c/ruleCollections/rc/rules/deny-rdp",
        "kind": "Custom",
        "properties": {"access": "Deny", "direction": "Inbound", "priority": 10,
                       "protocol": "Tcp", "sources": [], "destinations": [],
                       "sourcePortRanges": ["*"], "destinationPortRanges": ["3389"]}}]
    manifest = discover(arm, tmp_path / "snap")
    assert not manifest.partial
    by_action = {c.action.split("/")[1]: c for c in manifest.calls}
    assert by_action["networkSecurityGroups"].items == 3
    assert by_action["networkSecurityGroups"].requests == 3  # page_size 1: two nextLinks
    assert len(arm.requests("GET", "/networkSecurityGroups")) == 3
    folder = tmp_path / "snap" / SUB
    body = json.loads((folder / "network-nsg-list.json").read_text())
    assert "properties" in body["value"][0]  # the REST shape
    assert json.loads((tmp_path / "snap" / "manifest.json").read_text())["partial"] is False
    estate = load_azure_snapshot(tmp_path / "snap")
    # discovery is complete; the estate is partial only because the published NIC example
    # names an NSG that is in none of the published NSG examples
    assert estate.partial
    assert [n.source.rsplit("/", 1)[1] for n in estate.notices
            if n.code in ("missing-reference", "discovery-failed")] == ["nsg"]
    assert [w.name for w in estate.workloads] == ["test-nic"]
    # the admin rule denies RDP to the NIC before any NSG; the NIC NSG is not in the examples
    opened = Engine(estate).reach("8.8.8.8", "test-nic").open
    assert not opened.contains(6, 3389) and opened.contains(6, 22)


def test_throttling_is_retried_by_the_sdk(arm: FakeArm, tmp_path: Path) -> None:
    arm.throttle["networkInterfaces"] = 2
    manifest = discover(arm, tmp_path / "snap")
    assert not manifest.partial
    assert arm.requests("GET", "/networkInterfaces") == [429, 429, 200]


def test_a_call_that_keeps_failing_makes_the_snapshot_partial(
    arm: FakeArm, tmp_path: Path
) -> None:
    arm.fail.add("networkInterfaces")
    manifest = discover(arm, tmp_path / "snap")
    assert manifest.partial
    failed = manifest.failures()
    assert [c.action for c in failed] == ["Microsoft.Network/networkInterfaces/read"]
    assert "HTTP 500" in failed[0].error and "listing networkInterfaces failed" in failed[0].error
    assert len(arm.requests("GET", "/networkInterfaces")) == 1 + FAST["retry_total"]
    estate = load_azure_snapshot(tmp_path / "snap")
    assert estate.partial
    assert any(n.code == "discovery-failed" for n in estate.notices)


def test_resource_group_scope(arm: FakeArm, tmp_path: Path) -> None:
    manifest = discover(arm, tmp_path / "snap", resource_group=NSG_RG, admin_rules=False)
    assert not manifest.partial
    assert all("/resourceGroups/rg1/" in p for m, p, _ in arm.log if m == "GET")


def test_security_rule_lro_create_and_delete(arm: FakeArm, tmp_path: Path) -> None:
    client = NetworkManagementClient(FakeCredential(), SUB, base_url=arm.url, **FAST)
    rule = {"properties": {"protocol": "Tcp", "sourceAddressPrefix": "Internet",
                           "destinationAddressPrefix": "*", "sourcePortRange": "*",
                           "destinationPortRange": "22", "access": "Deny",
                           "direction": "Inbound", "priority": 120}}
    poller = client.security_rules.begin_create_or_update(
        NSG_RG, "nsg1", "deny-ssh", rule, enforce_https=False)
    result = poller.result()
    assert result.as_dict()["properties"]["provisioningState"] == "Succeeded"
    assert len(arm.requests("GET", "/operations/")) == 2  # InProgress, then Succeeded
    discover(arm, tmp_path / "snap")
    estate = load_azure_snapshot(tmp_path / "snap")
    nsg = next(f for f in estate.filters.values() if f.name == "nsg1")
    assert any(r.id.endswith("/securityRules/deny-ssh") and r.order == 120 for r in nsg.rules)
    client.security_rules.begin_delete(NSG_RG, "nsg1", "deny-ssh", enforce_https=False).result()
    assert arm.requests("DELETE", "/securityRules/deny-ssh") == [202]
    nsg_body = next(n for n in arm.resources["networkSecurityGroups"] if n["name"] == "nsg1")
    assert nsg_body["properties"]["securityRules"] == []


def test_route_tables_and_public_ips_are_discovered(arm: FakeArm, tmp_path: Path) -> None:
    manifest = discover(arm, tmp_path / "snap", admin_rules=False)
    assert not manifest.partial
    calls = {c.action: c for c in manifest.calls}
    tables = calls["Microsoft.Network/routeTables/read"]
    ips = calls["Microsoft.Network/publicIPAddresses/read"]
    assert (tables.items, tables.requests) == (1, 1)
    # four recorded public IPs and the NIC example's, one a page: four nextLinks followed
    assert (ips.items, ips.requests) == (5, 5)
    assert arm.requests("GET", "/publicIPAddresses") == [200] * 5
    assert tables.file == f"{SUB}/network-route-table-list.json"
    assert {"Microsoft.Network/routeTables/read",
            "Microsoft.Network/publicIPAddresses/read"} <= set(PERMISSIONS)
    estate = load_azure_snapshot(tmp_path / "snap")
    # partial only for the published NIC example's NSG (see above), not for any routing file
    assert [n.source.rsplit("/", 1)[1] for n in estate.notices
            if n.code in ("missing-reference", "discovery-failed")] == ["nsg"]
    assert "routes-not-in-snapshot" not in {n.code for n in estate.notices}
    (nic,) = estate.workloads
    assert nic.public_addresses == (TEST_IP,)
    table = next(t for t in estate.route_tables.values() if t.name == "testrt")
    assert table.subnets == (nic.subnet,)
    assert estate.subnets[nic.subnet].route_table == table.id
    assert [(r.id, r.next_hop) for r in table.routes] == [("testrt:route1", NextHop.GATEWAY)]
    assert estate.networks[nic.network].routed


def test_a_failing_route_table_call_is_partial(arm: FakeArm, tmp_path: Path) -> None:
    arm.fail.add("routeTables")
    manifest = discover(arm, tmp_path / "snap", admin_rules=False)
    assert [c.action for c in manifest.failures()] == ["Microsoft.Network/routeTables/read"]
    estate = load_azure_snapshot(tmp_path / "snap")
    assert estate.partial
    # the file is absent, so the routing assumption is stated as well
    assert "routes-not-in-snapshot" in {n.code for n in estate.notices}
