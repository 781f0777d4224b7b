"""The security-group rules file indexed in a forked child (providers/aws/ahead.py) loads
exactly what the loader reads on its own: the same estate, notices and errors. The threshold
is lowered so that the small files here take the child's path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pathwarden.errors import SnapshotError
from pathwarden.providers.aws import ahead
from pathwarden.providers.load import load_estate

EXAMPLE = Path(__file__).parents[2] / "examples" / "backup-console" / "snapshot"
RULES = "describe-security-group-rules.json"


def _both(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    monkeypatch.setattr(ahead, "MIN_BYTES", 10**15)
    alone = load_estate([folder])
    monkeypatch.setattr(ahead, "MIN_BYTES", 0)
    return alone, load_estate([folder])


def test_the_child_indexes_what_the_loader_would(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    alone, forked = _both(EXAMPLE, monkeypatch)
    assert forked == alone


def test_groups_only_in_the_rules_file_are_still_read(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "snap"
    shutil.copytree(EXAMPLE, folder)
    groups_file = folder / "describe-security-groups.json"
    doc = json.loads(groups_file.read_text())
    dropped = doc["SecurityGroups"].pop()["GroupId"]
    groups_file.write_text(json.dumps(doc))
    alone, forked = _both(folder, monkeypatch)
    assert forked == alone
    assert dropped in forked.filters  # type: ignore[attr-defined]


def test_a_broken_rules_file_fails_the_same_way(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "snap"
    shutil.copytree(EXAMPLE, folder)
    (folder / RULES).write_text('{"SecurityGroupRules": [{"GroupId": 7}]}')
    errors = []
    for threshold in (10**15, 0):
        monkeypatch.setattr(ahead, "MIN_BYTES", threshold)
        with pytest.raises(SnapshotError) as caught:
            load_estate([folder])
        errors.append(str(caught.value))
    assert errors[0] == errors[1] and RULES in errors[0]
