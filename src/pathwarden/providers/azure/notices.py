"""What Azure discovery says while it runs: one line per retry the SDK waits for, and no
credential dumps.

- :func:`said_retry_policy`: azure-core's own ``RetryPolicy`` (the retries stay the SDK's),
  with ``sleep`` saying ``retrying GET .../networkSecurityGroups after HTTP 503 (attempt 2,
  waiting 4.0 s)`` first.
- :func:`quiet_identity`: azure-identity logs every failed credential chain as a WARNING of a
  dozen lines, once per call; the failure is recorded (one line) in the manifest anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from pathwarden.providers.sdk import require

IDENTITY_LOGGER = "azure.identity"


def said_retry_policy(say: Callable[[str], None], **kwargs: Any) -> Any:
    """An azure-core ``RetryPolicy(**kwargs)`` that says each wait before it sleeps."""
    policies = require("azure.core.pipeline.policies")

    class SaidRetryPolicy(policies.RetryPolicy):  # type: ignore[misc, name-defined]
        def sleep(self, settings: dict[str, Any], transport: Any, response: Any = None) -> None:
            wait = (self.get_retry_after(response) if response is not None else None) \
                or self.get_backoff_time(settings)
            attempt = len(settings.get("history") or []) + 1
            say(f"retrying {_what(response)} after {_why(response, settings)} "
                f"(attempt {attempt}, waiting {float(wait):.1f} s)")
            super().sleep(settings, transport, response)

    return SaidRetryPolicy(**kwargs)


def _what(response: Any) -> str:
    request = getattr(response, "http_request", None)
    if request is None:
        return "an ARM call"
    path = urlsplit(str(getattr(request, "url", ""))).path.rstrip("/")
    return f"{getattr(request, 'method', 'GET')} .../{path.rsplit('/', 1)[-1] or path}"


def _why(response: Any, settings: dict[str, Any]) -> str:
    status = getattr(getattr(response, "http_response", None), "status_code", None)
    if status:
        return f"HTTP {status}"
    history = settings.get("history") or []
    error = getattr(history[-1], "error", None) if history else None
    return type(error).__name__ if error is not None else "an error"


@contextmanager
def quiet_identity() -> Iterator[None]:
    """Only errors from azure-identity's loggers while discovery runs."""
    logger = logging.getLogger(IDENTITY_LOGGER)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
