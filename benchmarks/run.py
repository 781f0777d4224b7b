"""Measure pathwarden on a synthetic AWS, Azure or GCP estate and check the performance targets.

    python -m benchmarks.run [--cloud aws|azure|gcp] [SIZES | --small]
                             [--pairs 1000] [--groups 500] [--snapshot DIR] [--json OUT]
                             [--strict] [--allpairs-budget S] [--reach-budget S]
                             [--profile DIR]

SIZES are the generator's options of the cloud (``--cloud aws``, the default: ``--enis --sgs
--rules --subnets --prefix-lists`` of :mod:`benchmarks.gen_aws`; ``azure``: ``--nics --nsgs
--rules-per-nsg --subnets --asgs`` of :mod:`benchmarks.gen_azure`; ``gcp``: ``--instances
--rules --tags --networks`` of :mod:`benchmarks.gen_gcp`); ``--small`` starts from a small
estate, and sizes given with it override it.

One run generates the estate (or reuses ``--snapshot``), times the floor (``json.load`` of
every snapshot file, best of 3) in this process, then starts a fresh Python process that loads
the estate, builds the engine (equivalence classes and address atoms), asks ``--pairs`` random
reaches (explain=True, as the CLI does) between workload ids, instance/VM ids, the cloud's
group ids, member addresses and outside CIDRs, and all ordered pairs among ``--groups`` of the
cloud's groups (explain=False): security groups; NIC NSGs and ASGs; network tags. It reports
times and its peak RSS, so the generator's memory does not count. The all-pairs phase stops
after ``--allpairs-budget`` seconds and extrapolates from the pairs it measured (a random
sample, since the pairs are shuffled); the random reaches likewise after ``--reach-budget``
seconds; the output says so.

Targets: load + classes <= 3x floor, the random reaches <= 2 s (scaled for --pairs != 1000),
peak RSS of the load phase <= 1 GiB. The exit code is 0 unless ``--strict`` and a target fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import gen_aws, gen_azure, gen_gcp

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"enis": 2000, "sgs": 500, "rules": 5000, "subnets": 12, "prefix_lists": 8}
SIZES = {"enis": 20000, "sgs": 5000, "rules": 50000, "subnets": 60, "prefix_lists": 20}
GIB = 1 << 30


@dataclass(frozen=True)
class Cloud:
    """What the harness needs to know about one cloud's synthetic estate."""

    generate: Callable[..., Any]
    sizes: dict[str, int]  # the generator's defaults: the full-size run
    small: dict[str, int]  # --small
    groups: str  # what the all-pairs phase pairs
    estate: Callable[[dict[str, int]], str]  # the sizes as one line of the report
    signatures: str  # what the generator's ``signatures`` counts


CLOUDS: dict[str, Cloud] = {
    "aws": Cloud(
        gen_aws.generate, SIZES, SMALL, "SGs",
        lambda s: f"{s['enis']:,} ENIs, {s['sgs']:,} SGs, {s['rules']:,} rules, "
                  f"{s['subnets']} subnets, {s['prefix_lists']} prefix lists",
        "(SG set, subnet) signatures"),
    "azure": Cloud(
        gen_azure.generate,
        {"nics": 5000, "nsgs": 1000, "rules_per_nsg": 50, "subnets": 60, "asgs": 100},
        {"nics": 1000, "nsgs": 200, "rules_per_nsg": 50, "subnets": 20, "asgs": 30},
        "NIC NSGs and ASGs",
        lambda s: f"{s['nics']:,} NICs, {s['nsgs']:,} NSGs, {s['rules']:,} custom rules "
                  f"(+6 default rules each), {s['admin_rules']} admin rules, {s['subnets']} "
                  f"subnets in {s['vnets']} VNets, {s['asgs']} ASGs",
        "(subnet, NIC NSG) signatures"),
    "gcp": Cloud(
        gen_gcp.generate,
        {"instances": 5000, "rules": 2000, "tags": 200, "networks": 3},
        {"instances": 1000, "rules": 400, "tags": 60, "networks": 3},
        "network tags",
        lambda s: f"{s['instances']:,} instances ({s['nics']:,} NICs), {s['rules']:,} VPC "
                  f"firewall rules, {s['policy_rules']} firewall-policy rules, {s['tags']} "
                  f"network tags in use, {s['subnets']} subnets in {s['networks']} networks",
        "(network, region, tag set, service account) signatures at most"),
}


def floor_seconds(directory: Path, repeat: int = 3) -> tuple[float, int, int]:
    """Best time to ``json.load`` every file of the snapshot; also the file count and bytes."""
    files = sorted(directory.rglob("*.json"))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for f in files:
            with f.open("rb") as fh:
                json.load(fh)
        best = min(best, time.perf_counter() - t0)
    return best, len(files), sum(f.stat().st_size for f in files)


def run_child(snapshot: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.measure", str(snapshot), "--cloud", args.cloud,
           "--pairs", str(args.pairs),
           "--groups", str(args.groups), "--seed", str(args.seed),
           "--allpairs-budget", str(args.allpairs_budget),
           "--reach-budget", str(args.reach_budget)]
    if args.profile:
        cmd += ["--profile", str(args.profile)]
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"the measuring process failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def targets(r: dict[str, Any], pairs: int) -> list[tuple[str, str, bool]]:
    ratio = r["load_classes_s"] / r["floor_s"]
    limit = 2.0 * pairs / 1000
    rss = r["rss_load_bytes"]
    return [
        ("load + classes <= 3x floor", f"{ratio:.2f}x", ratio <= 3.0),
        (f"{pairs:,} reaches <= {limit:g} s", f"{r['reach_s']:.2f} s", r["reach_s"] <= limit),
        ("peak RSS (load phase) <= 1 GiB", f"{rss / (1 << 20):,.0f} MiB", rss <= GIB),
    ]


def report(r: dict[str, Any], pairs: int) -> str:
    fl = r["floor_s"]
    cloud = CLOUDS[r.get("cloud", "aws")]
    out = [
        f"pathwarden benchmark ({r.get('cloud', 'aws')}): {cloud.estate(r['sizes'])} "
        f"(seed {r['seed']})",
        f"snapshot {r['snapshot']}: {r['files']} files, {r['bytes'] / 1e6:,.1f} MB; "
        f"{r['classes']:,} equivalence classes, {r['atoms']:,} address atoms",
        f"python {r['python']} on {r['machine']}",
        "",
        f"{'phase':<58}{'seconds':>10}{'x floor':>10}",
    ]

    def row(name: str, sec: float, ratio: bool = True) -> None:
        out.append(f"{name:<58}{sec:>10.3f}" + (f"{sec / fl:>10.2f}" if ratio else ""))

    row("floor: json.load of every file (best of 3)", fl)
    row("load_estate", r["load_s"])
    row("Engine(estate): classes + atoms", r["engine_s"])
    row("load + classes", r["load_classes_s"])
    row(f"{pairs:,} random reaches, explain=True", r["reach_s"], False)
    row("  of which the first reach (cold caches)", r["reach_first_s"], False)
    row(f"  to_json() of the {pairs:,} results", r["to_json_s"], False)
    if r["reach_done"] < r["reach_total"]:
        out.append(f"  EXTRAPOLATED from {r['reach_done']:,} of {r['reach_total']:,} pairs "
                   f"measured in {r['reach_measured_s']:.1f} s (--reach-budget)")
    ms = r["reach_ms"]
    out.append(f"  per reach: p50 {ms['p50']:.2f} ms, p99 {ms['p99']:.2f} ms, max "
               f"{ms['max']:.2f} ms; {r['reach_errors']} endpoint errors")
    kinds = list(r.get("reach_by_kind", {}).items())
    if kinds:
        out.append("  by endpoint kinds (most time first): " + ", ".join(
            f"{k} {v['count']}x {v['seconds']:.2f} s" for k, v in kinds[:6]))
    for slow in r.get("reach_slowest", [])[:3]:
        out.append(f"  slow: {slow['src']} -> {slow['dst']}: {slow['ms']:,.0f} ms")
    ap = r["allpairs"]
    label = (f"all pairs of {ap['groups']} {cloud.groups} ({ap['total']:,} reaches, "
             "explain=False)")
    row(label, ap["seconds"], False)
    if ap["done"] < ap["total"]:
        out.append(f"  EXTRAPOLATED from {ap['done']:,} random pairs measured in "
                   f"{ap['measured_s']:.1f} s ({ap['per_pair_ms']:.3f} ms per pair)")
    else:
        out.append(f"  measured in full ({ap['per_pair_ms']:.3f} ms per pair)")
    out.append(f"peak RSS: load phase {r['rss_load_bytes'] / (1 << 20):,.0f} MiB, "
               f"whole measuring process {r['rss_total_bytes'] / (1 << 20):,.0f} MiB")
    out += ["", "targets"]
    for name, value, ok in targets(r, pairs):
        out.append(f"  {name:<40}{value:>14}   {'PASS' if ok else 'FAIL'}")
    return "\n".join(out)


def _git_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, text=True,
                               capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run",
                                 description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--cloud", choices=sorted(CLOUDS), default="aws",
                    help="which cloud's synthetic estate to generate and measure (default aws)")
    flags = dict.fromkeys(k for c in CLOUDS.values() for k in c.sizes)
    for name in flags:
        ap.add_argument(f"--{name.replace('_', '-')}", type=int, default=None,
                        help="size of the generated estate (the cloud's generator option)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--small", action="store_true",
                    help="a small estate (AWS 2,000 ENIs, Azure 1,000 NICs, GCP 1,000 "
                         "instances) with 200 pairs and 60 groups")
    ap.add_argument("--pairs", type=int, default=None, help="random reaches (default 1000)")
    ap.add_argument("--groups", type=int, default=None, help="groups for all-pairs (500)")
    ap.add_argument("--snapshot", type=Path, help="measure this snapshot, generate nothing")
    ap.add_argument("--out", type=Path, help="generate into this folder and keep it")
    ap.add_argument("--json", type=Path, help="write the numbers to this file")
    ap.add_argument("--strict", action="store_true", help="exit 2 if a target fails")
    ap.add_argument("--allpairs-budget", type=float, default=240.0,
                    help="seconds for the all-pairs phase before extrapolating (default 240)")
    ap.add_argument("--reach-budget", type=float, default=300.0,
                    help="seconds for the random reaches before extrapolating (default 300)")
    ap.add_argument("--profile", type=Path,
                    help="also write cProfile top-25 summaries per phase into this folder "
                         "(times are then inflated)")
    a = ap.parse_args(argv)
    cloud = CLOUDS[a.cloud]
    foreign = [k for k in flags if k not in cloud.sizes and getattr(a, k) is not None]
    if foreign:
        print(f"benchmarks.run: error: --{foreign[0].replace('_', '-')} is not a size of the "
              f"{a.cloud} estate (its sizes: "
              f"{', '.join('--' + k.replace('_', '-') for k in cloud.sizes)})", file=sys.stderr)
        return 1
    base = cloud.small if a.small else cloud.sizes
    sizes = {k: getattr(a, k) if getattr(a, k) is not None else v for k, v in base.items()}
    a.pairs = a.pairs if a.pairs is not None else (200 if a.small else 1000)
    a.groups = a.groups if a.groups is not None else (60 if a.small else 500)

    with tempfile.TemporaryDirectory(prefix="pathwarden-bench-") as tmp:
        snapshot = a.snapshot or a.out or Path(tmp) / "snapshot"
        gen_s = 0.0
        if a.snapshot is None:
            t0 = time.perf_counter()
            print(f"generating {sizes} into {snapshot} ...", file=sys.stderr, flush=True)
            try:
                summary = cloud.generate(snapshot, seed=a.seed, **sizes)
            except (ValueError, OSError) as e:
                print(f"benchmarks.run: error: {e}", file=sys.stderr)
                return 1
            gen_s = time.perf_counter() - t0
            print(f"  {summary.signatures:,} distinct {cloud.signatures}", file=sys.stderr)
        elif not snapshot.is_dir():
            print(f"benchmarks.run: error: {snapshot}: not a directory", file=sys.stderr)
            return 1
        print("timing the floor ...", file=sys.stderr, flush=True)
        floor, files, size = floor_seconds(snapshot)
        try:
            r = run_child(snapshot, a)
        except RuntimeError as e:
            print(f"benchmarks.run: error: {e}", file=sys.stderr)
            return 1
    r.update(floor_s=floor, files=files, bytes=size, generate_s=gen_s,
             seed=a.seed, snapshot=str(snapshot), python=platform.python_version(),
             machine=f"{platform.machine()}, {_cpus()} CPUs, {platform.system()}",
             git=_git_state())
    r["targets"] = [{"target": n, "value": v, "pass": ok} for n, v, ok in targets(r, a.pairs)]
    print(report(r, a.pairs))
    if a.json:
        a.json.write_text(json.dumps(r, indent=2) + "\n")
    failed = not all(t["pass"] for t in r["targets"])
    return 2 if a.strict and failed else 0


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
