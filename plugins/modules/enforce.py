#!/usr/bin/python
# Copyright: pathwarden contributors
# Apache License 2.0 (see LICENSE)
"""Ansible module: close policy violations with the narrowest proven, approved change."""

from __future__ import annotations

DOCUMENTATION = r"""
module: enforce
short_description: Close enforce-stage findings with an approved, verified ChangeSet
version_added: 0.1.0
description:
  - Plans the narrowest change that closes every enforce-stage finding of the policy and keeps
    every approved path open (C(pathwarden plan)), or takes a ChangeSet planned and reviewed
    before (O(changeset)), and applies it like C(pathwarden apply).
  - In check mode nothing is written; the live resources are re-read, their preconditions
    checked, and with C(--diff) every changed resource is shown rule by rule, before and after,
    exactly as the ChangeSet says.
  - A real run needs O(change_id) and an O(approval) file whose C(changeset_sha256) is the
    ChangeSet's C(content_sha256). Before anything is written the proof is recomputed from the
    ChangeSet's own operations, against the snapshot and policy and then against the live
    rules (like C(pathwarden verify)). Apply refuses on a proof that does not hold,
    precondition drift or a partial estate, verifies by re-reading, rolls back on any
    failure, and audits every step.
  - Idempotent - when the resources are already as planned (or nothing is open that must not
    be), the task reports C(changed=false).
extends_documentation_fragment:
  - pathwarden.microseg.estate
  - pathwarden.microseg.aws
options:
  changeset:
    description:
      - A ChangeSet file from C(pathwarden plan --out). Without it the module plans from
        O(policy) and O(snapshot) or O(live).
      - With it, O(policy) and O(snapshot) name what it is verified against (default the
        policy and snapshots the ChangeSet records; one planned with O(live) records no
        snapshot, so give the one O(pathwarden.microseg.discover) wrote).
    type: path
  changeset_out:
    description:
      - Write the ChangeSet the module planned to this file (for review and approval).
    type: path
  change_id:
    description:
      - The approved change, e.g. C(CHG0012345); must equal the approval's C(change).
        Required for a real run.
    type: str
  approval:
    description:
      - Approval file from C(pathwarden approve) or a change-control pipeline. Required for a
        real run.
    type: path
  max_changes:
    description:
      - Refuse when the ChangeSet holds more rule operations than this.
    type: int
  allow_brief_gap:
    description:
      - When a quota forbids adding the narrow rules before removing the broad ones, remove
        first and accept a brief gap.
    type: bool
    default: false
  store:
    description:
      - The pathwarden store whose audit log records every step (default the user's store).
    type: path
  region:
    description:
      - Override the region recorded in the ChangeSet for every resource.
    type: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - pathwarden contributors
"""

EXAMPLES = r"""
- name: Show what closing ws-to-backup would change (run with --check --diff)
  pathwarden.microseg.enforce:
    changeset: changes/ws-to-backup.json
  check_mode: true

- name: Apply the approved change, re-verified against the reviewed policy and snapshot
  pathwarden.microseg.enforce:
    changeset: changes/ws-to-backup.json
    policy: policy.yml
    snapshot: [snapshots/2026-11-25]
    change_id: CHG0012345
    approval: changes/ws-to-backup.approval.yml
    max_changes: 25

- name: Plan from a live read and keep the plan for review
  pathwarden.microseg.enforce:
    policy: policy.yml
    live: aws
    regions: [us-east-1]
    changeset_out: changes/plan.json
  check_mode: true
"""

RETURN = r"""
status:
  description: C(applied), C(nothing to do), C(checked), C(refused), C(rolled back) or
    C(rollback failed).
  returned: always
  type: str
  sample: applied
msg:
  description: What happened, in one sentence.
  returned: always
  type: str
steps:
  description: The rule operations written (or, in check mode, that would be), in order.
  returned: always
  type: list
  elements: str
resources:
  description: Each resource's state (pending, already applied, applied, drifted, rolled back).
  returned: always
  type: dict
changeset:
  description: The ChangeSet's document sha256, its content_sha256 (what an approval names),
    what it closes and how many operations it holds.
  returned: always
  type: dict
  sample: {"sha256": "592d9464...", "content_sha256": "f3a90c1e...", "closes": ["ws-to-backup"],
           "operations": 17}
proof:
  description: The ChangeSet's proof (violations after, approved paths newly blocked).
  returned: always
  type: dict
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pathwarden.microseg.plugins.module_utils.common import (
    as_of,
    load_estate,
    run,
)


def _enforce(module: AnsibleModule) -> dict[str, Any]:
    from pathwarden.apply.basis import load_basis, planned_basis
    from pathwarden.apply.workflow import diff_of, plan_document, run_apply
    from pathwarden.cli.common import parse_port_range
    from pathwarden.errors import InputError
    from pathwarden.planner import load_changeset, save_changeset

    p = module.params
    if p["changeset"]:
        doc = load_changeset(p["changeset"])
        basis = load_basis(doc, policy_file=p["policy"], snapshots=p["snapshot"] or (),
                           as_of=as_of(p), ephemeral_ports=parse_port_range(p["ephemeral_ports"]))
    else:
        if not p["policy"] or not (p["snapshot"] or p["live"]):
            raise InputError("give changeset, or policy with snapshot or live")
        estate, sources = load_estate(p)
        doc = plan_document(estate, p["policy"], as_of(p), sources)
        basis = planned_basis(estate, p["policy"], as_of(p), sources)
        if p["changeset_out"]:
            save_changeset(doc, p["changeset_out"])
    summary = {"sha256": doc["sha256"], "content_sha256": doc["content_sha256"],
               "closes": doc["summary"]["closes"],
               "operations": doc["summary"]["operations"]}
    result: dict[str, Any] = {"changed": False, "changeset": summary, "proof": doc["proof"],
                              "steps": [], "resources": {}}
    if not doc["resources"]:
        return {**result, "status": "nothing to do", "msg": "nothing to close"}
    if not module.check_mode and not (p["change_id"] and p["approval"]):
        return {**result, "failed": True, "status": "refused",
                "msg": "a real run needs change_id and approval; use check mode to preview"}
    outcome = run_apply(doc, approval_file=p["approval"], check=module.check_mode,
                        store=p["store"], max_changes=p["max_changes"],
                        allow_brief_gap=p["allow_brief_gap"], profile=p["profile"],
                        endpoint_url=p["endpoint_url"], region=p["region"],
                        change_id=p["change_id"], basis=basis, as_of=basis.as_of,
                        where=p["changeset"] or "the planned ChangeSet")
    result.update(changed=outcome.changed, status=outcome.status, msg=outcome.message,
                  steps=outcome.steps, resources=outcome.resources)
    if module._diff and outcome.changed:
        touched = {k for k, v in outcome.resources.items() if v in ("pending", "applied")}
        result["diff"] = [d for d, r in zip(diff_of(doc), doc["resources"], strict=True)
                          if r["id"] in touched]
    if outcome.exit_code != 0:
        result["failed"] = True
    return result


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "snapshot": {"type": "list", "elements": "path"},
            "live": {"type": "str", "choices": ["aws"]},
            "ephemeral_ports": {"type": "str", "default": "1024-65535"},
            "policy": {"type": "path"},
            "as_of": {"type": "str"},
            "regions": {"type": "list", "elements": "str"},
            "profile": {"type": "str"},
            "endpoint_url": {"type": "str"},
            "changeset": {"type": "path"},
            "changeset_out": {"type": "path"},
            "change_id": {"type": "str"},
            "approval": {"type": "path"},
            "max_changes": {"type": "int"},
            "allow_brief_gap": {"type": "bool", "default": False},
            "store": {"type": "path"},
            "region": {"type": "str"},
        },
        mutually_exclusive=[("snapshot", "live"), ("changeset", "live")],
        supports_check_mode=True,
    )
    run(module, lambda: _enforce(module))


if __name__ == "__main__":
    main()
