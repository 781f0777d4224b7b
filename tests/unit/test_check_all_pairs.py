"""``check --all-pairs`` lists every member pair of a finding; by default a finding carries
the count and the first MAX_PAIRS pairs (issue 12: large findings list members compactly,
the full list on request). The sample is cut to one pair here so that the small example
shows the difference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import pathwarden.cli.check_cmd as check_cmd
from pathwarden.cli.main import cli

EXAMPLE = Path(__file__).parents[2] / "examples" / "backup-console"


def _widest(*extra: str) -> dict[str, Any]:
    r = CliRunner().invoke(cli, ["check", "--snapshot", str(EXAMPLE / "snapshot"), "--policy",
                                 str(EXAMPLE / "policy.yml"), "--format", "json",
                                 "--jobs", "1", *extra])
    assert r.exit_code == 2, r.output
    found: dict[str, Any] = max(json.loads(r.stdout)["findings"],
                                key=lambda f: f["pair_count"])
    assert found["pair_count"] > 1, "the example has a finding with several member pairs"
    return found


def test_the_default_lists_a_sample_and_all_pairs_lists_every_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_cmd, "MAX_PAIRS", 1)
    assert len(_widest()["pairs"]) == 1
    every = _widest("--all-pairs")
    assert len(every["pairs"]) == every["pair_count"]
