"""``pathwarden discover gcp``: write a GCP snapshot folder from the live Compute Engine API.

Add it under the ``discover`` group: ``discover.add_command(gcp)``.
"""

from __future__ import annotations

from pathlib import Path

import click

from pathwarden.cli.common import echo
from pathwarden.providers.manifest import IncompleteDiscoveryError


@click.command("gcp")
@click.option("--project", required=True, help="Project id to read.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Snapshot folder to write (<out>/<project-id>/*.json).")
@click.option("--api-endpoint", default=None,
              help="Compute endpoint (default https://compute.googleapis.com; a local fake).")
@click.option("--retry-deadline", default=300.0, show_default=True,
              type=click.FloatRange(0, 3600),
              help="Seconds google-api-core keeps retrying 429 and 5xx answers of one call.")
@click.option("--effective/--no-effective", default=True, show_default=True,
              help="Also read each network's effective firewalls (hierarchical policies).")
@click.option("--overwrite", is_flag=True, help="Replace a snapshot already in --out.")
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr (TTY).")
def gcp(
    project: str,
    out: str,
    api_endpoint: str | None,
    retry_deadline: float,
    effective: bool,
    overwrite: bool,
    progress: bool,
) -> None:
    """Read networks, subnets, instances, firewall rules and policies with application
    default credentials."""
    from pathwarden.providers.gcp.discover import discover_gcp

    manifest = discover_gcp(
        out, project, api_endpoint=api_endpoint, retry_deadline=retry_deadline,
        effective=effective, progress=progress, overwrite=overwrite,
    )
    echo(f"pathwarden: wrote {out}: {manifest.summary_line()}", err=True)
    if manifest.partial:
        raise IncompleteDiscoveryError(manifest, Path(out))
