"""The policy-scale benchmark: ``pathwarden check`` of a realistic tier policy, whole process,
against the ``json.load`` floor of the same snapshot measured in the same run.

    python -m benchmarks.policy_scale [--cloud aws|azure|gcp] [--snapshot DIR] [--out DIR]
                                      [--jobs N] [--repeat 3] [--plan] [--json OUT] [--strict]

The policy is :mod:`benchmarks.tier_policy`'s (100 paths on the AWS estate; the same shape on
Azure ASGs and GCP instance labels). Each command runs as a fresh process (``python -m
pathwarden.cli.main``), best of ``--repeat``; its peak RSS is the child's ``ru_maxrss``. With
``--plan`` (AWS), ``pathwarden plan --out`` on the same policy is timed too.

Targets (issue 12): check <= 5x the floor (goal 3x) and <= 1 GiB peak RSS; plan <= 10x the
floor. The exit code is 0 unless ``--strict`` and a target fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import gen_aws, gen_azure, gen_gcp
from benchmarks.run import ROOT, floor_seconds
from benchmarks.tier_policy import apps_and_selector, tier_policy

GENERATORS = {"aws": gen_aws.generate, "azure": gen_azure.generate, "gcp": gen_gcp.generate}
GIB = 1 << 30


def run_process(args: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS (bytes) and exit code of one fresh pathwarden process."""
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: exec pathwarden, output to /dev/null
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "pathwarden.cli.main", *args])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    return wall, int(usage.ru_maxrss) * 1024, os.waitstatus_to_exitcode(status)


def best(args: list[str], repeat: int) -> dict[str, Any]:
    runs = [run_process(args) for _ in range(repeat)]
    wall = min(r[0] for r in runs)
    return {"seconds": wall, "all_seconds": [r[0] for r in runs],
            "rss_bytes": max(r[1] for r in runs), "exit": runs[0][2]}


def measure(snapshot: Path, cloud: str, work: Path, jobs: int | None, repeat: int,
            plan: bool) -> dict[str, Any]:
    apps, selector = apps_and_selector(cloud, snapshot)
    policy = work / f"tier-{cloud}.yml"
    policy.write_text(tier_policy(apps, selector))
    floor, files, size = floor_seconds(snapshot)
    report = work / "check.json"
    args = ["check", "--policy", str(policy), "--snapshot", str(snapshot), "--format", "json",
            "--out", str(report)]
    if jobs is not None:
        args += ["--jobs", str(jobs)]
    out: dict[str, Any] = {"cloud": cloud, "snapshot": str(snapshot), "files": files,
                           "bytes": size, "floor_s": floor, "paths": policy.read_text().count(
                               "\n  - id: "), "check": best(args, repeat)}
    doc = json.loads(report.read_text())
    out["findings"] = doc["summary"]["by_kind"]
    out["findings_total"] = doc["summary"]["total"]
    if plan:
        out["plan"] = best(["plan", "--policy", str(policy), "--snapshot", str(snapshot),
                            "--out", str(work / "cs.json")], repeat=1)
    return out


def targets(r: dict[str, Any]) -> list[tuple[str, str, bool]]:
    ratio = r["check"]["seconds"] / r["floor_s"]
    rss = r["check"]["rss_bytes"]
    out = [
        ("check <= 5x floor (goal 3x)", f"{ratio:.2f}x", ratio <= 5.0),
        ("check peak RSS <= 1 GiB", f"{rss / (1 << 20):,.0f} MiB", rss <= GIB),
    ]
    if "plan" in r:
        p = r["plan"]["seconds"] / r["floor_s"]
        out.append(("plan --out <= 10x floor", f"{p:.2f}x", p <= 10.0))
    return out


def report(r: dict[str, Any]) -> str:
    c = r["check"]
    lines = [
        f"policy-scale benchmark ({r['cloud']}): {r['paths']} paths; snapshot {r['files']} "
        f"files, {r['bytes'] / 1e6:,.1f} MB",
        f"floor: json.load of every file (best of 3)   {r['floor_s']:8.3f} s",
        f"pathwarden check --format json (best of {len(c['all_seconds'])}) {c['seconds']:8.3f} s"
        f"  = {c['seconds'] / r['floor_s']:.2f}x floor; runs "
        + ", ".join(f"{s:.2f}" for s in c["all_seconds"]),
        f"  peak RSS {c['rss_bytes'] / (1 << 20):,.0f} MiB; exit {c['exit']}; findings "
        f"{r['findings_total']} {r['findings']}",
    ]
    if "plan" in r:
        p = r["plan"]
        lines.append(f"pathwarden plan --out                      {p['seconds']:8.3f} s  = "
                     f"{p['seconds'] / r['floor_s']:.2f}x floor; peak RSS "
                     f"{p['rss_bytes'] / (1 << 20):,.0f} MiB; exit {p['exit']}")
    lines += ["", "targets"]
    for name, value, ok in targets(r):
        lines.append(f"  {name:<36}{value:>12}   {'PASS' if ok else 'FAIL'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.policy_scale",
                                 description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--cloud", choices=sorted(GENERATORS), default="aws")
    ap.add_argument("--snapshot", type=Path, help="an existing snapshot (else one is generated)")
    ap.add_argument("--out", type=Path, help="generate into this folder and keep it")
    ap.add_argument("--jobs", type=int, default=None, help="pass --jobs N to check")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--plan", action="store_true", help="also time plan --out (AWS)")
    ap.add_argument("--json", type=Path, help="write the numbers here")
    ap.add_argument("--strict", action="store_true", help="exit 2 when a target fails")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pathwarden-policy-") as tmp:
        snapshot = a.snapshot or a.out or Path(tmp) / "snapshot"
        if a.snapshot is None:
            print(f"generating the default {a.cloud} estate into {snapshot} ...",
                  file=sys.stderr, flush=True)
            GENERATORS[a.cloud](snapshot, seed=1)
        r = measure(snapshot, a.cloud, Path(tmp), a.jobs, a.repeat, a.plan)
    r["targets"] = [{"target": n, "value": v, "pass": ok} for n, v, ok in targets(r)]
    print(report(r))
    if a.json:
        a.json.write_text(json.dumps(r, indent=2) + "\n")
    failed = not all(t["pass"] for t in r["targets"])
    return 2 if a.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
