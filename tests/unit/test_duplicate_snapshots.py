"""The same snapshot given twice is loaded once (issue 14, 6b), and routing is an assumption
stated in the estate's notices (6c).

Before, ``--snapshot S --snapshot S`` loaded S twice: every segment had each member twice.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from pathwarden.cli.main import cli
from pathwarden.providers.load import load_estate
from tests.unit.awssnapshot import eni, write_snapshot

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "backup-console"
MIXED = ROOT / "examples" / "multi-cloud" / "snapshot"


def codes(paths: list[str | Path]) -> list[str]:
    return [n.code for n in load_estate(paths).notices]


def test_a_folder_and_its_trailing_slash_spelling(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s", interfaces=[eni("eni-1", ["10.0.0.5"], [])])
    estate = load_estate([str(snap), f"{snap}/"])
    assert [w.id for w in estate.workloads] == ["eni-1"]
    (note,) = [n for n in estate.notices if n.code == "duplicate-snapshot"]
    assert note.message == f"{snap} is the same snapshot folder as {snap} (given twice): read once"


def test_a_symlink_to_a_folder_given_already(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s", interfaces=[eni("eni-1", ["10.0.0.5"], [])])
    (tmp_path / "link").symlink_to(snap)
    estate = load_estate([snap, tmp_path / "link"])
    assert len(estate.workloads) == 1
    assert codes([snap, tmp_path / "link"]).count("duplicate-snapshot") == 1


def test_a_copy_with_the_same_workloads(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s", interfaces=[eni("eni-1", ["10.0.0.5"], [])])
    shutil.copytree(snap, tmp_path / "copy")
    estate = load_estate([snap, tmp_path / "copy"])
    assert len(estate.workloads) == 1
    (note,) = [n for n in estate.notices if n.code == "duplicate-snapshot"]
    assert note.message == f"{tmp_path / 'copy'} holds the same workloads and rules as {snap}: " \
                           "read once"


def test_overlapping_folders_count_each_workload_once(tmp_path: Path) -> None:
    a = write_snapshot(tmp_path / "a", interfaces=[eni("eni-1", ["10.0.0.5"], []),
                                                   eni("eni-2", ["10.0.0.6"], [])])
    b = write_snapshot(tmp_path / "b", interfaces=[eni("eni-2", ["10.0.0.6"], []),
                                                   eni("eni-3", ["10.0.0.7"], [])])
    estate = load_estate([a, b])
    assert [w.id for w in estate.workloads] == ["eni-1", "eni-2", "eni-3"]
    (note,) = [n for n in estate.notices if n.code == "duplicate-workload"]
    assert note.message == (f"1 workload(s) of {b} are also in {a} (eni-2): each is counted "
                            f"once, as {a} has it")


def test_a_mixed_folder_and_one_cloud_of_it() -> None:
    whole = load_estate([MIXED])
    again = load_estate([MIXED, MIXED / "aws"])
    assert len(again.workloads) == len(whole.workloads)
    assert [n.source for n in again.notices if n.code == "duplicate-snapshot"] == [
        str(MIXED / "aws")
    ]


def test_segments_are_not_doubled_by_a_repeated_snapshot() -> None:
    snap = str(EXAMPLE / "snapshot")
    args = ["segments", "--policy", str(EXAMPLE / "policy.yml"), "--format", "json"]
    once = CliRunner().invoke(cli, [*args, "--snapshot", snap])
    twice = CliRunner().invoke(cli, [*args, "--snapshot", snap, "--snapshot", snap + "/"])
    assert once.exit_code == 0 and twice.exit_code == 0, twice.output
    members = {s["segment"]: len(s["members"]) for s in json.loads(twice.stdout)["segments"]}
    assert members == {s["segment"]: len(s["members"]) for s in json.loads(once.stdout)["segments"]}
    assert members["workstations"] == 20


def test_routes_are_an_assumption_named_once(tmp_path: Path) -> None:
    """Each cloud without its routing files says so once (issue 13's notice text); a snapshot
    with them does not."""
    estate = load_estate([MIXED])
    routes = [n for n in estate.notices if n.code == "routes-not-in-snapshot"]
    assert sorted(n.source for n in routes) == ["aws", "azure", "gcp"]
    assert {n.message for n in routes} == {
        "routes not in snapshot: same network or peering assumed"}
    snap = write_snapshot(tmp_path / "s", interfaces=[eni("eni-1", ["10.0.0.5"], [])])
    (snap / "describe-route-tables.json").write_text('{"RouteTables": []}')
    assert not [n for n in load_estate([snap]).notices if n.code == "routes-not-in-snapshot"]
