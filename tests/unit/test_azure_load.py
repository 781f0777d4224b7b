"""The Azure loader: every published example loads (REST shape and az CLI flattened shape),
fields map as docs/azure-semantics.md says, bad input is one clear SnapshotError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pathwarden.errors import SnapshotError
from pathwarden.model import Action, Direction, PeerKind, ServiceSet
from pathwarden.providers.azure.load import load_azure_snapshot
from pathwarden.providers.azure.rules import default_rule_name

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "azure-api"
NSG_ID = "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups"


def body(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())["responses"]["200"]["body"]


def flatten(obj: Any) -> Any:
    """What the az CLI prints: ``properties`` merged into each resource."""
    if isinstance(obj, list):
        return [flatten(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out = {k: flatten(v) for k, v in obj.items() if k != "properties"}
    if isinstance(obj.get("properties"), dict):
        out.update(flatten(obj["properties"]))
    return out


def write(folder: Path, files: dict[str, Any]) -> Path:
    for name, doc in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(doc))
    return folder


def published(cli: bool) -> dict[str, Any]:
    nsgs = body("nsg-list-2024-07-01.json")["value"] + [body("nsg-get-2024-05-01.json")]
    nics = [body("nic-get-2024-07-01.json")]
    asgs = body("asg-list-2024-07-01.json")["value"] + [body("asg-get-2024-07-01.json")]
    if cli:
        return {
            "network-nsg-list.json": flatten(nsgs),
            "network-nic-list.json": flatten(nics),
            "network-asg-list.json": flatten(asgs),
        }
    return {
        "network-nsg-list.json": {"value": nsgs},
        "network-nic-list.json": {"value": nics},
        "network-asg-list.json": {"value": asgs},
    }


@pytest.mark.parametrize("cli", [False, True], ids=["rest", "az-cli"])
def test_published_examples_load(tmp_path: Path, cli: bool) -> None:
    estate = load_azure_snapshot(write(tmp_path, published(cli)))
    assert sorted(f.name for f in estate.filters.values()) == ["nsg1", "nsg3", "testnsg"]
    testnsg = estate.filters[f"{NSG_ID}/testnsg"]
    custom = [r for r in testnsg.rules if not r.implied]
    assert [(r.order, r.action, r.direction) for r in custom] == [
        (130, Action.ALLOW, Direction.INGRESS)
    ]
    assert custom[0].services == ServiceSet.tcp(80) | ServiceSet.udp(80)  # "*" with port 80
    assert custom[0].src == () and custom[0].dst == ()
    defaults = sorted(
        (r.order, r.direction.value, r.id.rsplit("/", 1)[1]) for r in testnsg.rules if r.implied
    )
    assert defaults == [
        (65000, "egress", "AllowVnetOutBound"),
        (65000, "ingress", "AllowVnetInBound"),
        (65001, "egress", "AllowInternetOutBound"),
        (65001, "ingress", "AllowAzureLoadBalancerInBound"),
        (65500, "egress", "DenyAllOutBound"),
        (65500, "ingress", "DenyAllInBound"),
    ]
    (nic,) = estate.workloads
    assert nic.name == "test-nic" and nic.kind == "nic"
    # ipconfig1 172.20.2.4 and ipconfig2's prefix 172.20.2.16/28 (16 addresses)
    assert nic.addresses[0] == "172.20.2.4" and len(nic.addresses) == 17
    assert nic.instance.endswith("/virtualMachines/vm1")
    assert nic.filters == (f"{NSG_ID}/nsg",)
    codes = {n.code for n in estate.notices}
    assert {"missing-reference", "service-tags-assumed", "admin-rules-unknown"} <= codes
    # the NIC's NSG (".../nsg") is in no file: named once, and the estate is incomplete
    missing = {n.source for n in estate.notices if n.code == "missing-reference"}
    assert f"{NSG_ID}/nsg" in missing and estate.partial


def test_default_security_rule_example_parses(tmp_path: Path) -> None:
    rule = body("default-security-rule-get-2024-07-01.json")
    nsg = {
        "id": f"{NSG_ID}/nsg1",
        "name": "nsg1",
        "properties": {"securityRules": [], "defaultSecurityRules": [rule]},
    }
    estate = load_azure_snapshot(write(tmp_path, {"network-nsg-list.json": [nsg]}))
    implied = [r for r in estate.filters[f"{NSG_ID}/nsg1"].rules if r.implied]
    assert len(implied) == 6  # the example's one plus the five synthesised
    vnet_in = next(r for r in implied if r.id.endswith("AllowVnetInBound"))
    assert [p.value for p in vnet_in.src] == ["VirtualNetwork"]
    assert vnet_in.src[0].kind is PeerKind.SERVICE_TAG


def test_effective_rule_names_normalise() -> None:
    assert default_rule_name("defaultSecurityRules/AllowInternetOutBound") == (
        "AllowInternetOutBound"
    )
    assert default_rule_name("DefaultRule_DenyAllInBound") == "DenyAllInBound"
    assert default_rule_name("DenyAllInbound") == "DenyAllInBound"
    assert default_rule_name("DefaultOutboundDenyAll") == "DenyAllOutBound"
    assert default_rule_name("my-rule") == "my-rule"


def test_plural_fields_ports_asgs_and_source_ports(tmp_path: Path) -> None:
    asg = (
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/"
    )
    rules = [
        {
            "name": "allow",
            "properties": {
                "priority": 100,
                "direction": "Inbound",
                "access": "Allow",
                "protocol": "Tcp",
                "sourceAddressPrefixes": ["10.0.0.0/24", "10.0.1.7/24"],
                "sourcePortRange": "*",
                "destinationApplicationSecurityGroups": [{"id": asg + "web"}],
                "destinationPortRanges": ["22", "8000-8080"],
            },
        },
        {
            "name": "deny-sport",
            "properties": {
                "priority": 110,
                "direction": "Inbound",
                "access": "Deny",
                "protocol": "*",
                "sourceAddressPrefix": "Internet",
                "sourcePortRange": "53",
                "destinationAddressPrefix": "*",
                "destinationPortRange": "*",
            },
        },
    ]
    nsg = {"id": f"{NSG_ID}/n", "name": "n", "properties": {"securityRules": rules}}
    estate = load_azure_snapshot(write(tmp_path, {"network-nsg-list.json": {"value": [nsg]}}))
    allow, deny = (r for r in estate.filters[f"{NSG_ID}/n"].rules if not r.implied)
    assert [p.value for p in allow.src] == ["10.0.0.0/24", "10.0.1.0/24"]
    assert [(p.kind, p.value) for p in allow.dst] == [(PeerKind.ASG, asg + "web")]
    assert allow.services == ServiceSet.tcp(22) | ServiceSet.tcp(8000, 8080)
    # a deny restricted to source port 53 does not stop TCP/UDP (the client picks its port)
    assert deny.src_ports == ((53, 53),)
    assert not deny.services.contains(6, 22) and deny.services.contains(1, 8 * 256)


def test_subscription_folder_layout(tmp_path: Path) -> None:
    sub = tmp_path / "11111111-2222-3333-4444-555555555555"
    sub.mkdir()
    write(sub, published(cli=False))
    assert len(load_azure_snapshot(tmp_path).filters) == 3


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"network-nsg-list.json": {"items": []}}, "expected a JSON list"),
        ({"network-nsg-list.json": [{"name": "x"}]}, "[0].id: missing"),
        (
            {
                "network-nsg-list.json": [
                    {
                        "id": "n",
                        "properties": {
                            "securityRules": [
                                {
                                    "name": "r",
                                    "properties": {
                                        "priority": 100,
                                        "direction": "Sideways",
                                        "access": "Allow",
                                        "protocol": "Tcp",
                                    },
                                }
                            ]
                        },
                    }
                ]
            },
            "expected Inbound or Outbound",
        ),
        (
            {
                "network-nsg-list.json": [
                    {
                        "id": "n",
                        "properties": {
                            "securityRules": [
                                {
                                    "name": "r",
                                    "properties": {
                                        "priority": 100,
                                        "direction": "Inbound",
                                        "access": "Allow",
                                        "protocol": "Gre",
                                    },
                                }
                            ]
                        },
                    }
                ]
            },
            "expected Tcp, Udp, Icmp, Esp, Ah or '*'",
        ),
        (
            {
                "network-nsg-list.json": [
                    {
                        "id": "n",
                        "properties": {
                            "securityRules": [
                                {
                                    "name": "r",
                                    "properties": {
                                        "priority": 100,
                                        "direction": "Inbound",
                                        "access": "Allow",
                                        "protocol": "Tcp",
                                        "destinationPortRange": "70000",
                                    },
                                }
                            ]
                        },
                    }
                ]
            },
            "not within 0-65535",
        ),
        (
            {
                "network-nsg-list.json": "[",
            },
            "not valid JSON",
        ),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path: Path, files: dict[str, Any], message: str) -> None:
    for name, doc in files.items():
        (tmp_path / name).write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(SnapshotError) as e:
        load_azure_snapshot(tmp_path)
    assert message in str(e.value) and "network-nsg-list.json" in str(e.value)


def test_not_a_snapshot(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="no Azure snapshot files found"):
        load_azure_snapshot(tmp_path)


def test_create_with_rule_example_loads(tmp_path: Path) -> None:
    nsg = body("nsg-create-with-rule-2024-07-01.json")
    estate = load_azure_snapshot(write(tmp_path, {"network-nsg-list.json": {"value": [nsg]}}))
    (f,) = estate.filters.values()
    assert [(r.order, r.id.rsplit("/", 1)[1]) for r in f.rules if not r.implied] == [(130, "rule1")]
    assert sum(r.implied for r in f.rules) == 6


def test_effective_rules_example_parses_as_rules(tmp_path: Path) -> None:
    """The effective-rules shape (``protocol: All``, ``a-b`` port ranges, names prefixed
    ``securityRules/`` or ``defaultSecurityRules/``) goes through the same rule parser."""
    (group,) = body("nic-effective-nsg-list-2024-07-01.json")["value"]
    rules = group["effectiveSecurityRules"]
    nsg = {
        "id": group["networkSecurityGroup"]["id"],
        "name": "test-nsg",
        "securityRules": [r for r in rules if r["name"].startswith("securityRules/")],
        "defaultSecurityRules": [r for r in rules if r["name"].startswith("default")],
    }
    estate = load_azure_snapshot(write(tmp_path, {"network-nsg-list.json": [nsg]}))
    (f,) = estate.filters.values()
    by_order = {r.order: r for r in f.rules if r.direction is Direction.INGRESS}
    assert by_order[234].services == ServiceSet.tcp(6579) and by_order[234].src_ports == (
        (456, 456),
    )
    assert by_order[1000].services == ServiceSet.tcp(3389)
    assert by_order[1000].src_ports is None  # "0-65535" is every source port
    assert by_order[234].id.endswith("/test-nsg/securityRules/rule1")
    internet = next(r for r in f.rules if r.order == 65001 and r.direction is Direction.EGRESS)
    assert internet.id.endswith("/defaultSecurityRules/AllowInternetOutBound")
    assert [p.value for p in internet.dst] == ["Internet"]
