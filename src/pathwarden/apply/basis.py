"""What a ChangeSet is verified against, and the verification ``pathwarden verify``,
``approve`` and ``apply`` run (:mod:`pathwarden.planner.verify`).

The *basis* is an estate (snapshot folders) and a policy. The caller names them
(``--snapshot``, ``--policy``); without them the ones the ChangeSet records are read
(``estate.sources``, ``policy.file``). The recorded ones are only as trustworthy as the
ChangeSet file itself: someone who can edit it can point them elsewhere. docs/security.md
says when to name them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pathwarden.errors import InputError
from pathwarden.model import Estate, Filter
from pathwarden.model.serialize import estate_to_json
from pathwarden.planner.changeset import estate_sha256
from pathwarden.planner.edits import RuleOp
from pathwarden.planner.operations import parse_operations
from pathwarden.planner.verify import Verification, verify_changeset, verify_live
from pathwarden.policy import Policy, load_policy


@dataclass(frozen=True, slots=True)
class Basis:
    estate: Estate
    policy: Policy
    policy_file: str
    policy_sha256: str
    sources: tuple[str, ...]
    as_of: date


def file_sha256(path: str | Path) -> str:
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from e


def load_basis(doc: dict[str, Any], *, policy_file: str | None = None,
               snapshots: Sequence[str] = (), as_of: date | None = None,
               ephemeral_ports: tuple[int, int] = (1024, 65535)) -> Basis:
    """The estate and policy to verify ``doc`` against: the given ones, else the recorded."""
    from pathwarden.providers.load import load_estate

    folders = tuple(snapshots) or tuple(doc["estate"]["sources"])
    live = [s for s in folders if s.startswith("live:")]
    if live or not folders:
        raise InputError(f"the ChangeSet was planned from {', '.join(live) or 'no snapshot'}; "
                         "give --snapshot DIR (a discovery of that estate) to verify it")
    policy_path = policy_file or doc["policy"]["file"]
    if not Path(policy_path).is_file():
        raise InputError(f"{policy_path}: no such policy file (recorded in the ChangeSet); "
                         "give --policy FILE")
    policy = load_policy(policy_path)
    estate = load_estate(list(folders), ephemeral_ports=ephemeral_ports)
    return Basis(estate, policy, policy_path, file_sha256(policy_path), folders,
                 as_of or date.today())


class BasisVerifier:
    """Verifies one ChangeSet against one :class:`Basis`: on the snapshot, then (``apply``)
    on the live rules read just before writing."""

    def __init__(self, doc: dict[str, Any], basis: Basis, where: str = "ChangeSet",
                 ops: dict[str, list[RuleOp]] | None = None) -> None:
        self.doc = doc
        self.basis = basis
        self.ops = ops if ops is not None else parse_operations(doc, where)

    def snapshot(self) -> Verification:
        b = self.basis
        return verify_changeset(self.doc, self.ops, b.estate, b.policy, b.as_of)

    def live(self, live: Mapping[str, Filter]) -> Verification:
        b = self.basis
        return verify_live(self.doc, self.ops, b.estate, b.policy, b.as_of, live)

    def report(self, where: str, verification: Verification) -> dict[str, Any]:
        """The ``pathwarden verify`` document: what was verified against what, and how."""
        doc, b = self.doc, self.basis
        estate_sha = estate_sha256(estate_to_json(b.estate))
        return {
            "changeset": {"file": where, "content_sha256": doc["content_sha256"],
                          "sha256": doc["sha256"], "operations": doc["summary"]["operations"],
                          "closes": doc["summary"]["closes"]},
            "policy": {"file": b.policy_file, "sha256": b.policy_sha256,
                       "planned_sha256": doc["policy"]["sha256"],
                       "same_as_planned": b.policy_sha256 == doc["policy"]["sha256"]},
            "estate": {"sources": list(b.sources), "sha256": estate_sha,
                       "planned_sha256": doc["estate"]["sha256"],
                       "same_as_planned": estate_sha == doc["estate"]["sha256"]},
            "as_of": b.as_of.isoformat(),
            **verification.to_json(),
        }


def planned_basis(estate: Estate, policy_file: str, as_of: date,
                  sources: Sequence[str]) -> Basis:
    """The basis of a ChangeSet planned in this same run from ``estate`` (the Ansible module
    plans and applies in one task): the proof is still recomputed from its operations."""
    return Basis(estate, load_policy(policy_file), policy_file, file_sha256(policy_file),
                 tuple(sources), as_of)
