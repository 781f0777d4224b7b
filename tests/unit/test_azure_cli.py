"""``pathwarden discover azure`` through click, against the local ARM fake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from pathwarden.cli.discover_azure import azure
from pathwarden.cli.main import _Group
from tests.integration.azure_fake import SUB, FakeArm
from tests.integration.test_azure_discover import FakeCredential


@click.group(cls=_Group)
def cli() -> None:
    """The discover group as the main CLI wires it (errors -> exit 1)."""


cli.add_command(azure)


@pytest.fixture
def arm(monkeypatch: pytest.MonkeyPatch) -> Any:
    import azure.identity

    monkeypatch.setattr(azure.identity, "DefaultAzureCredential", FakeCredential)
    fake = FakeArm().start()
    yield fake
    fake.stop()


def run(arm: FakeArm, out: Path, *extra: str) -> Any:
    return CliRunner().invoke(
        cli,
        [
            "azure",
            "--subscription",
            SUB,
            "--out",
            str(out),
            "--base-url",
            arm.url,
            "--retries",
            "1",
            "--no-progress",
            *extra,
        ],
    )


def test_discover_writes_the_snapshot(arm: FakeArm, tmp_path: Path) -> None:
    result = run(arm, tmp_path / "snap")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "snap" / SUB / "network-nsg-list.json").is_file()
    assert json.loads((tmp_path / "snap" / "manifest.json").read_text())["cloud"] == "azure"


def test_failed_call_exits_1_with_one_line(arm: FakeArm, tmp_path: Path) -> None:
    arm.fail.add("networkSecurityGroups")
    result = run(arm, tmp_path / "snap")
    assert result.exit_code == 1
    assert "marked partial" in result.output and "HTTP 500" in result.output
    assert "Traceback" not in result.output


def test_bad_subscription_is_an_input_error(arm: FakeArm, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["azure", "--subscription", "not-a-guid", "--out", str(tmp_path / "s")]
    )
    assert result.exit_code == 1 and "expected a subscription id (GUID)" in result.output
