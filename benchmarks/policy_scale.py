"""The policy-scale benchmark: ``pathwarden check`` of a realistic tier policy, whole process,
against the ``json.load`` floor of the same snapshot measured in the same run.

    python -m benchmarks.policy_scale [--cloud aws|azure|gcp] [--snapshot DIR] [--out DIR]
                                      [--jobs N] [--repeat 3] [--plan] [--json OUT] [--strict]
                                      [--routes | --compare-routes]

The policy is :mod:`benchmarks.tier_policy`'s (100 paths on the AWS estate; the same shape on
Azure ASGs and GCP instance labels). Each command runs as a fresh process (``python -m
pathwarden.cli.main``), best of ``--repeat``; its peak RSS is the child's ``ru_maxrss``. With
``--plan`` (AWS), ``pathwarden plan --out`` on the same policy is timed too.

Targets (issue 12): check <= 5x the floor (goal 3x) and <= 1 GiB peak RSS; plan <= 10x the
floor. The exit code is 0 unless ``--strict`` and a target fails.

Routing (issue 13, AWS): ``--routes`` generates the estate with its routing files
(``gen_aws --routes``: route tables, gateways, a transit gateway) and checks that.
``--compare-routes`` checks the routed estate and the same estate without its routing files
(hard links to the same bytes, in a sibling folder), in alternation, and adds the target
"routing adds <= 25% to check time" (routed check seconds / plain check seconds <= 1.25).
With ``--snapshot DIR`` both use DIR (which must hold routing files) as the routed estate.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import gen_aws, gen_azure, gen_gcp
from benchmarks.run import ROOT, floor_seconds
from benchmarks.tier_policy import apps_and_selector, tier_policy
from pathwarden.providers.aws import files as aws_files

GENERATORS = {"aws": gen_aws.generate, "azure": gen_azure.generate, "gcp": gen_gcp.generate}
GIB = 1 << 30
ROUTING_TARGET = 1.25  # issue 13: routing adds at most 25% to check time
# the AWS routing files (DESIGN.md, "Routing files"), left out of the plain twin
ROUTING_FILES = (*(f.name for f in aws_files.ROUTE_FILES), aws_files.TGW_ROUTES_DIR,
                 aws_files.TGW_ASSOCIATIONS_DIR, aws_files.TGW_PROPAGATIONS_DIR)


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


def without_routes(routed: Path, plain: Path) -> Path:
    """``plain``: ``routed`` without its routing files (hard links where the filesystem allows,
    so both are the same bytes)."""
    if not any((routed / name).exists() for name in ROUTING_FILES):
        raise ValueError(f"{routed} holds no routing files: nothing to compare")
    for src in sorted(routed.rglob("*")):
        rel = src.relative_to(routed)
        if rel.parts[0] in ROUTING_FILES or src.is_dir():
            continue
        dst = plain / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
    return plain


def compare_routes(routed: Path, work: Path, jobs: int | None, repeat: int) -> dict[str, Any]:
    """``measure`` on the plain twin and on the routed estate, each best of ``repeat``, the
    runs interleaved so that a slow spell of the machine hits both."""
    plain = without_routes(routed, work / "plain-snapshot")
    runs: dict[str, list[dict[str, Any]]] = {"plain": [], "routed": []}
    for _ in range(repeat):
        for name, snapshot in (("plain", plain), ("routed", routed)):
            sub = work / f"run-{name}"
            sub.mkdir(exist_ok=True)
            runs[name].append(measure(snapshot, "aws", sub, jobs, 1, plan=False))
    out: dict[str, Any] = {}
    for name, rs in runs.items():
        fastest = min(rs, key=lambda r: r["check"]["seconds"])
        fastest["check"]["all_seconds"] = [r["check"]["seconds"] for r in rs]
        out[name] = fastest
    out["ratio"] = out["routed"]["check"]["seconds"] / out["plain"]["check"]["seconds"]
    return out


def routing_report(c: dict[str, Any]) -> str:
    lines = ["", "routing (the same estate with and without its routing files)"]
    for name in ("plain", "routed"):
        r = c[name]
        lines.append(f"  {name:<7} check {r['check']['seconds']:8.3f} s (runs "
                     + ", ".join(f"{s:.2f}" for s in r["check"]["all_seconds"])
                     + f"); peak RSS {r['check']['rss_bytes'] / (1 << 20):,.0f} MiB; exit "
                     f"{r['check']['exit']}; findings {r['findings_total']} {r['findings']}")
    ok = c["ratio"] <= ROUTING_TARGET
    lines.append(f"  {'routing adds <= 25% to check time':<36}{c['ratio']:>11.2f}x   "
                 f"{'PASS' if ok else 'FAIL'}")
    return "\n".join(lines)


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
    routing = ap.add_mutually_exclusive_group()
    routing.add_argument("--routes", action="store_true",
                         help="AWS: generate the estate with its routing files")
    routing.add_argument("--compare-routes", action="store_true",
                         help="AWS: check with and without the routing files; target <= 1.25x")
    a = ap.parse_args(argv)
    routed = a.routes or a.compare_routes
    if routed and a.cloud != "aws":
        ap.error("--routes and --compare-routes need --cloud aws")
    with tempfile.TemporaryDirectory(prefix="pathwarden-policy-") as tmp:
        snapshot = a.snapshot or a.out or Path(tmp) / "snapshot"
        if a.snapshot is None:
            label = " with routes" if routed else ""
            print(f"generating the default {a.cloud} estate{label} into {snapshot} ...",
                  file=sys.stderr, flush=True)
            if routed:
                gen_aws.generate(snapshot, seed=1, routes=True)
            else:
                GENERATORS[a.cloud](snapshot, seed=1)
        if a.compare_routes:
            c = compare_routes(snapshot, Path(tmp), a.jobs, a.repeat)
            r = c["routed"]
        else:
            r = measure(snapshot, a.cloud, Path(tmp), a.jobs, a.repeat, a.plan)
    r["targets"] = [{"target": n, "value": v, "pass": ok} for n, v, ok in targets(r)]
    text = report(r)
    if a.compare_routes:
        r["routing"] = {"plain": c["plain"], "ratio": c["ratio"]}
        r["targets"].append({"target": "routing adds <= 25% to check time",
                             "value": f"{c['ratio']:.2f}x", "pass": c["ratio"] <= ROUTING_TARGET})
        text += "\n" + routing_report(c)
    print(text)
    if a.json:
        a.json.write_text(json.dumps(r, indent=2) + "\n")
    failed = not all(t["pass"] for t in r["targets"])
    return 2 if a.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
