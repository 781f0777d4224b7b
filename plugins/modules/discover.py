#!/usr/bin/python
# Copyright: pathwarden contributors
# Apache License 2.0 (see LICENSE)
"""Ansible module: discover a cloud's firewall state into a snapshot folder (read-only)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: discover
short_description: Read a cloud's firewall state into a pathwarden snapshot folder
version_added: 0.1.0
description:
  - Runs C(pathwarden discover aws) - paginated, retried, read-only describe calls - and
    writes the snapshot folder every other module and command can read offline.
  - It never changes the cloud. In check mode it discovers just the same (nothing is written
    to the cloud either way).
extends_documentation_fragment:
  - pathwarden.microseg.aws
options:
  cloud:
    description:
      - The cloud to discover.
    type: str
    choices: [aws]
    default: aws
  out:
    description:
      - The snapshot folder to write (created; a folder holding an older snapshot needs
        O(overwrite)).
    type: path
    required: true
  overwrite:
    description:
      - Replace an older snapshot in O(out).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author:
  - pathwarden contributors
"""

EXAMPLES = r"""
- name: Snapshot the production account
  pathwarden.microseg.discover:
    out: /var/lib/pathwarden/snapshots/prod
    regions: [eu-west-1, us-east-1]
    overwrite: true
  register: snap

- name: Stop when part of the scope could not be read
  ansible.builtin.assert:
    that: not snap.partial
"""

RETURN = r"""
snapshot:
  description: The snapshot folder written.
  returned: always
  type: str
  sample: /var/lib/pathwarden/snapshots/prod
partial:
  description: Whether some call failed, so the snapshot is partial (apply refuses it).
  returned: always
  type: bool
summary:
  description: Accounts, regions, and the number of calls that succeeded and failed.
  returned: always
  type: dict
  sample: {"accounts": ["123456789012"], "regions": ["us-east-1"], "calls_ok": 9,
           "calls_failed": 0, "failed": []}
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pathwarden.microseg.plugins.module_utils.common import run


def _discover(params: dict[str, Any]) -> dict[str, Any]:
    from pathwarden.providers.aws.discover import discover_aws
    from pathwarden.providers.manifest import CallStatus

    manifest = discover_aws(params["out"], regions=params["regions"], profile=params["profile"],
                            endpoint_url=params["endpoint_url"], progress=False,
                            overwrite=params["overwrite"])
    failed = [f"{c.account}/{c.region} {c.action}: {c.error}" for c in manifest.calls
              if c.status is CallStatus.FAILED]
    return {
        "changed": False,
        "snapshot": str(params["out"]),
        "partial": manifest.partial,
        "summary": {
            "accounts": list(manifest.accounts),
            "regions": list(manifest.regions),
            "calls_ok": sum(1 for c in manifest.calls if c.status is CallStatus.OK),
            "calls_failed": len(failed),
            "failed": failed,
        },
    }


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "regions": {"type": "list", "elements": "str"},
            "profile": {"type": "str"},
            "endpoint_url": {"type": "str"},
            "cloud": {"type": "str", "choices": ["aws"], "default": "aws"},
            "out": {"type": "path", "required": True},
            "overwrite": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    run(module, lambda: _discover(module.params))


if __name__ == "__main__":
    main()
