"""The tier policy of the policy-scale benchmark, generated from a synthetic estate's tags.

    python -m benchmarks.tier_policy SNAPSHOT [--cloud aws|azure|gcp] [--out policy.yml]

The shape is the one a segmentation team writes for a three-tier estate (issue 12):

- segments by tier across all applications (``all-web``, ``all-app``, ``all-db``,
  ``all-cache``), one per tier of the 30 largest applications (``X-web``, ``X-app``, ``X-db``),
  and ``corp``, the office ranges (outside addresses);
- the 10 largest applications' db segments protected;
- 100 paths: ``all-web -> all-db``, ``all-cache -> all-db`` and ``corp -> all-db`` denied
  (enforce), 30 ``X-app -> X-db`` allows on tcp/5432, 30 ``X-web -> X-app`` allows on tcp/8080
  and tcp/443 (approved, expiring), and 37 cross-application ``X-web -> Y-db`` denies.

AWS segments select instance tags (``App``, ``Tier``); Azure and GCP estates carry no tier tags,
so their segments are the equivalent groupings those clouds use: Azure ASGs (an application's
ASG is its tier) and GCP network tags.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

TIERS = ("web", "app", "db", "cache")
Selector = Callable[[str | None, str], str]  # (application or None for all, tier) -> YAML
CORP = ["13.100.129.0/24", "151.135.204.0/22", "151.241.0.0/16", "193.162.127.0/24",
        "198.51.100.0/24", "203.0.113.0/24"]


def _aws_apps(snapshot: Path) -> list[str]:
    doc = json.loads((snapshot / "describe-instances.json").read_text())
    counts: Counter[str] = Counter()
    for r in doc["Reservations"]:
        for i in r["Instances"]:
            tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
            if "App" in tags and tags.get("Tier") in TIERS:
                counts[tags["App"]] += 1
    return [a for a, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _aws_selector(app: str | None, tier: str) -> str:
    if app is None:
        return f"[{{aws: {{tag: {{Tier: {tier}}}}}}}]"
    return f"[{{aws: {{tag: {{App: {app}, Tier: {tier}}}}}}}]"


def _azure_apps(snapshot: Path) -> tuple[list[str], Selector]:
    """ASG ``asgN`` is tier ``TIERS[N % 4]`` of application ``N // 4``."""
    doc = json.loads((snapshot / "network-nic-list.json").read_text())
    counts: Counter[str] = Counter()
    n_asgs = 0
    for nic in doc["value"]:
        for cfg in nic["properties"]["ipConfigurations"]:
            for a in cfg["properties"].get("applicationSecurityGroups", []):
                n = int(a["id"].rsplit("asg", 1)[1])
                n_asgs = max(n_asgs, n + 1)
                counts[f"app{n // 4}"] += 1

    def select(app: str | None, tier: str) -> str:
        t = TIERS.index(tier)
        if app is None:
            return f"[{{azure: {{asg: [{', '.join(f'asg{n}' for n in range(t, n_asgs, 4))}]}}}}]"
        return f"[{{azure: {{asg: asg{int(app[3:]) * 4 + t}}}}}]"

    return [a for a, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))], select


def _gcp_apps(snapshot: Path) -> tuple[list[str], Selector]:
    """Instance label ``tier: tN`` is tier ``TIERS[N % 4]`` of application ``N // 4``."""
    doc = json.loads((snapshot / "instances.json").read_text())
    counts: Counter[str] = Counter()
    n_tiers = 0
    for zone in doc["items"].values():
        for vm in zone.get("instances", []):
            n = int(vm["labels"]["tier"][1:])
            n_tiers = max(n_tiers, n + 1)
            counts[f"app{n // 4}"] += 1

    def select(app: str | None, tier: str) -> str:
        t = TIERS.index(tier)
        if app is None:
            return " ".join(["["] + [f"{{gcp: {{label: {{tier: t{n}}}}}}}," for n in
                                     range(t, n_tiers, 4)] + ["]"])
        return f"[{{gcp: {{label: {{tier: t{int(app[3:]) * 4 + t}}}}}}}]"

    return [a for a, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))], select


def apps_and_selector(cloud: str, snapshot: Path) -> tuple[list[str], Selector]:
    if cloud == "azure":
        return _azure_apps(snapshot)
    if cloud == "gcp":
        return _gcp_apps(snapshot)
    return _aws_apps(snapshot), _aws_selector


def tier_policy(apps: list[str], selector: Selector = _aws_selector, top: int = 30) -> str:
    """The policy YAML for the ``top`` largest of ``apps`` (largest first)."""
    sel = selector
    largest = apps[:top]
    lines = ["version: 1", "segments:"]
    for tier in TIERS:
        lines += [f"  all-{tier}:", f"    match: {sel(None, tier)}"]
    for app in largest:
        for tier in ("web", "app", "db"):
            lines += [f"  {app}-{tier}:", f"    owner: {app}-team@example.com",
                      f"    match: {sel(app, tier)}"]
    lines += ["  corp:", "    match: [" + ", ".join(f"{{cidr: {c}}}" for c in CORP) + "]"]
    lines += ["protect: [" + ", ".join(f"{a}-db" for a in largest[:10]) + "]", "paths:"]

    def path(pid: str, src: str, dst: str, rule: str, extra: list[str]) -> None:
        lines.extend([f"  - id: {pid}", f"    from: {src}", f"    to: {dst}",
                      f"    rule: {rule}", *[f"    {e}" for e in extra]])

    enforce = ["stage: enforce", "why: Lateral movement into the data tier."]
    path("web-to-db", "all-web", "all-db", "deny", enforce)
    path("cache-to-db", "all-cache", "all-db", "deny", enforce)
    path("corp-to-db", "corp", "all-db", "deny", enforce)
    for app in largest:
        path(f"{app}-app-to-db", f"{app}-app", f"{app}-db", "allow",
             ["ports: [tcp/5432]", "approved: {by: dba, change: CHG0001000, on: 2026-01-05}",
              "why: The application reads its database."])
    for i, app in enumerate(largest):
        path(f"{app}-web-to-app", f"{app}-web", f"{app}-app", "allow",
             ["ports: [tcp/8080, tcp/443]",
              f"approved: {{by: arch, change: CHG00{2000 + i}, on: 2026-02-01}}",
              f"expires: 2027-0{1 + i % 9}-15"])
    n = 0
    for step in range(1, len(largest)):
        for i, app in enumerate(largest):
            other = largest[(i + step) % len(largest)]
            if n == 37:
                break
            path(f"{app}-web-to-{other}-db", f"{app}-web", f"{other}-db", "deny",
                 ["stage: monitor"])
            n += 1
        if n == 37:
            break
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--cloud", choices=["aws", "azure", "gcp"], default="aws")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    text = tier_policy(*apps_and_selector(args.cloud, args.snapshot))
    if args.out:
        args.out.write_text(text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
