"""The CI examples call ``pathwarden tf review`` with options the command has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pathwarden.cli.tf_cmd import review_cmd
from tests.unit.tfplans import ROOT

CI = ROOT / "examples" / "terraform-review"
FILES = [
    CI / "github" / "pathwarden-tf-review.yml",
    CI / "gitlab" / ".gitlab-ci.yml",
    CI / "atlantis" / "atlantis.yaml",
]


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name)
def test_ci_example_uses_real_options(path: Path) -> None:
    doc = yaml.safe_load(path.read_text())
    commands = [s for s in _strings(doc) if re.search(r"^\s*pathwarden tf review ", s, re.M)]
    assert commands, f"{path} runs no review"
    known = {opt for p in review_cmd.params for opt in p.opts}
    for command in commands:
        used = set(re.findall(r"(?<=\s)(--[a-z][a-z-]*)", command))
        assert "--policy" in used
        assert used <= known, used - known
    text = path.read_text()
    assert "terraform show -json" in text
    assert "sarif" in text.lower()
