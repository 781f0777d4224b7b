"""The approval hash (``content_sha256``) covers what the change does, and only that."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pathwarden.apply.approval import make_approval
from pathwarden.apply.runner import gate
from pathwarden.cli.main import cli
from pathwarden.model import ServiceSet
from pathwarden.model.services import ICMP
from pathwarden.planner import ChangeSetError, load_changeset
from pathwarden.planner.changeset import content_sha256, document_sha256
from pathwarden.planner.schema import validate
from tests.unit.changesets import AS_OF, POLICY, SNAPSHOT, example_changeset, write


def _plan(tmp_path: Path, name: str, snapshot: str, as_of: str) -> dict[str, Any]:
    out = tmp_path / name
    r = CliRunner().invoke(cli, ["plan", "--policy", str(POLICY), "--snapshot", snapshot,
                                 "--as-of", as_of, "--out", str(out)])
    assert r.exit_code == 0, r.output
    doc: dict[str, Any] = json.loads(out.read_text())
    return doc


def test_replanning_on_another_day_or_from_dir_slash_keeps_the_approval(tmp_path: Path) -> None:
    a = _plan(tmp_path, "a.json", str(SNAPSHOT), "2026-11-25")
    b = _plan(tmp_path, "b.json", str(SNAPSHOT), "2026-11-26")
    c = _plan(tmp_path, "c.json", str(SNAPSHOT) + "/", "2026-11-25")
    assert a["content_sha256"] == b["content_sha256"] == c["content_sha256"]
    assert len({a["sha256"], b["sha256"], c["sha256"]}) == 3  # the documents do differ
    approval = make_approval(a["content_sha256"], "CHG0012345", "jane.doe", None)
    for doc in (b, c):
        assert gate(doc, approval, False, None, AS_OF) == ""


def test_the_content_hash_ignores_explanations_and_covers_every_operation() -> None:
    doc = example_changeset()
    same = copy.deepcopy(doc)
    same["as_of"] = "2030-01-01"
    same["estate"]["sources"] = ["somewhere/else/"]
    same["policy"]["file"] = "other.yml"
    same["findings"][0]["alternatives"] = []
    same["resources"][0]["collateral"]["address_port_volume"] = 7
    same["resources"][0]["view"]["after"] = []
    assert content_sha256(same) == doc["content_sha256"]
    for path in (("operations", 0, "rule", "services"), ("operations", 3, "rule_id"),
                 ("precondition", "fingerprint"), ("postcondition", "fingerprint"),
                 ("region",), ("account",), ("id",), ("closes", 0)):
        edited = copy.deepcopy(doc)
        node: Any = edited["resources"][0]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = "x" + str(node[path[-1]])
        assert content_sha256(edited) != doc["content_sha256"], path
    target = copy.deepcopy(doc)
    target["findings"][0]["finding"]["path"] = "another-path"
    assert content_sha256(target) != doc["content_sha256"]


def test_an_operation_edited_behind_a_fixed_document_hash_does_not_load(tmp_path: Path) -> None:
    doc = example_changeset()
    doc["resources"][0]["operations"][0]["rule"]["services"] = "tcp/1-65535"
    doc["sha256"] = document_sha256(doc)  # the document hash fixed, the content hash not
    with pytest.raises(ChangeSetError, match="content_sha256 does not match the operations"):
        load_changeset(write(doc, tmp_path / "cs.json"))


def test_an_open_icmp_code_range_validates_as_the_check_writes_it() -> None:
    doc = example_changeset()
    partial = ServiceSet.icmp(ICMP, 3, 4) | ServiceSet.icmp(ICMP, 8)
    doc["findings"][0]["finding"]["open"] = partial.to_contract()
    assert doc["findings"][0]["finding"]["open"][0]["codes"] == {"3": [[4, 4]]}
    validate(doc)
    doc["findings"][0]["finding"]["open"][0]["codes"] = {"3": [4]}
    with pytest.raises(ChangeSetError, match="codes"):
        validate(doc)
