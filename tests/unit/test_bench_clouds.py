"""``python -m benchmarks.run --cloud azure|gcp`` runs end to end on a tiny estate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from benchmarks import run  # noqa: E402

FAST = ["--pairs", "25", "--groups", "4", "--reach-budget", "20", "--allpairs-budget", "20"]
PHASES = ("floor: json.load of every file", "load + classes", "25 random reaches",
          "all pairs of 4 ", "peak RSS: load phase", "targets")


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    out = tmp_path / "numbers.json"
    code = run.main([*args, "--small", *FAST, "--out", str(tmp_path / "snap"),
                     "--json", str(out)])
    report = capsys.readouterr().out
    assert code == 0
    assert all(p in report for p in PHASES), report
    numbers: dict[str, object] = json.loads(out.read_text())
    assert numbers["reach_total"] == numbers["reach_done"] == 25
    assert numbers["reach_errors"] == 0
    allpairs = numbers["allpairs"]
    assert isinstance(allpairs, dict)
    assert (allpairs["groups"], allpairs["total"], allpairs["done"]) == (4, 16, 16)
    targets = numbers["targets"]
    assert isinstance(targets, list) and len(targets) == 3
    return numbers


def test_azure_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 12 NSGs with 5 custom rules each; 4 subnets, so at most 3 VNets (gen_azure)
    numbers = _run(tmp_path, capsys, "--cloud", "azure", "--nics", "60", "--nsgs", "12",
                   "--rules-per-nsg", "5", "--subnets", "4", "--asgs", "4")
    sizes = numbers["sizes"]
    assert numbers["cloud"] == "azure"
    assert isinstance(sizes, dict)
    assert (sizes["nics"], sizes["nsgs"], sizes["rules"], sizes["subnets"], sizes["vnets"]) == (
        60, 12, 60, 4, 3)
    assert sizes["asgs"] <= 4


def test_gcp_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    numbers = _run(tmp_path, capsys, "--cloud", "gcp", "--instances", "60", "--rules", "30",
                   "--tags", "12", "--networks", "3")
    sizes = numbers["sizes"]
    assert numbers["cloud"] == "gcp"
    assert isinstance(sizes, dict)
    # every 20th instance has a second NIC (gen_gcp): 60 instances, 63 NICs
    assert (sizes["instances"], sizes["nics"], sizes["rules"], sizes["networks"]) == (
        60, 63, 30, 3)
    assert 0 < sizes["tags"] <= 12


def test_a_size_of_another_cloud_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run.main(["--cloud", "gcp", "--nics", "5", "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("benchmarks.run: error: --nics is not a size of the gcp estate")
    assert err.count("\n") == 1
    assert not (tmp_path / "x").exists()
