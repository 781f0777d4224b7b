"""examples/multi-cloud: one folder with aws/, azure/ and gcp/ snapshots, one policy, one check.

Expected values come from the example's own JSON and policy and from the semantics documents
(docs/aws-semantics.md, docs/azure-semantics.md, docs/gcp-semantics.md), never from
pathwarden's output.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pathwarden.cli.main import cli
from pathwarden.engine.engine import Engine
from pathwarden.model import Estate
from pathwarden.providers.load import load_estate

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/multi-cloud"
SNAPSHOT = EXAMPLE / "snapshot"
POLICY = EXAMPLE / "policy.yml"
AS_OF = "2026-11-25"  # the jump host's approval runs until 2027-05-01


def _json(cloud: str, name: str) -> Any:
    return json.loads((SNAPSHOT / cloud / name).read_text())


# -- what the snapshot files say ---------------------------------------------------------------
def _aws_enis() -> list[dict[str, Any]]:
    enis: list[dict[str, Any]] = _json("aws", "describe-network-interfaces.json")[
        "NetworkInterfaces"]
    return enis


def _aws_workstations() -> dict[str, str]:
    """ENI id -> address of every ENI of an instance tagged Role=workstation."""
    tagged = {
        i["InstanceId"]
        for r in _json("aws", "describe-instances.json")["Reservations"]
        for i in r["Instances"]
        if {"Key": "Role", "Value": "workstation"} in i.get("Tags", [])
    }
    return {e["NetworkInterfaceId"]: e["PrivateIpAddress"] for e in _aws_enis()
            if e.get("Attachment", {}).get("InstanceId") in tagged}


def _aws_consoles() -> set[str]:
    return {e["NetworkInterfaceId"] for e in _aws_enis()
            if any(g["GroupId"] == "sg-0backup" for g in e["Groups"])}


def _sg_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = _json("aws", "describe-security-group-rules.json")[
        "SecurityGroupRules"]
    return rules


def _azure_nics(asg_name: str) -> set[str]:
    """NIC ids with an IP configuration in the named ASG (az network nic list)."""
    return {
        n["id"] for n in _json("azure", "network-nic-list.json")
        for ipc in n["ipConfigurations"]
        if any(a["id"].rsplit("/", 1)[-1] == asg_name
               for a in ipc.get("applicationSecurityGroups") or [])
    }


def _gcp_nics(tag: str) -> set[str]:
    """Workload ids (docs/gcp-semantics.md: projects/P/zones/Z/instances/NAME/nicN) of the
    instances carrying a network tag."""
    out = set()
    for i in _json("gcp", "instances.json"):
        if tag not in i["tags"]["items"]:
            continue
        project = i["selfLink"].split("/projects/")[1].split("/")[0]
        zone = i["zone"].rsplit("/", 1)[-1]
        out |= {f"projects/{project}/zones/{zone}/instances/{i['name']}/{n['name']}"
                for n in i["networkInterfaces"]}
    return out


def _gcp_firewall(name: str) -> dict[str, Any]:
    rules: list[dict[str, Any]] = _json("gcp", "firewall-rules.json")
    (rule,) = [f for f in rules if f["name"] == name]
    return rule


def _gcp_rule_id(name: str) -> str:
    """A VPC rule's id is the selfLink path projects/P/global/firewalls/NAME."""
    link: str = _gcp_firewall(name)["selfLink"]
    return "projects/" + link.split("/projects/", 1)[1]


def _azure_rule(name: str) -> dict[str, Any]:
    (nsg,) = _json("azure", "network-nsg-list.json")
    rules: list[dict[str, Any]] = nsg["securityRules"] + nsg["defaultSecurityRules"]
    (rule,) = [r for r in rules if r["name"] == name]
    return rule


WORKSTATIONS = {"aws": set(_aws_workstations()), "azure": _azure_nics("asg-workstations"),
                "gcp": _gcp_nics("workstation")}
CONSOLES = {"aws": _aws_consoles(), "azure": _azure_nics("asg-backup"),
            "gcp": _gcp_nics("backup")}


# -- helpers -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def estate() -> Estate:
    return load_estate([SNAPSHOT])


@pytest.fixture(scope="module")
def check() -> tuple[Result, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["check", "--policy", str(POLICY), "--snapshot",
                                      str(SNAPSHOT), "--format", "json", "--as-of", AS_OF])
    return result, json.loads(result.stdout)


def _finding(report: dict[str, Any], path: str, kind: str) -> dict[str, Any]:
    findings: list[dict[str, Any]] = report["findings"]
    (found,) = [f for f in findings if f["path"] == path and f["kind"] == kind]
    return found


def _pairs(finding: dict[str, Any]) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    for p in finding["pairs"]:
        for src in p["from"]:
            for dst in p["to"]:
                yield src, dst, p["open"]


# -- the tests ---------------------------------------------------------------------------------
def test_the_mixed_folder_loads_every_cloud(estate: Estate) -> None:
    by_cloud: dict[str, set[str]] = {}
    for w in estate.workloads:
        by_cloud.setdefault(w.cloud, set()).add(w.id)
    assert by_cloud["aws"] == {e["NetworkInterfaceId"] for e in _aws_enis()}
    assert by_cloud["azure"] == {n["id"] for n in _json("azure", "network-nic-list.json")}
    assert by_cloud["gcp"] == _gcp_nics("workstation") | _gcp_nics("backup")
    assert len(by_cloud["azure"]) == 3 and len(by_cloud["gcp"]) == 3
    assert set(by_cloud) == {"aws", "azure", "gcp"}
    assert not estate.partial
    for cloud in ("azure", "gcp"):
        assert WORKSTATIONS[cloud] and CONSOLES[cloud]
        assert WORKSTATIONS[cloud] | CONSOLES[cloud] == by_cloud[cloud]


def test_check_fails_on_the_enforced_deny_path(check: tuple[Result, dict[str, Any]]) -> None:
    result, report = check
    assert result.exit_code == 2, result.output
    assert not report["partial"]
    v = _finding(report, "ws-to-backup", "violation")
    assert (v["from"], v["to"], v["stage"]) == ("workstations", "backup-console", "enforce")
    assert report["summary"]["verdict"] == "fail"
    # the approved path is open on exactly its port: neither blocked nor overbroad
    assert not [f for f in report["findings"] if f["path"] == "jump-to-backup"]


def test_the_violation_names_the_rules_of_all_three_clouds(
    check: tuple[Result, dict[str, Any]],
) -> None:
    rules = set(_finding(check[1], "ws-to-backup", "violation")["rules"])
    # AWS: sg-0backup ingress rules whose CIDR holds every workstation, the workstations'
    # egress to 0.0.0.0/0; not the rule that admits only sg-0jump
    ips = [ipaddress.ip_address(a) for a in _aws_workstations().values()]
    backup_in = [r for r in _sg_rules() if r["GroupId"] == "sg-0backup" and not r["IsEgress"]]
    by_cidr = {r["SecurityGroupRuleId"] for r in backup_in if "CidrIpv4" in r
               and all(ip in ipaddress.ip_network(r["CidrIpv4"]) for ip in ips)}
    by_jump = {r["SecurityGroupRuleId"] for r in backup_in
               if r.get("ReferencedGroupInfo", {}).get("GroupId") == "sg-0jump"}
    egress = {r["SecurityGroupRuleId"] for r in _sg_rules()
              if r["GroupId"] == "sg-0workstation" and r["IsEgress"]
              and r.get("CidrIpv4") == "0.0.0.0/0"}
    assert len(by_cidr) == 2 and len(egress) == 1 and len(by_jump) == 1
    assert by_cidr | egress <= rules
    assert not by_jump & rules
    # Azure: Allow-SSH-VNet (#200, tcp/22) and, for everything else, the default rule
    # AllowVnetInBound (#65000, VirtualNetwork -> VirtualNetwork, all protocols)
    assert {_azure_rule("Allow-SSH-VNet")["id"], _azure_rule("AllowVnetInBound")["id"]} <= rules
    # GCP: allow-internal-ssh; not IAP's range, not the disabled allow-internal
    assert _gcp_rule_id("allow-internal-ssh") in rules
    assert _gcp_firewall("allow-internal")["disabled"] is True
    assert not {_gcp_rule_id("allow-iap-ssh"), _gcp_rule_id("allow-internal")} & rules


def test_member_pairs_stay_inside_each_cloud(check: tuple[Result, dict[str, Any]]) -> None:
    v = _finding(check[1], "ws-to-backup", "violation")
    opened = {(s, d): o for s, d, o in _pairs(v)}
    for cloud in ("aws", "azure", "gcp"):
        expected = {(s, d) for s in WORKSTATIONS[cloud] for d in CONSOLES[cloud]}
        assert expected <= set(opened), cloud
    cloud_of = {i: c for c, ids in WORKSTATIONS.items() for i in ids}
    cloud_of |= {i: c for c, ids in CONSOLES.items() for i in ids}
    for report_finding in check[1]["findings"]:
        for s, d, _ in _pairs(report_finding):
            if s in cloud_of and d in cloud_of:
                assert cloud_of[s] == cloud_of[d], (s, d)
    # what each cloud opens, from its own rules
    aws = sorted((r["FromPort"], r["ToPort"]) for r in _sg_rules()
                 if r["GroupId"] == "sg-0backup" and not r["IsEgress"] and "CidrIpv4" in r
                 and all(ipaddress.ip_address(a) in ipaddress.ip_network(r["CidrIpv4"])
                         for a in _aws_workstations().values()))
    ssh = _gcp_firewall("allow-internal-ssh")["allowed"]
    assert ssh == [{"IPProtocol": "tcp", "ports": ["22"]}]
    for s, d in {(s, d) for s in WORKSTATIONS["aws"] for d in CONSOLES["aws"]}:
        assert opened[(s, d)] == [{"protocol": "tcp", "ports": [list(p) for p in aws]}]
    for s, d in {(s, d) for s in WORKSTATIONS["azure"] for d in CONSOLES["azure"]}:
        assert opened[(s, d)] == [{"protocol": "all", "ports": None}]
    for s, d in {(s, d) for s in WORKSTATIONS["gcp"] for d in CONSOLES["gcp"]}:
        assert opened[(s, d)] == [{"protocol": "tcp", "ports": [[22, 22]]}]


def test_nothing_is_open_between_clouds(estate: Estate) -> None:
    """The engine has no private route between clouds: a pair of workloads of two clouds has
    no filter chain, so nothing is open (engine.py, Engine._path)."""
    engine = Engine(estate)
    for src_cloud, sources in WORKSTATIONS.items():
        for dst_cloud, consoles in CONSOLES.items():
            if src_cloud == dst_cloud:
                continue
            for s in sources:
                for d in consoles:
                    assert not engine.reach(s, d, explain=False).open, (s, d)


def test_reach_from_an_azure_workstation_to_the_gcp_console() -> None:
    (azure_ws, *_) = sorted(WORKSTATIONS["azure"])
    console = next(i for i in _json("gcp", "instances.json") if i["name"] == "backup-console")
    zone = console["zone"].rsplit("/", 1)[-1]
    result = CliRunner().invoke(cli, ["reach", "--snapshot", str(SNAPSHOT), "--from", azure_ws,
                                      "--to", f"{zone}/backup-console", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["open"] == []
