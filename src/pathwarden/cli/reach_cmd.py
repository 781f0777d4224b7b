"""``pathwarden reach``: what is open between two endpoints, and which rules open it.

Every notice of the estate goes with the answer (``notices`` in JSON, a ``notes:`` block in
text): an open path read off an estate that lacks a security group is not the whole truth.
"""

from __future__ import annotations

import json
from dataclasses import replace

import click

from pathwarden.cli.common import echo, load_snapshots, snapshot_options
from pathwarden.engine.endpoints import SegmentResolver
from pathwarden.engine.engine import Engine
from pathwarden.report.notices import notes_text, notices_json


@click.command()
@snapshot_options
@click.option(
    "--from", "src", required=True, help="ENI, instance, IP, CIDR, SG id or segment:NAME."
)
@click.option("--to", "dst", required=True, help="Same forms as --from.")
@click.option("--policy", type=click.Path(), help="Policy file, for segment:NAME endpoints.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def reach(
    snapshots: tuple[str, ...],
    ephemeral_ports: str,
    src: str,
    dst: str,
    policy: str | None,
    fmt: str,
) -> None:
    """Show what is open from --from to --to, per protocol, with every rule on every hop."""
    estate = load_snapshots(snapshots, ephemeral_ports)
    segments: SegmentResolver | None = None
    if policy:
        from pathwarden.policy import load_policy, segment_resolver

        segments = segment_resolver(estate, load_policy(policy))
    result = Engine(estate).reach(src, dst, segments=segments)
    if fmt == "json":
        doc = result.to_json()
        doc["notices"] = notices_json(estate.notices)
        echo(json.dumps(doc, indent=2))
    else:
        # all of the estate's notices once, instead of the engine's own selection of them
        text = replace(result, notices=()).to_text()
        notes = notes_text(estate.notices, indent="  ")
        echo("\n".join([text, "", *notes]) if notes else text)
