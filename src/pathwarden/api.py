"""The small public Python API: load an estate, ask what is open between two endpoints.

>>> estate = load_estate(["examples/backup-console/snapshot"])      # doctest: +SKIP
>>> reach(estate, "i-0jump", "sg-0backup").to_json()["open"]         # doctest: +SKIP
[{'protocol': 'tcp', 'ports': [[443, 443]]}]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pathwarden.engine.engine import Engine
from pathwarden.engine.result import ReachResult
from pathwarden.model import Estate
from pathwarden.providers.load import load_estate

__all__ = ["Engine", "Estate", "ReachResult", "load_estate", "reach"]


def reach(estate: Estate | Engine, src: str, dst: str, *, explain: bool = True) -> ReachResult:
    """What is open from ``src`` to ``dst`` (endpoint syntax as ``pathwarden reach``)."""
    engine = estate if isinstance(estate, Engine) else Engine(estate)
    return engine.reach(src, dst, explain=explain)


def load(paths: Sequence[str | Path]) -> Engine:
    return Engine(load_estate(paths))
