"""Every module of the collection documents exactly the options it accepts."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted((ROOT / "plugins" / "modules").glob("*.py"))
FRAGMENTS = ROOT / "plugins" / "doc_fragments"


def _constants(path: Path) -> dict[str, str]:
    tree = ast.parse(path.read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out[t.id] = str(node.value.value)
    return out


def _argument_spec(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "argument_spec":
            assert isinstance(node.value, ast.Dict)
            return {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
    raise AssertionError(f"{path.name}: no argument_spec")


def _fragment_options(name: str) -> dict[str, object]:
    short = name.split(".")[-1]
    doc = _constants(FRAGMENTS / f"{short}.py")
    if not doc:  # class attribute, not module level
        tree = ast.parse((FRAGMENTS / f"{short}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                doc["DOCUMENTATION"] = str(node.value.value)
    return dict(yaml.safe_load(doc["DOCUMENTATION"])["options"])


def test_there_are_modules() -> None:
    assert MODULES, "plugins/modules is empty"


def test_each_module_documents_its_options_examples_and_return() -> None:
    for path in MODULES:
        consts = _constants(path)
        doc = yaml.safe_load(consts["DOCUMENTATION"])
        assert doc["module"] == path.stem
        assert yaml.safe_load(consts["EXAMPLES"]), path.name
        assert yaml.safe_load(consts["RETURN"]), path.name
        options = dict(doc.get("options", {}))
        for frag in doc.get("extends_documentation_fragment", []):
            options.update(_fragment_options(frag))
        assert set(options) == _argument_spec(path), path.name
        assert doc["attributes"]["check_mode"]["support"] in {"full", "partial", "none"}


def test_runtime_action_group_lists_every_module() -> None:
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    assert sorted(runtime["action_groups"]["pathwarden"]) == sorted(p.stem for p in MODULES)
