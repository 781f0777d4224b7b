"""``tf review`` on a synthetic 5,000-resource-change plan: time vs the ``json.load`` floor
(target <= 3x) and vs checkov on the same plan (when a checkov binary is given).

    python -m benchmarks.tf_review [--changes 5000] [--checkov /tmp/checkov-venv/bin/checkov]
                                   [--out DIR] [--json OUT] [--repeat 5]

The plan (``terraform show -json`` format 1.2) is one VPC with 20 subnets; per 10 changes:
1 ``aws_security_group`` with 2 inline ingress and 1 egress rule, 3
``aws_vpc_security_group_ingress_rule`` (one references its group only through
``configuration``: ``security_group_id`` is known after apply), 2 ``aws_security_group_rule``,
3 ``aws_instance`` and 1 ``aws_network_acl_rule`` (18 in all, within the NACL quota; an
``aws_vpc_security_group_egress_rule`` after that). Instances carry a ``Role`` tag (5%
workstation, 1% jump, 2% backup, the rest app/db servers); the policy denies
``workstation -> backup`` and allows ``jump -> backup`` on tcp/443, with backup protected.

Timed in-process: the plan processing alone (read + overlay: what grows with the plan), best
of ``--repeat``, and the whole review (read + overlay + the policy checked before and after +
path rows + Markdown), best of ``--review-repeat``. checkov runs
``checkov -f PLAN --framework terraform_plan`` once, as a subprocess, and its wall time is
reported as a ratio. checkov is never a dependency of pathwarden: install it in its own venv
(``python -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install checkov``).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import tempfile
import time
from datetime import date
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


def generate(changes: int, seed: int = 1) -> dict[str, Any]:
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
        for k in range(3):
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
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "resource_changes": rcs[:changes],
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--changes", type=int, default=5000)
    ap.add_argument("--checkov", default="")
    ap.add_argument("--out", default="")
    ap.add_argument("--json", dest="json_out", default="")
    ap.add_argument("--repeat", type=int, default=5, help="runs of the floor and the overlay")
    ap.add_argument("--review-repeat", type=int, default=1, help="runs of the whole review")
    args = ap.parse_args()

    from pathwarden.policy import parse_policy
    from pathwarden.report.tf_markdown import render_review_markdown
    from pathwarden.terraform import overlay, read_plan, review

    folder = Path(args.out or tempfile.mkdtemp(prefix="tf-review-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    plan_file = folder / "plan.json"
    plan_file.write_text(json.dumps(generate(args.changes)))
    policy = parse_policy(POLICY, "bench-policy.yml")

    def floor() -> None:
        with plan_file.open("rb") as f:
            json.load(f)

    def run_review() -> None:
        plan = read_plan(plan_file)
        result = review(
            overlay(plan, None), policy, source=str(plan_file), as_of=date(2026, 11, 25)
        )
        render_review_markdown(result)

    def run_overlay() -> None:
        overlay(read_plan(plan_file), None)

    floor_s = _best(floor, args.repeat)
    overlay_s = _best(run_overlay, args.repeat)
    review_s = _best(run_review, args.review_repeat)
    numbers: dict[str, Any] = {
        "changes": args.changes,
        "plan_bytes": plan_file.stat().st_size,
        "json_load_s": round(floor_s, 4),
        "read_and_overlay_s": round(overlay_s, 4),
        "read_and_overlay_vs_json_load": round(overlay_s / floor_s, 2),
        "review_s": round(review_s, 4),
        "review_vs_json_load": round(review_s / floor_s, 2),
        "target_vs_json_load": 3.0,
    }
    if args.checkov:
        t = time.perf_counter()
        proc = subprocess.run(
            [
                args.checkov,
                "-f",
                str(plan_file),
                "--framework",
                "terraform_plan",
                "--quiet",
                "--compact",
                "-o",
                "json",
            ],
            capture_output=True,
            check=False,
        )
        checkov_s = time.perf_counter() - t
        numbers["checkov_s"] = round(checkov_s, 3)
        numbers["checkov_exit"] = proc.returncode
        numbers["review_vs_checkov"] = round(review_s / checkov_s, 4)
    print(json.dumps(numbers, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(numbers, indent=2) + "\n")


if __name__ == "__main__":
    main()
