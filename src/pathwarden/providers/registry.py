"""The explicit list of providers whose semantics the engine can use."""

from __future__ import annotations

from collections.abc import Callable

from pathwarden.model import Estate
from pathwarden.providers.aws.semantics import AwsSemantics
from pathwarden.providers.base import SEMANTICS, Semantics, register

register("aws", AwsSemantics)


def semantics_for(cloud: str) -> Callable[[Estate], Semantics] | None:
    return SEMANTICS.get(cloud)
