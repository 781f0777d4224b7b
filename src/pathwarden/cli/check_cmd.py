"""``pathwarden check``: the policy against the estate; exit 0 clean, 1 error, 2 findings."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from pathwarden.check import compare
from pathwarden.cli.common import load_snapshots, snapshot_options
from pathwarden.engine.engine import Engine
from pathwarden.errors import InputError
from pathwarden.policy import load_policy
from pathwarden.report import FORMATS, render

policy_option = click.option(
    "--policy",
    "policy_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="Policy file (YAML).",
)


@click.command("check")
@policy_option
@snapshot_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Evaluate approval expiry on this day (YYYY-MM-DD; default today).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the report to this file instead of stdout (the exit code is the same).",
)
@click.pass_context
def check(
    ctx: click.Context,
    policy_file: str,
    snapshots: tuple[str, ...],
    ephemeral_ports: str,
    fmt: str,
    as_of: datetime | None,
    out: str | None,
) -> None:
    """Compare the policy with what is really open, and report the findings.

    Exit 0: no enforce-stage findings (monitor-stage ones are reported); 1: error;
    2: enforce-stage findings.
    """
    policy = load_policy(policy_file)
    engine = Engine(load_snapshots(snapshots, ephemeral_ports))
    result = compare(engine, policy, as_of=as_of.date() if as_of else date.today())
    text = render(result, fmt)
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as e:
            raise InputError(f"--out {out}: cannot write the report: {e.strerror or e}") from e
    else:
        click.echo(text, nl=False)
    ctx.exit(result.exit_code())
