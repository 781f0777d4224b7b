"""boto3 sessions and clients for discovery: the standard credential chain, one assumed-role
session per account, retries through botocore's own ``Config`` (never hand-written).

boto3 is imported only through :func:`pathwarden.providers.sdk.require`, so a missing SDK is
one error naming the ``aws`` extra. Every session is made by the injectable
``session_factory`` (default ``boto3.Session``, keyword arguments as ``boto3.Session``
takes them), assumed-role sessions included, so tests can hook every client discovery
creates. ``endpoint_url`` is passed to botocore only when given: otherwise botocore applies
``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` from the environment or config itself.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from pathwarden import __version__
from pathwarden.errors import InputError
from pathwarden.providers.aws import calls
from pathwarden.providers.aws.retries import RetryNotices
from pathwarden.providers.load import AWS_ACCOUNT
from pathwarden.providers.sdk import require

SessionFactory = Callable[..., Any]
DEFAULT_REGION = "us-east-1"  # for STS and DescribeRegions when the chain names no region
ROLE_SESSION_NAME = "pathwarden-discovery"
_ROLE_ACCOUNT = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):role/.+")
_THROTTLING = frozenset({
    "Throttling", "ThrottlingException", "RequestLimitExceeded", "RequestThrottled",
    "RequestThrottledException", "TooManyRequestsException", "SlowDown",
})


def default_session_factory() -> SessionFactory:
    boto3 = require("boto3")
    return cast(SessionFactory, boto3.Session)


def client_config(max_attempts: int) -> Any:
    """Adaptive retries (client-side rate limiting + backoff on throttling and 5xx)."""
    config = require("botocore.config")
    return config.Config(
        retries={"mode": "adaptive", "total_max_attempts": max_attempts},
        user_agent_extra=f"pathwarden/{__version__}",
        connect_timeout=10,
        read_timeout=60,
    )


@dataclass
class AccountSession:
    """One account's session; clients are created under a lock (boto3 sessions are not
    thread-safe, the clients they make are)."""

    account: str
    session: Any
    config: Any
    endpoint_url: str | None
    notices: RetryNotices | None = None  # says every retry botocore waits for
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, service: str, region: str) -> Any:
        kwargs: dict[str, Any] = {"region_name": region, "config": self.config}
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        with self._lock:
            client = self.session.client(service, **kwargs)
        if self.notices is not None:
            self.notices.watch(client)
        return client

    def home_region(self) -> str:
        return cast(str, self.session.region_name or DEFAULT_REGION)


def base_session(factory: SessionFactory, profile: str | None) -> Any:
    """The session of the standard chain (profile, environment, SSO, instance role)."""
    exceptions = require("botocore.exceptions")
    try:
        return factory(profile_name=profile) if profile else factory()
    except exceptions.ProfileNotFound as e:
        raise InputError(f"--profile {profile}: {e}") from None


def role_arn_for(template: str, account: str) -> str:
    return template.replace("{account}", account)


def check_scope(role_arn: str | None, accounts: tuple[str, ...]) -> None:
    """Reject option combinations that cannot work, before any call is made."""
    for a in accounts:
        if not AWS_ACCOUNT.fullmatch(a):
            raise InputError(f"--accounts: {a!r} is not a 12-digit AWS account id")
    if accounts and not role_arn:
        raise InputError("--accounts needs --role-arn (a role ARN template with {account})")
    if role_arn:
        if len(accounts) > 1 and "{account}" not in role_arn:
            raise InputError(
                f"--role-arn {role_arn}: with several --accounts the ARN must contain "
                "{account}, e.g. arn:aws:iam::{account}:role/PathwardenDiscovery")
        if not accounts and not _ROLE_ACCOUNT.fullmatch(role_arn):
            raise InputError(
                f"--role-arn {role_arn}: expected arn:aws:iam::<12-digit account>:role/NAME "
                "(or a template with {account} together with --accounts)")


def role_account(role_arn: str) -> str:
    m = _ROLE_ACCOUNT.fullmatch(role_arn)
    return m.group(1) if m else ""


def assume_role(base: AccountSession, factory: SessionFactory, role_arn: str) -> Any:
    """A new session (from ``factory``) with the role's temporary credentials."""
    sts = base.client(calls.ASSUME_ROLE.service, base.home_region())
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=ROLE_SESSION_NAME)["Credentials"]
    return factory(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=base.home_region(),
    )


def caller_account(session: AccountSession) -> str:
    sts = session.client(calls.GET_CALLER_IDENTITY.service, session.home_region())
    return cast(str, sts.get_caller_identity()["Account"])


def error_text(e: Exception) -> str:
    """``Throttling: Rate exceeded (after 5 attempts)`` or the botocore message."""
    response = getattr(e, "response", None)
    if isinstance(response, dict) and "Error" in response:
        err = response["Error"]
        code = err.get("Code") or "Error"
        message = " ".join(str(err.get("Message") or "").split())
        tries = response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
        after = f" (after {tries + 1} attempts)" if tries else ""
        return f"{code}: {message}{after}" if message else f"{code}{after}"
    return " ".join(str(e).split()) or type(e).__name__


def scope_is_down(e: Exception) -> bool:
    """True when the error means every later call in the same scope would fail too
    (connection, credentials, 5xx or throttling after all retries); an access-denied on one
    action does not stop the other actions."""
    response = getattr(e, "response", None)
    if not isinstance(response, dict) or "Error" not in response:
        exceptions = require("botocore.exceptions")
        return not isinstance(e, exceptions.ParamValidationError)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    return int(status) >= 500 or response["Error"].get("Code") in _THROTTLING


def sdk_errors() -> tuple[type[Exception], ...]:
    """The exceptions one failed call may raise (caught per call, everything else propagates)."""
    exceptions = require("botocore.exceptions")
    parsers = require("botocore.parsers")
    return (exceptions.ClientError, exceptions.BotoCoreError, parsers.ResponseParserError)
