"""``tf render``: the planner's ChangeSet as a patch of the .tf files; re-review closes it."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest
from click.testing import CliRunner

from pathwarden.cli.main import cli
from pathwarden.terraform import read_state
from pathwarden.terraform.render import FIX_FILE, render
from tests.unit.tfplans import POLICY, ROOT, SNAPSHOT, cli_group

LEGACY = ROOT / "examples" / "terraform-review" / "backup-console-legacy"
STATE = LEGACY / "terraform.tfstate.json"


@pytest.fixture(scope="module")
def changeset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cs") / "changeset.json"
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            "--policy",
            str(POLICY),
            "--snapshot",
            str(SNAPSHOT),
            "--as-of",
            "2026-11-25",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def _tf(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_group(), ["tf", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_render_patches_managed_rules_and_adds_new_ones(changeset: Path, tmp_path: Path) -> None:
    doc = json.loads(changeset.read_text())
    ops = doc["resources"][0]["operations"]
    result = render(doc, LEGACY, read_state(STATE))
    old, new = result.files["main.tf"]
    assert old == (LEGACY / "main.tf").read_text()
    # the SSH rule is removed: its block (and the comment above it) is gone
    assert '"workstation_ssh_temp"' not in new and "OPS-4411" not in new
    # the legacy /8 rule is modified in place, keeping its name and group reference
    modify = next(op for op in ops if op["action"] == "modify")
    narrowed = modify["rule"]["src"][0]["value"]
    legacy = hcl2.loads(new)["resource"]
    block = next(b for b in legacy if '"aws_vpc_security_group_ingress_rule"' in b)
    rules = {
        k.strip('"'): v
        for b in legacy
        for t, named in b.items()
        for k, v in named.items()
        if t == '"aws_vpc_security_group_ingress_rule"'
    }
    assert rules["legacy_https"]["cidr_ipv4"] == f'"{narrowed}"'
    assert rules["legacy_https"]["security_group_id"] == "${aws_security_group.backup_console.id}"
    assert block
    # every added rule is a new resource in pathwarden-fix.tf
    adds = [op for op in ops if op["action"] == "add"]
    _, fix = result.files[FIX_FILE]
    parsed = hcl2.loads(fix)["resource"]
    cidrs = sorted(
        v["cidr_ipv4"].strip('"') for b in parsed for named in b.values() for v in named.values()
    )
    assert cidrs == sorted(op["rule"]["src"][0]["value"] for op in adds)
    diff = result.diff()
    assert "--- a/main.tf" in diff and "+++ b/pathwarden-fix.tf" in diff
    assert result.notes == []


def test_rerun_review_on_the_patched_files_closes_the_violation(
    changeset: Path, tmp_path: Path
) -> None:
    target = tmp_path / "patched"
    code, diff, _ = _tf(
        "render",
        str(changeset),
        "--tf-dir",
        str(LEGACY),
        "--state",
        str(STATE),
        "--write-to",
        str(target),
    )
    assert code == 0 and diff.startswith("--- a/main.tf")
    for tf_file in target.glob("*.tf"):
        hcl2.loads(tf_file.read_text())  # the patched files parse
    base = [
        "--policy",
        str(POLICY),
        "--snapshot",
        str(SNAPSHOT),
        "--as-of",
        "2026-11-25",
        "--state",
        str(STATE),
        "--format",
        "json",
    ]
    _, out, _ = _tf("review", "--hcl", str(LEGACY), *base)
    before = json.loads(out)
    assert ("ws-to-backup", "existing") in {(f["path"], f["status"]) for f in before["findings"]}
    code, out, _ = _tf("review", "--hcl", str(target), *base)
    after = json.loads(out)
    assert code == 0
    ws = [f for f in after["findings"] if f["path"] == "ws-to-backup"]
    assert [f["status"] for f in ws] == ["repaired"]
    # the approved path is kept: jump-to-backup has no finding at all (not blocked)
    assert not [f for f in after["findings"] if f["path"] == "jump-to-backup"]
    rows = {p["id"]: p for p in after["paths"]}
    assert rows["jump-to-backup"]["open_after"] == [{"protocol": "tcp", "ports": [[443, 443]]}]
    assert rows["ws-to-backup"]["open_after"] == []


def test_unmanaged_rules_become_imports_and_notes(changeset: Path, tmp_path: Path) -> None:
    empty = tmp_path / "tf"
    empty.mkdir()
    (empty / "main.tf").write_text("# nothing managed here yet\n")
    doc = json.loads(changeset.read_text())
    result = render(doc, empty, ())
    _, fix = result.files[FIX_FILE]
    parsed = hcl2.loads(fix)
    imports = parsed["import"]
    assert len(imports) == 1
    assert imports[0]["id"] == '"sgr-0cb5a65e9050f9b73"'  # the modified rule, imported by id
    assert all('security_group_id = "sg-0backup"' in block for block in fix.split("resource ")[1:])
    assert any(
        "sgr-0e454f85a82265a0f" in n and "not managed by Terraform" in n for n in result.notes
    )


def test_bad_changeset_is_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "cs.json"
    bad.write_text(json.dumps({"format": "something else"}))
    code, out, err = _tf("render", str(bad), "--tf-dir", str(LEGACY))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and str(bad) in err
