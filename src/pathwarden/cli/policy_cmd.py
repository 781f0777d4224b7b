"""``pathwarden policy validate|schema`` and ``pathwarden segments``."""

from __future__ import annotations

import json

import click

from pathwarden.cli.check_cmd import policy_option
from pathwarden.cli.common import echo, load_snapshots, snapshot_options
from pathwarden.policy import SegmentView, describe_segments, load_policy, render_schema
from pathwarden.report.notices import notes_text, notices_json


@click.group("policy")
def policy() -> None:
    """Validate a policy file or print its JSON Schema."""


@policy.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> None:
    """Print "ok" when FILE is a valid policy; else the error (file:line:column), exit 1."""
    load_policy(file)
    echo("ok")


@policy.command("schema")
def schema() -> None:
    """Print the policy file's JSON Schema (draft 2020-12), as in docs/policy.schema.json."""
    echo(render_schema(), nl=False)


def _text(views: list[SegmentView]) -> str:
    lines: list[str] = []
    for v in views:
        owner = f" (owner {v.segment.owner})" if v.segment.owner else ""
        if v.empty:
            lines.append(f"{v.segment.name}{owner}: WARNING: matches nothing in this estate")
            continue
        count = len(v.endpoint.members)
        lines.append(f"{v.segment.name}{owner}: {count} member{'' if count == 1 else 's'}")
        for m in v.endpoint.members:
            name = m.workload.name or m.workload.instance or "-"
            lines.append(f"  {m.workload.id}  {name}  {', '.join(m.addresses)}")
        if v.endpoint.outside:
            lines.append(f"  outside: {', '.join(v.endpoint.outside.describe())}")
    return "\n".join(lines) + "\n"


@click.command("segments")
@policy_option
@snapshot_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def segments(policy_file: str, snapshots: tuple[str, ...], ephemeral_ports: str, fmt: str) -> None:
    """List each segment's members, and warn about segments that match nothing."""
    estate = load_snapshots(snapshots, ephemeral_ports)
    views = describe_segments(estate, load_policy(policy_file))
    if fmt == "json":
        warnings = [w for v in views if (w := v.warning())]
        doc = {"segments": [v.to_json() for v in views], "warnings": warnings,
               "partial": estate.partial, "notices": notices_json(estate.notices)}
        echo(json.dumps(doc, indent=2))
    else:
        notes = notes_text(estate.notices)
        echo(_text(views) + ("\n" + "\n".join(notes) + "\n" if notes else ""), nl=False)
