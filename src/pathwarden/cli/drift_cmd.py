"""``pathwarden drift``: the estate now against an approved baseline.

The current estate is ``--snapshot DIR`` or ``--live aws ...``; the baseline is ``--baseline
DIR`` or the newest approved baseline of the scope in the store (``--store PATH``, default
``$XDG_DATA_HOME/pathwarden/pathwarden.db``). The scope is ``--scope KEY`` or the one the
current snapshot's ``manifest.json`` names (``aws:ACCOUNTS:REGIONS``; ``default`` without a
manifest). ``--approve-baseline --by NAME`` stores the current snapshot and makes it the
approved baseline of its scope instead of comparing (an audit row records who and when).

Exit codes: 0 no drift; 1 error, or no drift seen but an estate is partial; 2 drift by
``--fail-on`` (``any`` inventory or path change by default; ``paths``: a path regression;
``enforce``: a regression on an enforce-stage path). See :mod:`pathwarden.check.drift`.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path

import click

from pathwarden.check.drift import FailOn
from pathwarden.check.drift import drift as compute_drift
from pathwarden.cli.common import echo, emit, load_snapshots
from pathwarden.cli.live import EstateSpec, Loaded, estate_options, open_estate
from pathwarden.errors import InputError
from pathwarden.model import Estate
from pathwarden.report.drift_formats import DRIFT_FORMATS, render_drift


@click.command("drift")
@estate_options
@click.option("--baseline", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Baseline snapshot folder (default: the approved baseline in the store).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False), default=None,
              help="Store file (default: $XDG_DATA_HOME/pathwarden/pathwarden.db).")
@click.option("--scope", default=None, metavar="KEY",
              help="Baseline scope in the store (default: from the snapshot's manifest).")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), default=None,
              help="Policy file: also report movement paths opened, closed, widened, narrowed.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Day for approval expiry in the policy (default today).")
@click.option("--format", "fmt", type=click.Choice(DRIFT_FORMATS), default="text",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the report to this file instead of stdout.")
@click.option("--fail-on", type=click.Choice([f.value for f in FailOn]), default="any",
              show_default=True, help="What counts as drift for exit code 2.")
@click.option("--approve-baseline", is_flag=True,
              help="Store the current snapshot as the approved baseline of its scope.")
@click.option("--by", "approver", default=None, metavar="NAME",
              help="Who approves (with --approve-baseline).")
@click.option("--note", default="", help="A note for the approval (change id, reason).")
@click.option("--record", is_flag=True,
              help="Also store the current snapshot and an audit row for this run.")
@click.pass_context
def drift(ctx: click.Context, spec: EstateSpec, baseline: str | None,
              store_path: str | None, scope: str | None, policy_file: str | None,
              as_of: datetime | None, fmt: str, out: str | None, fail_on: str,
              approve_baseline: bool, approver: str | None, note: str, record: bool) -> None:
    """Compare the estate with an approved baseline: rules, groups and attachments added,
    removed or changed, and (with --policy) movement paths opened or closed.

    Exit 0: no drift; 1: error (or no drift seen on a partial estate); 2: drift.
    """
    if approve_baseline:
        ctx.exit(_approve(spec, store_path, scope, approver, note))
    if approver:
        raise InputError("--by needs --approve-baseline")
    policy = None
    if policy_file:
        from pathwarden.policy import load_policy

        policy = load_policy(policy_file)
    with ExitStack() as stack:
        current = stack.enter_context(open_estate(spec, load_snapshots))
        base, label = _baseline(stack, spec, current, baseline, store_path, scope)
        day = as_of.date() if as_of else date.today()
        report = compute_drift(base, current.estate, policy, as_of=day,
                               fail_on=FailOn(fail_on), baseline_label=label,
                               current_label=current.label)
        if record:
            _record(store_path, current, report.to_json()["summary"], label)
    text = render_drift(report, fmt)
    emit(text, out)
    ctx.exit(report.exit_code())


def _baseline(stack: ExitStack, spec: EstateSpec, current: Loaded, folder: str | None,
              store_path: str | None, scope: str | None) -> tuple[Estate, str]:
    if folder:
        if scope:
            raise InputError("--scope picks a baseline in the store; not with --baseline")
        return load_snapshots((folder,), spec.ephemeral_ports), folder
    from pathwarden.store import Store

    store = stack.enter_context(Store(store_path))
    key = scope or _scope(current)
    approved = store.baseline(key)
    if approved is None:
        raise InputError(
            f"{store.label}: no approved baseline for scope {key!r}; give --baseline DIR or "
            "approve one with `pathwarden drift --approve-baseline --by NAME`"
        )
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pathwarden-base-")))
    store.restore_snapshot(approved.snapshot_id, tmp / "baseline")
    estate = load_snapshots((str(tmp / "baseline"),), spec.ephemeral_ports)
    return estate, f"store:{approved.snapshot_id[:12]} ({key}, approved by {approved.approved_by})"


def _scope(loaded: Loaded) -> str:
    """The scope key of the current estate: from its manifest, ``default`` without one."""
    from pathwarden.store import scope_of

    return scope_of(loaded.manifest.to_json() if loaded.manifest is not None else None)


def _approve(spec: EstateSpec, store_path: str | None, scope: str | None,
             approver: str | None, note: str) -> int:
    from pathwarden.store import Store

    if not approver:
        raise InputError("--approve-baseline needs --by NAME (who approves this baseline)")
    with open_estate(spec, load_snapshots) as current:
        if len(current.folders) != 1:
            raise InputError("--approve-baseline: give one snapshot folder")
        if current.estate.partial:
            raise InputError("refusing to approve a partial snapshot as the baseline: "
                             "discovery of part of the scope failed, or the snapshot lacks "
                             "objects it references (see `pathwarden check` notes)")
        with Store(store_path) as store:
            key = scope or _scope(current)
            record, _ = store.put_snapshot(current.folders[0], source=current.label, scope=key,
                                           actor=approver)
            approved = store.approve_baseline(record.id, by=approver, scope=key, note=note)
    echo(f"pathwarden: approved snapshot {approved.snapshot_id} as the baseline of "
               f"scope {approved.scope} (by {approved.approved_by})")
    return 0


def _record(store_path: str | None, current: Loaded, summary: dict[str, object],
            baseline: str) -> None:
    from pathwarden.store import Store

    with Store(store_path) as store:
        snapshot_id = None
        if len(current.folders) == 1:
            snapshot_id = store.put_snapshot(current.folders[0], source=current.label)[0].id
        store.audit("drift.run", snapshot_id or current.label,
                    {"baseline": baseline, "current": current.label, "summary": summary})

