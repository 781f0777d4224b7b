"""``pathwarden flows ingest|summarize|evidence`` and ``pathwarden simulate`` (docs/flows.md).

Exit codes: 0 done, 1 error (bad input). ``simulate`` exits 2 when the change would stop an
observed flow the policy approves (``--fail-on approved``, the default) so a pipeline can gate on
it; ``--fail-on none`` only reports.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import click

from pathwarden.cli.common import echo, load_snapshots, snapshot_options
from pathwarden.errors import InputError

__all__ = ["flows", "simulate"]

DB_HELP = "DuckDB flow store (a file; created by `flows ingest`)."


def _window_options(func: Any) -> Any:
    func = click.option("--days", type=click.IntRange(min=1), default=None,
                        help="Only the last N days before --until (default: the last flow).")(func)
    func = click.option("--until", type=click.DateTime(), default=None,
                        help="End of the window (exclusive).")(func)
    func = click.option("--since", type=click.DateTime(), default=None,
                        help="Start of the window.")(func)
    return func


def _store(db: str, *, read_only: bool = True) -> Any:
    from pathlib import Path

    from pathwarden.flows import FlowStore

    if read_only and not Path(db).is_file():
        raise InputError(f"{db}: no flow store here; run `pathwarden flows ingest --db {db} ...`")
    return FlowStore(db, read_only=read_only)


def _window(store: Any, since: datetime | None, until: datetime | None,
            days: int | None) -> Any:
    from pathwarden.flows import Window

    if since is not None and until is not None and since >= until:
        raise InputError(f"--since {since:%Y-%m-%d %H:%M:%S} is not before --until "
                         f"{until:%Y-%m-%d %H:%M:%S}: the window is empty")
    return Window.last_days(store, days, since, until)


def _policy(path: str | None) -> Any:
    if not path:
        return None
    from pathwarden.policy import load_policy

    return load_policy(path)


def _emit(doc: dict[str, Any], fmt: str, text: str) -> None:
    echo(json.dumps(doc, indent=2, default=str) if fmt == "json" else text)


@click.group()
def flows() -> None:
    """Observed traffic: load flow logs, summarise them, and find unused or over-broad rules."""


@flows.command("ingest")
@click.option("--db", required=True, type=click.Path(dir_okay=False), help=DB_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--force", is_flag=True,
              help="Ingest files whose content is stored already again, replacing their records.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def ingest(db: str, paths: tuple[str, ...], force: bool, fmt: str) -> None:
    """Load flow-log files or folders (AWS text/gzip/Parquet, Azure VNet/NSG, GCP) into --db.

    A file whose content (sha256) is stored already is skipped (--force replaces it). A file
    that is no flow log is reported and the others are loaded; the exit code is then 1.
    """
    with _store(db, read_only=False) as store:
        result = store.ingest_all(list(paths), force=force)
        total = store.count()
    doc = {**result.to_json(), "stored_records": total}
    lines = [line for r in result.reports for line in (r.line(), *(f"  {e}" for e in r.examples))]
    lines += [s.line() for s in result.skipped]
    if result.replaced:
        lines.append(f"--force: {result.replaced} earlier records of the same content replaced")
    lines.append(f"{db}: {total} flow records stored")
    _emit(doc, fmt, "\n".join(lines))
    if result.errors:
        for e in result.errors:
            echo(f"pathwarden: error: {e}", err=True)
        echo(f"pathwarden: {len(result.errors)} file(s) not ingested; the others were",
                   err=True)
        raise SystemExit(1)


@flows.command("summarize")
@click.option("--db", required=True, type=click.Path(dir_okay=False), help=DB_HELP)
@click.option("--snapshot", "snapshots", multiple=True, type=click.Path(),
              help="Snapshot folder (repeatable), to name segments and security groups.")
@click.option("--ephemeral-ports", default="1024-65535", show_default=True)
@click.option("--policy", type=click.Path(dir_okay=False), help="Policy file (YAML).")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Judge approvals on this day (default: the day of the last flow).")
@_window_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def summarize_cmd(db: str, snapshots: tuple[str, ...], ephemeral_ports: str, policy: str | None,
                  top: int, as_of: datetime | None, since: datetime | None,
                  until: datetime | None, days: int | None, fmt: str) -> None:
    """Top talkers per segment pair, flows per policy path, observed violations, rejects."""
    from pathwarden.flows import summarize, summary_text

    if policy and not snapshots:
        raise InputError("--policy needs --snapshot (segments are resolved in an estate)")
    estate = load_snapshots(snapshots, ephemeral_ports) if snapshots else None
    with _store(db) as store:
        doc = summarize(store, estate=estate, policy=_policy(policy),
                        window=_window(store, since, until, days), top=top,
                        as_of=as_of.date() if as_of else None)
    _emit(doc, fmt, summary_text(doc))


@flows.command("evidence")
@click.option("--db", required=True, type=click.Path(dir_okay=False), help=DB_HELP)
@snapshot_options
@click.option("--policy", type=click.Path(dir_okay=False),
              help="Policy file: flows it forbids are left out of proposed narrowed rules.")
@click.option("--ratio", type=click.FloatRange(0.0, 1.0), default=0.01, show_default=True,
              help="overbroad-observed when used / allowed address x port space is below this.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@_window_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def evidence(db: str, snapshots: tuple[str, ...], ephemeral_ports: str, policy: str | None,
             ratio: float, as_of: datetime | None, since: datetime | None,
             until: datetime | None, days: int | None, fmt: str) -> None:
    """Per rule: hits, last hit, unused space; findings `unused` and `overbroad-observed`."""
    from pathwarden.flows import EvidenceBuilder, PathJudge, SegmentIndex, load_pairs

    estate = load_snapshots(snapshots, ephemeral_ports)
    pol = _policy(policy)
    with _store(db) as store:
        window = _window(store, since, until, days)
        pairs = load_pairs(store, window)
    last = max((p.last_seen for p in pairs), default=None)
    day = as_of.date() if as_of else (last.date() if last else date.today())
    builder = EvidenceBuilder(estate, judge=PathJudge(pol, day) if pol else None,
                              segments=SegmentIndex(estate, pol) if pol else None)
    builder.add(pairs)
    found = builder.findings(ratio=ratio)
    rules = sorted(builder.evidence.values(), key=lambda e: (-e.hits, e.rule.id))
    doc: dict[str, Any] = {
        "window": {"since": window.since, "until": window.until},
        "rules": [{"rule": e.rule.id, "filter": e.filter.id, "hits": e.hits,
                   "return_hits": e.return_hits,
                   "last_hit": e.last_hit.isoformat() if e.last_hit else None}
                  for e in rules],
        "findings": [f.to_json() for f in found],
        "unattributed_records": builder.unattributed,
        "rejected_elsewhere_records": builder.rejected_elsewhere,
    }
    lines = ["rule hits:"]
    lines += [f"  {r['rule']} ({r['filter']}): {r['hits']} hits, last {r['last_hit']}"
              for r in doc["rules"]]
    lines.append("findings:")
    for f in doc["findings"]:
        lines.append(f"  {f['kind']}: {f['rule']} {f['summary']}: {f['message']}")
        proof = f.get("proof") or {}
        proven = f" [proven: {proof['summary']}]" if proof.get("proven") else ""
        if "proposed" in f and "rule" in f["proposed"]:
            r = f["proposed"]["rule"]
            peers = r["src"] if r["direction"] == "ingress" else r["dst"]
            lines.append(f"    proposed (not applied): {r['services']} "
                         + ", ".join(p["value"] for p in peers) + proven)
        elif "proposed" in f:
            lines.append(f"    proposed (not applied): remove it{proven}")
    if builder.unattributed:
        lines.append(f"{builder.unattributed} accepted records no rule of the estate explains")
    _emit(doc, fmt, "\n".join(lines))


@click.command("simulate")
@click.argument("changeset", required=False, type=click.Path(dir_okay=False))
@click.option("--flows", "db", required=True, type=click.Path(dir_okay=False), help=DB_HELP)
@snapshot_options
@click.option("--after", "after_snapshots", multiple=True, type=click.Path(),
              help="Instead of a CHANGESET: the estate after the change, as snapshot folder(s).")
@click.option("--policy", type=click.Path(dir_okay=False), help="Policy file (YAML).")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@_window_options
@click.option("--fail-on", type=click.Choice(["approved", "any", "none"]), default="approved",
              show_default=True, help="Exit 2 when the change stops observed flows of this kind.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def simulate(changeset: str | None, db: str, snapshots: tuple[str, ...], ephemeral_ports: str,
             after_snapshots: tuple[str, ...], policy: str | None, as_of: datetime | None,
             since: datetime | None, until: datetime | None, days: int | None, fail_on: str,
             fmt: str) -> None:
    """Replay observed flows against the estate before and after CHANGESET (or --after)."""
    from pathwarden.flows import estate_after
    from pathwarden.flows import simulate as run

    if bool(changeset) == bool(after_snapshots):
        raise InputError("give either a CHANGESET file or --after SNAPSHOT, not both or neither")
    before = load_snapshots(snapshots, ephemeral_ports)
    if changeset:
        from pathwarden.planner import load_changeset

        after = estate_after(before, load_changeset(changeset))
    else:
        after = load_snapshots(after_snapshots, ephemeral_ports)
    with _store(db) as store:
        sim = run(before, after, store, policy=_policy(policy),
                  window=_window(store, since, until, days),
                  as_of=as_of.date() if as_of else None)
    _emit(sim.to_json(), fmt, sim.to_text())
    stopped = {"approved": sim.records("approved"), "any": sim.records(), "none": 0}[fail_on]
    if stopped:
        raise SystemExit(2)
