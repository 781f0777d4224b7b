"""``pathwarden verify``: recompute a ChangeSet's proof from its own operations.

Exit 0: the ChangeSet does what it says (every step and the proof hold); 2: refused (a step
or the proof fails); 1: error (an unreadable or malformed file). ``approve`` and ``apply``
run the same verification (:mod:`pathwarden.apply.basis`) before they write anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import click

from pathwarden.cli.common import emit, parse_port_range

F = TypeVar("F", bound=Callable[..., Any])


def basis_options(func: F) -> F:
    """``--policy``, ``--snapshot`` (repeatable), ``--ephemeral-ports`` and ``--as-of``: what a
    ChangeSet is verified against (default: the policy and snapshots it records)."""
    options = [
        click.option("--policy", "policy_file", default=None, type=click.Path(dir_okay=False),
                     help="Policy to verify against (default: the one the ChangeSet "
                          "records)."),
        click.option("--snapshot", "snapshots", multiple=True, type=click.Path(),
                     help="Snapshot folder to verify against (repeatable; default: the ones "
                          "the ChangeSet records)."),
        click.option("--ephemeral-ports", default="1024-65535", show_default=True,
                     help="Client port range AWS NACL return traffic must allow."),
        click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                     help="Evaluate approval expiry on this day (default today)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def verify_against(changeset: str, policy_file: str | None, snapshots: tuple[str, ...],
                   ephemeral_ports: str, as_of: datetime | None) -> Any:
    """Load ``changeset`` and its basis; the verifier (parsing its operations strictly)."""
    from pathwarden.apply.basis import BasisVerifier, load_basis
    from pathwarden.planner import load_changeset
    from pathwarden.planner.operations import parse_operations

    doc = load_changeset(changeset)
    ops = parse_operations(doc, changeset)
    basis = load_basis(doc, policy_file=policy_file, snapshots=snapshots,
                       as_of=as_of.date() if as_of else date.today(),
                       ephemeral_ports=parse_port_range(ephemeral_ports))
    return BasisVerifier(doc, basis, changeset, ops)


@click.command("verify")
@click.argument("changeset", type=click.Path(dir_okay=False))
@basis_options
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown",
              show_default=True)
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="Write the report here instead of stdout.")
@click.pass_context
def verify(ctx: click.Context, changeset: str, policy_file: str | None,
           snapshots: tuple[str, ...], ephemeral_ports: str, as_of: datetime | None, fmt: str,
           out: str | None) -> None:
    """Recompute a ChangeSet's proof from its own operations against a policy and snapshot."""
    from pathwarden.report.verify_markdown import render_verification

    verifier = verify_against(changeset, policy_file, snapshots, ephemeral_ports, as_of)
    report = verifier.report(changeset, verifier.snapshot())
    text = json.dumps(report, indent=2) + "\n" if fmt == "json" else render_verification(report)
    emit(text, out)
    ctx.exit(0 if report["ok"] else 2)
