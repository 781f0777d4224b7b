"""Reading ``.tf`` files with python-hcl2: blocks, their values and their line numbers.

python-hcl2 turns HCL into Python values (strings keep ``${...}`` around expressions); its
``with_meta`` option does not report lines in 8.x, so positions come from the Lark parse tree
it builds first (every top-level ``block`` has ``meta.line``). One folder is one module: every
``*.tf`` file in it, in name order. A file that does not parse is an
:class:`~pathwarden.errors.InputError` naming the file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pathwarden.errors import InputError, MissingExtraError


class HclError(InputError):
    pass


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # resource, data, module, variable, locals, output, ...
    labels: tuple[str, ...]
    body: dict[str, Any]
    file: str
    line: int
    end_line: int


@dataclass
class HclModule:
    directory: str
    blocks: list[Block] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.kind == kind]

    def resource(self, rtype: str, name: str) -> Block | None:
        for b in self.blocks:
            if b.kind == "resource" and b.labels == (rtype, name):
                return b
        return None

    def module_call(self, name: str) -> Block | None:
        for b in self.blocks:
            if b.kind == "module" and b.labels == (name,):
                return b
        return None

    def variable_defaults(self) -> dict[str, Any]:
        return {
            b.labels[0]: b.body["default"]
            for b in self.of_kind("variable")
            if b.labels and "default" in b.body
        }


def _label(tree: Any) -> str:
    """The text of an identifier or a quoted string label."""
    parts: list[str] = []
    for tok in tree.scan_values(lambda t: getattr(t, "type", "") in ("NAME", "STRING_CHARS")):
        parts.append(str(tok))
    return "".join(parts)


def _positions(tree: Any) -> list[tuple[str, tuple[str, ...], int, int]]:
    out: list[tuple[str, tuple[str, ...], int, int]] = []
    body = tree.children[0] if tree.children else None
    for child in getattr(body, "children", ()):
        if getattr(child, "data", None) != "block":
            continue
        names = [
            _label(c)
            for c in child.children
            if getattr(c, "data", None) in ("identifier", "string")
        ]
        if names:
            out.append((names[0], tuple(names[1:]), child.meta.line, child.meta.end_line))
    return out


def parse_file(path: Path) -> list[Block]:
    try:
        import hcl2
        from hcl2.utils import SerializationOptions
        from lark.exceptions import LarkError
    except ImportError as e:
        raise MissingExtraError("python-hcl2", "terraform") from e

    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise HclError(f"{file}: cannot read: {e}") from e
    try:
        tree = hcl2.parses_to_tree(text)
        positions = _positions(tree)
        options = SerializationOptions(
            with_comments=False, explicit_blocks=False, strip_string_quotes=True
        )
        data = hcl2.serialize(
            hcl2.transform(tree, discard_comments=True), serialization_options=options
        )
    except LarkError as e:
        line, column = getattr(e, "line", 0), getattr(e, "column", 0)
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise HclError(f"{file}:{line}:{column}: not valid HCL: {first}") from e
    blocks: list[Block] = []
    bodies: list[tuple[str, tuple[str, ...], dict[str, Any]]] = []
    for kind, items in data.items():
        for item in items if isinstance(items, list) else [items]:
            bodies += _unnest(kind, (), item, _depth(kind))
    used: set[int] = set()
    for kind, labels, body in bodies:
        line = end = 0
        for i, (k, lab, start, stop) in enumerate(positions):
            if i not in used and k == kind and lab == labels:
                used.add(i)
                line, end = start, stop
                break
        blocks.append(Block(kind, labels, body, file, line, end))
    return blocks


def _depth(kind: str) -> int:
    return {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1}.get(
        kind, 0
    )


def _unnest(
    kind: str, labels: tuple[str, ...], item: Any, depth: int
) -> list[tuple[str, tuple[str, ...], dict[str, Any]]]:
    if depth == 0 or not isinstance(item, dict):
        return [(kind, labels, item if isinstance(item, dict) else {})]
    out: list[tuple[str, tuple[str, ...], dict[str, Any]]] = []
    for label, inner in item.items():
        out += _unnest(kind, (*labels, str(label)), inner, depth - 1)
    return out


def read_module(directory: str | Path) -> HclModule:
    """Every block of every ``*.tf`` file in ``directory`` (not its subfolders)."""
    folder = Path(directory)
    if not folder.is_dir():
        raise HclError(f"{directory}: not a directory of .tf files")
    module = HclModule(str(folder))
    for path in sorted(folder.glob("*.tf")):
        module.blocks += parse_file(path)
    return module
