"""``pathwarden reach``: what is open between two endpoints, and which rules open it."""

from __future__ import annotations

import json

import click

from pathwarden.cli.common import echo, load_snapshots, snapshot_options
from pathwarden.engine.endpoints import SegmentResolver
from pathwarden.engine.engine import Engine


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
        echo(json.dumps(result.to_json(), indent=2))
    else:
        echo(result.to_text())
