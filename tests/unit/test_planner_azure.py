"""Planner candidates for Azure NSG rules, on the multi-cloud example's Azure snapshot (the
NSG of the backup subnet) with small edits and small policies written per test."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from pathwarden.check.findings import Kind
from pathwarden.model import ALL_SERVICES, Action, Direction, Filter, Rule, ServiceSet
from pathwarden.model.services import ICMP, ICMPV6, TCP, UDP
from pathwarden.planner import plan_changes
from pathwarden.planner.cloud_candidates import azure_pieces, nsg_quota
from pathwarden.planner.edits import OpKind
from pathwarden.policy import load_policy
from pathwarden.providers.load import load_estate

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "examples" / "multi-cloud" / "snapshot" / "azure"
AS_OF = date(2026, 11, 25)
CONSOLE = "      - azure: {asg: asg-backup}\n"
OFFICE_POLICY = """version: 1
segments:
  office:
    owner: it@example.com
    match: [{cidr: 192.168.0.0/24}]
  admins:
    owner: it@example.com
    match: [{cidr: 192.168.1.0/24}]
  console:
    owner: backup@example.com
    match:
""" + CONSOLE + """paths:
  - {id: office-to-console, from: office, to: console, rule: deny, why: w, owner: o,
     stage: enforce}
  - {id: admins-ssh, from: admins, to: console, rule: allow, ports: [tcp/22], why: w,
     owner: o, approved: {by: j, change: C1, on: 2026-11-01}, expires: 2027-05-01,
     stage: enforce}
"""


def snapshot(tmp_path: Path, source: str) -> Path:
    """The example snapshot with Allow-SSH-VNet's source replaced by ``source``."""
    out = tmp_path / "azure"
    shutil.copytree(SNAPSHOT, out)
    nsgs = json.loads((out / "network-nsg-list.json").read_text())
    nsgs[0]["securityRules"][0]["sourceAddressPrefix"] = source
    (out / "network-nsg-list.json").write_text(json.dumps(nsgs))
    return out


def plan(folder: Path, policy_text: str, tmp_path: Path) -> Any:
    policy = tmp_path / "policy.yml"
    policy.write_text(policy_text)
    return plan_changes(load_estate([str(folder)]), load_policy(str(policy)), AS_OF)


def findings(result: Any) -> set[tuple[str, Kind]]:
    return {(f.path, f.kind) for f in result.findings}


def test_narrowing_a_prefix_closes_the_deny_path_and_keeps_the_allow_path(
        tmp_path: Path) -> None:
    p = plan(snapshot(tmp_path, "192.168.0.0/23"), OFFICE_POLICY, tmp_path)
    assert ("office-to-console", Kind.VIOLATION) in findings(p.result_before)
    assert p.proof.ok
    [op] = p.ops
    assert op.kind is OpKind.MODIFY and op.strategy == "narrow_prefix"
    assert op.rule is not None and [x.value for x in op.rule.src] == ["192.168.1.0/24"]
    assert op.rule.order == 200 and op.rule.services == ServiceSet.ports(TCP, 22, 22)
    assert ("office-to-console", Kind.VIOLATION) not in findings(p.result_after)
    assert ("admins-ssh", Kind.BLOCKED) not in findings(p.result_after)


def test_a_path_opened_by_a_default_rule_gets_a_deny_rule_before_it(tmp_path: Path) -> None:
    policy = """version: 1
segments:
  workstations:
    owner: it@example.com
    match: [{azure: {asg: asg-workstations}}]
  console:
    owner: backup@example.com
    match:
""" + CONSOLE + """paths:
  - {id: ws-to-console, from: workstations, to: console, rule: deny, why: w, owner: o,
     stage: enforce}
"""
    p = plan(SNAPSHOT, policy, tmp_path)
    assert p.proof.ok
    [op] = p.ops
    assert op.kind is OpKind.ADD and op.rule is not None
    rule = op.rule
    assert rule.action is Action.DENY and rule.direction is Direction.INGRESS
    assert 100 <= rule.order < 200  # before Allow-SSH-VNet (200) and the defaults
    assert [x.kind.value for x in rule.src] == ["asg"]  # the symbol, not its addresses
    assert rule.src[0].value.endswith("/asg-workstations")
    assert rule.services == ALL_SERVICES
    assert ("ws-to-console", Kind.VIOLATION) not in findings(p.result_after)


def test_a_service_tag_is_expanded_only_when_narrowing_needs_it(tmp_path: Path) -> None:
    """Allow-SSH-VNet names VirtualNetwork, which holds the forbidden workstations: narrowing
    it would expand the tag, and the default AllowVnetInBound still lets them in, so the
    chosen edit is a deny rule and no tag is expanded."""
    policy = OFFICE_POLICY.replace("192.168.0.0/24", "10.30.1.0/24")
    p = plan(SNAPSHOT, policy, tmp_path)
    assert p.proof.ok
    assert [op.kind for op in p.ops] == [OpKind.ADD]
    chosen = p.choices[0].chosen
    assert chosen is not None and chosen.strategy.startswith("deny")


def test_azure_pieces() -> None:
    assert azure_pieces(ALL_SERVICES) == [ALL_SERVICES]
    both = ServiceSet.ports(TCP, 22, 22) | ServiceSet.ports(UDP, 22, 22)
    assert azure_pieces(both) == [both]
    icmp = ServiceSet.icmp(ICMP, 8)
    assert azure_pieces(ServiceSet.ports(TCP, 80, 80) | icmp) == [
        ServiceSet.ports(TCP, 80, 80), ServiceSet.protocol(ICMP) | ServiceSet.protocol(ICMPV6)]
    assert azure_pieces(ServiceSet.protocol(47)) == [ALL_SERVICES]  # GRE: only '*' names it


def _nsg(orders: list[int]) -> Filter:
    from pathwarden.model import FilterKind

    rules = tuple(Rule(f"r{i}", "nsg", Action.ALLOW, Direction.INGRESS, ALL_SERVICES, order=o)
                  for i, o in enumerate(orders))
    return Filter("nsg", FilterKind.FIRST_MATCH, "azure", rules, name="nsg", layer="az_nsg")


def test_nsg_quota() -> None:
    assert nsg_quota(_nsg([100, 101])) == ""
    assert "priority 100" in nsg_quota(_nsg([100, 100]))
    assert "limit is 1000" in nsg_quota(_nsg(list(range(100, 1101))))
