"""``tf export-approved``: the policy's approved allow paths as module input.

The document is ``{"approved_paths": [...]}``, the one variable of
``modules/<cloud>-approved-paths``; Terraform loads it by itself when the file name ends in
``.auto.tfvars.json``. One entry per allow path x protocol/port range, keyed by a stable
``id`` (``jump-to-backup-tcp-443``) so the modules' ``for_each`` keeps each rule's address
when other paths change. Only approved, unexpired allow paths are exported. Segments are
exported as symbols (security groups, ASGs, network tags, service accounts) and CIDRs, never
as expanded addresses; an ``instance``/``eni`` selector is exported as the workload's /32
addresses only when an estate is given. What cannot be exported is returned as a reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pathwarden.model import Estate, ServiceSet
from pathwarden.policy.model import PathRule, Policy, Segment

# cloud -> selector key -> the entry key it fills on the destination / source side
_SYMBOLS: dict[str, dict[str, tuple[str, str]]] = {
    "aws": {"security_group": ("security_group_ids", "source_security_group_ids")},
    "azure": {"asg": ("destination_asg_ids", "source_asg_ids")},
    "gcp": {
        "network_tag": ("target_tags", "source_tags"),
        "service_account": ("target_service_accounts", "source_service_accounts"),
    },
}


def _side(segment: Segment, cloud: str, dst: bool, estate: Estate | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    keys = _SYMBOLS[cloud]
    cidr_key = "destination_cidrs" if dst else "source_cidrs"
    for sel in segment.match:
        if sel.cidr is not None:
            out.setdefault(cidr_key, []).append(sel.cidr_text)
            continue
        if sel.cloud != cloud:
            continue
        for key, values in sel.criteria:
            if key in keys:
                out.setdefault(keys[key][0 if dst else 1], []).extend(values)
            elif key in ("instance", "eni") and estate is not None:
                field = "instance" if key == "instance" else "id"
                for w in estate.workloads:
                    if getattr(w, field) in values:
                        out.setdefault(cidr_key, []).extend(
                            f"{a}/32" if ":" not in a else f"{a}/128" for a in w.addresses
                        )
    return {k: sorted(dict.fromkeys(v)) for k, v in out.items()}


def _ports(services: ServiceSet) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for entry in services.to_contract():
        proto = entry["protocol"]
        if entry["ports"] is None:
            out.append(
                (
                    proto if proto != "all" else "-1",
                    -1 if proto != "tcp" else 0,
                    -1 if proto != "tcp" else 65535,
                )
            )
        else:
            out += [(proto, lo, hi) for lo, hi in entry["ports"]]
    return out


def _entry(p: PathRule, proto: str, lo: int, hi: int) -> dict[str, Any]:
    span = "all" if proto == "-1" else (f"{lo}" if lo == hi else f"{lo}-{hi}")
    return {
        "id": f"{p.id}-{'all' if proto == '-1' else proto}-{span}".replace("/", "-"),
        "path": p.id,
        "description": (p.why or f"pathwarden approved path {p.id}")[:255],
        "protocol": proto,
        "from_port": lo,
        "to_port": hi,
        "owner": p.owner,
        "change": p.approved.change if p.approved else "",
        "approved_by": p.approved.by if p.approved else "",
        "expires": p.expires.isoformat() if p.expires else "",
    }


def export_approved(
    policy: Policy, cloud: str, estate: Estate | None, *, as_of: date
) -> tuple[dict[str, Any], list[str]]:
    """``({"approved_paths": [...]}, [reasons for what was skipped])``."""
    entries: list[dict[str, Any]] = []
    skipped: list[str] = []
    for p in policy.paths:
        if p.is_deny:
            continue
        if p.approved is None:
            skipped.append(f"{p.id}: no approval record")
            continue
        if p.expired(as_of):
            skipped.append(f"{p.id}: approval expired on {p.expires}")
            continue
        src, dst = policy.segment(p.src), policy.segment(p.dst)
        if src is None or dst is None:
            skipped.append(f"{p.id}: unknown segment")
            continue
        s = _side(src, cloud, False, estate)
        d = _side(dst, cloud, True, estate)
        bad_dst = not d or (cloud == "aws" and "security_group_ids" not in d)
        if bad_dst or not s:
            what = "security group" if cloud == "aws" and bad_dst else f"{cloud} symbol or CIDR"
            skipped.append(
                f"{p.id}: segment {p.dst if bad_dst else p.src} has no {what} to export "
                "(instance and ENI selectors need --snapshot)"
            )
            continue
        for proto, lo, hi in _ports(p.services):
            entry = _entry(p, proto, lo, hi)
            entry.update(d)
            entry.update(s)
            entries.append(entry)
    return {"approved_paths": entries}, skipped
