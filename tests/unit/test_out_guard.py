"""``--out`` never overwrites one of the command's inputs; ``approve --out`` never silently
overwrites an earlier approval. Inputs are copies in tmp_path, so a regression here cannot
damage the example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pathwarden.cli.main import cli
from tests.unit.changesets import AS_OF, POLICY, SNAPSHOT, example_changeset, write


@pytest.fixture(name="inputs")
def inputs_fixture(tmp_path: Path) -> tuple[Path, Path, Path]:
    policy = tmp_path / "policy.yml"
    shutil.copy(POLICY, policy)
    snap = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT, snap)
    return policy, snap, write(example_changeset(), tmp_path / "cs.json")


def _bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize(("command", "target", "named"), [
    ("check", "policy", "--policy"),
    ("check", "snapshot/describe-security-groups.json", "--snapshot"),
    ("check", "snapshot/report.txt", "--snapshot"),
    ("plan", "policy", "--policy"),
    ("verify", "cs", "CHANGESET"),
    ("approve", "cs", "CHANGESET"),
    ("approve", "policy", "--policy"),
])
def test_an_out_that_is_an_input_is_refused(tmp_path: Path, inputs: tuple[Path, Path, Path],
                                           command: str, target: str, named: str) -> None:
    policy, snap, cs = inputs
    out = {"policy": policy, "cs": cs}.get(target, tmp_path / target)
    args = {
        "check": ["check", "--policy", str(policy), "--snapshot", str(snap)],
        "plan": ["plan", "--policy", str(policy), "--snapshot", str(snap)],
        "verify": ["verify", str(cs), "--policy", str(policy), "--snapshot", str(snap)],
        "approve": ["approve", str(cs), "--change", "C1", "--by", "jane", "--force",
                    "--policy", str(policy), "--snapshot", str(snap)],
    }[command]
    before = _bytes(tmp_path)
    r = CliRunner().invoke(cli, [*args, "--as-of", AS_OF.isoformat(), "--out", str(out)])
    assert r.exit_code == 1, r.output
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"pathwarden: error: --out {out} is ")
    assert f"the input {named} " in line
    assert _bytes(tmp_path) == before


def test_approve_does_not_replace_an_approval_without_force(
        tmp_path: Path, inputs: tuple[Path, Path, Path]) -> None:
    policy, snap, cs = inputs
    out = tmp_path / "approval.yml"
    out.write_text("earlier approval\n")
    args = ["approve", str(cs), "--change", "CHG2", "--by", "jane", "--policy", str(policy),
            "--snapshot", str(snap), "--as-of", AS_OF.isoformat(), "--out", str(out)]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 1
    assert r.stderr.strip() == (f"pathwarden: error: --out {out}: already exists; pass "
                                "--force to replace it")
    assert out.read_text() == "earlier approval\n"
    r = CliRunner().invoke(cli, [*args, "--force"])
    assert r.exit_code == 0, r.output
    assert "change: CHG2" in out.read_text()
