"""Planner candidates for GCP VPC firewall rules, on the multi-cloud example's GCP snapshot
(ws-1 10.40.1.2 and ws-2 10.40.1.3 tagged ``workstation``; the console 10.40.2.2 tagged
``backup``; allow-internal-ssh lets 10.40.0.0/16 reach ``backup`` on tcp/22 at priority 1000)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from pathwarden.check.findings import Kind
from pathwarden.model import ALL_SERVICES, Action, ServiceSet
from pathwarden.model.services import ICMP, TCP
from pathwarden.planner import plan_changes
from pathwarden.planner.cloud_candidates import gcp_cover
from pathwarden.planner.edits import OpKind
from pathwarden.policy import load_policy
from pathwarden.providers.load import load_estate

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "examples" / "multi-cloud" / "snapshot" / "gcp"
AS_OF = date(2026, 11, 25)
POLICY = """version: 1
segments:
  ws1:
    owner: it@example.com
    match: [{cidr: 10.40.1.2/32}]
  ws2:
    owner: it@example.com
    match: [{cidr: 10.40.1.3/32}]
  console:
    owner: backup@example.com
    match: [{gcp: {network_tag: backup}}]
paths:
  - {id: ws1-to-console, from: ws1, to: console, rule: deny, why: w, owner: o,
     stage: enforce}
  - {id: ws2-ssh, from: ws2, to: console, rule: allow, ports: [tcp/22], why: w, owner: o,
     approved: {by: j, change: C1, on: 2026-11-01}, expires: 2027-05-01, stage: enforce}
"""


def plan(folder: Path, tmp_path: Path) -> Any:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    return plan_changes(load_estate([str(folder)]), load_policy(str(policy)), AS_OF)


def findings(result: Any) -> set[tuple[str, Kind]]:
    return {(f.path, f.kind) for f in result.findings}


def test_deny_rule_with_a_lower_priority_closes_one_source_and_keeps_the_other(
        tmp_path: Path) -> None:
    p = plan(SNAPSHOT, tmp_path)
    assert ("ws1-to-console", Kind.VIOLATION) in findings(p.result_before)
    assert p.proof.ok
    [op] = p.ops
    assert op.kind is OpKind.ADD and op.rule is not None
    assert op.filter_id.endswith("/networks/corp@target_tag=backup")  # the allowing target
    assert op.rule.action is Action.DENY and op.rule.order == 999
    assert [x.value for x in op.rule.src] == ["10.40.1.2/32"]
    assert op.rule.services == ServiceSet.ports(TCP, 22, 22)
    assert ("ws1-to-console", Kind.VIOLATION) not in findings(p.result_after)
    assert ("ws2-ssh", Kind.BLOCKED) not in findings(p.result_after)
    strategies = [c.strategy for c, _ in p.choices[0].tried]
    assert "narrow_ranges" in strategies and "remove" in strategies


def test_at_priority_zero_the_deny_rule_ties_and_wins(tmp_path: Path) -> None:
    """With the allowing rule at priority 0 no number comes before it: the deny rule takes
    priority 0 too (deny wins ties, docs/gcp-semantics.md). The narrowing alternative keeps
    ws-2 and drops ws-1."""
    folder = tmp_path / "gcp"
    shutil.copytree(SNAPSHOT, folder)
    rules = json.loads((folder / "firewall-rules.json").read_text())
    for r in rules:
        if r["name"] == "allow-internal-ssh":
            r["priority"] = 0
    (folder / "firewall-rules.json").write_text(json.dumps(rules))
    p = plan(folder, tmp_path)
    assert p.proof.ok
    [op] = p.ops
    assert op.kind is OpKind.ADD and op.rule is not None and op.rule.order == 0
    assert ("ws1-to-console", Kind.VIOLATION) not in findings(p.result_after)
    assert ("ws2-ssh", Kind.BLOCKED) not in findings(p.result_after)
    narrow = next(c for c, _ in p.choices[0].tried if c.strategy == "narrow_ranges")
    [modify] = narrow.ops
    assert modify.kind is OpKind.MODIFY and modify.rule is not None
    kept = {x.value for x in modify.rule.src}
    assert "10.40.1.3/32" in kept and not any(v.startswith("10.40.1.2/") for v in kept)
    assert modify.rule.order == 0 and narrow.volume.collateral == 0


def test_gcp_cover() -> None:
    assert gcp_cover(ALL_SERVICES) == ALL_SERVICES
    assert gcp_cover(ServiceSet.ports(TCP, 22, 23)) == ServiceSet.ports(TCP, 22, 23)
    assert gcp_cover(ServiceSet.icmp(ICMP, 8)) == ServiceSet.protocol(ICMP)
