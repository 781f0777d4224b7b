"""The ChangeSet JSON Schema (version 1), and reading and writing ChangeSet files.

:func:`load_changeset` refuses a file that does not validate or whose ``sha256`` or
``content_sha256`` does not match its content (edited after planning): both are
:class:`ChangeSetError`, exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from pathwarden.errors import InputError
from pathwarden.planner.changeset import FORMAT, VERSION, content_sha256, document_sha256

SHA = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
RULE = {"type": ["object", "null"], "required": ["id", "filter", "action", "direction",
                                                 "services", "src", "dst", "order"]}
OPERATION = {
    "type": "object",
    "required": ["seq", "action", "rule_id", "rule", "before"],
    "properties": {
        "seq": {"type": "integer", "minimum": 1},
        "action": {"enum": ["add", "modify", "remove"]},
        "rule_id": {"type": "string", "minLength": 1},
        "rule": RULE,
        "before": RULE,
        "strategy": {"type": "string"},
        "reason": {"type": "string"},
        "closes": {"type": "array", "items": {"type": "string"}},
        "undoes": {"enum": ["add", "modify", "remove"]},
    },
}
PATCH = {"type": "array", "items": {
    "type": "object", "required": ["op", "path"],
    "properties": {"op": {"enum": ["add", "remove", "replace", "move", "copy", "test"]},
                   "path": {"type": "string"}}}}
COLLATERAL = {
    "type": "object", "required": ["address_port_volume", "flows_broken"],
    "properties": {"address_port_volume": {"type": "integer", "minimum": 0},
                   "flows_broken": {"type": ["integer", "null"], "minimum": 0}},
}
RESOURCE = {
    "type": "object",
    "required": ["cloud", "type", "id", "account", "region", "precondition", "postcondition",
                 "operations", "patch", "rollback", "view", "closes", "collateral"],
    "properties": {
        "cloud": {"type": "string"},
        "type": {"enum": ["aws_sg", "aws_nacl"]},
        "id": {"type": "string", "minLength": 1},
        "precondition": {"type": "object", "required": ["fingerprint"],
                         "properties": {"fingerprint": SHA}},
        "postcondition": {"type": "object", "required": ["fingerprint"],
                          "properties": {"fingerprint": SHA}},
        "operations": {"type": "array", "items": OPERATION, "minItems": 1},
        "patch": PATCH,
        "rollback": {"type": "object", "required": ["operations", "patch"],
                     "properties": {"operations": {"type": "array", "items": OPERATION},
                                    "patch": PATCH}},
        "view": {"type": "object", "required": ["before", "after"]},
        "closes": {"type": "array", "items": {"type": "string"}},
        "collateral": COLLATERAL,
    },
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://pathwarden.invalid/schemas/changeset-1.json",
    "title": "pathwarden ChangeSet",
    "type": "object",
    "required": ["format", "version", "tool", "as_of", "policy", "estate", "summary",
                 "findings", "not_planned", "resources", "proof", "collateral",
                 "content_sha256", "sha256"],
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "as_of": {"type": "string", "format": "date"},
        "policy": {"type": "object", "required": ["file", "sha256"]},
        "estate": {"type": "object", "required": ["sources", "partial", "clouds", "sha256"],
                   "properties": {"partial": {"type": "boolean"}, "sha256": SHA}},
        "resources": {"type": "array", "items": RESOURCE},
        "proof": {"type": "object", "required": ["ok", "violations_after",
                                                 "newly_blocked_approved_paths"],
                  "properties": {"ok": {"type": "boolean"}}},
        "collateral": COLLATERAL,
        "content_sha256": SHA,
        "sha256": SHA,
    },
}


class ChangeSetError(InputError):
    """A ChangeSet file that cannot be used (unreadable, invalid, or edited after planning)."""


def validate(doc: object, where: str = "ChangeSet") -> dict[str, Any]:
    try:
        jsonschema.validate(doc, SCHEMA)
    except jsonschema.ValidationError as e:
        at = "/".join(str(p) for p in e.absolute_path) or "(top)"
        raise ChangeSetError(f"{where}: {at}: {e.message}") from None
    assert isinstance(doc, dict)
    return doc


def save_changeset(doc: dict[str, Any], path: str | Path) -> None:
    validate(doc)
    try:
        Path(path).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise ChangeSetError(f"{path}: cannot write the ChangeSet: {e.strerror or e}") from e


def load_changeset(path: str | Path) -> dict[str, Any]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise ChangeSetError(f"{path}: cannot read the ChangeSet: {e.strerror or e}") from e
    except json.JSONDecodeError as e:
        raise ChangeSetError(f"{path}:{e.lineno}:{e.colno}: not JSON: {e.msg}") from e
    doc = validate(raw, str(path))
    if document_sha256(doc) != doc["sha256"]:
        raise ChangeSetError(
            f"{path}: sha256 does not match the content: the ChangeSet was edited after it was "
            "planned; plan it again"
        )
    if content_sha256(doc) != doc["content_sha256"]:
        raise ChangeSetError(f"{path}: content_sha256 does not match the operations: the "
                             "ChangeSet was edited after it was planned; plan it again")
    return doc
