"""ChangeSets for the trust tests: the backup-console plan, and edits of it the way an
attacker with write access to the file (and pathwarden's source) would make them.

:func:`forge` rebuilds a resource from edited operations with pathwarden's own
:func:`resource_json` and recomputes both hashes, so the forged file is self-consistent and
loads: only recomputing the proof can tell it from an honest one.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from pathwarden.model import Estate, Peer, PeerKind
from pathwarden.model.serialize import services_from_text
from pathwarden.planner import build_changeset, plan_changes
from pathwarden.planner.changeset import content_sha256, document_sha256, resource_json
from pathwarden.planner.edits import RuleOp, apply_to_filter
from pathwarden.planner.operations import parse_operations
from pathwarden.planner.volume import Volume
from pathwarden.policy import load_policy
from pathwarden.providers.load import load_estate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "backup-console"
SNAPSHOT = EXAMPLE / "snapshot"
POLICY = EXAMPLE / "policy.yml"
AS_OF = date(2026, 11, 25)
LEGACY_443 = "sgr-0cb5a65e9050f9b73"  # sg-0backup: tcp/443 from 10.0.0.0/8 ("legacy")
TEMP_22 = "sgr-0e454f85a82265a0f"  # sg-0backup: tcp/22 from 10.20.1.0/24 (OPS-4411)
JUMP_443 = "sgr-0c8db9d0b60bf6746"  # sg-0backup: tcp/443 from sg-0jump (the approved path)


def example_estate() -> Estate:
    return load_estate([SNAPSHOT])


def example_changeset() -> dict[str, Any]:
    plan = plan_changes(example_estate(), load_policy(POLICY), AS_OF)
    return build_changeset(plan, policy_file=str(POLICY), policy_sha256="0" * 64,
                           sources=[str(SNAPSHOT)])


def rehash(doc: dict[str, Any]) -> dict[str, Any]:
    doc["content_sha256"] = content_sha256(doc)
    doc["sha256"] = document_sha256(doc)
    return doc


def forge(doc: dict[str, Any], estate: Estate,
          edit: Callable[[list[RuleOp]], list[RuleOp]]) -> dict[str, Any]:
    """``doc`` with its first resource's operations passed through ``edit``; every derived
    field and both hashes recomputed."""
    out = copy.deepcopy(doc)
    res = out["resources"][0]
    ops = edit(parse_operations(out, "forge")[res["id"]])
    f = estate.filters[res["id"]]
    rebuilt = resource_json(f, apply_to_filter(f, ops), ops, Volume())
    rebuilt["collateral"] = res["collateral"]
    out["resources"][0] = rebuilt
    out["summary"]["operations"] = len(rebuilt["operations"])
    return rehash(out)


def widen_first_add(ops: list[RuleOp], cidr: str = "0.0.0.0/0",
                    services: str | None = None) -> list[RuleOp]:
    """The first ``add`` opened to ``cidr`` (and ``services``, if given)."""
    out = list(ops)
    i = next(i for i, op in enumerate(out) if op.rule is not None and op.before is None)
    rule = out[i].rule
    assert rule is not None
    rule = replace(rule, src=(Peer(PeerKind.CIDR, cidr),))
    if services is not None:
        rule = replace(rule, services=services_from_text(services))
    out[i] = replace(out[i], rule=rule)
    return out


def write(doc: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(doc, indent=2))
    return path
