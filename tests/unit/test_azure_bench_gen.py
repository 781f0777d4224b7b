"""The synthetic Azure estate generator writes what its summary says, and it loads."""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from benchmarks.gen_azure import generate  # noqa: E402

from pathwarden.engine.engine import Engine  # noqa: E402
from pathwarden.providers.azure.load import load_azure_snapshot  # noqa: E402


def test_small_estate_loads_with_the_counts_it_claims(tmp_path: Path) -> None:
    s = generate(tmp_path / "a", nics=120, nsgs=30, rules_per_nsg=7, subnets=6, asgs=5, seed=3)
    estate = load_azure_snapshot(tmp_path / "a")
    assert len(estate.workloads) == s.nics == 120
    nsgs = [f for f in estate.filters.values() if f.layer == "az_nsg"]
    assert len(nsgs) == s.nsgs == 30
    assert sum(not r.implied for f in nsgs for r in f.rules) == s.rules == 30 * 7
    assert sum(r.implied for f in nsgs for r in f.rules) == 30 * 6
    assert Engine(estate).class_count == s.signatures
    generate(tmp_path / "b", nics=120, nsgs=30, rules_per_nsg=7, subnets=6, asgs=5, seed=3)
    for f in (tmp_path / "a").rglob("*.json"):
        assert f.read_bytes() == (tmp_path / "b" / f.relative_to(tmp_path / "a")).read_bytes()
