"""Errors of the store (translated to exit 1 at the CLI edge like every PathwardenError)."""

from __future__ import annotations

from pathwarden.errors import PathwardenError


class StoreError(PathwardenError):
    """The store file cannot be opened or does not hold what was asked for."""


class SchemaError(StoreError):
    """The store file has a schema this version cannot use."""
