"""ChangeSets for the trust tests: the backup-console plan, planned in-process."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from pathwarden.model import Estate
from pathwarden.planner import build_changeset, plan_changes
from pathwarden.planner.changeset import content_sha256, document_sha256
from pathwarden.policy import load_policy
from pathwarden.providers.load import load_estate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "backup-console"
SNAPSHOT = EXAMPLE / "snapshot"
POLICY = EXAMPLE / "policy.yml"
AS_OF = date(2026, 11, 25)


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


def write(doc: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(doc, indent=2))
    return path
