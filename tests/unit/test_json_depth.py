"""Every JSON reader turns input nested deeper than Python's parser allows into one error
naming the file, never a RecursionError traceback (issue 14, item 7)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from pathwarden.errors import InputError
from pathwarden.planner import load_changeset
from pathwarden.providers.load import load_estate
from pathwarden.terraform import read_plan
from tests.unit.flowsexample import SNAPSHOT

DEEP = "[" * 100_000 + "]" * 100_000


def test_snapshot_file(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    shutil.copytree(SNAPSHOT, snap)
    (snap / "describe-network-acls.json").write_text(DEEP)
    with pytest.raises(InputError, match="nested too deeply") as e:
        load_estate([snap])
    assert str(e.value).startswith(f"{snap / 'describe-network-acls.json'}: ")


@pytest.mark.parametrize(
    ("text", "read"),
    [('{"resource_changes": ' + DEEP + "}", read_plan), (DEEP, load_changeset)],
    ids=["terraform-plan", "changeset"],
)
def test_plan_and_changeset(tmp_path: Path, text: str, read: Callable[[Path], object]) -> None:
    f = tmp_path / "doc.json"
    f.write_text(text)
    with pytest.raises(InputError, match="nested too deeply") as e:
        read(f)
    assert str(e.value).startswith(f"{f}: ")


def test_cli_names_the_file_in_one_line(tmp_path: Path) -> None:
    from pathwarden.cli.main import cli

    plan = tmp_path / "plan.json"
    plan.write_text(DEEP)
    res = CliRunner().invoke(cli, ["tf", "review", str(plan), "--policy",
                                   str(SNAPSHOT.parent / "policy.yml")])
    assert res.exit_code == 1
    assert res.stderr == f"pathwarden: error: {plan}: not usable JSON: nested too deeply\n"
