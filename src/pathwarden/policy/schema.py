"""The JSON Schema (draft 2020-12) of a policy file: the first, structural pass of validation.

The schema is generated from the small registries below, so the published copy
(``docs/policy.schema.json``, ``pathwarden policy schema``) and the loader never disagree.
Semantic checks (segments that exist, port numbers in range, approvals) follow in
:mod:`pathwarden.policy.validate`.

Cloud selectors live in :data:`CLOUD_SELECTORS`: one entry per cloud key (``aws``, ``azure``,
``gcp``), each naming its own keys; their matching lives in :mod:`pathwarden.policy.segments`.
Any other key is rejected with an error that lists the known ones.
"""

from __future__ import annotations

import json
from typing import Any

from pathwarden.policy.ports import PORT_PATTERN

JSONSchema = dict[str, Any]

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
STAGES = ("monitor", "enforce")
RULES = ("deny", "allow")

_TEXT: JSONSchema = {"type": "string", "minLength": 1}
_NAME: JSONSchema = {"type": "string", "pattern": NAME_PATTERN}
_DATE: JSONSchema = {"type": "string", "pattern": DATE_PATTERN, "format": "date"}


def _one_or_more(item: JSONSchema, description: str) -> JSONSchema:
    """A value or a non-empty list of values (OR'd)."""
    types = item["type"] if isinstance(item["type"], list) else [item["type"]]
    return {
        "description": description,
        "type": [*types, "array"],
        **{k: v for k, v in item.items() if k != "type"},
        "items": item,
        "minItems": 1,
    }


_IDS = {"type": "string", "minLength": 1}
_ACCOUNT = {"type": ["string", "integer"], "minLength": 1}

#: cloud key -> that cloud's selector keys (all given keys must match: AND).
CLOUD_SELECTORS: dict[str, dict[str, JSONSchema]] = {
    "aws": {
        "tag": {
            "description": "Tags of the ENI or of its instance; every key must match. A list "
            "of values matches any of them.",
            "type": "object",
            "minProperties": 1,
            "additionalProperties": _one_or_more({"type": ["string", "integer"]}, "Tag value(s)"),
        },
        "security_group": _one_or_more(_IDS, "Security group id(s): the ENIs that carry it."),
        "instance": _one_or_more(_IDS, "EC2 instance id(s): all ENIs of the instance."),
        "eni": _one_or_more(_IDS, "Network interface id(s)."),
        "subnet": _one_or_more(_IDS, "Subnet id(s)."),
        "vpc": _one_or_more(_IDS, "VPC id(s)."),
        "account": _one_or_more(_ACCOUNT, "AWS account id(s)."),
    },
    "azure": {
        "tag": {
            "description": "Tags of the NIC; every key must match. A list of values matches any "
            "of them.",
            "type": "object",
            "minProperties": 1,
            "additionalProperties": _one_or_more({"type": ["string", "integer"]}, "Tag value(s)"),
        },
        "nic": _one_or_more(_IDS, "NIC resource id(s) or name(s)."),
        "vm": _one_or_more(_IDS, "Virtual machine resource id(s) or name(s): all its NICs."),
        "subnet": _one_or_more(_IDS, "Subnet resource id(s)."),
        "vnet": _one_or_more(_IDS, "Virtual network resource id(s) or name(s)."),
        "asg": _one_or_more(_IDS, "Application security group id(s) or name(s)."),
        "resource_group": _one_or_more(_IDS, "Resource group name(s) of the NIC."),
        "subscription": _one_or_more(_IDS, "Subscription id(s)."),
    },
    "gcp": {
        "label": {
            "description": "Labels of the instance; every key must match. A list of values "
            "matches any of them.",
            "type": "object",
            "minProperties": 1,
            "additionalProperties": _one_or_more({"type": ["string", "integer"]}, "Label value(s)"),
        },
        "instance": _one_or_more(_IDS, "Instance name(s) or zone/name: all its NICs."),
        "network_tag": _one_or_more(_IDS, "Network tag(s) of the instance."),
        "service_account": _one_or_more(_IDS, "Service account email(s) the instance runs as."),
        "network": _one_or_more(_IDS, "VPC network name(s) or URL(s)."),
        "subnet": _one_or_more(_IDS, "Subnetwork name(s) or URL(s)."),
        "project": _one_or_more(_IDS, "Project id(s)."),
    },
}


def _cloud_selector(cloud: str, keys: dict[str, JSONSchema]) -> JSONSchema:
    return {
        "description": f"Match {cloud} workloads; every key given must match (AND).",
        "type": "object",
        "minProperties": 1,
        "properties": keys,
        "additionalProperties": False,
    }


def _selector() -> JSONSchema:
    props: dict[str, JSONSchema] = {
        cloud: _cloud_selector(cloud, keys) for cloud, keys in CLOUD_SELECTORS.items()
    }
    props["cidr"] = {
        "description": "Workloads with an address inside, and the range itself as outside "
        "addresses.",
        "type": "string",
        "minLength": 1,
    }
    return {
        "description": "One selector: exactly one of " + ", ".join(props) + ".",
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "properties": props,
        "additionalProperties": False,
    }


def _segment() -> JSONSchema:
    return {
        "type": "object",
        "required": ["match"],
        "properties": {
            "owner": _TEXT,
            "description": _TEXT,
            "match": {
                "description": "Selectors, OR'd: a workload in any of them is a member.",
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "#/$defs/selector"},
            },
        },
        "additionalProperties": False,
    }


def _path() -> JSONSchema:
    return {
        "type": "object",
        "required": ["id", "from", "to", "rule"],
        "properties": {
            "id": _NAME,
            "from": {**_NAME, "description": "Source segment name."},
            "to": {**_NAME, "description": "Destination segment name."},
            "rule": {"enum": list(RULES)},
            "ports": {
                "description": "Ports this path is about; absent means all.",
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "pattern": PORT_PATTERN},
            },
            "why": _TEXT,
            "owner": _TEXT,
            "approved": {
                "type": "object",
                "required": ["by", "change", "on"],
                "properties": {
                    "by": _TEXT,
                    "change": {"type": ["string", "integer"], "minLength": 1},
                    "on": _DATE,
                },
                "additionalProperties": False,
            },
            "expires": {**_DATE, "description": "Last day the approval is valid."},
            "stage": {"enum": list(STAGES), "default": "monitor"},
            "exceptions": {
                "description": "Ids of deny paths this allow path overrides (needs approved "
                "and expires).",
                "type": "array",
                "minItems": 1,
                "items": _NAME,
            },
        },
        "additionalProperties": False,
    }


def policy_schema() -> JSONSchema:
    """The policy file's JSON Schema (draft 2020-12), freshly built each call."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "pathwarden policy",
        "description": "Segments, protected segments and movement paths (version 1).",
        "type": "object",
        "required": ["version", "segments"],
        "properties": {
            "version": {"const": 1},
            "segments": {
                "type": "object",
                "propertyNames": {"pattern": NAME_PATTERN},
                "additionalProperties": {"$ref": "#/$defs/segment"},
            },
            "protect": {
                "description": "Segments into which only declared allow paths may be open.",
                "type": "array",
                "items": {
                    "type": ["string", "object"],
                    "pattern": NAME_PATTERN,
                    "required": ["segment"],
                    "properties": {"segment": _NAME, "stage": {"enum": list(STAGES)}},
                    "additionalProperties": False,
                },
            },
            "paths": {"type": "array", "items": {"$ref": "#/$defs/path"}},
        },
        "additionalProperties": False,
        "$defs": {"selector": _selector(), "segment": _segment(), "path": _path()},
    }


def render_schema() -> str:
    """The schema as published in ``docs/policy.schema.json``."""
    return json.dumps(policy_schema(), indent=2) + "\n"
