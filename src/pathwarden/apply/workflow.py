"""The plan -> approve -> apply workflow as plain functions, shared by the CLI and the Ansible
modules (each is one call here, so check mode, ``--diff`` and the real run see the same plan).
"""

from __future__ import annotations

import getpass
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pathwarden.apply.approval import read_approval
from pathwarden.apply.audit import AuditLog, StoreAudit
from pathwarden.apply.aws import AwsWriter
from pathwarden.apply.basis import Basis, BasisVerifier, file_sha256, load_basis
from pathwarden.apply.runner import CloudWriters, Outcome, Writer, apply_changeset
from pathwarden.errors import InputError
from pathwarden.model import Estate
from pathwarden.planner import build_changeset, plan_changes
from pathwarden.planner.operations import parse_operations
from pathwarden.policy import load_policy


@dataclass(frozen=True, slots=True)
class LiveScope:
    """``--live aws`` and its scope options (the same as ``pathwarden discover aws``)."""

    cloud: str = "aws"
    regions: tuple[str, ...] = ()
    profile: str | None = None
    endpoint_url: str | None = None


def load_estate_for_plan(snapshots: Sequence[str], live: LiveScope | None,
                         ephemeral_ports: tuple[int, int] = (1024, 65535)) -> Estate:
    """The estate from snapshot folders, or from a fresh live discovery (kept in a temporary
    folder for the duration of the load)."""
    from pathwarden.providers.load import load_estate

    if snapshots and live is not None:
        raise InputError("give --snapshot or --live, not both")
    if live is None:
        if not snapshots:
            raise InputError("no estate: give --snapshot DIR or --live aws")
        return load_estate(list(snapshots), ephemeral_ports=ephemeral_ports)
    if live.cloud != "aws":
        raise InputError(f"--live {live.cloud}: only aws can be planned and applied so far")
    from pathwarden.providers.aws.discover import discover_aws
    from pathwarden.providers.manifest import load_discovered

    with tempfile.TemporaryDirectory(prefix="pathwarden-live-") as tmp:
        out = Path(tmp) / "snapshot"
        manifest = discover_aws(out, regions=list(live.regions) or None, profile=live.profile,
                                endpoint_url=live.endpoint_url, progress=False)
        return load_discovered(
            manifest, out, lambda: load_estate([str(out)], ephemeral_ports=ephemeral_ports),
            kept=False)


def plan_document(estate: Estate, policy_file: str, as_of: date,
                  sources: Sequence[str] = (), flows_db: str | None = None) -> dict[str, Any]:
    """The ChangeSet for ``estate``; ``sources`` names where the estate came from (the
    snapshot folders, or ``live:aws:REGIONS``) in the document. With ``flows_db`` (a
    ``pathwarden flows ingest`` database) candidates are ranked by observed flows broken."""
    policy = load_policy(policy_file)
    impact = None
    if flows_db:
        from pathwarden.flows import FlowStore
        from pathwarden.flows.simulate import flow_impact

        impact = flow_impact(FlowStore(flows_db, read_only=True), policy=policy, as_of=as_of)
    plan = plan_changes(estate, policy, as_of, impact)
    return build_changeset(plan, policy_file=str(policy_file),
                           policy_sha256=file_sha256(policy_file), sources=sources)


def sources_of(snapshots: Sequence[str], live: LiveScope | None) -> list[str]:
    if live is not None:
        return [f"live:{live.cloud}:{','.join(live.regions) or 'all regions'}"]
    return [str(s) for s in snapshots]


def run_apply(doc: dict[str, Any], *, approval_file: str | None, check: bool,
              store: str | None = None, audit: AuditLog | None = None,
              max_changes: int | None = None, allow_brief_gap: bool = False,
              profile: str | None = None, endpoint_url: str | None = None,
              region: str | None = None, change_id: str | None = None,
              writers: Mapping[str, Writer] | None = None, basis: Basis | None = None,
              policy_file: str | None = None, snapshots: Sequence[str] = (),
              as_of: date | None = None, where: str = "ChangeSet",
              ephemeral_ports: tuple[int, int] = (1024, 65535)) -> Outcome:
    """Apply (or check) a ChangeSet document, audited in the store. Each resource goes to the
    writer of its cloud: ``writers`` (e.g. an :class:`~pathwarden.apply.azure.AzureWriter` or
    :class:`~pathwarden.apply.gcp.GcpWriter` pointed at an endpoint), else the default one
    (AWS from ``profile``/``endpoint_url``/``region``; Azure and GCP from their default
    credentials).

    The proof is recomputed before anything is written, against ``basis``, else the estate
    and policy ``snapshots``/``policy_file`` name, else the ones the ChangeSet records
    (:func:`~pathwarden.apply.basis.load_basis`); ``where`` names the ChangeSet in errors.
    The files are read cheapest first, so a malformed one fails fast."""
    approval = read_approval(approval_file) if approval_file else None
    if approval is not None and change_id and approval.change != change_id:
        raise InputError(f"the approval is for change {approval.change}, not {change_id}")
    ops = parse_operations(doc, where)
    if basis is None:
        basis = load_basis(doc, policy_file=policy_file, snapshots=snapshots, as_of=as_of,
                           ephemeral_ports=ephemeral_ports)
    verifier = BasisVerifier(doc, basis, where, ops)
    clouds = {r.get("cloud", "aws") for r in doc.get("resources", [])} or {"aws"}
    given = dict(writers or {})
    if "aws" in clouds and "aws" not in given:
        given["aws"] = AwsWriter(check=check, profile=profile, endpoint_url=endpoint_url,
                                 region=region)
    writer = CloudWriters(check, given)
    own = audit is None
    log: AuditLog = audit if audit is not None else StoreAudit(store, _actor(approval))
    try:
        return apply_changeset(doc, writer, log, verifier=verifier, approval=approval,
                               max_changes=max_changes, allow_brief_gap=allow_brief_gap,
                               today=as_of)
    finally:
        if own and isinstance(log, StoreAudit):
            log.close()


def _actor(approval: Any) -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user} (approved by {approval.approver})" if approval else user


def diff_of(doc: dict[str, Any]) -> list[dict[str, str]]:
    """Ansible ``diff`` entries, one per resource, straight from the ChangeSet's ``view``."""
    return [
        {"before_header": f"{r['id']} ({r['type']}) before",
         "after_header": f"{r['id']} ({r['type']}) after",
         "before": "\n".join(r["view"]["before"]) + "\n",
         "after": "\n".join(r["view"]["after"]) + "\n"}
        for r in doc["resources"]
    ]
