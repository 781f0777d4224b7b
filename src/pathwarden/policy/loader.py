"""Load a policy file: YAML with positions, the JSON Schema pass, then semantic checks.

Every problem is a :class:`~pathwarden.errors.PolicyError` naming ``file:line:column`` and what
was expected; nothing else escapes (the fuzz test in tests/unit/test_policy_fuzz.py holds us
to that).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from pathwarden.errors import PolicyError
from pathwarden.policy.model import Policy
from pathwarden.policy.ports import parse_port
from pathwarden.policy.schema import NAME_PATTERN, policy_schema
from pathwarden.policy.validate import build_policy
from pathwarden.policy.yamlpos import Path as DataPath
from pathwarden.policy.yamlpos import Positions, describe_path, load_yaml

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true/false",
    "null": "nothing",
}


def load_policy(path: str | Path) -> Policy:
    """Read and validate the policy file at ``path``."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PolicyError(file, f"cannot read policy file: {e}") from e
    return parse_policy(text, file)


def parse_policy(text: str, file: str = "<policy>") -> Policy:
    """Validate policy YAML ``text``; ``file`` names it in errors."""
    data, positions = load_yaml(text, file)
    if data is None:
        raise PolicyError(file, "empty policy; expected a mapping with version, segments, paths")
    check_schema(data, positions, file)
    return build_policy(data, positions, file)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return f"the integer {value}"
    return f"the text {value!r}"


def _expected_types(schema_type: Any) -> str:
    names = schema_type if isinstance(schema_type, list) else [schema_type]
    return " or ".join(_TYPE_NAMES.get(str(n), str(n)) for n in names)


def check_schema(data: Any, positions: Positions, file: str) -> None:
    """The structural pass: the first error, in file order, as a PolicyError."""
    validator = Draft202012Validator(policy_schema())
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    located = [_translate(e, positions) for e in errors]
    located.sort(key=lambda x: (x[1], x[2], -x[3]))
    message, line, column, _ = located[0]
    raise PolicyError(file, message, line, column)


def _translate(error: ValidationError, positions: Positions) -> tuple[str, int, int, int]:
    """(message, line, column, depth) for one jsonschema error."""
    path: DataPath = tuple(error.absolute_path)
    where = describe_path(path)
    instance = error.instance
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    line, column = positions.value(path)
    kind = error.validator
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = list(schema.get("properties", {}))
        extra = sorted(
            (k for k in instance if k not in known), key=lambda k: positions.key((*path, k))
        )
        key = extra[0] if extra else "?"
        line, column = positions.key((*path, key))
        what = "selector" if "aws" in known and "cidr" in known else "key"
        message = f"{where}: unknown {what} {key!r}; expected one of: {', '.join(known)}"
    elif kind == "required" and isinstance(instance, dict):
        missing = [k for k in schema.get("required", []) if k not in instance]
        message = f"{where}: missing {', '.join(repr(m) for m in missing)}"
    elif kind == "type":
        message = f"{where}: expected {_expected_types(schema.get('type'))}, got "
        message += _type_name(instance)
    elif kind == "enum":
        options = ", ".join(str(o) for o in schema.get("enum", []))
        message = f"{where}: expected one of: {options}; got {instance!r}"
    elif kind == "const":
        message = f"{where}: expected {schema.get('const')!r}, got {instance!r}"
    elif kind == "pattern":
        message = _pattern_message(where, path, instance, error)
    elif kind in ("minItems", "minProperties") and path and path[-1] == "ports":
        message = f"{where}: expected at least one port (leave out ports to mean all)"
    elif kind in ("minItems", "minProperties", "minLength"):
        message = f"{where}: expected a non-empty value"
    elif kind == "maxProperties":
        keys = ", ".join(schema.get("properties", {}))
        message = f"{where}: a selector has exactly one key ({keys}); use one list item each"
    else:
        message = f"{where}: {error.message}"
    return message, line, column, len(path)


def _pattern_message(where: str, path: DataPath, instance: Any, error: ValidationError) -> str:
    if "propertyNames" in error.schema_path:
        return f"{where}: bad segment name {instance!r}; expected letters, digits, '.', '_' or '-'"
    if len(path) >= 2 and path[-2] == "ports":
        try:
            parse_port(str(instance))
        except ValueError as e:
            return f"{where}: {e}"
    if error.validator_value == NAME_PATTERN:
        return f"{where}: bad name {instance!r}; expected letters, digits, '.', '_' or '-'"
    return f"{where}: expected a date YYYY-MM-DD, got {instance!r}"
