#!/usr/bin/python
# Copyright: pathwarden contributors
# Apache License 2.0 (see LICENSE)
"""Ansible module: what is open between two endpoints (read-only)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: reach_info
short_description: Show which protocols and ports are open between two endpoints
version_added: 0.1.0
description:
  - Evaluates the firewall state in a snapshot under the cloud's own rules (AWS security
    groups, network ACLs and their stateless return path) and returns what is open from
    O(source) to O(destination), with every rule on every hop that opens it.
  - Read-only; it never changes a cloud.
extends_documentation_fragment:
  - pathwarden.microseg.snapshot
options:
  source:
    description:
      - ENI id, instance id, IP address, CIDR, security group id, or C(segment:NAME) with
        O(policy).
    type: str
    required: true
  destination:
    description:
      - Same forms as O(source).
    type: str
    required: true
  policy:
    description:
      - Policy file, needed for C(segment:NAME) endpoints.
    type: path
  ports:
    description:
      - Services to ask about, as C(pathwarden reach --port) takes them (C(tcp/3389),
        C(tcp/1000-2000), C(udp/53), C(icmp), C(icmpv6), a protocol number such as C(50)).
      - When given, RV(blocked) says for each closed one the first hop that blocks it and
        what decided there.
    type: list
    elements: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author:
  - pathwarden contributors
"""

EXAMPLES = r"""
- name: Nothing may reach the backup console from the workstation subnet
  pathwarden.microseg.reach_info:
    snapshot: [examples/backup-console/snapshot]
    source: 10.20.1.0/24
    destination: sg-0backup
  register: ws_to_backup

- name: Why RDP from the jump host to the console is closed
  pathwarden.microseg.reach_info:
    snapshot: [examples/backup-console/snapshot]
    source: i-0jump
    destination: sg-0backup
    ports: [tcp/3389]
  register: jump_rdp

- name: Fail the play while the path is open
  ansible.builtin.assert:
    that: ws_to_backup.open | length == 0
    fail_msg: "open: {{ ws_to_backup.open }}"
"""

RETURN = r"""
open:
  description: Open protocols and ports, as C(pathwarden reach --format json) prints them.
  returned: always
  type: list
  elements: dict
  sample: [{"protocol": "tcp", "ports": [[22, 22], [443, 443]]}]
explanations:
  description: For each open range, every rule on every hop that lets it through.
  returned: always
  type: list
  elements: dict
partial:
  description: Whether the snapshot is partial (some discovery failed).
  returned: always
  type: bool
blocked:
  description:
    - For the asked O(ports) that are closed, where each stops, as C(pathwarden reach --port
      --format json) prints it. C(by) is the deciding rule id, C(implicit-deny) or
      C(no-route); C(pairs) counts the member pairs blocked there. Open services are not
      listed.
  returned: when O(ports) is given
  type: list
  elements: dict
  sample: [{"protocol": "tcp", "ports": [[3389, 3389]], "stage": "security groups sg-0backup
    (ingress, destination)", "by": "implicit-deny", "detail": "no rule allows it (implicit
    deny)", "pairs": 1}]
blocked_omitted:
  description: How many blocking hops were left off (at most 10 are listed per asked service).
  returned: when some were left off
  type: int
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pathwarden.microseg.plugins.module_utils.common import run


def _reach(params: dict[str, Any]) -> dict[str, Any]:
    from pathwarden.cli.common import parse_port_range
    from pathwarden.cli.reach_cmd import parse_services
    from pathwarden.engine.engine import Engine
    from pathwarden.providers.load import load_estate

    estate = load_estate(
        params["snapshot"], ephemeral_ports=parse_port_range(params["ephemeral_ports"])
    )
    segments = None
    if params["policy"]:
        from pathwarden.policy import load_policy, segment_resolver

        segments = segment_resolver(estate, load_policy(params["policy"]))
    asked = parse_services(tuple(params["ports"] or ()), "ports")
    result = Engine(estate).reach(params["source"], params["destination"], segments=segments)
    doc = result.to_json()
    out = {
        "changed": False,
        "open": doc["open"],
        "explanations": doc["explanations"],
        "partial": doc["partial"],
    }
    if params["ports"]:
        from pathwarden.engine.blocked import blocked

        out.update(blocked(result, asked).to_json())
    return out


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "snapshot": {"type": "list", "elements": "path", "required": True},
            "ephemeral_ports": {"type": "str", "default": "1024-65535"},
            "source": {"type": "str", "required": True},
            "destination": {"type": "str", "required": True},
            "policy": {"type": "path"},
            "ports": {"type": "list", "elements": "str"},
        },
        supports_check_mode=True,
    )
    run(module, lambda: _reach(module.params))


if __name__ == "__main__":
    main()
