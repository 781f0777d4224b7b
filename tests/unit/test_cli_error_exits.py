"""Errors are exit 1 with one line, never "refused" (2), and leave nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pathwarden.cli.main import cli
from tests.unit.changesets import AS_OF, POLICY, SNAPSHOT, example_changeset, write

NO_AWS = {"AWS_CONFIG_FILE": "no-aws-config", "AWS_SHARED_CREDENTIALS_FILE": "no-aws-creds",
          "AWS_EC2_METADATA_DISABLED": "true"}
AWS_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
           "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_ROLE_ARN",
           "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
           "AWS_CONTAINER_CREDENTIALS_FULL_URI")


def test_apply_check_without_credentials_is_an_error_not_a_refusal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in NO_AWS.items():
        monkeypatch.setenv(name, str(tmp_path / value) if "FILE" in name else value)
    cs = write(example_changeset(), tmp_path / "cs.json")
    r = CliRunner().invoke(cli, ["apply", str(cs), "--check", "--store", str(tmp_path / "s.db"),
                                 "--policy", str(POLICY), "--snapshot", str(SNAPSHOT),
                                 "--as-of", AS_OF.isoformat()])
    assert r.exit_code == 1, r.output
    lines = r.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot re-read sg-0backup:")
    assert "credentials" in lines[0] and "nothing was written" in lines[0]


def test_approve_with_an_expiry_in_the_past_writes_nothing(tmp_path: Path) -> None:
    cs = write(example_changeset(), tmp_path / "cs.json")
    out = tmp_path / "approval.yml"
    r = CliRunner().invoke(cli, ["approve", str(cs), "--change", "CHG1", "--by", "jane.doe",
                                 "--expires", "2026-11-24", "--as-of", "2026-11-25",
                                 "--out", str(out)])
    assert r.exit_code == 1
    assert r.stderr.strip() == ("pathwarden: error: --expires 2026-11-24 is in the past (today "
                                "is 2026-11-25): the approval would never be valid")
    assert not out.exists()
    r = CliRunner().invoke(cli, ["approve", str(cs), "--change", "CHG1", "--by", "jane.doe",
                                 "--expires", "2026-11-25", "--as-of", "2026-11-25",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output  # valid through the day of expires
    assert "expires: '2026-11-25'" in out.read_text()


@pytest.mark.parametrize("args", [["store", "--store", "{typo}", "snapshots"],
                                  ["check", "--policy", str(POLICY), "--snapshot",
                                   str(SNAPSHOT), "--store", "{typo}"]])
def test_a_store_in_a_missing_folder_is_an_error_and_creates_nothing(tmp_path: Path,
                                                                     args: list[str]) -> None:
    typo = tmp_path / "typo" / "s.db"
    r = CliRunner().invoke(cli, [a.replace("{typo}", str(typo)) for a in args])
    assert r.exit_code == 1
    assert f"the folder {tmp_path / 'typo'} does not exist" in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["snapshots", "audit", "checks", "baselines", "verify"])
def test_reading_a_store_that_is_not_there_is_an_error_and_creates_nothing(
        tmp_path: Path, command: str) -> None:
    """A mistyped store file name in an existing folder: reading it must not answer from an
    empty store made on the spot ("audit chain intact: 0 row(s)", exit 0)."""
    typo = tmp_path / "pathwardne.db"
    r = CliRunner().invoke(cli, ["store", "--store", str(typo), command])
    assert r.exit_code == 1, r.output
    assert f"{typo}: no store there" in r.stderr
    assert list(tmp_path.iterdir()) == []
