"""``pathwarden discover aws`` (live snapshot) and ``pathwarden iam discover-policy``.

Exit codes (DESIGN.md): 0 the whole scope was discovered; 1 bad options, or a call failed
after retries — the snapshot and its ``manifest.json`` are still written, marked partial, and
the one-line error names the failed accounts, regions and calls.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from pathwarden.cli.common import echo
from pathwarden.errors import InputError
from pathwarden.providers.aws.calls import discovery_policy
from pathwarden.providers.load import AWS_ACCOUNT
from pathwarden.providers.manifest import IncompleteDiscoveryError


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@click.group("discover")
def discover() -> None:
    """Read a cloud's live firewall state into a snapshot folder (--out DIR)."""


@discover.command("aws")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Snapshot folder to write (<account-id>/<region>/describe-*.json + "
                   "manifest.json). Must be new, empty, or an older snapshot with --overwrite.")
@click.option("--regions", multiple=True, metavar="R1,R2",
              help="Regions (comma-separated or repeated). Default: every enabled region.")
@click.option("--profile", help="AWS profile (default: the standard credential chain).")
@click.option("--role-arn", metavar="ARN",
              help="Role to assume in each account; use {account} with --accounts, e.g. "
                   "arn:aws:iam::{account}:role/PathwardenDiscovery.")
@click.option("--accounts", multiple=True, metavar="ID1,ID2",
              help="Account ids (comma-separated or repeated); needs --role-arn.")
@click.option("--endpoint-url", metavar="URL",
              help="EC2/STS endpoint (default: AWS_ENDPOINT_URL or the AWS endpoints).")
@click.option("--max-workers", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Accounts and regions discovered in parallel.")
@click.option("--max-attempts", type=click.IntRange(1, 30), default=10, show_default=True,
              help="Attempts per API call (botocore adaptive retries).")
@click.option("--overwrite", is_flag=True, help="Replace an older snapshot in --out.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Progress bar on stderr (only when stderr is a terminal).")
def discover_aws_cmd(
    out_dir: str,
    regions: tuple[str, ...],
    profile: str | None,
    role_arn: str | None,
    accounts: tuple[str, ...],
    endpoint_url: str | None,
    max_workers: int,
    max_attempts: int,
    overwrite: bool,
    progress: bool,
) -> None:
    """Discover AWS security groups, NACLs, ENIs, instances, VPCs, subnets, prefix lists and
    peerings into a snapshot folder that `--snapshot` reads offline."""
    from pathwarden.providers.aws.discover import discover_aws

    manifest = discover_aws(
        out_dir,
        regions=_split(regions) or None,
        profile=profile,
        role_arn=role_arn,
        accounts=_split(accounts) or None,
        max_workers=max_workers,
        progress=progress,
        endpoint_url=endpoint_url,
        max_attempts=max_attempts,
        overwrite=overwrite,
    )
    echo(f"pathwarden: wrote {out_dir}: {manifest.summary_line()}", err=True)
    if manifest.partial:
        raise IncompleteDiscoveryError(manifest, Path(out_dir))


@click.group("iam")
def iam() -> None:
    """IAM helpers: the permissions pathwarden needs."""


@iam.command("discover-policy")
@click.option("--role-arn", metavar="ARN",
              help="Also grant sts:AssumeRole on this role ({account} becomes * unless "
                   "--accounts is given).")
@click.option("--accounts", multiple=True, metavar="ID1,ID2",
              help="Accounts to fill into the {account} of --role-arn.")
def discover_policy(role_arn: str | None, accounts: tuple[str, ...]) -> None:
    """Print the least-privilege IAM policy for `pathwarden discover aws` (JSON)."""
    arns: tuple[str, ...] = ()
    ids = _split(accounts)
    if ids and not role_arn:
        raise InputError("--accounts needs --role-arn")
    bad = [a for a in ids if not AWS_ACCOUNT.fullmatch(a)]
    if bad:
        raise InputError(f"--accounts: {bad[0]!r} is not a 12-digit AWS account id")
    if role_arn:
        if "{account}" in role_arn:
            arns = tuple(role_arn.replace("{account}", a) for a in ids) if ids else (
                role_arn.replace("{account}", "*"),)
        else:
            arns = (role_arn,)
    echo(json.dumps(discovery_policy(arns), indent=2))
