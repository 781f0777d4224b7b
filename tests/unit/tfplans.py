"""Small plan JSON documents written by the documented format (`terraform show -json`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "terraform-plan"
EXAMPLE = ROOT / "examples" / "terraform-review" / "backup-console"
BACKUP = ROOT / "examples" / "backup-console"
POLICY = BACKUP / "policy.yml"
SNAPSHOT = BACKUP / "snapshot"


def change(
    rtype: str,
    name: str,
    actions: list[str],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    unknown: dict[str, Any] | None = None,
    module: str = "",
) -> dict[str, Any]:
    address = f"{module}.{rtype}.{name}" if module else f"{rtype}.{name}"
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name,
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": unknown or {},
        },
    }


def plan(
    changes: list[dict[str, Any]],
    prior: list[dict[str, Any]] | None = None,
    config: list[dict[str, Any]] | None = None,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": config or []}},
    }
    if prior is not None:
        doc["prior_state"] = {"values": {"root_module": {"resources": prior}}}
    if variables:
        doc["variables"] = {k: {"value": v} for k, v in variables.items()}
    return doc


def state(rtype: str, name: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "address": f"{rtype}.{name}",
        "mode": "managed",
        "type": rtype,
        "name": name,
        "values": values,
    }


def sg_perm(proto: str, lo: int, hi: int, cidrs: list[str] | None = None, **kw: Any) -> Any:
    return {
        "cidr_blocks": cidrs or [],
        "description": "",
        "from_port": lo,
        "to_port": hi,
        "protocol": proto,
        "ipv6_cidr_blocks": kw.get("ipv6", []),
        "prefix_list_ids": kw.get("pls", []),
        "security_groups": kw.get("groups", []),
        "self": kw.get("self", False),
    }


def cli_group() -> click.Group:
    """The ``tf`` group inside pathwarden's own error-translating root group."""
    from pathwarden.cli.main import _Group
    from pathwarden.cli.tf_cmd import tf

    group = _Group("pathwarden")
    group.add_command(tf)
    return group


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line of ``path`` that contains ``text``."""
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return i
    raise AssertionError(f"{text!r} not in {path}")
