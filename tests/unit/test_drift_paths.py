"""Movement-path drift on the backup-console example: a rule added, a rule removed, a new
path into the protected segment; exit codes by --fail-on and partial estates."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pathwarden.check.drift import DriftReport, FailOn, Movement, PathChange, drift
from pathwarden.model import NO_SERVICES, ServiceSet
from pathwarden.policy import load_policy
from pathwarden.policy.model import Stage
from pathwarden.providers.load import load_estate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples/backup-console/snapshot"
POLICY = ROOT / "examples/backup-console/policy.yml"
AS_OF = date(2026, 11, 25)
SSH_RULE = "sgr-0e454f85a82265a0f"  # sg-0backup: tcp/22 from 10.20.1.0/24 (OPS-4411)


def add_ingress_rule(folder: Path, rule_id: str, port: int, cidr: str,
                     group: str = "sg-0backup") -> None:
    """Add ``tcp/port from cidr`` to ``group`` in both files, as the AWS CLI would show it."""
    sgs = folder / "describe-security-groups.json"
    doc = json.loads(sgs.read_text())
    for g in doc["SecurityGroups"]:
        if g["GroupId"] == group:
            g["IpPermissions"].append({
                "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                "IpRanges": [{"CidrIp": cidr, "Description": "drifted"}], "Ipv6Ranges": [],
                "PrefixListIds": [], "UserIdGroupPairs": []})
    sgs.write_text(json.dumps(doc, indent=2))
    rules = folder / "describe-security-group-rules.json"
    doc = json.loads(rules.read_text())
    doc["SecurityGroupRules"].append({
        "SecurityGroupRuleId": rule_id, "GroupId": group, "GroupOwnerId": "111122223333",
        "IsEgress": False, "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
        "CidrIpv4": cidr, "Description": "drifted", "Tags": []})
    rules.write_text(json.dumps(doc, indent=2))


def remove_ssh_rule(folder: Path) -> None:
    sgs = folder / "describe-security-groups.json"
    doc = json.loads(sgs.read_text())
    for g in doc["SecurityGroups"]:
        if g["GroupId"] == "sg-0backup":
            g["IpPermissions"] = [p for p in g["IpPermissions"] if p.get("FromPort") != 22]
    sgs.write_text(json.dumps(doc, indent=2))
    rules = folder / "describe-security-group-rules.json"
    doc = json.loads(rules.read_text())
    doc["SecurityGroupRules"] = [r for r in doc["SecurityGroupRules"]
                                 if r["SecurityGroupRuleId"] != SSH_RULE]
    rules.write_text(json.dumps(doc, indent=2))


def copy_example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "current"))


def run(current: Path, **kw: Any) -> DriftReport:
    return drift(load_estate([EXAMPLE]), load_estate([current]), load_policy(str(POLICY)),
                 as_of=AS_OF, **kw)


def test_an_added_rule_and_the_path_it_widens(tmp_path: Path) -> None:
    current = copy_example(tmp_path)
    add_ingress_rule(current, "sgr-0rdp", 3389, "10.20.1.0/24")
    report = run(current)
    [rule] = report.inventory
    assert (rule.change.value, rule.item.value, rule.id, rule.parent) == (
        "added", "rule", "sgr-0rdp", "sg-0backup")
    assert rule.after == "ingress allow tcp/3389 from 10.20.1.0/24 [drifted]"
    [path] = report.paths
    assert (path.path, path.movement, path.stage, path.regression) == (
        "ws-to-backup", Movement.WIDENED, Stage.ENFORCE, True)
    assert path.opened == ServiceSet.tcp(3389) and path.closed == NO_SERVICES
    assert path.before == ServiceSet.tcp(22) | ServiceSet.tcp(443)
    assert path.causes == ("sgr-0rdp",)
    assert "sgr-0rdp" in path.rules and SSH_RULE not in path.rules
    assert path.message() == "widened +tcp/3389 (was tcp/22,443, now tcp/22,443,3389)"
    assert report.exit_code() == 2


def test_a_removed_rule_narrows_the_path_and_is_not_a_regression(tmp_path: Path) -> None:
    current = copy_example(tmp_path)
    remove_ssh_rule(current)
    report = run(current)
    assert [(i.change.value, i.id) for i in report.inventory] == [("removed", SSH_RULE)]
    [path] = report.paths
    assert (path.path, path.movement, path.regression) == ("ws-to-backup", Movement.NARROWED,
                                                            False)
    assert path.closed == ServiceSet.tcp(22) and path.closed_rules and SSH_RULE in \
        path.closed_rules
    assert path.causes == (SSH_RULE,)
    assert report.exit_code() == 2  # --fail-on any: the inventory moved
    assert run(current, fail_on=FailOn.PATHS).exit_code() == 0
    assert run(current, fail_on=FailOn.ENFORCE).exit_code() == 0


def test_a_new_port_into_the_protected_segment(tmp_path: Path) -> None:
    current = copy_example(tmp_path)
    add_ingress_rule(current, "sgr-0vnc", 5900, "10.20.0.0/16")
    paths = {p.path: p for p in run(current).paths}
    # everyone in 10.20.0.0/16 gets tcp/5900: the deny path, both allow paths (beyond their
    # approved ports) and the protected segment from everyone else
    assert set(paths) == {"ws-to-backup", "jump-to-backup", "monitoring-to-backup",
                          "protect:backup-console"}
    assert all(p.opened == ServiceSet.tcp(5900) and p.regression for p in paths.values())
    assert paths["jump-to-backup"].movement is Movement.WIDENED
    protect = paths["protect:backup-console"]
    assert protect.rule == "protect" and protect.src == "*" and protect.regression
    assert protect.opened == ServiceSet.tcp(5900)
    assert "sgr-0vnc" in protect.causes
    assert paths["ws-to-backup"].opened == ServiceSet.tcp(5900)


def test_no_policy_means_inventory_only(tmp_path: Path) -> None:
    current = copy_example(tmp_path)
    add_ingress_rule(current, "sgr-0rdp", 3389, "10.20.1.0/24")
    report = drift(load_estate([EXAMPLE]), load_estate([current]))
    assert report.paths == () and len(report.inventory) == 1 and report.policy_file is None


def _change(stage: Stage, regression: bool) -> PathChange:
    return PathChange("p", "deny", "a", "b", stage, NO_SERVICES, ServiceSet.tcp(22), regression)


@pytest.mark.parametrize(("fail_on", "stage", "regression", "code"), [
    (FailOn.ANY, Stage.MONITOR, False, 2),
    (FailOn.PATHS, Stage.MONITOR, False, 0),
    (FailOn.PATHS, Stage.MONITOR, True, 2),
    (FailOn.ENFORCE, Stage.MONITOR, True, 0),
    (FailOn.ENFORCE, Stage.ENFORCE, True, 2),
])
def test_exit_codes_by_fail_on(fail_on: FailOn, stage: Stage, regression: bool,
                               code: int) -> None:
    report = DriftReport((), (_change(stage, regression),), "b", "c", fail_on=fail_on)
    assert report.exit_code() == code


def test_a_partial_estate_never_reads_as_no_drift() -> None:
    assert DriftReport((), (), "b", "c").exit_code() == 0
    assert DriftReport((), (), "b", "c", current_partial=True).exit_code() == 1
    assert DriftReport((), (), "b", "c", baseline_partial=True).exit_code() == 1
    drifted = DriftReport((), (_change(Stage.ENFORCE, True),), "b", "c", current_partial=True)
    assert drifted.exit_code() == 2 and drifted.to_json()["partial"] is True


def test_movements() -> None:
    t22, t443 = ServiceSet.tcp(22), ServiceSet.tcp(443)

    def move(before: ServiceSet, after: ServiceSet) -> Movement:
        return PathChange("p", "allow", "a", "b", Stage.MONITOR, before, after, False).movement

    assert move(NO_SERVICES, t22) is Movement.OPENED
    assert move(t22, NO_SERVICES) is Movement.CLOSED
    assert move(t22, t22 | t443) is Movement.WIDENED
    assert move(t22 | t443, t22) is Movement.NARROWED
    assert move(t22, t443) is Movement.CHANGED
