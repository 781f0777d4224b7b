"""GCP semantics, case by case from the docs (expected values are written by hand).

[FW] firewalls REST reference, [VPC] vpc/docs/firewalls, [ORD] firewall-policies-rule-eval-order.

Layout: network ``a`` (subnet 10.0.0.0/24, fd20:a::/64) with vm1 10.0.0.2 (tag web, sa-1,
also fd20:a::2) and vm2 10.0.0.3 (tag db; its nic1 10.1.0.3 sits in network ``b``); network ``b``
(10.1.0.0/24) with vm3 10.1.0.2 (tag web).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pathwarden.engine.engine import Engine
from pathwarden.providers.gcp.load import load_gcp_snapshot

P = "projects/p"
SA1 = "sa-1@p.iam.gserviceaccount.com"


def nic(net: str, ip: str, v6: str = "") -> dict[str, Any]:
    out = {"network": f"{P}/global/networks/{net}", "networkIP": ip,
           "subnetwork": f"{P}/regions/us-east1/subnetworks/{net}"}
    if v6:
        out["ipv6Address"] = v6
    return out


def vm(name: str, nics: list[dict[str, Any]], tags: list[str], sa: str = "") -> dict[str, Any]:
    return {"name": name, "zone": f"{P}/zones/us-east1-b", "networkInterfaces": nics,
            "tags": {"items": tags}, "serviceAccounts": [{"email": sa}] if sa else []}


def fw(name: str, prio: int, net: str = "a", **kw: Any) -> dict[str, Any]:
    rule = {"name": name, "priority": prio, "network": f"{P}/global/networks/{net}",
            "direction": "INGRESS"}
    rule.update(kw)
    if "allowed" not in rule and "denied" not in rule:
        rule["allowed"] = [{"IPProtocol": "tcp", "ports": ["22"]}]
    return rule


def estate(tmp: Path, rules: list[dict[str, Any]], order: str = "AFTER_CLASSIC_FIREWALL",
           peered: bool = False, **files: Any) -> Engine:
    nets = [{"name": n, "selfLink": f"{P}/global/networks/{n}",
             "networkFirewallPolicyEnforcementOrder": order} for n in ("a", "b")]
    if peered:
        nets[0]["peerings"] = [{"network": f"{P}/global/networks/b", "state": "ACTIVE"}]
    docs = {
        "networks.json": nets,
        "instances.json": [vm("vm1", [nic("a", "10.0.0.2", "fd20:a::2")], ["web"], SA1),
                           vm("vm2", [nic("a", "10.0.0.3"), nic("b", "10.1.0.3")], ["db"]),
                           vm("vm3", [nic("b", "10.1.0.2")], ["web"])],
        "firewall-rules.json": rules,
    }
    docs.update({k.replace("_", "-") + ".json": v for k, v in files.items()})
    for name, doc in docs.items():
        (tmp / name).write_text(json.dumps(doc))
    return Engine(load_gcp_snapshot(tmp))


def opened(e: Engine, src: str, dst: str) -> str:
    return e.reach(src, dst, explain=False).open.describe()


def test_implied_rules_and_explanation(tmp_path: Path) -> None:
    e = estate(tmp_path, [])
    assert opened(e, "vm1", "vm2") == "nothing"  # [VPC] implied deny ingress
    assert opened(e, "vm1", "8.8.8.8") == "all"  # implied allow egress
    hops = e.reach("vm1", "8.8.8.8").to_json()["explanations"][0]["hops"]
    assert hops[0]["rules"][0]["implied"] is True
    assert hops[0]["rules"][0]["id"] == f"{P}/global/networks/a/implied-allow-egress"
    assert opened(e, "vm1", "169.254.169.254") == "nothing"  # [VPC] metadata server


def test_deny_wins_ties_and_lower_priority_wins(tmp_path: Path) -> None:
    e = estate(tmp_path, [
        fw("allow", 1000, sourceRanges=["0.0.0.0/0"],
           allowed=[{"IPProtocol": "tcp", "ports": ["20-25"]}]),
        fw("deny", 1000, sourceRanges=["0.0.0.0/0"], denied=[{"IPProtocol": "tcp",
                                                              "ports": ["22"]}]),
        fw("early", 999, sourceRanges=["8.8.8.8"], allowed=[{"IPProtocol": "tcp",
                                                            "ports": ["22"]}]),
        fw("off", 1, sourceRanges=["0.0.0.0/0"], disabled=True,
           denied=[{"IPProtocol": "all"}]),
    ])
    assert opened(e, "1.2.3.4", "vm1") == "tcp/20-21,23-25"
    assert opened(e, "8.8.8.8", "vm1") == "tcp/20-25"


def test_targets_and_source_tags_use_primary_nics(tmp_path: Path) -> None:
    e = estate(tmp_path, [
        fw("to-db-from-web", 1000, sourceTags=["web"], targetTags=["db"]),
        fw("b-from-db", 1000, net="b", sourceTags=["db"], targetTags=["web"]),
        fw("to-sa", 1000, sourceRanges=["10.0.0.0/8"], targetServiceAccounts=[SA1],
           allowed=[{"IPProtocol": "udp", "ports": ["53"]}]),
    ])
    assert opened(e, "vm1", "vm2") == "tcp/22"  # web -> db in network a
    assert opened(e, "vm2", "vm1") == "udp/53"  # only the SA-targeted rule
    # vm2's nic1 (10.1.0.3) is in b but is not its primary NIC: tag db does not match it
    assert opened(e, "10.1.0.3", "vm3") == "nothing"


def test_goto_next_and_enforcement_order(tmp_path: Path) -> None:
    policy = [{"name": "np", "selfLink": f"{P}/global/firewallPolicies/np",
               "associations": [{"attachmentTarget": f"{P}/global/networks/a"}],
               "rules": [{"priority": 10, "direction": "INGRESS", "action": "deny",
                          "match": {"srcIpRanges": ["0.0.0.0/0"],
                                    "layer4Configs": [{"ipProtocol": "tcp", "ports": ["22"]}]}}]}]
    hier = [{"name": "100", "associations": [{"attachmentTarget": "organizations/1"}],
             "rules": [{"priority": 1, "direction": "INGRESS", "action": "goto_next",
                        "match": {"srcIpRanges": ["0.0.0.0/0"],
                                  "layer4Configs": [{"ipProtocol": "tcp"}]}},
                       {"priority": 2, "direction": "INGRESS", "action": "allow",
                        "targetResources": [f"{P}/global/networks/b"],
                        "match": {"srcIpRanges": ["0.0.0.0/0"],
                                  "layer4Configs": [{"ipProtocol": "all"}]}}]}]
    rules = [fw("ssh", 1000, sourceRanges=["0.0.0.0/0"])]
    after = estate(tmp_path, rules, network_firewall_policies=policy, firewall_policies=hier)
    assert opened(after, "8.8.8.8", "vm1") == "tcp/22"  # VPC rule decides before the policy
    # network b: tcp goes on (goto_next at 1) to the implied deny; the rest is allowed at 2
    to_vm3 = after.reach("8.8.8.8", "vm3", explain=False).open
    assert not to_vm3.contains(6, 22) and not to_vm3.contains(6, 443)
    assert to_vm3.contains(17, 53) and to_vm3.contains(1, 8 * 256) and to_vm3.contains(47)
    # network a: the allow at 2 targets network b only; tcp/22 comes from the VPC rule
    before = tmp_path / "before"
    before.mkdir()
    first = estate(before, rules, "BEFORE_CLASSIC_FIREWALL", network_firewall_policies=policy,
                   firewall_policies=hier)
    assert opened(first, "8.8.8.8", "vm1") == "nothing"  # the policy's deny comes first


def test_peering_ipv6_and_protocols(tmp_path: Path) -> None:
    rules = [fw("b-any", 1000, net="b", sourceRanges=["10.0.0.0/8"],
                allowed=[{"IPProtocol": "47", "ports": ["1"]}, {"IPProtocol": "sctp",
                                                                "ports": ["9000"]}]),
             fw("v6", 1000, sourceRanges=["::/0"], allowed=[{"IPProtocol": "tcp"}])]
    e = estate(tmp_path, rules)
    assert opened(e, "vm1", "vm3") == "nothing"  # a and b are not peered: no route
    peered = tmp_path / "peered"
    peered.mkdir()
    e = estate(peered, rules, peered=True)
    assert opened(e, "vm1", "vm3") == "47 132/9000"  # numbered protocol: ports ignored
    assert opened(e, "2001:db8::1", "vm1") == "tcp"  # the IPv6 rule, IPv6 address
    assert opened(e, "8.8.8.8", "fd20:a::2") == "nothing"  # no IPv4 -> IPv6 flow
