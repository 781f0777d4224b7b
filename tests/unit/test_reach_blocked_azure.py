"""``reach --port`` on Azure: where a closed service stops, case by case from the docs.

[HOW] network-security-group-how-it-works.md, [OVR] network-security-groups-overview.md,
[AVNM] concept-security-admins.md. The layout is test_azure_semantics.py's: vnet0 (subnets s0
with nic-a and nic-b, s1 with nic-c) and vnet1 (nic-d).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pathwarden.engine.blocked import blocked
from pathwarden.engine.engine import Engine
from pathwarden.policy.ports import parse_port
from tests.unit.test_azure_semantics import SUB, admin, estate, rule, vnet_id

NSG = f"{SUB}/networkSecurityGroups"


def why(engine: Engine, src: str, dst: str, *ports: str) -> list[tuple[Any, ...]]:
    report = blocked(engine.reach(src, dst), [parse_port(p) for p in ports])
    return [(e["protocol"], e["ports"], e["stage"], e["by"]) for e in report.to_json()["blocked"]]


def test_nsg_deny_rule_and_the_default_deny_rule(tmp_path: Path) -> None:
    # [OVR] first match by priority; DenyAllInBound (65500) refuses what no rule allowed
    e = estate(tmp_path, {"nic": [rule("deny-rdp", 100, "Deny", "3389"),
                                  rule("rdp-and-ssh", 200, "Allow", "22-3389")]},
               nic_nsg={"nic-a": "nic"})
    stage = "NIC NSG nic (ingress, nic-a)"
    assert why(e, "8.8.8.8", "nic-a", "tcp/3389", "tcp/22", "tcp/5000") == [
        ("tcp", [[3389, 3389]], stage, f"{NSG}/nic/securityRules/deny-rdp"),
        ("tcp", [[5000, 5000]], stage, f"{NSG}/nic/defaultSecurityRules/DenyAllInBound"),
    ]
    report = blocked(e.reach("8.8.8.8", "nic-a"), [parse_port("tcp/5000")])
    assert report.items[0].detail == (
        f"implied rule {NSG}/nic/defaultSecurityRules/DenyAllInBound denies it "
        "(#65500 deny all from any)")


def test_subnet_nsg_blocks_before_the_nic_nsg_inbound(tmp_path: Path) -> None:
    # [HOW] inbound: the subnet's NSG first, then the NIC's; both deny tcp/22 here
    e = estate(tmp_path, {"sub": [rule("no-ssh", 100, "Deny", "22")],
                          "nic": [rule("no-ssh-nic", 100, "Deny", "22")]},
               subnet_nsg={"vnet0/s0": "sub"}, nic_nsg={"nic-a": "nic"})
    assert why(e, "8.8.8.8", "nic-a", "tcp/22") == [
        ("tcp", [[22, 22]], "subnet NSG sub (ingress, s0)", f"{NSG}/sub/securityRules/no-ssh")]


def test_outbound_nsg_at_the_source_blocks_first(tmp_path: Path) -> None:
    e = estate(tmp_path, {"out": [rule("no-web-out", 100, "Deny", "80", direction="Outbound")]},
               nic_nsg={"nic-c": "out"})
    assert why(e, "nic-c", "nic-a", "tcp/80") == [
        ("tcp", [[80, 80]], "NIC NSG out (egress, nic-c)", f"{NSG}/out/securityRules/no-web-out")]


def test_admin_rules_deny_always_allow_and_allow(tmp_path: Path) -> None:
    # [AVNM] Deny ends evaluation; AlwaysAllow accepts whatever the NSGs say; Allow goes on
    e = estate(tmp_path, {"nic": [rule("deny-rdp", 100, "Deny", "3389"),
                                  rule("ssh", 110, "Allow", "22"),
                                  rule("deny-web", 120, "Deny", "80")]},
               nic_nsg={"nic-a": "nic"},
               admin_rules=[admin("rdp", 10, "AlwaysAllow", "3389"),
                            admin("ssh", 20, "Deny", "22"),
                            admin("web", 30, "Allow", "80")])
    assert why(e, "8.8.8.8", "nic-a", "tcp/3389", "tcp/22", "tcp/80") == [
        ("tcp", [[22, 22]], "security admin rules of vnet0 (ingress)",
         f"{vnet_id(0)}/admin/ssh"),
        ("tcp", [[80, 80]], "NIC NSG nic (ingress, nic-a)", f"{NSG}/nic/securityRules/deny-web"),
    ]  # tcp/3389: open (AlwaysAllow), so not listed


def test_unpeered_vnets_have_no_route(tmp_path: Path) -> None:
    e = estate(tmp_path, {})
    assert why(e, "nic-a", "nic-d", "tcp/22") == [("tcp", [[22, 22]], "route", "no-route")]
    peered = estate(tmp_path / "p", {"nic": [rule("ssh", 100, "Allow", "22")]},
                    nic_nsg={"nic-d": "nic"}, peering="Connected")
    assert why(peered, "nic-a", "nic-d", "tcp/22") == []
