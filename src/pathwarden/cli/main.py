"""Entry point: the click group, the exit-code contract and error translation.

Exit codes everywhere: 0 clean, 1 error (bad input, failed discovery), 2 findings in an
enforce stage (or a refused apply).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from pathwarden import __version__
from pathwarden.cli.common import echo
from pathwarden.errors import PathwardenError

# command name -> "module:attribute". A command's module (and what it needs: the engine,
# numpy, the SDKs) is imported only when that command runs, so `pathwarden tf review` in a
# pull request does not pay for discovery, flows, apply or the store.
COMMANDS = {
    "reach": "pathwarden.cli.reach_cmd:reach",
    "policy": "pathwarden.cli.policy_cmd:policy",
    "segments": "pathwarden.cli.policy_cmd:segments",
    "check": "pathwarden.cli.check_cmd:check",
    "discover": "pathwarden.cli.discover_group:discover",
    "iam": "pathwarden.cli.discover_cmd:iam",
    "drift": "pathwarden.cli.drift_cmd:drift",
    "store": "pathwarden.cli.store_cmd:store",
    "plan": "pathwarden.cli.plan_cmd:plan",
    "verify": "pathwarden.cli.verify_cmd:verify",
    "approve": "pathwarden.cli.plan_cmd:approve",
    "apply": "pathwarden.cli.plan_cmd:apply",
    "flows": "pathwarden.cli.flows_cmd:flows",
    "simulate": "pathwarden.cli.flows_cmd:simulate",
    "tf": "pathwarden.cli.tf_cmd:tf",
}


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


class _LazyGroup(_Group):
    """The top-level group: commands added explicitly, then :data:`COMMANDS`, imported when
    asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.commands, *(c for c in COMMANDS if c not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


@click.group(cls=_LazyGroup)
@click.version_option(__version__, prog_name="pathwarden")
def cli() -> None:
    """pathwarden closes dangerous movement paths in cloud networks, one path at a time."""



def main() -> None:
    cli(prog_name="pathwarden")


if __name__ == "__main__":
    main()
