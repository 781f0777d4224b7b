"""The measuring process of :mod:`benchmarks.run` (started fresh, so its peak RSS is its own).

    python -m benchmarks.measure SNAPSHOT [--cloud aws|azure|gcp] [--pairs 1000] [--groups 500]
                                          [--seed 1] [--allpairs-budget 240]
                                          [--reach-budget 300] [--profile DIR]

Prints progress on stderr and one JSON line with the numbers on stdout. ``--cloud`` says which
workloads the random endpoints are drawn from and which ids are the cloud's groups (AWS
security groups; Azure NIC NSGs and ASGs; GCP network tags).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pathwarden.api import Engine, Estate, load_estate
from pathwarden.errors import PathwardenError

OUTSIDE_CIDRS = ["0.0.0.0/0", "203.0.113.0/24", "198.51.100.0/24", "192.0.2.10/32",
                 "52.94.0.0/22", "172.16.0.0/12", "::/0", "2001:db8::/32"]


def peak_rss() -> int:
    """Peak resident set size of this process in bytes (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(kib) * (1 if sys.platform == "darwin" else 1024)


class Profiler:
    """cProfile per phase, top 25 by cumulative time written to ``DIR/<phase>.txt``."""

    def __init__(self, directory: Path | None) -> None:
        self.dir = directory
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        if self.dir is None:
            yield
            return
        prof = cProfile.Profile()
        prof.enable()
        try:
            yield
        finally:
            prof.disable()
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
            (self.dir / f"{name}.txt").write_text(buf.getvalue())


# Endpoint kinds of the random reaches per cloud, with their weights (in this order: the AWS
# sequence of random draws is the one of the first version of this harness).
KINDS: dict[str, tuple[tuple[str, int], ...]] = {
    "aws": (("eni", 35), ("instance", 25), ("sg", 20), ("ip", 10), ("cidr", 10)),
    "azure": (("nic", 35), ("vm", 25), ("nsg", 10), ("asg", 10), ("ip", 10), ("cidr", 10)),
    "gcp": (("nic", 35), ("instance", 25), ("tag", 20), ("ip", 10), ("cidr", 10)),
}
# The kinds whose ids are the cloud's groups (the all-pairs phase draws from them).
GROUP_KINDS = {"aws": ("sg",), "azure": ("nsg", "asg"), "gcp": ("tag",)}


def endpoint_pool(estate: Estate, cloud: str = "aws") -> dict[str, list[str]]:
    """Endpoint texts by kind, taken from the estate's workloads of ``cloud``.

    AWS: ENI ids, instance ids, security group ids with members; Azure: NIC ids, VM ids, the
    NSG ids on NICs and the ASG ids of IP configurations; GCP: NIC ids, ``zone/name`` instances,
    network tags. Every cloud: member addresses and :data:`OUTSIDE_CIDRS`.
    """
    ws = [w for w in estate.workloads if w.cloud == cloud]
    ids = [w.id for w in ws]
    instances = sorted({w.instance for w in ws if w.instance})
    ips = [a for w in ws for a in w.addresses]
    if cloud == "aws":
        groups = sorted({f for w in ws for f in w.filters if f.startswith("sg-")})
        return {"eni": ids, "instance": instances, "sg": groups, "ip": ips,
                "cidr": OUTSIDE_CIDRS}
    labels = sorted({label for w in ws for label in w.labels})
    if cloud == "azure":
        nsgs = sorted({f for w in ws for f in w.filters})
        return {"nic": ids, "vm": instances, "nsg": nsgs, "asg": labels, "ip": ips,
                "cidr": OUTSIDE_CIDRS}
    return {"nic": ids, "instance": instances, "tag": labels, "ip": ips, "cidr": OUTSIDE_CIDRS}


def sizes(estate: Estate, cloud: str = "aws") -> dict[str, int]:
    """The estate's size as the loader saw it."""
    layers: dict[str, int] = {}
    for f in estate.filters.values():
        layers[f.layer] = layers.get(f.layer, 0) + len(f.rules)
    ws = [w for w in estate.workloads if w.cloud == cloud]
    if cloud == "azure":
        nsgs = [f for f in estate.filters.values() if f.layer == "az_nsg"]
        return {"nics": len(ws), "nsgs": len(nsgs),
                "rules": sum(not r.implied for f in nsgs for r in f.rules),
                "subnets": len(estate.subnets), "vnets": len(estate.networks),
                "asgs": sum(1 for k in estate.prefix_lists if k.startswith("azure-asg:")),
                "admin_rules": layers.get("az_admin", 0)}
    if cloud == "gcp":
        return {"instances": len({w.instance for w in ws}), "nics": len(ws),
                "rules": layers.get("gcp_vpc", 0),
                "policy_rules": sum(layers.get(k, 0) for k in ("gcp_hfw", "gcp_gnfp", "gcp_rnfp")),
                "tags": len({label for w in ws for label in w.labels}),
                "subnets": len(estate.subnets), "networks": len(estate.networks)}
    sgs = [f for f in estate.filters.values() if f.layer == "aws_sg"]
    return {"enis": len(estate.workloads), "sgs": len(sgs),
            "rules": sum(len(f.rules) for f in sgs), "subnets": len(estate.subnets),
            "prefix_lists": len(estate.prefix_lists)}


def random_pairs(
    pool: dict[str, list[str]], n: int, rng: random.Random, cloud: str = "aws"
) -> list[tuple[str, str, str]]:
    """``n`` (src, dst, "srckind->dstkind") endpoint pairs, never CIDR to CIDR."""
    weights = dict(KINDS[cloud])
    kinds = [k for k in weights if pool[k]]
    pairs: list[tuple[str, str, str]] = []
    while len(pairs) < n:
        sk, dk = rng.choices(kinds, weights=[weights[k] for k in kinds], k=2)
        if sk == dk == "cidr":
            continue
        pairs.append((rng.choice(pool[sk]), rng.choice(pool[dk]), f"{sk}->{dk}"))
    return pairs


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def measure(args: argparse.Namespace) -> dict[str, Any]:
    prof = Profiler(args.profile)
    say("loading the estate ...")
    with prof.phase("load_estate"):
        load_s, estate = timed(lambda: load_estate([args.snapshot]))
    say(f"  load_estate {load_s:.2f} s; building the engine ...")
    with prof.phase("engine"):
        engine_s, engine = timed(lambda: Engine(estate))
    rss_load = peak_rss()
    say(f"  Engine {engine_s:.2f} s, {engine.class_count} classes, {engine.atom_count()} atoms")

    rng = random.Random(args.seed)
    pool = endpoint_pool(estate, args.cloud)
    pairs = random_pairs(pool, args.pairs, rng, args.cloud)
    say(f"{len(pairs)} random reaches ...")
    results = []
    per_call: list[float] = []
    errors = 0
    with prof.phase("reach"):
        t0 = time.perf_counter()
        deadline = t0 + args.reach_budget
        for src, dst, _ in pairs:
            t1 = time.perf_counter()
            try:
                results.append(engine.reach(src, dst, explain=True))
            except PathwardenError:
                errors += 1
            per_call.append(time.perf_counter() - t1)
            if t1 > deadline:
                break
        reach_measured = time.perf_counter() - t0
    reach_s = reach_measured / len(per_call) * len(pairs)
    to_json_s, _ = timed(lambda: [r.to_json() for r in results])
    slowest = sorted(zip(per_call, pairs, strict=False), reverse=True)[:5]
    by_kind: dict[str, list[float]] = {}
    for t, (_, _, kind) in zip(per_call, pairs, strict=False):
        entry = by_kind.setdefault(kind, [0, 0.0])
        entry[0] += 1
        entry[1] += t
    ms = sorted(x * 1000 for x in per_call)

    candidates = [g for k in GROUP_KINDS[args.cloud] for g in pool[k]]
    groups = rng.sample(candidates, min(args.groups, len(candidates)))
    all_pairs = [(a, b) for a in groups for b in groups]
    rng.shuffle(all_pairs)
    say(f"all pairs of {len(groups)} groups ({len(all_pairs):,} reaches, budget "
        f"{args.allpairs_budget:g} s) ...")
    done = 0
    with prof.phase("allpairs"):
        t0 = time.perf_counter()
        deadline = t0 + args.allpairs_budget
        for a, b in all_pairs:
            engine.reach(a, b, explain=False)
            done += 1
            if done % 256 == 0 and time.perf_counter() > deadline:
                break
        measured = time.perf_counter() - t0
    per_pair = measured / max(done, 1)
    return {
        "load_s": load_s, "engine_s": engine_s, "load_classes_s": load_s + engine_s,
        "classes": engine.class_count, "atoms": engine.atom_count(),
        "cloud": args.cloud, "sizes": sizes(estate, args.cloud),
        "reach_s": reach_s, "reach_done": len(per_call), "reach_total": len(pairs),
        "reach_measured_s": reach_measured, "reach_first_s": per_call[0] if per_call else 0.0,
        "reach_ms": {"p50": _pct(ms, 0.5), "p99": _pct(ms, 0.99), "max": ms[-1] if ms else 0.0},
        "reach_errors": errors, "to_json_s": to_json_s,
        "reach_slowest": [{"src": s, "dst": d, "ms": t * 1000} for t, (s, d, _) in slowest],
        "reach_by_kind": {k: {"count": int(c), "seconds": sec} for k, (c, sec) in
                          sorted(by_kind.items(), key=lambda kv: -kv[1][1])},
        "allpairs": {"groups": len(groups), "total": len(all_pairs), "done": done,
                     "measured_s": measured, "per_pair_ms": per_pair * 1000,
                     "seconds": per_pair * len(all_pairs)},
        "rss_load_bytes": rss_load, "rss_total_bytes": peak_rss(),
        "profiled": args.profile is not None,
    }


def _pct(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.measure")
    ap.add_argument("snapshot", type=Path)
    ap.add_argument("--cloud", choices=sorted(KINDS), default="aws")
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--groups", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--allpairs-budget", type=float, default=240.0)
    ap.add_argument("--reach-budget", type=float, default=300.0)
    ap.add_argument("--profile", type=Path)
    args = ap.parse_args(argv)
    try:
        result = measure(args)
    except PathwardenError as e:
        print(f"benchmarks.measure: error: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
