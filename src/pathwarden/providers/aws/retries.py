"""One line per retry botocore waits for, so a run that waits on retries is never silent.

Retries stay botocore's own (adaptive mode, :func:`.session.client_config`); this only says
them. Two public hooks of botocore meet here: the ``needs-retry.<service>`` event, which every
attempt emits with the operation, the attempt count and the response or exception (recorded
per thread), and the ``botocore.endpoint`` logger, whose "Response received to retry,
sleeping for N seconds" record comes right before the wait (seen by a filter; no handler
gets a record it would not have got before). Together they give
``retrying ec2 DescribeSecurityGroups after Throttling (attempt 3 of 10, waiting 1.7 s)``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

ENDPOINT_LOGGER = "botocore.endpoint"
_WAITING = "Response received to retry, sleeping for"


class RetryNotices:
    """``with RetryNotices(say, max_attempts) as notices: notices.watch(client)``."""

    def __init__(self, say: Callable[[str], None], max_attempts: int = 0) -> None:
        self.say = say
        self.max_attempts = max_attempts
        self._local = threading.local()
        self._filter = _WaitFilter(self)
        self._level = logging.NOTSET

    def watch(self, client: Any) -> None:
        """Record every attempt of ``client``'s calls (the client is not changed otherwise)."""
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"needs-retry.{service}", self._attempt)

    def _attempt(self, attempts: int = 0, operation: Any = None, response: Any = None,
                 caught_exception: BaseException | None = None, **_: Any) -> None:
        name = getattr(operation, "name", "call")
        service = getattr(getattr(operation, "service_model", None), "service_name", "")
        self._local.last = (f"{service} {name}".strip(), attempts,
                            _why(response, caught_exception))

    def waiting(self, delay: float) -> None:
        what, attempts, why = getattr(self._local, "last", ("a call", 0, "an error"))
        of = f" of {self.max_attempts}" if self.max_attempts else ""
        self.say(f"retrying {what} after {why} (attempt {attempts + 1}{of}, "
                 f"waiting {delay:.1f} s)")

    def __enter__(self) -> RetryNotices:
        logger = logging.getLogger(ENDPOINT_LOGGER)
        self._level = logger.level
        self._filter.threshold = logger.getEffectiveLevel()
        logger.addFilter(self._filter)
        logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        logger = logging.getLogger(ENDPOINT_LOGGER)
        logger.removeFilter(self._filter)
        logger.setLevel(self._level)


class _WaitFilter(logging.Filter):
    """Sees every record of the endpoint logger (its level is lowered to DEBUG while notices
    are on), says the waits, and lets through only what would have passed before, so no
    handler anywhere gets debug records it did not ask for."""

    def __init__(self, owner: RetryNotices) -> None:
        super().__init__()
        self.owner = owner
        self.threshold = logging.WARNING

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(_WAITING):
            args = record.args if isinstance(record.args, tuple) else ()
            if args and isinstance(args[0], int | float):
                self.owner.waiting(float(args[0]))
        return record.levelno >= self.threshold


def _why(response: Any, caught: BaseException | None) -> str:
    """``Throttling``, ``HTTP 503`` or the exception's class (``EndpointConnectionError``)."""
    if caught is not None:
        return type(caught).__name__
    if isinstance(response, tuple) and len(response) == 2:
        http, parsed = response
        code = parsed.get("Error", {}).get("Code") if isinstance(parsed, dict) else None
        status = getattr(http, "status_code", None)
        return str(code or (f"HTTP {status}" if status else "an error"))
    return "an error"
