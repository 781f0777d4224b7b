"""``pathwarden check``: the policy against the estate; exit 0 clean, 1 error, 2 findings.

The estate is ``--snapshot DIR`` (repeatable) or ``--live aws`` with the scope options of
``discover`` (:mod:`pathwarden.cli.live`). A partial estate (discovery of part of the scope
failed) is checked and reported as partial in every format; it never exits 0: enforce-stage
findings still exit 2 (what was found open is open), otherwise the exit code is 1, because
"no findings" on an incomplete estate is not a clean result. ``--store PATH`` records the
snapshot and the result in the store (:mod:`pathwarden.store`).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import click

from pathwarden.check import CheckResult, compare
from pathwarden.check.findings import MAX_PAIRS
from pathwarden.check.parallel import default_jobs
from pathwarden.cli.common import echo, emit, load_snapshots
from pathwarden.cli.live import EstateSpec, Loaded, estate_options, open_estate
from pathwarden.engine.engine import Engine
from pathwarden.errors import InputError
from pathwarden.model import Estate
from pathwarden.policy import Policy, load_policy
from pathwarden.report import FORMATS, render

jobs_option = click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for the paths (default: one per CPU, up to 8, for large estates "
    "and policies; 1 otherwise). The report is the same for any number.",
)


def auto_jobs(estate: Estate, policy: Policy) -> int:
    """Workers pay off once there is real work to share: thousands of workloads and more than
    a handful of paths (a worker costs a fork and its own warm caches)."""
    tasks = len(policy.paths) + len(policy.protect)
    return default_jobs() if len(estate.workloads) >= 2000 and tasks >= 8 else 1


policy_option = click.option(
    "--policy",
    "policy_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="Policy file (YAML).",
)


def exit_code(result: CheckResult) -> int:
    """:meth:`CheckResult.exit_code`, except that a partial estate never exits 0."""
    code = result.exit_code()
    return 1 if code == 0 and result.partial else code


@click.command("check")
@policy_option
@estate_options
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
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Record the snapshot and this result in the store file (see `pathwarden store`).",
)
@click.option(
    "--all-pairs",
    is_flag=True,
    help=f"List every member pair of a finding (default: the count and the first {MAX_PAIRS}).",
)
@jobs_option
@click.pass_context
def check(
    ctx: click.Context,
    policy_file: str,
    spec: EstateSpec,
    fmt: str,
    as_of: datetime | None,
    out: str | None,
    store_path: str | None,
    jobs: int | None,
    all_pairs: bool,
) -> None:
    """Compare the policy with what is really open, and report the findings.

    Exit 0: no enforce-stage findings (monitor-stage ones are reported); 1: error, or a
    partial estate without enforce-stage findings; 2: enforce-stage findings.
    """
    policy = load_policy(policy_file)
    with open_estate(spec, load_snapshots) as loaded:
        day = as_of.date() if as_of else date.today()
        workers = jobs if jobs is not None else auto_jobs(loaded.estate, policy)
        result = compare(Engine(loaded.estate), policy, as_of=day, jobs=workers,
                         max_pairs=None if all_pairs else MAX_PAIRS)
        result = replace(result, notices=loaded.estate.notices)
        code = exit_code(result)
        if store_path:
            _record(store_path, loaded, policy_file, result, code)
    text = render(result, fmt)
    emit(text, out)
    if result.partial and code == 1:
        echo("pathwarden: partial estate and no enforce-stage findings: not a clean "
                   "result (exit 1)", err=True)
    ctx.exit(code)


def _record(store_path: str, loaded: Loaded, policy_file: str, result: CheckResult,
            code: int) -> None:
    from pathwarden.store import Store

    try:
        policy_sha = hashlib.sha256(Path(policy_file).read_bytes()).hexdigest()
    except OSError as e:
        raise InputError(f"{policy_file}: cannot read: {e.strerror or e}") from e
    with Store(store_path) as store:
        snapshot_id = None
        if len(loaded.folders) == 1:
            record, _ = store.put_snapshot(loaded.folders[0], source=loaded.label)
            snapshot_id = record.id
        store.record_check(result.to_json(), policy_file=policy_file, policy_sha256=policy_sha,
                           snapshot_id=snapshot_id, exit_code=code)
