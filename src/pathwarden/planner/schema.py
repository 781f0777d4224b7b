"""The ChangeSet JSON Schema (version 1), and reading and writing ChangeSet files.

:func:`load_changeset` refuses a file that does not validate or whose ``sha256`` or
``content_sha256`` does not match its content (edited after planning): both are
:class:`ChangeSetError`, exit 1. The schema is closed (no unknown keys, every field typed), so
a hand-edited or hostile file is refused here, with its JSON path, before anything reads it.
A file that passes is still only *well formed*: :mod:`pathwarden.planner.verify` checks that
its operations do what it says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema.exceptions

from pathwarden.check.findings import Kind
from pathwarden.errors import InputError
from pathwarden.model import Action, Direction, PeerKind
from pathwarden.planner.changeset import FORMAT, VERSION, content_sha256, document_sha256
from pathwarden.policy.model import Stage

SHA = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
TEXT = {"type": "string"}
TEXTS = {"type": "array", "items": TEXT}
COUNT = {"type": "integer", "minimum": 0}
KIND = {"enum": [k.value for k in Kind]}
STAGE = {"enum": [s.value for s in Stage]}
NULL_TEXT = {"type": ["string", "null"]}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON object with exactly these keys (``optional`` ones may be left out)."""
    return {"type": "object", "required": list(required),
            "properties": {**required, **(optional or {})}, "additionalProperties": False}


PAIR = {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}
CODES = {"type": "object", "additionalProperties": {"type": "array", "items": PAIR}}
OPEN = {"type": "array", "items": _object(
    {"protocol": TEXT, "ports": {"type": ["array", "null"], "items": PAIR}},
    {"codes": CODES})}  # codes: ICMP type (text) -> code ranges, as ServiceSet.to_contract
PEER = _object({"kind": {"enum": [k.value for k in PeerKind]}, "value": TEXT,
                "account": NULL_TEXT, "network": NULL_TEXT, "peering": NULL_TEXT,
                "peering_status": NULL_TEXT})
RULE_BODY = {
    "filter": TEXT,
    "action": {"enum": [a.value for a in Action]},
    "direction": {"enum": [d.value for d in Direction]},
    "services": TEXT,
    "src": {"type": "array", "items": PEER},
    "dst": {"type": "array", "items": PEER},
    "order": {"type": "integer"},
    "src_ports": {"type": ["array", "null"], "items": PAIR},
    "description": TEXT,
    "implied": {"type": "boolean"},
    "disabled": {"type": "boolean"},
}
RULE = {"oneOf": [{"type": "null"}, _object({"id": {**TEXT, "minLength": 1}, **RULE_BODY})]}
ACTION = {"enum": ["add", "modify", "remove"]}
OP_CORE = {"seq": {"type": "integer", "minimum": 1}, "action": ACTION,
           "rule_id": {**TEXT, "minLength": 1}, "rule": RULE, "before": RULE}
OPERATION = _object({**OP_CORE, "strategy": TEXT, "reason": TEXT, "closes": TEXTS})
ROLLBACK_OPERATION = _object({**OP_CORE, "undoes": ACTION})
PATCH = {"type": "array", "items": _object(
    {"op": {"enum": ["add", "remove", "replace", "move", "copy", "test"]}, "path": TEXT},
    {"value": {}, "from": TEXT})}
COLLATERAL = _object({"address_port_volume": COUNT,
                      "flows_broken": {"type": ["integer", "null"], "minimum": 0}})
CONDITION = _object({"fingerprint": SHA, "rules": COUNT})
RESOURCE = _object({
    "cloud": TEXT,
    "type": {"enum": ["aws_sg", "aws_nacl", "az_nsg", "gcp_vpc"]},
    "id": {**TEXT, "minLength": 1},
    "name": TEXT,
    "account": TEXT,
    "region": TEXT,
    "network": TEXT,
    "precondition": CONDITION,
    "postcondition": CONDITION,
    "operations": {"type": "array", "items": OPERATION, "minItems": 1},
    "patch": PATCH,
    "rollback": _object({"operations": {"type": "array", "items": ROLLBACK_OPERATION},
                         "patch": PATCH}),
    "view": _object({"before": TEXTS, "after": TEXTS}),
    "closes": TEXTS,
    "collateral": COLLATERAL,
})
CANDIDATE = _object({"hop": TEXT, "strategy": TEXT, "edits": COUNT,
                     "collateral": _object({"address_port_volume": COUNT}),
                     "closed_volume": COUNT, "quota": TEXT, "verdict": TEXT})
FINDING = _object({
    "finding": _object({"path": TEXT, "kind": KIND, "from": TEXT, "to": TEXT, "open": OPEN,
                        "rules": TEXTS}),
    "chosen": {"oneOf": [{"type": "null"}, CANDIDATE]},
    "alternatives": {"type": "array", "items": CANDIDATE},
    "note": TEXT,
})
BRIEF = _object({"path": TEXT, "kind": KIND, "stage": STAGE, "open": OPEN},
                {"closed": OPEN, "newly_open": OPEN})
BRIEFS = {"type": "array", "items": BRIEF}
PROOF = _object({
    "ok": {"type": "boolean"}, "method": TEXT, "violations_before": COUNT,
    "violations_after": COUNT, "closed": BRIEFS, "still_open": BRIEFS,
    "newly_blocked_approved_paths": BRIEFS, "opened": BRIEFS, "opened_volume": COUNT,
    "remaining_enforce_findings": BRIEFS,
})
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://pathwarden.invalid/schemas/changeset-1.json",
    "title": "pathwarden ChangeSet",
    **_object({
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "tool": TEXT,
        "as_of": {"type": "string", "format": "date"},
        "policy": _object({"file": TEXT, "sha256": SHA}),
        "estate": _object({"sources": TEXTS, "partial": {"type": "boolean"},
                           "clouds": TEXTS, "sha256": SHA}),
        "summary": _object({"resources": COUNT, "operations": COUNT, "closes": TEXTS,
                            "proof_ok": {"type": "boolean"}}),
        "findings": {"type": "array", "items": FINDING},
        "not_planned": {"type": "array", "items": _object(
            {"path": TEXT, "kind": KIND, "stage": STAGE, "reason": TEXT})},
        "kept": {"type": "array", "items": _object(
            {"path": TEXT, "from": TEXT, "to": TEXT, "ports": TEXT})},
        "resources": {"type": "array", "items": RESOURCE},
        "proof": PROOF,
        "collateral": COLLATERAL,
        "content_sha256": SHA,
        "sha256": SHA,
    }),
}


VALIDATOR = jsonschema.Draft202012Validator(SCHEMA,
                                            format_checker=jsonschema.FormatChecker(["date"]))


class ChangeSetError(InputError):
    """A ChangeSet file that cannot be used (unreadable, invalid, or edited after planning)."""


def validate(doc: object, where: str = "ChangeSet") -> dict[str, Any]:
    """``doc`` if it is a ChangeSet by :data:`SCHEMA`, else :class:`ChangeSetError` naming
    ``where`` and the JSON path of the first problem."""
    try:
        error = jsonschema.exceptions.best_match(VALIDATOR.iter_errors(doc))
    except RecursionError:
        raise ChangeSetError(f"{where}: nested too deeply to be a ChangeSet") from None
    if error is not None:
        at = "/".join(str(p) for p in error.absolute_path) or "(top)"
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        raise ChangeSetError(f"{where}: {at}: {message}")
    assert isinstance(doc, dict)
    return doc


def save_changeset(doc: dict[str, Any], path: str | Path) -> None:
    validate(doc)
    try:
        Path(path).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise ChangeSetError(f"{path}: cannot write the ChangeSet: {e.strerror or e}") from e


def load_changeset(path: str | Path) -> dict[str, Any]:
    """Read, validate and hash-check a ChangeSet file (any problem: :class:`ChangeSetError`
    naming the file)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise ChangeSetError(f"{path}: cannot read the ChangeSet: {e.strerror or e}") from e
    except UnicodeDecodeError:
        raise ChangeSetError(f"{path}: not a ChangeSet: expected UTF-8 JSON text") from None
    except json.JSONDecodeError as e:
        raise ChangeSetError(f"{path}:{e.lineno}:{e.colno}: not JSON: {e.msg}") from e
    except RecursionError:
        raise ChangeSetError(f"{path}: not usable JSON: nested too deeply") from None
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
