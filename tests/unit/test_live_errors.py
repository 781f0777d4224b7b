"""Live errors (issue 14, item 12): a failed discovery says why in one line, never names a
temporary folder that is gone, never dumps every credential the SDK tried, and a run that
waits on retries says so on stderr, with or without a terminal."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pathwarden.cli.main import cli
from tests.unit.flowsexample import POLICY, SNAPSHOT

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused


@pytest.fixture
def aws_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str | None]:
    """Fake credentials, no config files, and botocore's retries without their sleeping."""
    from botocore.retries import bucket, standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0)
    monkeypatch.setattr(bucket.TokenBucket, "acquire", lambda self, amount=1, block=True: True)
    return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": None, "AWS_PROFILE": None,
            "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}


def run(env: dict[str, str | None], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


LIVE = ["--live", "aws", "--regions", "us-east-1", "--endpoint-url", CLOSED]


@pytest.mark.parametrize(
    "args",
    [["plan", "--policy", str(POLICY)], ["check", "--policy", str(POLICY)],
     ["drift", "--baseline", str(SNAPSHOT)]],
    ids=lambda a: a[0],
)
def test_failed_discovery_is_the_discovery_error(aws_env: dict[str, str | None],
                                                 args: list[str]) -> None:
    res = run(aws_env, *args, *LIVE)
    assert res.exit_code == 1, res.output
    [line] = [x for x in res.stderr.splitlines() if x.startswith("pathwarden: error:")]
    assert line.startswith("pathwarden: error: live aws discovery incomplete: 1 of 1 calls "
                           "failed: global: GetCallerIdentity (Could not connect")
    assert "no snapshot files found" not in res.stderr
    assert "pathwarden-live-" not in res.stderr and "/tmp" not in res.stderr
    assert len(line) < 250
    assert "Traceback" not in res.output


def test_kept_snapshot_is_named(aws_env: dict[str, str | None], tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    res = run(aws_env, "check", "--policy", str(POLICY), *LIVE, "--keep-snapshot", str(kept))
    assert res.exit_code == 1
    assert f"snapshot {kept} is marked partial" in res.stderr


def test_retries_are_said_without_a_terminal(aws_env: dict[str, str | None],
                                            caplog: pytest.LogCaptureFixture) -> None:
    res = run(aws_env, "check", "--policy", str(POLICY), *LIVE)
    said = [x for x in res.stderr.splitlines() if x.startswith("pathwarden: retrying")]
    assert said == [
        f"pathwarden: retrying sts GetCallerIdentity after EndpointConnectionError (attempt "
        f"{n} of 10, waiting 0.0 s)" for n in range(2, 11)]
    # saying them lets no debug record of botocore reach a handler that did not ask for it
    assert not [r for r in caplog.records if r.name == "botocore.endpoint"
                and r.levelno < logging.WARNING]
    assert logging.getLogger("botocore.endpoint").level == logging.NOTSET  # restored


class _NoCredential:
    """What DefaultAzureCredential does with nothing configured: log the whole chain as a
    warning, then raise it."""

    calls = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.exceptions import ClientAuthenticationError

        type(self).calls += 1
        message = ("DefaultAzureCredential failed to retrieve a token from the included "
                   "credentials.\nAttempted credentials:\n\tEnvironmentCredential: ...\n"
                   "\tManagedIdentityCredential: ...\n\tAzureCliCredential: ...")
        logging.getLogger("azure.identity._credentials.chained").warning(message)
        raise ClientAuthenticationError(message=message)

    def get_token_info(self, *scopes: str, **kwargs: Any) -> Any:
        return self.get_token(*scopes, **kwargs)


def test_azure_without_credentials_says_one_line(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    import azure.identity

    monkeypatch.setattr(azure.identity, "DefaultAzureCredential", _NoCredential)
    _NoCredential.calls = 0
    out = tmp_path / "az"
    res = CliRunner().invoke(cli, ["discover", "azure", "--subscription",
                                   "00000000-0000-0000-0000-000000000001", "--out", str(out),
                                   "--retries", "0", "--no-progress"])
    assert res.exit_code == 1
    assert "Attempted credentials" not in res.output
    assert not [r for r in caplog.records if r.name.startswith("azure.identity")]
    assert _NoCredential.calls == 1  # the other calls are not attempted
    [line] = [x for x in res.stderr.splitlines() if x.startswith("pathwarden: error:")]
    assert "DefaultAzureCredential failed to retrieve a token" in line and "az login" in line
    calls = json.loads((out / "manifest.json").read_text())["calls"]
    # VNets fail; NICs, NSGs, ASGs, route tables and public IPs are not attempted
    assert [c["status"] for c in calls] == ["failed"] + ["skipped"] * 5


def test_azure_retry_policy_says_each_wait() -> None:
    from types import SimpleNamespace

    from pathwarden.providers.azure.notices import said_retry_policy

    said: list[str] = []
    slept: list[float] = []
    policy = said_retry_policy(said.append, retry_total=3, retry_backoff_factor=0.5)
    response = SimpleNamespace(
        http_request=SimpleNamespace(method="GET", url="http://arm/x/networkSecurityGroups?a=1"),
        http_response=SimpleNamespace(status_code=503, headers={}))
    settings = policy.configure_retries({})
    settings["history"] = [object(), object()]
    policy.sleep(settings, SimpleNamespace(sleep=slept.append), response)
    assert said == [f"retrying GET .../networkSecurityGroups after HTTP 503 (attempt 3, "
                    f"waiting {slept[0]:.1f} s)"]


def test_gcp_retry_says_each_retryable_error() -> None:
    from google.api_core.exceptions import ServiceUnavailable

    from pathwarden.providers.gcp.discover import default_retry

    said: list[str] = []
    answers: list[Any] = [ServiceUnavailable("backend down"), "ok"]

    def call() -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    retry = default_retry(initial=0.01, maximum=0.02, deadline=5, say=said.append)
    assert retry(call)() == "ok"
    assert said == ["retrying a Compute API call after ServiceUnavailable: 503 backend down "
                    "(waiting up to 0.02 s between attempts, 5 s in all)"]
