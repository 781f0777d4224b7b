"""Terraform plan and state JSON (``terraform show -json``) -> typed, read-only values.

Wire format only (https://developer.hashicorp.com/terraform/internals/json-format): a plan has
``resource_changes`` (each with ``change.actions``, ``before``, ``after`` and
``after_unknown``), ``prior_state`` (a state representation) and ``configuration`` (the
expressions, with ``references`` for values known only after apply); a state has
``values.root_module`` with nested ``child_modules``. Every shape error is one
:class:`~pathwarden.errors.SnapshotError` naming the file, the key path and what was expected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pathwarden.errors import SnapshotError
from pathwarden.providers.jsondoc import describe_value, read_json

EXPECTED_PLAN = (
    "expected Terraform plan JSON as `terraform show -json PLANFILE` writes "
    "(an object with format_version and resource_changes)"
)
EXPECTED_STATE = (
    "expected Terraform state JSON as `terraform show -json` writes "
    "(an object with format_version and values.root_module)"
)
_INDEX = re.compile(r"\[[^\]]*\]")
# The action lists Terraform writes (internals/json-format, "Change Representation"), plus
# ["create", "forget"]: a replacement whose old object is kept (lifecycle destroy = false).
ACTION_LISTS = (
    ("no-op",),
    ("create",),
    ("read",),
    ("update",),
    ("delete", "create"),
    ("create", "delete"),
    ("delete",),
    ("forget",),
    ("create", "forget"),
)


def config_address(address: str) -> str:
    """``module.a["x"].aws_sg.b[0]`` -> ``module.a.aws_sg.b`` (the configuration's address)."""
    return _INDEX.sub("", address)


def module_of(address: str) -> str:
    """The module instance prefix of a resource address (``module.a["x"]``; ``""`` for root)."""
    parts = split_address(address)
    return ".".join(parts[:-2])


def split_address(address: str) -> list[str]:
    """Split an address on dots outside brackets: ``module.a["x.y"].t.n`` -> 4 parts."""
    out: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(address):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "." and depth == 0:
            out.append(address[start:i])
            start = i + 1
    out.append(address[start:])
    return out


@dataclass(frozen=True, slots=True)
class Resource:
    """One managed resource as the plan or state shows it (values are the provider's JSON)."""

    address: str
    type: str
    name: str
    values: Mapping[str, Any]
    unknown: Mapping[str, Any] = field(default_factory=dict)  # after_unknown (plans only)

    @property
    def module(self) -> str:
        return module_of(self.address)


@dataclass(frozen=True, slots=True)
class Change:
    """One ``resource_changes`` entry: ``before`` is None on create, ``after`` on delete."""

    address: str
    type: str
    name: str
    actions: tuple[str, ...]
    before: Resource | None
    after: Resource | None

    @property
    def is_noop(self) -> bool:
        """Nothing changes in the cloud (``forget`` only drops the object from the state)."""
        return self.actions in (("no-op",), ("read",), ("forget",))

    @property
    def action(self) -> str:
        """One word for reports: create, update, delete, replace, no-op, read."""
        if set(self.actions) == {"create", "delete"}:
            return "replace"
        return self.actions[0] if self.actions else "no-op"


@dataclass(frozen=True, slots=True)
class Plan:
    file: str
    format_version: str
    terraform_version: str
    changes: tuple[Change, ...]
    prior: tuple[Resource, ...]
    configuration: Mapping[str, Any]
    variables: Mapping[str, Any]

    def change(self, address: str) -> Change | None:
        for c in self.changes:
            if c.address == address:
                return c
        return None


def _expect_object(value: object, file: str, keypath: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SnapshotError(file, f"expected {what}, found {describe_value(value)}", keypath)
    return value


def _expect_list(value: object, file: str, keypath: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SnapshotError(file, f"expected a list, found {describe_value(value)}", keypath)
    return value


def _text(data: dict[str, Any], key: str, file: str, keypath: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        found = describe_value(value) if key in data else "nothing"
        raise SnapshotError(file, f"expected a non-empty string, found {found}", f"{keypath}.{key}")
    return value


def iter_module_resources(module: dict[str, Any], file: str, keypath: str) -> Iterator[Resource]:
    """Managed resources of a state module and its ``child_modules``, depth first."""
    for i, item in enumerate(_expect_list(module.get("resources"), file, f"{keypath}.resources")):
        where = f"{keypath}.resources[{i}]"
        r = _expect_object(item, file, where, "a resource object")
        if r.get("mode", "managed") != "managed":
            continue
        values = r.get("values")
        yield Resource(
            address=_text(r, "address", file, where),
            type=_text(r, "type", file, where),
            name=_text(r, "name", file, where),
            values=_expect_object(values if values is not None else {}, file, where, "values"),
        )
    children = _expect_list(module.get("child_modules"), file, f"{keypath}.child_modules")
    for i, child in enumerate(children):
        where = f"{keypath}.child_modules[{i}]"
        yield from iter_module_resources(
            _expect_object(child, file, where, "a module object"), file, where
        )


def _state_resources(state: object, file: str, keypath: str) -> tuple[Resource, ...]:
    if state is None:
        return ()
    data = _expect_object(state, file, keypath, "a state object")
    values = data.get("values")
    if values is None:
        return ()
    root = _expect_object(values, file, f"{keypath}.values", "an object").get("root_module")
    if root is None:
        return ()
    where = f"{keypath}.values.root_module" if keypath else "values.root_module"
    return tuple(iter_module_resources(_expect_object(root, file, where, "an object"), file, where))


def _change(item: object, file: str, where: str) -> Change | None:
    rc = _expect_object(item, file, where, "a resource change object")
    if rc.get("mode", "managed") != "managed":
        return None
    address = _text(rc, "address", file, where)
    rtype = _text(rc, "type", file, where)
    name = _text(rc, "name", file, where)
    ch = _expect_object(rc.get("change"), file, f"{where}.change", "a change object")
    actions = _expect_list(ch.get("actions"), file, f"{where}.change.actions")
    if not actions or not all(isinstance(a, str) for a in actions):
        raise SnapshotError(
            file, "expected a non-empty list of action names", f"{where}.change.actions"
        )
    if tuple(actions) not in ACTION_LISTS:
        raise SnapshotError(
            file,
            f"{address}: unknown or contradictory actions {json.dumps(actions)}; expected one "
            "of " + ", ".join(json.dumps(list(a)) for a in ACTION_LISTS),
            f"{where}.change.actions",
        )
    sides: list[Resource | None] = []
    for key in ("before", "after"):
        value = ch.get(key)
        if value is None:
            sides.append(None)
            continue
        values = _expect_object(value, file, f"{where}.change.{key}", "an object or null")
        unknown: dict[str, Any] = {}
        if key == "after":
            raw = ch.get("after_unknown")
            if isinstance(raw, dict):
                unknown = raw
            elif raw is True:
                unknown = {"*": True}
        sides.append(Resource(address, rtype, name, values, unknown))
    if "delete" not in actions and sides[1] is None and "read" not in actions:
        # create/update with a wholly unknown after (rare): keep an empty, fully unknown side
        sides[1] = Resource(address, rtype, name, {}, {"*": True})
    return Change(address, rtype, name, tuple(actions), sides[0], sides[1])


def parse_plan(data: object, file: str) -> Plan:
    """Check the shape of plan JSON ``data`` (read from ``file``) and build a :class:`Plan`."""
    if not isinstance(data, dict) or (
        "resource_changes" not in data and "planned_values" not in data
    ):
        found = describe_value(data)
        if isinstance(data, dict):
            found = "keys [" + ", ".join(repr(k) for k in sorted(data)[:10]) + "]"
            if "values" in data and "planned_values" not in data:
                found += " (this looks like state JSON, not a plan)"
        raise SnapshotError(file, f"{EXPECTED_PLAN}; found {found}")
    changes: list[Change] = []
    for i, item in enumerate(_expect_list(data.get("resource_changes"), file, "resource_changes")):
        c = _change(item, file, f"resource_changes[{i}]")
        if c is not None:
            changes.append(c)
    config = data.get("configuration")
    variables = data.get("variables")
    return Plan(
        file=file,
        format_version=str(data.get("format_version", "")),
        terraform_version=str(data.get("terraform_version", "")),
        changes=tuple(changes),
        prior=_state_resources(data.get("prior_state"), file, "prior_state"),
        configuration=config if isinstance(config, dict) else {},
        variables=variables if isinstance(variables, dict) else {},
    )


def read_plan(path: str | Path) -> Plan:
    """Read a plan JSON file; unreadable or malformed input is a :class:`SnapshotError`."""
    file = str(path)
    if Path(path).is_dir():
        raise SnapshotError(file, f"is a directory; {EXPECTED_PLAN}")
    return parse_plan(read_json(Path(path), file), file)


def read_state(path: str | Path) -> tuple[Resource, ...]:
    """Managed resources of a state JSON file (``terraform show -json`` without a plan)."""
    file = str(path)
    data = read_json(Path(path), file)
    if not isinstance(data, dict) or ("values" not in data and "format_version" not in data):
        raise SnapshotError(file, f"{EXPECTED_STATE}; found {describe_value(data)}")
    return _state_resources(data, file, "")
