# Copyright: pathwarden contributors
# Apache License 2.0 (see LICENSE)
"""Options of the modules that read an estate from snapshots or live (check, enforce)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  snapshot:
    description:
      - Snapshot folders to read (what C(pathwarden discover) or the cloud CLIs write).
      - Mutually exclusive with O(live).
    type: list
    elements: path
  live:
    description:
      - Discover the estate live from this cloud instead of reading O(snapshot).
    type: str
    choices: [aws]
  ephemeral_ports:
    description:
      - Client port range that AWS network ACLs must allow for return traffic.
    type: str
    default: 1024-65535
  policy:
    description:
      - The pathwarden policy file (YAML).
    type: path
  as_of:
    description:
      - Evaluate approval expiry on this day (YYYY-MM-DD); default today.
    type: str
requirements:
  - python >= 3.11
  - pathwarden >= 0.1.0 on the controller
"""
