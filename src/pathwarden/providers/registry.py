"""The providers whose semantics the engine can use: importing this module registers them."""

from __future__ import annotations

from collections.abc import Callable

from pathwarden.engine.semantics import Semantics, register
from pathwarden.engine.semantics import semantics_for as _lookup
from pathwarden.model import Estate
from pathwarden.providers.aws.semantics import AwsSemantics
from pathwarden.providers.azure.semantics import AzureSemantics
from pathwarden.providers.gcp.semantics import GcpSemantics

register("aws", AwsSemantics)
register("azure", AzureSemantics)
register("gcp", GcpSemantics)


def semantics_for(cloud: str) -> Callable[[Estate], Semantics] | None:
    return _lookup(cloud)
