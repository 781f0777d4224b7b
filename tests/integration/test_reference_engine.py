"""The engine's set-level evaluation agrees with the pair-by-pair reference evaluator
(tests/reference/evaluator.py) on random estates of all three clouds, random endpoints (many
classes, partial members, outside CIDRs) and random policies (segments of many classes,
protected segments, CIDR segments, exceptions, expiry).

Compared: what is open, the member-pair count, the member pairs, the rules (as sets: the
engine lists them in path order), and the full explanations; for policies, every finding.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathwarden.api import Engine, load_estate
from pathwarden.check import compare
from pathwarden.engine.endpoints import Endpoint, Member
from pathwarden.model import ALL_SERVICES, AddressSet, Estate, ServiceSet, Workload
from pathwarden.model.services import ICMP, UDP
from pathwarden.policy import parse_policy
from tests.oracle.aws_estates import aws_estates
from tests.oracle.azure_estates import azure_estates
from tests.oracle.gcp_estates import gcp_estates
from tests.reference.evaluator import ReferenceEngine

ESTATES = {"aws": aws_estates, "azure": azure_estates, "gcp": gcp_estates}
CIDRS = ["0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "192.0.2.0/24", "203.0.113.9/32",
         "8.8.8.8/32", "20.60.0.0/16", "::/0", "2001:db8::/32"]
WITHIN: list[ServiceSet | None] = [
    None,
    ServiceSet.tcp(22),
    ServiceSet.tcp(0, 1023) | ServiceSet.ports(UDP, 53, 53),
    ServiceSet.protocol(ICMP),
    ServiceSet.protocol(50),
    ALL_SERVICES,
]
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _load(estate: Any) -> Estate:
    with tempfile.TemporaryDirectory() as tmp:
        return load_estate([estate.write(Path(tmp))])


def _endpoint(data: Any, workloads: list[Workload], label: str) -> Endpoint:
    chosen = data.draw(st.lists(st.sampled_from(workloads), max_size=len(workloads),
                                unique_by=lambda w: w.id), label)
    members = []
    for w in chosen:
        addresses = w.addresses
        if len(addresses) > 1 and data.draw(st.booleans(), f"{label} partial"):
            addresses = addresses[:1]
        members.append(Member(w, addresses))
    cidrs = data.draw(st.lists(st.sampled_from(CIDRS), max_size=2), f"{label} cidrs")
    outside = AddressSet.union_all(AddressSet.parse(c) for c in cidrs)
    return Endpoint(label, tuple(members), outside)


def _explained(entries: list[dict[str, Any]]) -> list[str]:
    out = []
    for e in entries:
        hops = e["hops"]
        if isinstance(hops, list):
            hops = {h["hop"]: sorted(r["id"] for r in h["rules"]) for h in hops}
        head = {k: e[k] for k in ("open", "from", "to", "from_count", "to_count", "pairs")}
        out.append(json.dumps([head, sorted(hops.items())], sort_keys=True))
    return sorted(out)


def assert_same(fast: Any, ref: Any, where: str) -> None:
    assert fast.open == ref.open, f"{where}: open {fast.open} != {ref.open}"
    for within in WITHIN:
        w = f"{where} within {within.describe() if within is not None else 'all'}"
        assert fast.pair_count(within) == ref.pair_count(within), f"{w}: pair count"
        assert sorted((a, b, o.to_contract().__repr__()) for a, b, o in fast.pairs(within)) == \
            sorted((a, b, o.to_contract().__repr__()) for a, b, o in ref.pairs(within)), \
            f"{w}: pairs"
        assert set(fast.rule_ids(within)) == set(ref.rule_ids(within)), f"{w}: rules"
        assert _explained(fast.explanations(within)) == _explained(ref.explanations(within)), \
            f"{w}: explanations"


@SETTINGS
@given(cloud=st.sampled_from(sorted(ESTATES)), data=st.data())
def test_reach_agrees_with_the_pair_by_pair_reference(cloud: str, data: Any) -> None:
    estate = _load(data.draw(ESTATES[cloud](), "estate"))
    fast, ref = Engine(estate), ReferenceEngine(Engine(estate))
    workloads = list(estate.workloads)
    for i in range(3):
        src = _endpoint(data, workloads, f"src{i}")
        dst = _endpoint(data, workloads, f"dst{i}")
        assert_same(fast.reach(src, dst), ref.reach(src, dst), f"{cloud} case {i}")


def _selector(w: Workload) -> str:
    if w.cloud == "aws":
        return f"{{aws: {{eni: {w.id}}}}}"
    if w.cloud == "azure":
        return f"{{azure: {{nic: '{w.id}'}}}}"
    return f"{{gcp: {{instance: '{w.instance or w.name}'}}}}"


def _policy(data: Any, workloads: list[Workload]) -> str:
    names = [f"s{i}" for i in range(data.draw(st.integers(2, 5), "segments"))]
    lines = ["version: 1", "segments:"]
    for name in names:
        chosen = data.draw(st.lists(st.sampled_from(workloads), min_size=0, max_size=6,
                                    unique_by=lambda w: w.id), f"{name} members")
        sel = [_selector(w) for w in chosen]
        sel += [f"{{cidr: '{c}'}}" for c in data.draw(st.lists(st.sampled_from(CIDRS),
                                                                max_size=1), f"{name} cidr")]
        lines += [f"  {name}:", f"    match: [{', '.join(sel or ['{cidr: 198.51.100.0/24}'])}]"]
    protect = data.draw(st.lists(st.sampled_from(names), max_size=2, unique=True), "protect")
    if protect:
        lines.append(f"protect: [{', '.join(protect)}]")
    lines.append("paths:")
    denies: list[str] = []
    for i in range(data.draw(st.integers(1, 6), "paths")):
        src = data.draw(st.sampled_from(names), "from")
        dst = data.draw(st.sampled_from(names), "to")
        lines += [f"  - id: p{i}", f"    from: {src}", f"    to: {dst}"]
        if data.draw(st.booleans(), "deny"):
            stage = data.draw(st.sampled_from(["monitor", "enforce"]), "stage")
            lines += ["    rule: deny", f"    stage: {stage}"]
            denies.append(f"p{i}")
            continue
        ports = data.draw(st.sampled_from(["tcp/22", "tcp/443", "udp/53", "icmp", "tcp/0-1024"]))
        expires = data.draw(st.sampled_from(["2026-01-01", "2030-01-01"]), "expires")
        lines += ["    rule: allow", f"    ports: [{ports}]",
                  "    approved: {by: a, change: CHG1, on: 2025-01-01}", f"    expires: {expires}"]
        if denies and data.draw(st.booleans(), "exception"):
            lines.append(f"    exceptions: [{data.draw(st.sampled_from(denies))}]")
    return "\n".join(lines) + "\n"


def _findings(result: Any) -> list[dict[str, Any]]:
    out = []
    for f in result.findings:
        doc = f.to_json()
        doc["rules"] = sorted(doc["rules"])
        doc["pairs"] = sorted(json.dumps(p, sort_keys=True) for p in doc["pairs"])
        out.append(doc)
    return out


@SETTINGS
@given(cloud=st.sampled_from(sorted(ESTATES)), data=st.data())
def test_check_agrees_with_the_pair_by_pair_reference(cloud: str, data: Any) -> None:
    estate = _load(data.draw(ESTATES[cloud](), "estate"))
    text = _policy(data, list(estate.workloads))
    policy = parse_policy(text, "random.yml")
    day = date(2026, 6, 1)
    fast = compare(Engine(estate), policy, as_of=day)
    ref = compare(ReferenceEngine(Engine(estate)), policy, as_of=day)
    assert _findings(fast) == _findings(ref), text
