"""The explicit list of providers whose semantics the engine can use."""

from __future__ import annotations

from collections.abc import Callable

from pathwarden.model import Estate
from pathwarden.providers.aws.semantics import AwsSemantics
from pathwarden.providers.azure import semantics as _azure  # noqa: F401  (registers "azure")
from pathwarden.providers.base import SEMANTICS, Semantics, register
from pathwarden.providers.gcp import semantics as _gcp  # noqa: F401  (registers "gcp")

register("aws", AwsSemantics)


def semantics_for(cloud: str) -> Callable[[Estate], Semantics] | None:
    return SEMANTICS.get(cloud)
