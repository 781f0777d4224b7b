"""Import a cloud SDK on demand, with an error that names the pip extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from pathwarden.errors import MissingExtraError

EXTRAS = {
    "boto3": "aws",
    "botocore": "aws",
    "azure.mgmt.network": "azure",
    "azure.identity": "azure",
    "google.cloud.compute_v1": "gcp",
    "google.auth": "gcp",
    "google.auth.exceptions": "gcp",
    "google.api_core.retry": "gcp",
    "google.api_core.exceptions": "gcp",
}


def require(module: str) -> ModuleType:
    """``require("boto3")`` returns the module or raises MissingExtraError naming ``aws``."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        extra = EXTRAS.get(module, "all")
        raise MissingExtraError(module, extra) from e
