"""``reach --port`` on GCP: where a closed service stops, case by case from the docs.

[FW] firewalls REST reference, [VPC] vpc/docs/firewalls, [ORD] firewall-policies-rule-eval-order.
The layout is test_gcp_semantics.py's: network a with vm1 10.0.0.2 (tag web) and vm2 10.0.0.3
(tag db), network b (not peered) with vm3 10.1.0.2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pathwarden.engine.blocked import blocked
from pathwarden.engine.engine import Engine
from pathwarden.policy.ports import parse_port
from tests.unit.test_gcp_semantics import P, estate, fw

VPC_A = "VPC firewall rules a (ingress, destination)"
IMPLIED_IN = f"{P}/global/networks/a/implied-deny-ingress"


def folder(tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    out.mkdir()
    return out


def why(engine: Engine, src: str, dst: str, *ports: str) -> list[tuple[Any, ...]]:
    report = blocked(engine.reach(src, dst), [parse_port(p) for p in ports])
    return [(e["protocol"], e["ports"], e["stage"], e["by"]) for e in report.to_json()["blocked"]]


def hierarchy(action: str, ports: list[str]) -> list[dict[str, Any]]:
    return [{"name": "100", "associations": [{"attachmentTarget": "organizations/1"}],
             "rules": [{"priority": 1, "direction": "INGRESS", "action": action,
                        "match": {"srcIpRanges": ["0.0.0.0/0"],
                                  "layer4Configs": [{"ipProtocol": "tcp", "ports": ports}]}}]}]


def test_deny_rule_by_priority_and_deny_wins_a_tie(tmp_path: Path) -> None:
    # [FW] lowest priority number first; "DENY rules take precedence over ALLOW rules if they
    # have equal priority"
    e = estate(tmp_path, [
        fw("allow", 1000, sourceRanges=["0.0.0.0/0"],
           allowed=[{"IPProtocol": "tcp", "ports": ["20-25"]}]),
        fw("deny", 1000, sourceRanges=["0.0.0.0/0"],
           denied=[{"IPProtocol": "tcp", "ports": ["22"]}]),
        fw("deny-early", 900, sourceRanges=["0.0.0.0/0"],
           denied=[{"IPProtocol": "tcp", "ports": ["21"]}]),
    ])
    assert why(e, "1.2.3.4", "vm1", "tcp/20-30") == [
        ("tcp", [[21, 21]], VPC_A, f"{P}/global/firewalls/deny-early"),
        ("tcp", [[22, 22]], VPC_A, f"{P}/global/firewalls/deny"),
        ("tcp", [[26, 30]], "implied rules a (ingress, destination)", IMPLIED_IN),
    ]


def test_implied_deny_ingress(tmp_path: Path) -> None:
    # [VPC] "implied deny ingress rule": no rule at all towards vm2's nic0 (10.0.0.3)
    e = estate(tmp_path, [])
    report = blocked(e.reach("vm1", "10.0.0.3"), [parse_port("tcp/22"), parse_port("icmp")])
    assert [(b.services.describe(), b.stage, b.by) for b in report.items] == [
        ("tcp/22", "implied rules a (ingress, destination)", IMPLIED_IN),
        ("icmp", "implied rules a (ingress, destination)", IMPLIED_IN),
    ]
    # vm2 as a whole: its nic1 sits in network b, which vm1 has no route to
    assert why(e, "vm1", "vm2", "tcp/22") == [
        ("tcp", [[22, 22]], "route", "no-route"),
        ("tcp", [[22, 22]], "implied rules a (ingress, destination)", IMPLIED_IN),
    ]
    assert report.items[0].detail == (
        f"implied rule {IMPLIED_IN} denies it (#65535 deny all from any)")
    assert why(e, "vm1", "8.8.8.8", "tcp/443") == []  # implied allow egress


def test_egress_deny_at_the_source(tmp_path: Path) -> None:
    e = estate(tmp_path, [fw("no-smtp", 1000, direction="EGRESS", destinationRanges=["0.0.0.0/0"],
                             denied=[{"IPProtocol": "tcp", "ports": ["25"]}])])
    assert why(e, "vm1", "8.8.8.8", "tcp/25") == [
        ("tcp", [[25, 25]], "VPC firewall rules a (egress, source)",
         f"{P}/global/firewalls/no-smtp")]


def test_policy_tiers_deny_goto_next_and_allow(tmp_path: Path) -> None:
    # [ORD] a hierarchical policy decides before the VPC rules: its deny is final, its allow
    # too (a later VPC deny does not matter), its goto_next hands over to the next tier
    ssh = [fw("ssh", 1000, sourceRanges=["0.0.0.0/0"])]
    deny = estate(folder(tmp_path, "deny"), ssh, firewall_policies=hierarchy("deny", ["22"]))
    assert why(deny, "8.8.8.8", "vm1", "tcp/22") == [
        ("tcp", [[22, 22]], "hierarchical firewall policy 100 (ingress, destination)",
         "firewallPolicies/100#1")]
    no_ssh = [fw("no-ssh", 1000, sourceRanges=["0.0.0.0/0"],
                 denied=[{"IPProtocol": "tcp", "ports": ["22"]}])]
    allow = estate(folder(tmp_path, "allow"), no_ssh,
                   firewall_policies=hierarchy("allow", ["22"]))
    assert why(allow, "8.8.8.8", "vm1", "tcp/22") == []
    goto = estate(folder(tmp_path, "goto"), no_ssh,
                  firewall_policies=hierarchy("goto_next", ["22"]))
    assert why(goto, "8.8.8.8", "vm1", "tcp/22") == [
        ("tcp", [[22, 22]], VPC_A, f"{P}/global/firewalls/no-ssh")]


def test_unpeered_networks_have_no_route(tmp_path: Path) -> None:
    e = estate(tmp_path, [fw("b-ssh", 1000, net="b", sourceRanges=["0.0.0.0/0"])])
    assert why(e, "vm1", "vm3", "tcp/22") == [("tcp", [[22, 22]], "route", "no-route")]
    peered = estate(folder(tmp_path, "p"), [fw("b-ssh", 1000, net="b", sourceRanges=["0.0.0.0/0"])],
                    peered=True)
    assert why(peered, "vm1", "vm3", "tcp/22") == []
