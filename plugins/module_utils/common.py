# Copyright: pathwarden contributors
# Apache License 2.0 (see LICENSE)
"""Shared by every pathwarden module: the package import guard and error translation."""

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
    """Run one library call; bad input becomes ``fail_json``, never a traceback."""
    require_pathwarden(module)
    try:
        result = action()
    except PathwardenError as e:
        module.fail_json(msg=str(e))
    module.exit_json(**result)
