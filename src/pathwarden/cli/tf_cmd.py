"""``pathwarden tf``: review Terraform plans (or HCL) against the policy; export approved paths.

Exit codes: 0 the plan makes no enforce-stage finding worse, 1 unreadable input, 2 it does
(or, with ``--fail-on existing``, an enforce-stage finding exists at all).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import click

from pathwarden.cli.common import echo, parse_port_range, write_text
from pathwarden.errors import InputError
from pathwarden.policy import load_policy

FORMATS = ("text", "markdown", "json", "sarif", "junit")


def _renderers() -> dict[str, Callable[..., str]]:
    from pathwarden.report.tf_json import render_review_json
    from pathwarden.report.tf_junit import render_review_junit
    from pathwarden.report.tf_markdown import render_review_markdown
    from pathwarden.report.tf_sarif import render_review_sarif
    from pathwarden.report.tf_text import render_review_text

    return {
        "text": render_review_text,
        "markdown": render_review_markdown,
        "json": render_review_json,
        "sarif": render_review_sarif,
        "junit": render_review_junit,
    }


def _tf_dir(explicit: str | None, hcl: str | None, plan: str | None) -> str | None:
    if explicit:
        if not Path(explicit).is_dir():
            raise InputError(f"--tf-dir {explicit}: not a directory of .tf files")
        return explicit
    if hcl:
        return hcl
    if plan and any(Path(plan).parent.glob("*.tf")):
        return str(Path(plan).parent)
    return None


@click.group("tf")
def tf() -> None:
    """Terraform: review plans against the policy, export approved paths for the modules."""


@tf.command("review")
@click.argument("plan_json", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--policy",
    "policy_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="Policy file (YAML).",
)
@click.option(
    "--snapshot",
    "snapshots",
    multiple=True,
    type=click.Path(),
    help="Estate before the plan (repeatable); default: the plan's prior_state.",
)
@click.option(
    "--hcl",
    "hcl_dir",
    type=click.Path(file_okay=False),
    help="Review the .tf files of this folder instead of a plan.",
)
@click.option(
    "--state",
    "state_json",
    type=click.Path(dir_okay=False),
    help="With --hcl: state JSON (`terraform show -json`) mapping addresses to ids.",
)
@click.option(
    "--tf-dir",
    type=click.Path(file_okay=False),
    help="Folder of the .tf files, for file:line locations (default: the plan's "
    "folder when it holds .tf files).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("--markdown-out", type=click.Path(dir_okay=False), help="Also write Markdown.")
@click.option("--sarif-out", type=click.Path(dir_okay=False), help="Also write SARIF.")
@click.option("--json-out", type=click.Path(dir_okay=False), help="Also write JSON.")
@click.option("--junit-out", type=click.Path(dir_okay=False), help="Also write JUnit XML.")
@click.option(
    "--fail-on",
    type=click.Choice(["new", "existing"]),
    default="new",
    show_default=True,
    help="new: fail only for what the plan makes worse; existing: also for "
    "enforce-stage findings that exist before the plan.",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Evaluate approval expiry on this day (default today).",
)
@click.option("--ephemeral-ports", default="1024-65535", show_default=True)
@click.pass_context
def review_cmd(
    ctx: click.Context,
    plan_json: str | None,
    policy_file: str,
    snapshots: tuple[str, ...],
    hcl_dir: str | None,
    state_json: str | None,
    tf_dir: str | None,
    fmt: str,
    out: str | None,
    markdown_out: str | None,
    sarif_out: str | None,
    json_out: str | None,
    junit_out: str | None,
    fail_on: str,
    as_of: datetime | None,
    ephemeral_ports: str,
) -> None:
    """Review PLAN_JSON (`terraform show -json PLANFILE`) or --hcl DIR against the policy.

    Lists the movement paths the plan opens and closes, the findings it makes worse, those it
    repairs, and (apart) those that exist already. Exit 0 pass, 1 error, 2 the plan makes an
    enforce-stage finding worse.
    """
    from pathwarden.providers.load import load_estate
    from pathwarden.terraform import overlay, read_plan, read_state, review
    from pathwarden.terraform.hcl_plan import hcl_plan
    from pathwarden.terraform.locations import Locations

    if bool(plan_json) == bool(hcl_dir):
        raise InputError("tf review: give exactly one of PLAN_JSON or --hcl DIR")
    if state_json and not hcl_dir:
        raise InputError("tf review: --state goes with --hcl (a plan has its own prior_state)")
    policy = load_policy(policy_file)
    snapshot = None
    if snapshots:
        snapshot = load_estate(list(snapshots), ephemeral_ports=parse_port_range(ephemeral_ports))
    notes: list[str] = []
    if hcl_dir:
        state = read_state(state_json) if state_json else ()
        plan, notes = hcl_plan(hcl_dir, state)
    else:
        assert plan_json is not None
        plan = read_plan(plan_json)
    where = _tf_dir(tf_dir, hcl_dir, plan_json)
    locations = Locations(where) if where else None
    ov = overlay(plan, snapshot)
    result = review(
        ov,
        policy,
        source=plan.file,
        as_of=as_of.date() if as_of else date.today(),
        fail_on=fail_on,
        locations=locations,
    )
    # the after-estate's notices (the snapshot's and the plan's) go into every report
    result = replace(result, after=replace(result.after, notices=ov.after.notices))
    renderers = _renderers()
    text = renderers[fmt](result)
    for note in notes:
        echo(f"pathwarden: note: {note}", err=True)
    for option, path, name in (
        ("--markdown-out", markdown_out, "markdown"),
        ("--sarif-out", sarif_out, "sarif"),
        ("--json-out", json_out, "json"),
        ("--junit-out", junit_out, "junit"),
    ):
        if path:
            write_text(path, renderers[name](result), option)
    if out:
        write_text(out, text, "--out")
    else:
        echo(text, nl=False)
    ctx.exit(result.exit_code())


@tf.command("export-approved")
@click.option("--policy", "policy_file", required=True, type=click.Path(dir_okay=False))
@click.option(
    "--cloud", type=click.Choice(["aws", "azure", "gcp"]), default="aws", show_default=True
)
@click.option(
    "--snapshot",
    "snapshots",
    multiple=True,
    type=click.Path(),
    help="Resolve segments to security groups / CIDRs in this estate.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="File to write (default: pathwarden-approved.auto.tfvars.json).",
)
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def export_approved_cmd(
    policy_file: str,
    cloud: str,
    snapshots: tuple[str, ...],
    out: str | None,
    as_of: datetime | None,
) -> None:
    """Write the policy's approved allow paths as a *.auto.tfvars.json for modules/<cloud>-
    approved-paths (only approved, unexpired paths; expired ones are listed on stderr)."""
    from pathwarden.providers.load import load_estate
    from pathwarden.terraform.approved import export_approved

    policy = load_policy(policy_file)
    estate = load_estate(list(snapshots)) if snapshots else None
    doc, skipped = export_approved(
        policy, cloud, estate, as_of=as_of.date() if as_of else date.today()
    )
    target = out or "pathwarden-approved.auto.tfvars.json"
    if not target.endswith(".auto.tfvars.json"):
        echo(
            f"pathwarden: note: {target} does not end in .auto.tfvars.json; Terraform "
            "loads it only with -var-file",
            err=True,
        )
    import json

    write_text(target, json.dumps(doc, indent=2) + "\n", "--out")
    for s in skipped:
        echo(f"pathwarden: skipped: {s}", err=True)
    echo(f"wrote {len(doc['approved_paths'])} approved path(s) to {target}")


@tf.command("render")
@click.argument("changeset", type=click.Path(dir_okay=False))
@click.option(
    "--tf-dir",
    required=True,
    type=click.Path(file_okay=False),
    help="The root module's .tf files to patch.",
)
@click.option(
    "--state",
    "state_json",
    type=click.Path(dir_okay=False),
    help="State JSON (`terraform show -json`): which rules Terraform manages.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write the diff here.")
@click.option(
    "--write-to",
    type=click.Path(file_okay=False),
    help="Also write a patched copy of --tf-dir to this new folder.",
)
def render_cmd(
    changeset: str, tf_dir: str, state_json: str | None, out: str | None, write_to: str | None
) -> None:
    """Render CHANGESET (`pathwarden plan --out`) as a unified diff of the .tf files: edits
    of Terraform-managed rules, new resources (with import blocks) for the others."""
    from pathwarden.planner import ChangeSetError, load_changeset
    from pathwarden.terraform import read_state
    from pathwarden.terraform.render import render

    try:
        doc = load_changeset(changeset)
    except ChangeSetError as e:
        raise InputError(str(e)) from e
    if not Path(tf_dir).is_dir():
        raise InputError(f"--tf-dir {tf_dir}: not a directory of .tf files")
    state = read_state(state_json) if state_json else ()
    result = render(doc, tf_dir, state)
    diff = result.diff()
    if write_to:
        result.write(Path(write_to))
    if out:
        write_text(out, diff, "--out")
    else:
        echo(diff, nl=False)
    for note in result.notes:
        echo(f"pathwarden: note: {note}", err=True)
