"""``pathwarden store ...``: look into and manage the store file.

``snapshots``, ``import DIR``, ``export ID --out DIR``, ``approve ID --by NAME``,
``baselines``, ``checks``, ``audit`` and ``verify``. ``verify`` exits 0 when the audit chain
is intact and 2 when it is broken (it names the first bad row); 1 is an error as everywhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from pathwarden.cli.common import echo
from pathwarden.store import Store, StoreError, default_store_path
from pathwarden.store.audit import GENESIS

_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                       show_default=True)


def _open(ctx: click.Context, *, create: bool = False) -> Store:
    """The store; only ``import`` creates one: reading a mistyped path must not answer
    "nothing recorded" from an empty store made on the spot."""
    path = Path(ctx.obj) if ctx.obj else default_store_path()
    if not create and path.parent.is_dir() and not path.exists():
        raise StoreError(f"{path}: no store there (nothing has been stored at this path; "
                         "check --store)")
    return Store(path)


def _emit(fmt: str, rows: list[dict[str, Any]], text: list[str]) -> None:
    if fmt == "json":
        echo(json.dumps(rows, indent=2))
    else:
        for line in text:
            echo(line)


@click.group("store")
@click.option("--store", "store_path", type=click.Path(dir_okay=False), default=None,
              help="Store file (default: $XDG_DATA_HOME/pathwarden/pathwarden.db).")
@click.pass_context
def store(ctx: click.Context, store_path: str | None) -> None:
    """The snapshot store: snapshots, check history, approved baselines, the audit log."""
    ctx.obj = store_path


@store.command("snapshots")
@click.option("--scope", default=None, help="Only this scope.")
@_FORMAT
@click.pass_context
def snapshots(ctx: click.Context, scope: str | None, fmt: str) -> None:
    """List stored snapshots, oldest first."""
    with _open(ctx) as s:
        found = s.snapshots(scope)
    _emit(fmt, [r.to_json() for r in found], [
        f"{r.id[:12]}  {r.created_at}  {r.scope}  {'partial' if r.partial else 'complete'}  "
        f"{r.files} files  {r.source}" for r in found])


@store.command("import")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--source", default="", help="Where it came from (default: the folder).")
@click.option("--scope", default=None, help="Scope key (default: from manifest.json).")
@click.option("--by", "actor", default="pathwarden", show_default=True, help="Who stores it.")
@click.pass_context
def import_cmd(ctx: click.Context, folder: str, source: str, scope: str | None,
               actor: str) -> None:
    """Store a snapshot folder; print its id."""
    with _open(ctx, create=True) as s:
        record, created = s.put_snapshot(folder, source=source, scope=scope, actor=actor)
    echo(record.id)
    if not created:
        echo(f"pathwarden: {folder}: already stored (first seen {record.created_at})",
                   err=True)


@store.command("export")
@click.argument("snapshot_id")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write (new or empty); `--snapshot` reads it.")
@click.pass_context
def export(ctx: click.Context, snapshot_id: str, out_dir: str) -> None:
    """Write a stored snapshot back to a folder."""
    with _open(ctx) as s:
        record = s.restore_snapshot(snapshot_id, out_dir)
    echo(f"pathwarden: wrote snapshot {record.id} to {out_dir}", err=True)


@store.command("approve")
@click.argument("snapshot_id")
@click.option("--by", "approver", required=True, help="Who approves.")
@click.option("--scope", default=None, help="Scope key (default: the snapshot's own).")
@click.option("--note", default="", help="A note (change id, reason).")
@click.pass_context
def approve(ctx: click.Context, snapshot_id: str, approver: str, scope: str | None,
            note: str) -> None:
    """Make a stored snapshot the approved baseline of its scope (audited)."""
    with _open(ctx) as s:
        record = s.approve_baseline(snapshot_id, by=approver, scope=scope, note=note)
    echo(f"pathwarden: approved snapshot {record.snapshot_id} as the baseline of scope "
               f"{record.scope} (by {record.approved_by})")


@store.command("baselines")
@_FORMAT
@click.pass_context
def baselines(ctx: click.Context, fmt: str) -> None:
    """The approved baseline of every scope."""
    with _open(ctx) as s:
        found = s.baselines()
    _emit(fmt, [b.to_json() for b in found], [
        f"{b.scope}  {b.snapshot_id[:12]}  {b.approved_at}  {b.approved_by}  {b.note}".rstrip()
        for b in found])


@store.command("checks")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@_FORMAT
@click.pass_context
def checks(ctx: click.Context, limit: int, fmt: str) -> None:
    """Recorded check results, oldest first."""
    with _open(ctx) as s:
        found = s.checks(limit)
    _emit(fmt, [c.to_json() for c in found], [
        f"#{c.id}  {c.at}  exit {c.exit_code}  {c.report.get('summary', {}).get('total', 0)} "
        f"findings{'  partial' if c.partial else ''}  {c.policy_file}  "
        f"snapshot {(c.snapshot_id or '-')[:12]}" for c in found])


@store.command("audit")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the newest N rows.")
@click.option("--head", is_flag=True, help="Print only the hash of the newest row.")
@_FORMAT
@click.pass_context
def audit(ctx: click.Context, limit: int | None, head: bool, fmt: str) -> None:
    """The audit log, oldest first."""
    with _open(ctx) as s:
        rows = s.audit_rows(1 if head else limit)
    if head:
        echo(rows[-1].hash if rows else GENESIS)
        return
    _emit(fmt, [r.to_json() for r in rows], [
        f"{r.seq:>5}  {r.at}  {r.actor}  {r.action}  {r.subject}  "
        f"{json.dumps(r.detail, sort_keys=True)}" for r in rows])


@store.command("verify")
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Check the audit log's hash chain: exit 0 intact, 2 broken (names the first bad row)."""
    with _open(ctx) as s:
        report = s.verify_audit_chain()
    echo(f"pathwarden: {report.message()}", err=not report.ok)
    ctx.exit(0 if report.ok else 2)
