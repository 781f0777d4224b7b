"""Fuzzing (issue 14): malformed snapshots of all three clouds and malformed policy files, fed
to the loaders and to ``pathwarden check``/``reach``/``segments`` in-process.

The contract under test: bad input is never a traceback. A loader either loads or raises one
:class:`~pathwarden.errors.PathwardenError` whose one-line message names the file at fault;
a command exits 0 or 2 with a report, or 1 with one ``pathwarden: error:`` line naming that
file (or, for ``check``, the partial-estate line). What is generated is described in
:mod:`tests.unit.fuzzgen`. Derandomised, so every run tries the same
``LOADER + SNAPSHOT_CLI + POLICY_CLI`` inputs (1,400) in well under a minute.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathwarden.cli.main import cli
from pathwarden.errors import PathwardenError
from pathwarden.providers.load import load_estate
from tests.unit.fuzzgen import (
    CLOUDS,
    MULTI,
    Corrupted,
    corrupted,
    policies,
    snapshots,
    write_snapshot,
)

LOADER, SNAPSHOT_CLI, POLICY_CLI = 700, 400, 300


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


POLICY = str(MULTI / "policy.yml")
PARTIAL = "pathwarden: partial estate and no enforce-stage findings: not a clean result (exit 1)"


def assert_names(message: str, bad: Corrupted) -> None:
    assert "\n" not in message.strip(), message
    assert Path(bad.name).name in message, (bad.name, message)


def assert_clean_exit(r: Result, bad: Corrupted) -> None:
    """No traceback; exit 0/2, or 1 with one error line naming the file (or a partial
    estate, which a check never passes)."""
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise AssertionError(f"traceback on {bad.name} ({bad.kind})") from r.exception
    assert r.exit_code in (0, 1, 2), r.output
    if r.exit_code == 1 and r.stderr.strip() != PARTIAL:
        assert r.stderr.startswith("pathwarden: error: "), r.stderr
        assert_names(r.stderr, bad)


@pytest.fixture(scope="module")
def valid() -> Iterator[dict[str, Path]]:
    """One intact snapshot folder per cloud."""
    with tempfile.TemporaryDirectory() as tmp:
        yield {c: write_snapshot(Path(tmp) / c, c) for c in CLOUDS}


@pytest.fixture(scope="module")
def work(valid: dict[str, Path]) -> Iterator[dict[str, Path]]:
    """Per cloud, a folder of links to the intact one; each example swaps one file."""
    with tempfile.TemporaryDirectory() as tmp:
        yield {c: write_snapshot(Path(tmp) / c, c, valid[c]) for c in CLOUDS}


@fuzz(LOADER)
@given(case=snapshots())
def test_loaders_load_or_name_the_bad_file(valid: dict[str, Path], work: dict[str, Path],
                                           case: tuple[str, Corrupted]) -> None:
    cloud, bad = case
    with corrupted(work[cloud], valid[cloud], bad) as folder:
        try:
            load_estate([folder])
        except PathwardenError as e:
            assert_names(str(e), bad)


def command(name: str, policy: str, snapshot: str, fmt: str) -> list[str]:
    if name == "check":
        return ["check", "--policy", policy, "--snapshot", snapshot, "--format", fmt]
    fmt = "json" if fmt == "json" else "text"
    if name == "reach":
        return ["reach", "--policy", policy, "--snapshot", snapshot, "--from",
                "segment:workstations", "--to", "segment:backup-console", "--format", fmt]
    return ["segments", "--policy", policy, "--snapshot", snapshot, "--format", fmt]


@pytest.fixture(scope="module")
def tmp_policy() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp) / "policy.yml"


COMMANDS = st.sampled_from(["check", "reach", "segments"])
FORMATS = st.sampled_from(["text", "json", "markdown", "sarif", "junit"])


@fuzz(SNAPSHOT_CLI)
@given(case=snapshots(), name=COMMANDS, fmt=FORMATS)
def test_commands_on_malformed_snapshots(valid: dict[str, Path], work: dict[str, Path],
                                         case: tuple[str, Corrupted], name: str,
                                         fmt: str) -> None:
    cloud, bad = case
    with corrupted(work[cloud], valid[cloud], bad) as folder:
        assert_clean_exit(CliRunner().invoke(cli, command(name, POLICY, str(folder), fmt)), bad)


@fuzz(POLICY_CLI)
@given(bad=policies(), cloud=st.sampled_from(CLOUDS), name=COMMANDS, fmt=FORMATS)
def test_commands_on_malformed_policies(valid: dict[str, Path], tmp_policy: Path,
                                        bad: Corrupted, cloud: str, name: str,
                                        fmt: str) -> None:
    tmp_policy.write_bytes(bad.data)
    r = CliRunner().invoke(cli, command(name, str(tmp_policy), str(valid[cloud]), fmt))
    assert_clean_exit(r, bad)
