"""The hop walk behind ``reach --port`` agrees with each provider's join, on random estates.

For every member pair of an everything-to-everything question (all workloads and the whole
address space at both ends), walking the pair's hops (:func:`pathwarden.engine.walk.walk`)
must let through exactly what the join found open, and name exactly one first blocking hop
for every other service; the ``blocked`` report of the question must cover exactly what is
closed. The estates are the oracle tests' generators (tests/oracle/*_estates.py): AWS
security groups, NACLs and their return path; Azure admin rules and NSGs; GCP policy tiers,
VPC rules and implied rules.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings

from pathwarden.engine.blocked import blocked
from pathwarden.engine.endpoints import Endpoint
from pathwarden.engine.engine import Engine
from pathwarden.engine.walk import walk
from pathwarden.model import ALL_SERVICES, AddressSet, ServiceSet
from pathwarden.providers.load import load_estate
from tests.oracle.aws_estates import aws_estates
from tests.oracle.azure_estates import azure_estates
from tests.oracle.gcp_estates import gcp_estates

EVERYWHERE = AddressSet.parse("0.0.0.0/0") | AddressSet.parse("::/0")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def check(est: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(load_estate([est.write(Path(tmp))]))
    everything = Endpoint("everything", Endpoint.of_workloads("", list(engine.estate.workloads))
                          .members, EVERYWHERE)
    result = engine.reach(everything, everything)
    memo: dict[Any, Any] = {}
    pairs = 0
    for f in result.families:
        pairs += int(np.count_nonzero(f.link_ids < 0))  # no link at all: blocked, no-route
        for u, v in zip(*np.nonzero(f.link_ids >= 0), strict=True):
            c = int(f.combos[u, v])
            if f.links[c] is None:
                continue  # a workload paired with itself
            hops = result.hops_of(f, int(u), int(v), memo)
            blocks, passed = walk(hops, ALL_SERVICES)
            assert passed == f.opens[c], (
                f"walk passes {passed.describe()}, join opened {f.opens[c].describe()}\n"
                f"{[h.label for h in hops]}\n{est.dump()}")
            parts = [b.services for b in blocks]
            assert ServiceSet.union_all(parts) == ALL_SERVICES - passed
            assert sum(p.size() for p in parts) == (ALL_SERVICES - passed).size()  # disjoint
            pairs += 1
    with patch("pathwarden.engine.blocked.MAX_BLOCKED", 10**6):  # every group, to check
        report = blocked(result, [ALL_SERVICES])
    assert report.closed == ALL_SERVICES - result.open
    if pairs:
        assert ServiceSet.union_all(b.services for b in report.items) == report.closed


@SETTINGS
@given(est=aws_estates())
def test_aws_walk_agrees_with_the_join(est: Any) -> None:
    check(est)


@SETTINGS
@given(est=azure_estates())
def test_azure_walk_agrees_with_the_join(est: Any) -> None:
    check(est)


@SETTINGS
@given(est=gcp_estates())
def test_gcp_walk_agrees_with_the_join(est: Any) -> None:
    check(est)


# Routed estates (issue 13): a path that routing closes must stop at a route hop (the route
# taken that leads elsewhere, a blackhole, no route), never pass the walk.
ROUTED = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))


@ROUTED
@given(est=aws_estates(routes=True, appliances=True))
def test_aws_walk_agrees_with_the_routed_join(est: Any) -> None:
    check(est)


@ROUTED
@given(est=azure_estates(routes=True, appliances=True))
def test_azure_walk_agrees_with_the_routed_join(est: Any) -> None:
    check(est)


@ROUTED
@given(est=gcp_estates(routes=True, appliances=True))
def test_gcp_walk_agrees_with_the_routed_join(est: Any) -> None:
    check(est)
