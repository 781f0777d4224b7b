"""``tf review`` on synthetic 5,000-resource-change plans, as a whole process, against checkov
on the same plans (issue 12: at most half of checkov's wall time, below its peak RSS).

    python -m benchmarks.tf_review [--changes 5000] [--checkov /path/to/venv/bin/checkov]
                                   [--out DIR] [--json OUT] [--repeat 3]

Two plans (``terraform show -json`` format 1.2, with ``planned_values`` as Terraform writes
them, so checkov evaluates every resource), one VPC with 20 subnets:

- ``with-instances``: per 10 changes 1 ``aws_security_group`` with 2 inline ingress and 1
  egress rule, 3 ``aws_vpc_security_group_ingress_rule`` (one references its group only
  through ``configuration``: ``security_group_id`` is known after apply), 2
  ``aws_security_group_rule``, 3 ``aws_instance`` and 1 ``aws_network_acl_rule`` (18 in all,
  within the NACL quota; an ``aws_vpc_security_group_egress_rule`` after that). Instances
  carry a ``Role`` tag (5% workstation, 1% jump, 2% backup, the rest app/db servers);
- ``security-groups-only``: the same with each group's three instances replaced by three
  ``aws_vpc_security_group_egress_rule``: no workloads, every change a security-group change.

The policy denies ``workstation -> backup`` and allows ``jump -> backup`` on tcp/443, with
backup protected. Each review is a fresh process (``python -m pathwarden.cli.main tf review
PLAN --policy P --format markdown``), best of ``--repeat``, with its peak RSS; checkov likewise
(``checkov -f PLAN --framework terraform_plan``, ``BC_SKIP_MAPPING=TRUE``). Also reported:
read + overlay in-process against ``json.load`` of the plan. checkov is never a dependency of
pathwarden: install it in its own venv (``python -m venv V && V/bin/pip install checkov``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

POLICY = """\
version: 1
segments:
  workstations:
    match: [{aws: {tag: {Role: workstation}}}]
  jump:
    match: [{aws: {tag: {Role: jump}}}]
  backup:
    match: [{aws: {tag: {Role: backup}}}]
protect: [backup]
paths:
  - id: ws-to-backup
    from: workstations
    to: backup
    rule: deny
    stage: enforce
  - id: jump-to-backup
    from: jump
    to: backup
    rule: allow
    ports: [tcp/443]
    approved: {by: bench, change: CHG1, on: 2026-01-01}
    expires: 2030-01-01
"""


def _rc(rtype: str, name: str, after: dict[str, Any], unknown: dict[str, Any]) -> dict[str, Any]:
    return {
        "address": f"{rtype}.{name}",
        "mode": "managed",
        "type": rtype,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown},
    }


def _perm(proto: str, lo: int, hi: int, cidrs: list[str]) -> dict[str, Any]:
    return {
        "cidr_blocks": cidrs,
        "description": "",
        "from_port": lo,
        "to_port": hi,
        "protocol": proto,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "security_groups": [],
        "self": False,
    }


def generate(changes: int, seed: int = 1, *, instances: bool = True) -> dict[str, Any]:
    """The plan. ``instances=False``: security-group-heavy, no instances (each group's three
    instances become three more rules: egress rules and classic rules)."""
    rnd = random.Random(seed)
    rcs: list[dict[str, Any]] = []
    config: list[dict[str, Any]] = []
    subnets = [f"subnet-{i:04d}" for i in range(20)]
    prior = [
        {
            "address": "aws_vpc.main",
            "mode": "managed",
            "type": "aws_vpc",
            "name": "main",
            "values": {"id": "vpc-main", "cidr_block": "10.0.0.0/16"},
        }
    ]
    prior += [
        {
            "address": f"aws_subnet.s{i}",
            "mode": "managed",
            "type": "aws_subnet",
            "name": f"s{i}",
            "values": {"id": s, "vpc_id": "vpc-main", "cidr_block": f"10.0.{i}.0/24"},
        }
        for i, s in enumerate(subnets)
    ]
    prior.append(
        {
            "address": "aws_network_acl.main",
            "mode": "managed",
            "type": "aws_network_acl",
            "name": "main",
            "values": {
                "id": "acl-main",
                "vpc_id": "vpc-main",
                "subnet_ids": subnets,
                "ingress": [
                    {
                        "rule_no": 100,
                        "action": "allow",
                        "protocol": "-1",
                        "cidr_block": "0.0.0.0/0",
                        "from_port": 0,
                        "to_port": 0,
                    }
                ],
                "egress": [
                    {
                        "rule_no": 100,
                        "action": "allow",
                        "protocol": "-1",
                        "cidr_block": "0.0.0.0/0",
                        "from_port": 0,
                        "to_port": 0,
                    }
                ],
            },
        }
    )
    # most instances are ordinary servers; the policy's segments are a few percent each
    roles = ["workstation"] * 5 + ["jump"] + ["backup"] * 2 + ["app"] * 60 + ["db"] * 32
    groups = changes // 10
    for g in range(groups):
        sg = f"sg{g}"
        rcs.append(
            _rc(
                "aws_security_group",
                sg,
                {
                    "name": sg,
                    "vpc_id": "vpc-main",
                    "ingress": [
                        _perm("tcp", 443, 443, [f"10.0.{rnd.randrange(20)}.0/24"]),
                        _perm("tcp", 8000 + g % 100, 8000 + g % 100, ["10.0.0.0/16"]),
                    ],
                    "egress": [_perm("-1", 0, 0, ["0.0.0.0/0"])],
                },
                {"id": True, "arn": True},
            )
        )
        for k in range(3):
            name = f"r{g}_{k}"
            known = k != 0
            after = {
                "ip_protocol": "tcp",
                "from_port": 1000 + k,
                "to_port": 1000 + k,
                "cidr_ipv4": f"10.0.{rnd.randrange(20)}.{rnd.randrange(256)}/32",
            }
            if known:
                after["security_group_id"] = f"tf-placeholder-{g}"
            rcs.append(
                _rc(
                    "aws_vpc_security_group_ingress_rule",
                    name,
                    after,
                    {"id": True} | ({} if known else {"security_group_id": True}),
                )
            )
            if not known:
                config.append(
                    {
                        "address": f"aws_vpc_security_group_ingress_rule.{name}",
                        "expressions": {
                            "security_group_id": {
                                "references": [
                                    f"aws_security_group.{sg}.id",
                                    f"aws_security_group.{sg}",
                                ]
                            }
                        },
                    }
                )
        for k in range(2):
            rcs.append(
                _rc(
                    "aws_security_group_rule",
                    f"l{g}_{k}",
                    {
                        "type": "ingress",
                        "protocol": "udp",
                        "from_port": 53,
                        "to_port": 53,
                        "cidr_blocks": ["10.0.0.0/16"],
                        "security_group_id": f"tf-placeholder-{g}",
                        "self": False,
                    },
                    {"id": True},
                )
            )
        for k in range(3 if instances else 0):
            name = f"i{g}_{k}"
            rcs.append(
                _rc(
                    "aws_instance",
                    name,
                    {
                        "private_ip": f"10.0.{(g * 3 + k) % 20}.{10 + (g * 3 + k) // 20 % 240}",
                        "subnet_id": subnets[(g * 3 + k) % 20],
                        "tags": {"Role": rnd.choice(roles), "Name": name},
                    },
                    {"id": True, "vpc_security_group_ids": True},
                )
            )
            config.append(
                {
                    "address": f"aws_instance.{name}",
                    "expressions": {
                        "vpc_security_group_ids": {
                            "references": [
                                f"aws_security_group.{sg}.id",
                                f"aws_security_group.{sg}",
                            ]
                        }
                    },
                }
            )
        for k in range(0 if instances else 3):
            rule = {"security_group_id": f"tf-placeholder-{g}", "ip_protocol": "tcp",
                    "from_port": 2000 + k, "to_port": 2000 + k,
                    "cidr_ipv4": f"10.{rnd.randrange(256)}.0.0/16"}
            rcs.append(_rc("aws_vpc_security_group_egress_rule", f"x{g}_{k}", rule,
                           {"id": True}))
        if g < 18:  # AWS allows 20 entries per NACL direction by default
            nacl = {
                "network_acl_id": "acl-main",
                "rule_number": 50 + g,
                "egress": False,
                "protocol": "tcp",
                "rule_action": "deny",
                "cidr_block": f"192.0.2.{g * 8}/29",
                "from_port": 3389,
                "to_port": 3389,
            }
            rcs.append(_rc("aws_network_acl_rule", f"n{g}", nacl, {"id": True}))
        else:
            egress = {
                "security_group_id": f"tf-placeholder-{g}",
                "ip_protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "cidr_ipv4": "0.0.0.0/0",
            }
            rcs.append(_rc("aws_vpc_security_group_egress_rule", f"e{g}", egress, {"id": True}))
    rcs = rcs[:changes]
    planned = [{"address": rc["address"], "mode": "managed", "type": rc["type"],
                "name": rc["name"], "provider_name": rc["provider_name"], "schema_version": 0,
                "values": rc["change"]["after"]} for rc in rcs]
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": rcs,
        "prior_state": {"values": {"root_module": {"resources": prior}}},
        "configuration": {"root_module": {"resources": config}},
    }


def _best(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _process(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Best wall time of ``repeat`` fresh runs, and the largest peak RSS (bytes)."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.execve(cmd[0], cmd, {**os.environ, **(env or {})})
        _, status, usage = os.wait4(pid, 0)
        runs.append((time.perf_counter() - t0, int(usage.ru_maxrss) * 1024,
                     os.waitstatus_to_exitcode(status)))
    return {"seconds": round(min(r[0] for r in runs), 3),
            "runs": [round(r[0], 3) for r in runs],
            "rss_bytes": max(r[1] for r in runs), "exit": runs[0][2]}


def measure(plan_file: Path, policy_file: Path, checkov: str, repeat: int) -> dict[str, Any]:
    from pathwarden.terraform import overlay, read_plan

    def floor() -> None:
        with plan_file.open("rb") as f:
            json.load(f)

    floor_s = _best(floor, repeat)
    overlay_s = _best(lambda: overlay(read_plan(plan_file), None), repeat)
    review = _process([sys.executable, "-m", "pathwarden.cli.main", "tf", "review",
                       str(plan_file), "--policy", str(policy_file), "--format", "markdown"],
                      repeat)
    out: dict[str, Any] = {
        "plan_bytes": plan_file.stat().st_size,
        "json_load_s": round(floor_s, 4),
        "read_and_overlay_s": round(overlay_s, 4),
        "read_and_overlay_vs_json_load": round(overlay_s / floor_s, 2),
        "review": review,
    }
    if checkov:
        # BC_SKIP_MAPPING: no attempt to fetch Prisma guidelines (there is no network here)
        ck = _process([checkov, "-f", str(plan_file), "--framework", "terraform_plan",
                       "--quiet", "--compact", "-o", "json"], repeat, {"BC_SKIP_MAPPING": "TRUE"})
        out["checkov"] = ck
        out["review_vs_checkov_time"] = round(review["seconds"] / ck["seconds"], 3)
        out["review_vs_checkov_rss"] = round(review["rss_bytes"] / ck["rss_bytes"], 3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--changes", type=int, default=5000)
    ap.add_argument("--checkov", default="", help="a checkov executable (its own venv)")
    ap.add_argument("--out", default="")
    ap.add_argument("--json", dest="json_out", default="")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    args = ap.parse_args()

    folder = Path(args.out or tempfile.mkdtemp(prefix="tf-review-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    policy_file = folder / "policy.yml"
    policy_file.write_text(POLICY)
    results: dict[str, Any] = {"changes": args.changes, "plans": {}}
    targets = []
    for name, instances in (("with-instances", True), ("security-groups-only", False)):
        plan_file = folder / f"plan-{name}.json"
        plan_file.write_text(json.dumps(generate(args.changes, instances=instances)))
        r = results["plans"][name] = measure(plan_file, policy_file, args.checkov, args.repeat)
        if "checkov" in r:
            targets.append((f"{name}: review <= 0.5x checkov wall", r["review_vs_checkov_time"],
                            r["review_vs_checkov_time"] <= 0.5))
            targets.append((f"{name}: review peak RSS < checkov's", r["review_vs_checkov_rss"],
                            r["review_vs_checkov_rss"] < 1.0))
    results["targets"] = [{"target": n, "value": v, "pass": ok} for n, v, ok in targets]
    print(json.dumps(results, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
