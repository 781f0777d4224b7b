"""``pathwarden reach``: what is open between two endpoints, and which rules open it.

Every notice of the estate goes with the answer (``notices`` in JSON, a ``notes:`` block in
text): an open path read off an estate that lacks a security group is not the whole truth.
With ``--port SERVICE`` (repeatable) the answer also says, for the asked services that are
closed, where and why (``blocked``, :mod:`pathwarden.engine.blocked`); without it the output
is exactly the contract's.
"""

from __future__ import annotations

import json
from dataclasses import replace

import click

from pathwarden.cli.common import echo, load_snapshots, snapshot_options
from pathwarden.engine.blocked import blocked
from pathwarden.engine.endpoints import SegmentResolver
from pathwarden.engine.engine import Engine
from pathwarden.errors import InputError
from pathwarden.model import ServiceSet
from pathwarden.report.notices import notes_text, notices_json


@click.command()
@snapshot_options
@click.option(
    "--from", "src", required=True, help="ENI, instance, IP, CIDR, SG id or segment:NAME."
)
@click.option("--to", "dst", required=True, help="Same forms as --from.")
@click.option("--policy", type=click.Path(), help="Policy file, for segment:NAME endpoints.")
@click.option(
    "--port",
    "ports",
    multiple=True,
    help="Service to ask about (repeatable): tcp/3389, tcp/1000-2000, udp/53, icmp, icmpv6, 50. "
    "Says where each closed one is blocked, and by what.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def reach(
    snapshots: tuple[str, ...],
    ephemeral_ports: str,
    src: str,
    dst: str,
    policy: str | None,
    ports: tuple[str, ...],
    fmt: str,
) -> None:
    """Show what is open from --from to --to, per protocol, with every rule on every hop."""
    asked = parse_services(ports)
    estate = load_snapshots(snapshots, ephemeral_ports)
    segments: SegmentResolver | None = None
    if policy:
        from pathwarden.policy import load_policy, segment_resolver

        segments = segment_resolver(estate, load_policy(policy))
    result = Engine(estate).reach(src, dst, segments=segments)
    report = blocked(result, asked) if asked else None
    if fmt == "json":
        doc = result.to_json()
        if report is not None:
            doc.update(report.to_json())
        doc["notices"] = notices_json(estate.notices)
        echo(json.dumps(doc, indent=2))
    else:
        # all of the estate's notices once, instead of the engine's own selection of them
        text = replace(result, notices=()).to_text()
        if report is not None:
            text = "\n".join([text, "", *report.lines()])
        notes = notes_text(estate.notices, indent="  ")
        echo("\n".join([text, "", *notes]) if notes else text)


def parse_services(items: tuple[str, ...], option: str = "--port") -> list[ServiceSet]:
    """``--port`` values, in the policy's port syntax; a bad one is an input error."""
    if not items:
        return []
    from pathwarden.policy.ports import parse_port  # the policy package is slow to import

    out = []
    for item in items:
        try:
            out.append(parse_port(item))
        except ValueError as e:
            raise InputError(f"{option}: {e}") from None
    return out
