"""``pathwarden discover azure``: write an Azure snapshot folder from the live ARM API.

Add it under the ``discover`` group: ``discover.add_command(azure)``.
"""

from __future__ import annotations

from pathlib import Path

import click

from pathwarden.cli.common import echo
from pathwarden.providers.manifest import IncompleteDiscoveryError


@click.command("azure")
@click.option("--subscription", required=True, help="Subscription id (GUID) to read.")
@click.option("--resource-group", default=None, help="Only this resource group.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Snapshot folder to write (<out>/<subscription-id>/network-*.json).")
@click.option("--base-url", default=None,
              help="ARM endpoint (default https://management.azure.com; sovereign clouds).")
@click.option("--retries", default=10, show_default=True, type=click.IntRange(0, 50),
              help="Retries per request (the SDK's retry policy: 429 with Retry-After, 5xx).")
@click.option("--admin-rules/--no-admin-rules", default=True, show_default=True,
              help="Also read each VNet's effective AVNM security admin rules.")
@click.option("--overwrite", is_flag=True, help="Replace a snapshot already in --out.")
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr (TTY).")
def azure(
    subscription: str,
    resource_group: str | None,
    out: str,
    base_url: str | None,
    retries: int,
    admin_rules: bool,
    overwrite: bool,
    progress: bool,
) -> None:
    """Read NSGs, NICs, VNets, ASGs (and admin rules) with DefaultAzureCredential."""
    from pathwarden.providers.azure.discover import discover_azure

    manifest = discover_azure(
        out, subscription, resource_group, base_url=base_url,
        client_kwargs={"retry_total": retries}, admin_rules=admin_rules,
        progress=progress, overwrite=overwrite,
    )
    echo(f"pathwarden: wrote {out}: {manifest.summary_line()}", err=True)
    if manifest.partial:
        raise IncompleteDiscoveryError(manifest, Path(out))
