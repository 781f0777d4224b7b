"""Azure semantics, case by case from the docs (expected values are written by hand).

[HOW] network-security-group-how-it-works.md, [OVR] network-security-groups-overview.md,
[TAG] service-tags-overview.md, [AVNM] concept-security-admins.md.

Layout: vnet0 10.0.0.0/16 with subnet s0 10.0.0.0/24 (nic-a 10.0.0.4, nic-b 10.0.0.5) and s1
10.0.1.0/24 (nic-c 10.0.1.4); vnet1 10.1.0.0/16 with subnet s0 10.1.0.0/24 (nic-d 10.1.0.4).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pathwarden.engine.engine import Engine
from pathwarden.model import ALL_SERVICES, ServiceSet
from pathwarden.providers.azure.load import load_azure_snapshot

SUB = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/"
    "Microsoft.Network"
)
TCP = 6


def vnet_id(v: int) -> str:
    return f"{SUB}/virtualNetworks/vnet{v}"


def rule(
    name: str,
    prio: int,
    access: str,
    port: str = "*",
    src: str = "*",
    direction: str = "Inbound",
    protocol: str = "Tcp",
    sport: str = "*",
) -> dict[str, Any]:
    return {
        "name": name,
        "properties": {
            "priority": prio,
            "direction": direction,
            "access": access,
            "protocol": protocol,
            "sourceAddressPrefix": src,
            "destinationAddressPrefix": "*",
            "sourcePortRange": sport,
            "destinationPortRange": port,
        },
    }


def admin(name: str, prio: int, access: str, port: str, direction: str = "Inbound") -> dict:
    return {
        "id": f"{vnet_id(0)}/admin/{name}",
        "properties": {
            "access": access,
            "direction": direction,
            "priority": prio,
            "protocol": "Tcp",
            "sources": [],
            "destinations": [],
            "sourcePortRanges": ["*"],
            "destinationPortRanges": [port],
        },
    }


def estate(
    tmp: Path,
    nsgs: dict[str, list[dict]],
    *,
    subnet_nsg: dict[str, str] | None = None,
    nic_nsg: dict[str, str] | None = None,
    peering: str | None = None,
    admin_rules: list[dict] | None = None,
) -> Engine:
    subnet_nsg, nic_nsg = subnet_nsg or {}, nic_nsg or {}
    vnets = []
    for v, subnets in ((0, ("s0", "s1")), (1, ("s0",))):
        subs = []
        for k, s in enumerate(subnets):
            sp: dict[str, Any] = {"addressPrefix": f"10.{v}.{k}.0/24"}
            if f"vnet{v}/{s}" in subnet_nsg:
                sp["networkSecurityGroup"] = {
                    "id": f"{SUB}/networkSecurityGroups/{subnet_nsg[f'vnet{v}/{s}']}"
                }
            subs.append({"id": f"{vnet_id(v)}/subnets/{s}", "name": s, "properties": sp})
        peer = []
        if peering:
            peer = [
                {
                    "name": "p",
                    "properties": {
                        "peeringState": peering,
                        "remoteVirtualNetwork": {"id": vnet_id(1 - v)},
                    },
                }
            ]
        vnets.append(
            {
                "id": vnet_id(v),
                "name": f"vnet{v}",
                "properties": {
                    "addressSpace": {"addressPrefixes": [f"10.{v}.0.0/16"]},
                    "subnets": subs,
                    "virtualNetworkPeerings": peer,
                },
            }
        )
    nics = []
    for name, v, s, ip in (
        ("nic-a", 0, "s0", "10.0.0.4"),
        ("nic-b", 0, "s0", "10.0.0.5"),
        ("nic-c", 0, "s1", "10.0.1.4"),
        ("nic-d", 1, "s0", "10.1.0.4"),
    ):
        p: dict[str, Any] = {
            "ipConfigurations": [
                {
                    "name": "ipconfig1",
                    "properties": {
                        "privateIPAddress": ip,
                        "subnet": {"id": f"{vnet_id(v)}/subnets/{s}"},
                    },
                }
            ]
        }
        if name in nic_nsg:
            p["networkSecurityGroup"] = {"id": f"{SUB}/networkSecurityGroups/{nic_nsg[name]}"}
        nics.append({"id": f"{SUB}/networkInterfaces/{name}", "name": name, "properties": p})
    files: dict[str, Any] = {
        "network-vnet-list.json": vnets,
        "network-nic-list.json": nics,
        "network-nsg-list.json": [
            {
                "id": f"{SUB}/networkSecurityGroups/{n}",
                "name": n,
                "properties": {"securityRules": r},
            }
            for n, r in nsgs.items()
        ],
    }
    if admin_rules is not None:
        files["network-manager-effective-admin-rules/rg/vnet0.json"] = {"value": admin_rules}
    for name, doc in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(json.dumps(doc))
    return Engine(load_azure_snapshot(tmp))


def opened(engine: Engine, src: str, dst: str) -> ServiceSet:
    return engine.reach(src, dst).open


def test_nsgs_act_in_series_not_as_a_union(tmp_path: Path) -> None:
    # [HOW] "to allow, both must allow": subnet allows 22 only, NIC allows 443 only
    e = estate(
        tmp_path,
        {"sub": [rule("ssh", 100, "Allow", "22")], "nic": [rule("https", 100, "Allow", "443")]},
        subnet_nsg={"vnet0/s0": "sub"},
        nic_nsg={"nic-a": "nic"},
    )
    got = opened(e, "8.8.8.8", "nic-a")
    assert not got.contains(TCP, 22) and not got.contains(TCP, 443)


def test_a_missing_nsg_level_allows(tmp_path: Path) -> None:
    e = estate(tmp_path, {"nic": [rule("https", 100, "Allow", "443")]}, nic_nsg={"nic-a": "nic"})
    got = opened(e, "8.8.8.8", "nic-a")
    assert got.contains(TCP, 443) and not got.contains(TCP, 22)  # 22: DenyAllInBound
    assert opened(e, "8.8.8.8", "nic-c") == ALL_SERVICES  # no NSG anywhere: all open


def test_subnet_nsg_applies_inside_the_subnet(tmp_path: Path) -> None:
    e = estate(
        tmp_path,
        {"sub": [rule("no-ssh", 100, "Deny", "22", src="VirtualNetwork")]},
        subnet_nsg={"vnet0/s0": "sub"},
    )
    got = opened(e, "nic-a", "nic-b")  # same subnet
    assert not got.contains(TCP, 22) and got.contains(TCP, 80)  # 80: AllowVnetInBound


def test_first_match_by_priority(tmp_path: Path) -> None:
    e = estate(
        tmp_path,
        {"nic": [rule("allow", 200, "Allow", "20-30"), rule("deny", 100, "Deny", "22")]},
        nic_nsg={"nic-a": "nic"},
    )
    got = opened(e, "8.8.8.8", "nic-a")
    assert got.contains(TCP, 21) and not got.contains(TCP, 22) and got.contains(TCP, 23)


def test_admin_rules_always_allow_deny_and_allow(tmp_path: Path) -> None:
    nsg = {
        "nic": [
            rule("deny-rdp", 100, "Deny", "3389"),
            rule("ssh", 110, "Allow", "22"),
            rule("deny-web", 120, "Deny", "80"),
        ]
    }
    e = estate(
        tmp_path,
        nsg,
        nic_nsg={"nic-a": "nic"},
        admin_rules=[
            admin("rdp", 10, "AlwaysAllow", "3389"),
            admin("ssh", 20, "Deny", "22"),
            admin("web", 30, "Allow", "80"),
        ],
    )
    got = opened(e, "8.8.8.8", "nic-a")
    assert got.contains(TCP, 3389)  # AlwaysAllow bypasses the NSG deny [AVNM]
    assert not got.contains(TCP, 22)  # Deny terminates before the NSG allow
    assert not got.contains(TCP, 80)  # Allow goes on; the NSG denies


def test_virtual_network_tag_spans_connected_peerings(tmp_path: Path) -> None:
    nsg = {"nic": [rule("vnet-only", 100, "Allow", "22", src="VirtualNetwork")]}
    connected = estate(tmp_path / "c", nsg, nic_nsg={"nic-a": "nic"}, peering="Connected")
    assert opened(connected, "nic-d", "nic-a").contains(TCP, 22)
    assert opened(connected, "10.1.200.1", "nic-a").contains(TCP, 22)
    initiated = estate(tmp_path / "i", nsg, nic_nsg={"nic-a": "nic"}, peering="Initiated")
    assert not opened(initiated, "nic-d", "nic-a")  # no route across the VNets
    assert not opened(initiated, "10.1.200.1", "nic-a").contains(TCP, 22)  # Internet now


def test_nsg_in_two_vnets_resolves_virtual_network_per_vnet(tmp_path: Path) -> None:
    nsg = {
        "shared": [
            rule("deny-vnet", 100, "Deny", "22", src="VirtualNetwork"),
            rule("ssh", 200, "Allow", "22"),
        ]
    }
    e = estate(tmp_path, nsg, subnet_nsg={"vnet0/s0": "shared", "vnet1/s0": "shared"})
    assert not opened(e, "10.0.200.1", "nic-a").contains(TCP, 22)  # vnet0 space: denied
    assert opened(e, "10.1.200.1", "nic-a").contains(TCP, 22)  # vnet1 space is not vnet0's
    assert not opened(e, "10.1.200.1", "nic-d").contains(TCP, 22)
    assert opened(e, "10.0.200.1", "nic-d").contains(TCP, 22)


def test_platform_addresses_are_never_a_path(tmp_path: Path) -> None:
    e = estate(tmp_path, {})
    assert not opened(e, "168.63.129.16", "nic-a")
    assert not opened(e, "nic-a", "169.254.169.254")


def test_source_port_restrictions_read_conservatively(tmp_path: Path) -> None:
    nsg = {
        "nic": [
            rule("deny-from-53", 100, "Deny", "22", sport="53"),
            rule("allow-from-1024", 110, "Allow", "22", sport="1024-65535"),
        ]
    }
    e = estate(tmp_path, nsg, nic_nsg={"nic-a": "nic"})
    # the client picks a source port outside 53 and inside 1024-65535: 22 is open
    assert opened(e, "8.8.8.8", "nic-a").contains(TCP, 22)


def test_explanations_name_the_nsg_rules(tmp_path: Path) -> None:
    e = estate(tmp_path, {"nic": [rule("https", 100, "Allow", "443")]}, nic_nsg={"nic-a": "nic"})
    text = json.dumps(e.reach("8.8.8.8", "nic-a").to_json())
    assert f"{SUB}/networkSecurityGroups/nic/securityRules/https" in text
