"""``pathwarden plan``, ``approve`` and ``apply``: the approval-gated way to change an estate.

Exit codes (DESIGN.md): ``plan`` 0 when the ChangeSet closes every enforce-stage finding and its
proof holds, 2 when enforce-stage findings remain (not plannable, or no proven candidate), 1 on
error. ``apply`` 0 applied or nothing to do (or a clean ``--check``), 1 error (anything written
was rolled back), 2 refused (no matching approval, precondition drift, partial estate, limits).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import click

from pathwarden.cli.common import echo, guard_output, parse_port_range
from pathwarden.cli.verify_cmd import basis_options, verify_against
from pathwarden.errors import InputError

__all__ = ["apply", "approve", "plan"]


@click.command("plan")
@click.option("--policy", "policy_file", required=True, type=click.Path(dir_okay=False),
              help="Policy file (YAML).")
@click.option("--snapshot", "snapshots", multiple=True, type=click.Path(),
              help="Snapshot folder (repeatable).")
@click.option("--live", type=click.Choice(["aws"]), default=None,
              help="Discover the estate live instead of reading a snapshot.")
@click.option("--regions", multiple=True, metavar="R1,R2", help="Regions for --live.")
@click.option("--profile", default=None, help="AWS profile for --live.")
@click.option("--endpoint-url", default=None, metavar="URL",
              help="EC2-compatible endpoint for --live (AWS_ENDPOINT_URL also works).")
@click.option("--ephemeral-ports", default="1024-65535", show_default=True,
              help="Client port range AWS NACL return traffic must allow.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Evaluate approval expiry on this day (default today).")
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="Write the ChangeSet JSON here.")
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json",
              show_default=True, help="What to print: the ChangeSet or the change request.")
@click.option("--flows", "flows_db", default=None, type=click.Path(dir_okay=False, exists=True),
              help="Flow database (pathwarden flows ingest): rank candidates by observed "
                   "flows they would break.")
@click.pass_context
def plan(ctx: click.Context, policy_file: str, snapshots: tuple[str, ...], live: str | None,
         regions: tuple[str, ...], profile: str | None, endpoint_url: str | None,
         ephemeral_ports: str, as_of: datetime | None, out: str | None, fmt: str,
         flows_db: str | None) -> None:
    """Plan the narrowest proven change that closes every enforce-stage finding."""
    from pathwarden.apply.workflow import (
        LiveScope,
        load_estate_for_plan,
        plan_document,
        sources_of,
    )
    from pathwarden.planner import render_markdown, save_changeset

    if out:
        guard_output(out)
    scope = None
    if live:
        names = tuple(r.strip() for item in regions for r in item.split(",") if r.strip())
        scope = LiveScope(live, names, profile, endpoint_url)
    estate = load_estate_for_plan(snapshots, scope, parse_port_range(ephemeral_ports))
    doc = plan_document(estate, policy_file, as_of.date() if as_of else date.today(),
                        sources_of(snapshots, scope), flows_db)
    if out:
        save_changeset(doc, out)
    if fmt == "markdown":
        echo(render_markdown(doc), nl=False)
    elif not out:
        echo(json.dumps(doc, indent=2))
    else:
        s = doc["summary"]
        echo(f"{out}: {s['operations']} operation(s) on {s['resources']} resource(s), "
                   f"closes {', '.join(s['closes']) or 'nothing'}; proof "
                   f"{'holds' if s['proof_ok'] else 'FAILS'}; sha256 {doc['sha256']}")
    if doc["estate"]["partial"]:
        echo("pathwarden: warning: the estate is partial; apply will refuse this "
                   "ChangeSet", err=True)
    remaining = doc["proof"]["remaining_enforce_findings"]
    ctx.exit(2 if remaining or not doc["proof"]["ok"] else 0)


@click.command("approve")
@click.argument("changeset", type=click.Path(dir_okay=False))
@click.option("--change", required=True, help="Change id, e.g. CHG0012345.")
@click.option("--by", "approver", required=True, help="Who approves.")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Last day the approval is valid (YYYY-MM-DD, not in the past).")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Approval file to write (YAML; an existing file needs --force).")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@basis_options
@click.pass_context
def approve(ctx: click.Context, changeset: str, change: str, approver: str,
            expires: datetime | None, out: str, force: bool, policy_file: str | None,
            snapshots: tuple[str, ...], ephemeral_ports: str, as_of: datetime | None) -> None:
    """Verify a ChangeSet, then write the approval record for exactly its change (its
    content_sha256). Exit 2, nothing written, when the verification fails."""
    from pathwarden.apply.approval import make_approval, write_approval

    guard_output(out)
    if not force and Path(out).exists():
        raise InputError(f"--out {out}: already exists; pass --force to replace it")
    day = as_of.date() if as_of else date.today()
    verifier = verify_against(changeset, policy_file, snapshots, ephemeral_ports, as_of)
    doc = verifier.doc
    approval = make_approval(doc["content_sha256"], change, approver,
                             expires.date() if expires else None, today=day)
    verification = verifier.snapshot()
    if not verification.ok:
        echo(f"refused: {changeset}: {verification.failure()}; no approval written",
                   err=True)
        ctx.exit(2)
    write_approval(approval, out, force=force)
    echo(f"{out}: {approval.change} approved by {approval.approver} for change "
               f"{doc['content_sha256']} (verified: proof holds)")


@click.command("apply")
@click.argument("changeset", type=click.Path(dir_okay=False))
@click.option("--approval", "approval_file", default=None, type=click.Path(dir_okay=False),
              help="Approval file from `pathwarden approve` (required unless --check).")
@click.option("--check", is_flag=True, help="Re-read and show what would be written; "
              "write nothing.")
@click.option("--max-changes", type=click.IntRange(0), default=None,
              help="Refuse when the ChangeSet holds more rule operations than this.")
@click.option("--allow-brief-gap", is_flag=True,
              help="When a quota forbids adding before removing, remove first.")
@click.option("--store", default=None, type=click.Path(dir_okay=False),
              help="Store whose audit log records every step (default: the user store).")
@click.option("--profile", default=None, help="AWS profile.")
@click.option("--endpoint-url", default=None, metavar="URL",
              help="EC2-compatible endpoint (AWS_ENDPOINT_URL also works).")
@click.option("--region", default=None, help="Override the region recorded in the ChangeSet.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@basis_options
@click.pass_context
def apply(ctx: click.Context, changeset: str, approval_file: str | None, check: bool,
          max_changes: int | None, allow_brief_gap: bool, store: str | None,
          profile: str | None, endpoint_url: str | None, region: str | None,
          fmt: str, policy_file: str | None, snapshots: tuple[str, ...], ephemeral_ports: str,
          as_of: datetime | None) -> None:
    """Apply a ChangeSet: only with a matching approval, re-verified, rolled back on failure."""
    from pathwarden.apply.workflow import run_apply
    from pathwarden.planner import load_changeset

    outcome = run_apply(load_changeset(changeset), approval_file=approval_file, check=check,
                        store=store, max_changes=max_changes, allow_brief_gap=allow_brief_gap,
                        profile=profile, endpoint_url=endpoint_url, region=region,
                        policy_file=policy_file, snapshots=snapshots,
                        as_of=as_of.date() if as_of else date.today(), where=changeset,
                        ephemeral_ports=parse_port_range(ephemeral_ports))
    if fmt == "json":
        echo(json.dumps(outcome.to_json(), indent=2))
    else:
        for step in outcome.steps:
            echo(f"  {'would ' if check else ''}{step}")
        echo(f"{outcome.status}: {outcome.message}",
                   err=outcome.exit_code != 0)
    ctx.exit(outcome.exit_code)
