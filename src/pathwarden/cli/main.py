"""Entry point: the click group, the exit-code contract and error translation.

Exit codes everywhere: 0 clean, 1 error (bad input, failed discovery), 2 findings in an
enforce stage (or a refused apply).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from pathwarden import __version__
from pathwarden.cli.check_cmd import check
from pathwarden.cli.common import echo
from pathwarden.cli.discover_azure import azure
from pathwarden.cli.discover_cmd import discover, iam
from pathwarden.cli.discover_gcp import gcp
from pathwarden.cli.drift_cmd import drift
from pathwarden.cli.flows_cmd import flows, simulate
from pathwarden.cli.plan_cmd import apply, approve, plan
from pathwarden.cli.policy_cmd import policy, segments
from pathwarden.cli.reach_cmd import reach
from pathwarden.cli.store_cmd import store
from pathwarden.cli.tf_cmd import tf
from pathwarden.cli.verify_cmd import verify
from pathwarden.errors import PathwardenError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PathwardenError as e:
            echo(f"pathwarden: error: {e}", err=True)
            sys.exit(1)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Like click's, except that a usage error exits 1, not 2: exit 2 means findings
        (or a refused apply), and a pipeline must never read a typo as one."""
        if kwargs.get("standalone_mode", True) is False:
            return super().main(*args, **kwargs)
        try:
            code = super().main(*args, **{**kwargs, "standalone_mode": False})
        except click.UsageError as e:
            e.show()
            sys.exit(1)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except click.Abort:
            echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="pathwarden")
def cli() -> None:
    """pathwarden closes dangerous movement paths in cloud networks, one path at a time."""


for command in (
    reach,
    policy,
    segments,
    check,
    discover,
    iam,
    drift,
    store,
    plan,
    verify,
    approve,
    apply,
    flows,
    simulate,
    tf,
):
    cli.add_command(command)
discover.add_command(azure)
discover.add_command(gcp)


def main() -> None:
    cli(prog_name="pathwarden")


if __name__ == "__main__":
    main()
