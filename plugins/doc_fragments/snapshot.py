# Copyright: pathwarden contributors
# Apache License 2.0 (see LICENSE)
"""Options every module that reads an estate shares."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  snapshot:
    description:
      - Snapshot folders to read (what C(pathwarden discover) or the cloud CLIs write).
      - Several folders (accounts, regions, clouds) are merged into one estate.
    type: list
    elements: path
    required: true
  ephemeral_ports:
    description:
      - Client port range that AWS network ACLs must allow for return traffic.
    type: str
    default: 1024-65535
requirements:
  - python >= 3.11
  - pathwarden >= 0.1.0 on the controller
"""
