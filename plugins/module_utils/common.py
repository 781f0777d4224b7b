# Copyright: pathwarden contributors
# Apache License 2.0 (see LICENSE)
"""Shared by every pathwarden module: the package import guard, error translation, and
reading the estate that the ``estate``/``aws`` doc fragments' options name."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

MIN_PATHWARDEN = "0.1.0"

try:
    from pathwarden.errors import PathwardenError
except ImportError:
    HAS_PATHWARDEN = False
    IMPORT_ERROR: str | None = traceback.format_exc()

    class PathwardenError(Exception):  # type: ignore[no-redef]
        """Stand-in so the except clause below stays valid without the package."""

else:
    HAS_PATHWARDEN = True
    IMPORT_ERROR = None


def require_pathwarden(module: AnsibleModule) -> None:
    if not HAS_PATHWARDEN:
        module.fail_json(
            msg=missing_required_lib(f"pathwarden>={MIN_PATHWARDEN}"), exception=IMPORT_ERROR
        )


def run(module: AnsibleModule, action: Callable[[], dict[str, Any]]) -> None:
    """Run one library call; bad input becomes ``fail_json``, never a traceback.

    The action may return ``failed: True`` with ``msg`` to fail with its other results."""
    require_pathwarden(module)
    try:
        result = action()
    except PathwardenError as e:
        module.fail_json(msg=str(e))
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


def load_estate(params: dict[str, Any]) -> tuple[Any, list[str]]:
    """The estate the estate/aws options name, and the sources to record for it."""
    from pathwarden.apply.workflow import LiveScope, load_estate_for_plan, sources_of
    from pathwarden.cli.common import parse_port_range

    scope = None
    if params.get("live"):
        scope = LiveScope(params["live"], tuple(params.get("regions") or ()),
                          params.get("profile"), params.get("endpoint_url"))
    snapshots = params.get("snapshot") or []
    estate = load_estate_for_plan(snapshots, scope, parse_port_range(params["ephemeral_ports"]))
    return estate, sources_of(snapshots, scope)


def as_of(params: dict[str, Any]) -> Any:
    from datetime import date

    from pathwarden.errors import InputError

    if not params.get("as_of"):
        return date.today()
    try:
        return date.fromisoformat(params["as_of"])
    except ValueError:
        raise InputError(f"as_of: expected YYYY-MM-DD, got {params['as_of']!r}") from None
