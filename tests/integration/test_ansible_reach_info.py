"""The collection through a real ansible-playbook run (check mode, then normal)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "examples" / "backup-console" / "snapshot"
PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: what the workstations reach on the backup console
      pathwarden.microseg.reach_info:
        snapshot: ["%(snapshot)s"]
        source: sg-0workstation
        destination: sg-0backup
      register: ws
    - name: an unknown endpoint fails cleanly
      pathwarden.microseg.reach_info:
        snapshot: ["%(snapshot)s"]
        source: sg-does-not-exist
        destination: sg-0backup
      register: bad
      ignore_errors: true
    - name: why RDP from the jump host is closed (tcp/443 is open)
      pathwarden.microseg.reach_info:
        snapshot: ["%(snapshot)s"]
        source: i-0jump
        destination: sg-0backup
        ports: [tcp/3389, tcp/443]
      register: rdp
    - name: a bad port fails cleanly
      pathwarden.microseg.reach_info:
        snapshot: ["%(snapshot)s"]
        source: i-0jump
        destination: sg-0backup
        ports: [tcp/99999]
      register: badport
      ignore_errors: true
    - ansible.builtin.assert:
        that:
          - ws is not changed
          - bad is failed
          - "'sg-does-not-exist' in bad.msg"
          - "'blocked' not in ws"
          - rdp.blocked | length == 1
          - rdp.blocked[0].ports == [[3389, 3389]]
          - rdp.blocked[0].stage == 'security groups sg-0backup (ingress, destination)'
          - rdp.blocked[0].by == 'implicit-deny'
          - badport is failed
          - "badport.msg.startswith('ports: bad port')"
    - name: keep the result for the test to read
      ansible.builtin.copy:
        content: "{{ ws | to_json }}"
        dest: "%(out)s"
      check_mode: false
"""


def _playbook(tmp_path: Path, *extra: str) -> dict[str, Any]:
    ansible = shutil.which("ansible-playbook", path=str(Path(sys.executable).parent))
    assert ansible, "ansible-playbook is not installed next to this Python"
    book = tmp_path / "play.yml"
    out = tmp_path / "ws.json"
    book.write_text(PLAYBOOK % {"snapshot": SNAPSHOT, "out": out})
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    proc = subprocess.run(
        [ansible, "-i", "localhost,", "-c", "local", str(book), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(out.read_text())
    return result


@pytest.mark.parametrize("mode", [["--check", "--diff"], []])
def test_reach_info_reports_the_open_ports_in_check_and_normal_mode(
    tmp_path: Path, mode: list[str]
) -> None:
    ws = _playbook(tmp_path, *mode)
    tcp = [o for o in ws["open"] if o["protocol"] == "tcp"]
    assert tcp == [{"protocol": "tcp", "ports": [[22, 22], [443, 443]]}]
    assert ws["explanations"]
