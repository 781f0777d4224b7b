#!/usr/bin/python
# Copyright: pathwarden contributors
# Apache License 2.0 (see LICENSE)
"""Ansible module: compare a pathwarden policy with what is really open (read-only)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: check
short_description: Report policy findings - violations, unapproved, overbroad, blocked, expired
version_added: 0.1.0
description:
  - Evaluates the firewall state (a snapshot, or a live discovery) under the cloud's own rules
    and compares every path of the policy with what is really open, like
    C(pathwarden check --format json).
  - Read-only; it never changes a cloud.
extends_documentation_fragment:
  - pathwarden.microseg.estate
  - pathwarden.microseg.aws
options:
  fail_on:
    description:
      - C(enforce) fails the task when an enforce-stage finding exists (the exit code 2 of
        C(pathwarden check)); C(any) fails on any finding; C(never) only reports.
    type: str
    choices: [enforce, any, never]
    default: enforce
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author:
  - pathwarden contributors
"""

EXAMPLES = r"""
- name: The backup console policy must hold
  pathwarden.microseg.check:
    policy: examples/backup-console/policy.yml
    snapshot: [examples/backup-console/snapshot]
    fail_on: enforce

- name: Report only, from a live read
  pathwarden.microseg.check:
    policy: policy.yml
    live: aws
    regions: [us-east-1]
    fail_on: never
  register: report
"""

RETURN = r"""
findings:
  description: The findings, as C(pathwarden check --format json) lists them.
  returned: always
  type: list
  elements: dict
  sample: [{"path": "ws-to-backup", "kind": "violation", "stage": "enforce",
            "open": [{"protocol": "tcp", "ports": [[22, 22], [443, 443]]}]}]
summary:
  description: Counts by kind and stage, and the verdict (pass or fail).
  returned: always
  type: dict
partial:
  description: Whether the estate is partial (some discovery failed).
  returned: always
  type: bool
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pathwarden.microseg.plugins.module_utils.common import (
    as_of,
    load_estate,
    run,
)


def _check(params: dict[str, Any]) -> dict[str, Any]:
    from pathwarden.check import compare
    from pathwarden.engine.engine import Engine
    from pathwarden.errors import InputError
    from pathwarden.policy import load_policy

    if not params["policy"]:
        raise InputError("policy is required")
    estate, _ = load_estate(params)
    result = compare(Engine(estate), load_policy(params["policy"]), as_of=as_of(params))
    doc = result.to_json()
    out: dict[str, Any] = {"changed": False, "findings": doc["findings"],
                           "summary": doc["summary"], "partial": doc["partial"]}
    fail_on = params["fail_on"]
    if (fail_on == "enforce" and result.exit_code() == 2) or (fail_on == "any"
                                                               and result.findings):
        kinds = ", ".join(f"{f.path} ({f.kind.value}, {f.stage.value})" for f in result.findings)
        out.update(failed=True, msg=f"policy findings (fail_on={fail_on}): {kinds}")
    return out


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
            "fail_on": {"type": "str", "choices": ["enforce", "any", "never"],
                        "default": "enforce"},
        },
        mutually_exclusive=[("snapshot", "live")],
        required_one_of=[("snapshot", "live")],
        supports_check_mode=True,
    )
    run(module, lambda: _check(module.params))


if __name__ == "__main__":
    main()
