"""The collection's enforce/check/discover modules through real ansible-playbook runs against
moto in server mode, the collection build, and its docs.

1. ``--check --diff``: discover, check, and enforce planning from a live read (it writes the
   ChangeSet for review): the rule-level diff is shown, nothing changes;
2. the ChangeSet is approved with the CLI;
3. a real run closes ws-to-backup and keeps jump-to-backup (asserted by reading the groups
   back with boto3), and a live re-check is clean;
4. a second real run reports ``changed: false``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pathwarden.cli.plan_cmd import approve
from tests.integration.moto_server import (
    MotoServer,
    moto_fixture,  # noqa: F401  (the `moto` fixture)
    moto_session_server_fixture,  # noqa: F401  (the `moto_session_server` fixture)
)
from tests.integration.test_apply_moto import AS_OF, seed_backup_console, sg_rules

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

PLAN = """
- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: discover (read-only)
      pathwarden.microseg.discover:
        out: "%(tmp)s/snap"
        regions: [us-east-1]
        endpoint_url: "%(url)s"
      register: snap
    - name: the policy is violated
      pathwarden.microseg.check:
        policy: "%(policy)s"
        snapshot: ["{{ snap.snapshot }}"]
        as_of: "%(as_of)s"
        fail_on: never
      register: before
    - name: plan from a live read, keep the ChangeSet for review
      pathwarden.microseg.enforce:
        policy: "%(policy)s"
        live: aws
        regions: [us-east-1]
        endpoint_url: "%(url)s"
        as_of: "%(as_of)s"
        changeset_out: "%(tmp)s/cs.json"
        store: "%(tmp)s/audit.db"
      check_mode: true
      register: planned
    - ansible.builtin.copy:
        content: "{{ {'snap': snap, 'before': before, 'planned': planned} | to_json }}"
        dest: "%(tmp)s/plan-result.json"
      check_mode: false
"""

ENFORCE = """
- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: close ws-to-backup with the approved change
      pathwarden.microseg.enforce:
        changeset: "%(tmp)s/cs.json"
        policy: "%(policy)s"
        snapshot: ["%(tmp)s/snap"]
        as_of: "%(as_of)s"
        change_id: CHG0012345
        approval: "%(tmp)s/approval.yml"
        store: "%(tmp)s/audit.db"
        endpoint_url: "%(url)s"
      register: enforce
    - name: re-check from a live read
      when: recheck | bool
      pathwarden.microseg.check:
        policy: "%(policy)s"
        live: aws
        regions: [us-east-1]
        endpoint_url: "%(url)s"
        as_of: "%(as_of)s"
        fail_on: never
      register: after
    - ansible.builtin.copy:
        content: "{{ {'enforce': enforce, 'after': after} | to_json }}"
        dest: "%(tmp)s/%(name)s.json"
      check_mode: false
"""


def _env() -> dict[str, str]:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    return env


def _playbook(tmp: Path, text: str, values: dict[str, str], *extra: str) -> str:
    ansible = shutil.which("ansible-playbook", path=str(BIN))
    assert ansible, "ansible-playbook is not installed next to this Python"
    book = tmp / f"{values.get('name', 'plan')}.yml"
    book.write_text(text % values)
    proc = subprocess.run([ansible, "-i", "localhost,", "-c", "local", str(book), *extra],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    return proc.stdout


def test_playbooks_plan_check_diff_enforce_and_stay_idempotent(moto: MotoServer,
                                                                tmp_path: Path) -> None:
    ec2 = moto.client("ec2")
    seeded = seed_backup_console(ec2)
    backup, jump = seeded.groups["sg-0backup"], seeded.groups["sg-0jump"]
    original = sg_rules(ec2, backup)
    values = {"tmp": str(tmp_path), "url": moto.url, "as_of": AS_OF,
              "policy": str(seeded.policy(tmp_path / "policy.yml"))}

    out = _playbook(tmp_path, PLAN, values, "--check", "--diff")
    assert "-ingress allow tcp/443 from 10.0.0.0/8" in out
    assert "+ingress allow tcp/443 from 10.0.0.0/12" in out
    assert "-ingress allow tcp/22 from 10.20.1.0/24" in out
    planned = json.loads((tmp_path / "plan-result.json").read_text())
    assert not planned["snap"]["partial"]
    kinds = {(f["path"], f["kind"]) for f in planned["before"]["findings"]}
    assert ("ws-to-backup", "violation") in kinds
    assert planned["planned"]["changed"] is True
    assert planned["planned"]["status"] == "checked"
    assert planned["planned"]["changeset"]["closes"] == ["ws-to-backup"]
    assert sg_rules(ec2, backup) == original  # check mode changed nothing

    r = CliRunner().invoke(approve, [str(tmp_path / "cs.json"), "--change", "CHG0012345",
                                     "--by", "jane.doe", "--out", str(tmp_path / "approval.yml"),
                                     "--policy", values["policy"], "--as-of", AS_OF,
                                     "--snapshot", str(tmp_path / "snap")])
    assert r.exit_code == 0, r.output

    _playbook(tmp_path, ENFORCE, {**values, "name": "real"}, "-e", "recheck=true")
    real = json.loads((tmp_path / "real.json").read_text())
    assert real["enforce"]["changed"] is True and real["enforce"]["status"] == "applied"
    ingress = {x for x in sg_rules(ec2, backup) if not x[0]}
    assert (False, "tcp", 443, 443, jump) in ingress
    assert (False, "tcp", 443, 443, "10.0.0.0/8") not in ingress
    assert (False, "tcp", 22, 22, "10.20.1.0/24") not in ingress
    assert real["after"]["summary"]["enforce"] == 0

    _playbook(tmp_path, ENFORCE, {**values, "name": "again"}, "-e", "recheck=false")
    again = json.loads((tmp_path / "again.json").read_text())
    assert again["enforce"]["changed"] is False
    assert again["enforce"]["status"] == "nothing to do"


def test_a_real_run_without_an_approval_fails_cleanly(moto: MotoServer, tmp_path: Path) -> None:
    ansible = shutil.which("ansible", path=str(BIN))
    assert ansible
    proc = subprocess.run(
        [ansible, "localhost", "-i", "localhost,", "-c", "local", "-m",
         "pathwarden.microseg.enforce", "-a",
         f"policy={ROOT}/examples/backup-console/policy.yml "
         f"snapshot={ROOT}/examples/backup-console/snapshot as_of={AS_OF}",
         "-e", f"ansible_python_interpreter={sys.executable}"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "a real run needs change_id and approval" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_collection_builds_with_only_the_collection(tmp_path: Path) -> None:
    """Build from a clean copy (no caches a developer's tree holds) into tmp; list it."""
    src = tmp_path / "checkout"
    shutil.copytree(ROOT, src, symlinks=True,
                    ignore=lambda d, names: [n for n in names
                                             if n.startswith(".") or n == "__pycache__"])
    galaxy = shutil.which("ansible-galaxy", path=str(BIN))
    assert galaxy
    proc = subprocess.run([galaxy, "collection", "build", "--output-path", str(tmp_path), "."],
                          cwd=src, env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tarball,) = tmp_path.glob("pathwarden-microseg-*.tar.gz")
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    top = {n.split("/")[0] for n in names}
    assert top == {"MANIFEST.json", "FILES.json", "README.md", "meta", "plugins"}
    modules = {Path(n).stem for n in names if n.startswith("plugins/modules/")
               and n.endswith(".py")}
    assert modules == {"check", "discover", "enforce", "reach_info"}


@pytest.mark.parametrize("module", ["check", "discover", "enforce", "reach_info"])
def test_ansible_doc_renders_every_module(module: str) -> None:
    doc = shutil.which("ansible-doc", path=str(BIN))
    assert doc
    proc = subprocess.run([doc, "--json", f"pathwarden.microseg.{module}"], cwd=ROOT,
                          env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)[f"pathwarden.microseg.{module}"]
    assert data["doc"]["short_description"]
    assert data["doc"]["attributes"]["check_mode"]["support"] == "full"
    if module == "enforce":
        assert data["doc"]["attributes"]["diff_mode"]["support"] == "full"
        assert {"change_id", "approval", "changeset"} <= set(data["doc"]["options"])
