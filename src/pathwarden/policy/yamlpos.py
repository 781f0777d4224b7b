"""Read YAML into plain JSON-like data and remember where every key and value came from.

PyYAML's :func:`yaml.compose` gives nodes that carry ``start_mark.line/column``; we build the
data from those nodes ourselves instead of using PyYAML's constructor, for three reasons:

- positions: every value (and every mapping key) gets a 1-based ``line:column``, so a policy
  error can name the exact place (:class:`Positions`);
- YAML 1.1 surprises: mapping keys are always their text (``on:`` in ``approved`` stays the key
  ``"on"``, not the boolean ``True``), and plain scalars stay text except integers and null
  (``Backup: yes`` is the tag value ``"yes"``; ``expires: 2027-05-01`` is the text
  ``"2027-05-01"``, parsed as a date by the policy loader);
- safety: duplicate keys are an error (PyYAML silently keeps the last one), recursive aliases and
  alias bombs are refused, and only the standard scalar tags are accepted.

>>> data, pos = load_yaml("a:\\n  - on: 1\\n", "p.yml")
>>> data, pos.value(("a", 0, "on")), pos.key(("a", 0, "on"))
({'a': [{'on': 1}]}, (2, 9), (2, 5))
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pathwarden.errors import PolicyError

Path = tuple[str | int, ...]
Mark = tuple[int, int]

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
MAX_NODES = 100_000


class Positions:
    """``line, column`` (1-based) of each value and each mapping key, by data path."""

    def __init__(self) -> None:
        self.values: dict[Path, Mark] = {}
        self.keys: dict[Path, Mark] = {}

    def value(self, path: Path) -> Mark:
        """Where the value at ``path`` starts; the nearest enclosing value if unknown."""
        for i in range(len(path), -1, -1):
            if path[:i] in self.values:
                return self.values[path[:i]]
        return (0, 0)

    def key(self, path: Path) -> Mark:
        """Where the mapping key ending ``path`` is written (falls back to the value)."""
        return self.keys.get(path) or self.value(path)


def describe_path(path: Iterable[str | int]) -> str:
    """``("paths", 0, "ports", 1)`` -> ``paths[0].ports[1]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "top level"


def _mark(node: Node) -> Mark:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.pos = Positions()
        self.count = 0
        self.stack: set[int] = set()
        self.constructor = SafeConstructor()

    def fail(self, node: Node, message: str) -> PolicyError:
        line, col = _mark(node)
        return PolicyError(self.file, message, line, col)

    def build(self, node: Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, f"document too large (more than {MAX_NODES} values)")
        if id(node) in self.stack:
            raise self.fail(node, "recursive YAML alias; expected plain data")
        self.pos.values.setdefault(path, _mark(node))
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        self.stack.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                if node.tag != _STD + "seq":
                    raise self.fail(node, f"unsupported YAML tag {node.tag}; expected a list")
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                return self.mapping(node, path)
            raise self.fail(node, "unsupported YAML node")  # pragma: no cover - no other kinds
        finally:
            self.stack.discard(id(node))

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        if node.tag != _STD + "map":
            raise self.fail(node, f"unsupported YAML tag {node.tag}; expected a mapping")
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, "expected a plain text key, found a list or mapping")
            key = self.text(key_node)
            if key == "<<":
                raise self.fail(key_node, "YAML merge keys (<<) are not supported; write keys out")
            if key in out:
                raise self.fail(key_node, f"duplicate key {key!r}; expected each key once")
            self.pos.keys[(*path, key)] = _mark(key_node)
            out[key] = self.build(value_node, (*path, key))
        return out

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise self.fail(node, f"unsupported YAML tag {node.tag}; expected plain text")
        if node.tag == _STD + "null":
            return None
        if node.tag == _STD + "int":
            try:  # PyYAML's int reader indexes the text: "!!int ''" is an IndexError
                return self.constructor.construct_yaml_int(node)
            except (ValueError, IndexError, ConstructorError) as e:
                raise self.fail(node, f"expected an integer, got {node.value!r}") from e
        return self.text(node)

    def text(self, node: ScalarNode) -> str:
        """A scalar's text; a ``"\\ud800"`` escape that is not half of a surrogate pair gives
        a string no terminal or file can encode, so it is refused here."""
        value = str(node.value)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            bad = ord(value[e.start])
            raise self.fail(node, f"unpaired UTF-16 surrogate escape \\u{bad:04x}; expected "
                            "text") from e
        return value


def load_yaml(text: str, file: str) -> tuple[Any, Positions]:
    """Parse one YAML document into data plus :class:`Positions`; errors are PolicyError."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = e.problem or "syntax error"
        context = f" ({e.context})" if e.context else ""
        raise PolicyError(file, f"invalid YAML: {problem}{context}", line, col) from e
    except yaml.YAMLError as e:
        message = " ".join(str(e).split())
        raise PolicyError(file, f"invalid YAML: {message}", 0, 0) from e
    except RecursionError as e:
        raise PolicyError(file, "invalid YAML: nesting too deep") from e
    if root is None:
        return None, Positions()
    builder = _Builder(file)
    try:
        data = builder.build(root, ())
    except RecursionError as e:
        raise PolicyError(file, "invalid YAML: nesting too deep") from e
    return data, builder.pos
