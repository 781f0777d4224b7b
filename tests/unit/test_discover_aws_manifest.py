"""manifest.json (round trip, schema errors, partial) and the option checks of discovery."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pathwarden.cli.discover_cmd import discover
from pathwarden.cli.main import _Group
from pathwarden.errors import InputError, MissingExtraError, SnapshotError
from pathwarden.providers.aws.discover import discover_aws
from pathwarden.providers.manifest import (
    CallRecord,
    CallStatus,
    Manifest,
    read_manifest,
    write_manifest,
)

OK = CallStatus.OK


def _manifest(*calls: CallRecord) -> Manifest:
    return Manifest(cloud="aws", version="0.1.0", started="2026-01-01T10:00:00.000Z",
                    finished="2026-01-01T10:00:09.000Z", accounts=("111122223333",),
                    regions=("eu-west-1", "us-east-1"), calls=calls,
                    options={"profile": "audit"})


def test_manifest_round_trip_and_partial(tmp_path: Path) -> None:
    m = _manifest(
        CallRecord("111122223333", "us-east-1", "ec2:DescribeVpcs", OK, 3, 1,
                   "111122223333/us-east-1/describe-vpcs.json"),
        CallRecord("111122223333", "eu-west-1", "ec2:DescribeVpcs", CallStatus.FAILED,
                   error="Unavailable: down (after 3 attempts)"),
        CallRecord("111122223333", "eu-west-1", "ec2:DescribeSubnets", CallStatus.SKIPPED,
                   error="not attempted after DescribeVpcs failed"),
    )
    write_manifest(tmp_path, m)
    data = json.loads((tmp_path / "manifest.json").read_text())
    assert data["partial"] is True
    assert data["summary"] == {"calls": 3, "failed": 1, "skipped": 1, "requests": 1, "items": 3}
    back = read_manifest(tmp_path)
    assert back == m
    assert back.failure_line() == ("111122223333/eu-west-1: DescribeVpcs (Unavailable: down "
                                   "(after 3 attempts)), 1 later call(s) skipped")
    assert [n.source for n in back.notices()] == ["111122223333/eu-west-1"] * 2
    assert all(n.code == "discovery-failed" for n in back.notices())


def test_complete_manifest_is_not_partial(tmp_path: Path) -> None:
    m = _manifest(CallRecord("111122223333", "us-east-1", "ec2:DescribeVpcs", OK, 0, 1))
    write_manifest(tmp_path, m)
    back = read_manifest(tmp_path)
    assert back is not None and not back.partial and back.notices() == ()
    assert read_manifest(tmp_path / "elsewhere") is None


def test_a_manifest_that_says_partial_stays_partial(tmp_path: Path) -> None:
    data = _manifest().to_json()
    data["partial"] = True
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    back = read_manifest(tmp_path)
    assert back is not None and back.partial


def test_broken_manifest_is_a_snapshot_error_naming_file_and_key(tmp_path: Path) -> None:
    data = _manifest(CallRecord("1", "r", "ec2:DescribeVpcs", OK)).to_json()
    data["calls"][0]["status"] = "maybe"
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(SnapshotError) as e:
        read_manifest(tmp_path)
    assert e.value.file.endswith("manifest.json") and e.value.keypath == "calls/0/status"


# -- options, checked before any call --------------------------------------------------------
def _no_session(**_: Any) -> Any:
    raise AssertionError("no session may be created for invalid options")


@pytest.mark.parametrize("kwargs, message", [
    ({"regions": ["eu-west-1", "mars"]}, "--regions: 'mars' is not an AWS region name"),
    ({"accounts": ["111122223333"]}, "--accounts needs --role-arn"),
    ({"accounts": ["1111"], "role_arn": "arn:aws:iam::{account}:role/D"},
     "--accounts: '1111' is not a 12-digit AWS account id"),
    ({"accounts": ["111122223333", "444455556666"], "role_arn": "arn:aws:iam::1:role/D"},
     "must contain {account}"),
    ({"role_arn": "arn:aws:iam::{account}:role/D"}, "expected arn:aws:iam::<12-digit account>"),
])
def test_bad_scope_options(tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message.replace("{", r"\{").replace("(", r"\(")):
        discover_aws(tmp_path / "out", session_factory=_no_session, progress=False, **kwargs)
    assert not (tmp_path / "out").exists()


def test_out_folder_must_be_new_empty_or_an_older_snapshot(tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty and holds no pathwarden snapshot"):
        discover_aws(busy, regions=["eu-west-1"], session_factory=_no_session, progress=False)
    old = tmp_path / "old"
    old.mkdir()
    write_manifest(old, _manifest())
    with pytest.raises(InputError, match="pass --overwrite"):
        discover_aws(old, regions=["eu-west-1"], session_factory=_no_session, progress=False)
    assert (busy / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy", "old"]  # no staging left


def test_missing_boto3_names_the_aws_extra(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 -> ImportError
    with pytest.raises(MissingExtraError, match=r"pip install 'pathwarden\[aws\]'"):
        discover_aws(tmp_path / "out", regions=["eu-west-1"], progress=False)
    result = CliRunner().invoke(_Group("pathwarden", commands=[discover]),
                                ["discover", "aws", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("pathwarden: error: boto3 is not installed; install it "
                                      "with: pip install 'pathwarden[aws]'")


def test_unknown_profile_is_a_one_line_error(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    with pytest.raises(InputError, match="--profile nope: The config profile"):
        discover_aws(tmp_path / "out", regions=["eu-west-1"], profile="nope", progress=False)
    assert not (tmp_path / "out").exists()


def test_no_credentials_fails_with_one_line_and_a_partial_manifest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    out = tmp_path / "snap"
    result = CliRunner().invoke(_Group("pathwarden", commands=[discover]), [
        "discover", "aws", "--out", str(out), "--regions", "eu-west-1", "--no-progress"])
    assert result.exit_code == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("pathwarden: error:")]
    assert line.endswith("1 of 1 calls failed: global: GetCallerIdentity "
                         "(Unable to locate credentials)")
    manifest = read_manifest(out)
    assert manifest is not None and manifest.partial and manifest.accounts == ()


def test_progress_is_quiet_unless_stderr_is_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathwarden.providers import progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert isinstance(progress.make_progress(True, "x"), progress.NullProgress)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert isinstance(progress.make_progress(False, "x"), progress.NullProgress)
    bar = progress.make_progress(True, "discover aws")
    assert isinstance(bar, progress.RichProgress)
    bar.add_total(2)
    bar.advance("111122223333/eu-west-1 DescribeVpcs")
    bar.close()
