"""plan -> approve -> apply against moto in server mode (real boto3, real HTTP).

The backup-console example is seeded into moto from its own snapshot files (groups, rules,
NACLs, ENIs; moto gives new ids, so the policy is rewritten to them). Results are asserted by
reading the security groups back with boto3, never with pathwarden.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from pathwarden.apply.audit import MemoryAudit
from pathwarden.apply.aws import AwsWriter
from pathwarden.apply.basis import BasisVerifier, load_basis
from pathwarden.apply.runner import apply_changeset
from pathwarden.cli.check_cmd import check
from pathwarden.cli.main import _Group
from pathwarden.cli.plan_cmd import apply, approve, plan
from pathwarden.providers.aws.discover import discover_aws
from pathwarden.providers.load import load_estate
from pathwarden.store import Store
from tests.integration.moto_server import (
    Fault,
    FaultProxy,
    MotoServer,
    moto_fixture,  # noqa: F401  (the `moto` fixture)
    moto_session_server_fixture,  # noqa: F401  (the `moto_session_server` fixture)
)
from tests.unit.changesets import forge, widen_first_add

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "backup-console"
AS_OF = "2026-11-25"


@dataclass
class Seeded:
    groups: dict[str, str]  # snapshot group id -> moto group id
    vpc: str

    def policy(self, out: Path) -> Path:
        """The example policy with the moto ids (the jump host is picked by its group)."""
        text = (EXAMPLE / "policy.yml").read_text()
        text = text.replace("{instance: i-0jump}", "{security_group: sg-0jump}")
        for old, new in sorted(self.groups.items(), key=lambda kv: -len(kv[0])):
            text = re.sub(rf"\b{re.escape(old)}\b", new, text)
        out.write_text(text)
        return out


def _load(name: str) -> Any:
    return json.loads((EXAMPLE / "snapshot" / name).read_text())


def _pairs(perm: dict[str, Any], groups: dict[str, str]) -> dict[str, Any]:
    out = {k: v for k, v in perm.items() if k in ("IpProtocol", "FromPort", "ToPort",
                                                  "IpRanges", "Ipv6Ranges")}
    pairs = [{"GroupId": groups[p["GroupId"]], **({"Description": p["Description"]}
                                                   if "Description" in p else {})}
             for p in perm.get("UserIdGroupPairs", []) if p["GroupId"] in groups]
    if pairs:
        out["UserIdGroupPairs"] = pairs
    return out


def seed_backup_console(ec2: Any) -> Seeded:
    """The example's VPC, subnets, groups and rules, NACLs and ENIs, in moto.

    Left out: the rule that references a group in another account over a deleted peering
    (moto, like AWS, refuses an unknown group)."""
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = {s["SubnetId"]: ec2.create_subnet(VpcId=vpc, CidrBlock=s["CidrBlock"])
               ["Subnet"]["SubnetId"] for s in _load("describe-subnets.json")["Subnets"]}
    sgs = _load("describe-security-groups.json")["SecurityGroups"]
    groups = {g["GroupId"]: ec2.create_security_group(
        GroupName=f"pw-{g['GroupName']}", Description=g.get("Description") or g["GroupName"],
        VpcId=vpc)["GroupId"] for g in sgs}
    for g in sgs:
        gid = groups[g["GroupId"]]
        ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        for key, call in (("IpPermissions", ec2.authorize_security_group_ingress),
                          ("IpPermissionsEgress", ec2.authorize_security_group_egress)):
            for perm in g[key]:
                p = _pairs(perm, groups)
                if p.get("IpRanges") or p.get("Ipv6Ranges") or p.get("UserIdGroupPairs"):
                    call(GroupId=gid, IpPermissions=[p])
    for acl in _load("describe-network-acls.json")["NetworkAcls"]:
        if acl.get("IsDefault"):
            continue
        new = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        for e in acl["Entries"]:
            if e["RuleNumber"] >= 32767:
                continue
            extra = {k: e[k] for k in ("PortRange", "IcmpTypeCode") if k in e}
            ec2.create_network_acl_entry(NetworkAclId=new, RuleNumber=e["RuleNumber"],
                                         Protocol=e["Protocol"], RuleAction=e["RuleAction"],
                                         Egress=e["Egress"], CidrBlock=e["CidrBlock"], **extra)
        for a in acl["Associations"]:
            subnet = subnets[a["SubnetId"]]
            current = ec2.describe_network_acls(Filters=[
                {"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"][0]
            assoc = next(x["NetworkAclAssociationId"] for x in current["Associations"]
                         if x["SubnetId"] == subnet)
            ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=new)
    for eni in _load("describe-network-interfaces.json")["NetworkInterfaces"]:
        ec2.create_network_interface(SubnetId=subnets[eni["SubnetId"]],
                                     PrivateIpAddress=eni["PrivateIpAddress"],
                                     Groups=[groups[g["GroupId"]] for g in eni["Groups"]])
    return Seeded(groups, vpc)


def sg_rules(ec2: Any, group: str) -> set[tuple[Any, ...]]:
    """The group's rules as boto3 returns them, without ids: (egress, proto, from, to, peer)."""
    rules = ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    return {(r["IsEgress"], r["IpProtocol"], r.get("FromPort"), r.get("ToPort"),
             r.get("CidrIpv4") or r.get("CidrIpv6") or r.get("PrefixListId")
             or r["ReferencedGroupInfo"]["GroupId"]) for r in rules}


def _cli(*args: str) -> Any:
    from pathwarden.cli.main import cli as base

    group = _Group("pathwarden", commands={**base.commands, "plan": plan, "approve": approve,
                                           "apply": apply, "check": check})
    return CliRunner().invoke(group, list(args), catch_exceptions=False)


@pytest.fixture(name="world")
def world_fixture(moto: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                  ) -> tuple[MotoServer, Seeded, Path, Path]:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    ec2 = moto.client("ec2")
    seeded = seed_backup_console(ec2)
    snap = tmp_path / "snap"
    discover_aws(snap, regions=["us-east-1"], endpoint_url=moto.url, progress=False)
    return moto, seeded, snap, seeded.policy(tmp_path / "policy.yml")


def _plan(tmp_path: Path, snap: Path, policy: Path, name: str = "cs.json") -> Path:
    out = tmp_path / name
    r = _cli("plan", "--policy", str(policy), "--snapshot", str(snap), "--as-of", AS_OF,
             "--out", str(out))
    assert r.exit_code == 0, r.output
    return out


def _approve(tmp_path: Path, cs: Path) -> Path:
    out = tmp_path / "approval.yml"
    r = _cli("approve", str(cs), "--change", "CHG0012345", "--by", "jane.doe", "--out", str(out))
    assert r.exit_code == 0, r.output
    return out


def test_plan_approve_apply_closes_the_violation_and_keeps_the_jump_host(world: Any,
                                                                           tmp_path: Path) -> None:
    moto, seeded, snap, policy = world
    ec2 = moto.client("ec2")
    backup, jump = seeded.groups["sg-0backup"], seeded.groups["sg-0jump"]
    original = sg_rules(ec2, backup)
    assert (False, "tcp", 443, 443, "10.0.0.0/8") in original
    cs = _plan(tmp_path, snap, policy)
    store = tmp_path / "audit.db"

    r = _cli("apply", str(cs), "--check", "--store", str(store))
    assert r.exit_code == 0, r.output
    assert "would " in r.output
    assert sg_rules(ec2, backup) == original  # check mode wrote nothing

    r = _cli("apply", str(cs), "--store", str(store))
    assert r.exit_code == 2  # no approval: refused
    assert sg_rules(ec2, backup) == original

    approval = _approve(tmp_path, cs)
    r = _cli("apply", str(cs), "--approval", str(approval), "--store", str(store))
    assert r.exit_code == 0, r.output
    after = sg_rules(ec2, backup)
    ingress = {x for x in after if not x[0]}
    assert (False, "tcp", 443, 443, jump) in ingress  # the approved path stays
    assert (False, "tcp", 443, 443, "10.0.0.0/8") not in ingress
    assert (False, "tcp", 22, 22, "10.20.1.0/24") not in ingress
    cidrs = sorted(x[4] for x in ingress if x[1:4] == ("tcp", 443, 443) and "/" in x[4])
    workstations = "10.20.1.0/24"
    import ipaddress
    expected = sorted(str(n) for n in ipaddress.ip_network("10.0.0.0/8").address_exclude(
        ipaddress.ip_network(workstations)))
    assert cidrs == expected
    assert not any(ipaddress.ip_network(c).overlaps(ipaddress.ip_network(workstations))
                   for c in cidrs)

    again = _cli("apply", str(cs), "--approval", str(approval), "--store", str(store))
    assert again.exit_code == 0 and "nothing to do" in again.output

    snap2 = tmp_path / "snap2"
    discover_aws(snap2, regions=["us-east-1"], endpoint_url=moto.url, progress=False)
    rc = _cli("check", "--policy", str(policy), "--snapshot", str(snap2), "--as-of", AS_OF)
    assert rc.exit_code == 0, rc.output  # the re-check is clean of enforce findings
    with Store(store) as s:
        actions = [row.action for row in s.audit_rows()]
        assert s.verify_audit_chain().ok
    assert "apply.write" in actions and "apply.verify" in actions
    assert actions.count("apply.refused") == 1


def test_precondition_drift_aborts_with_nothing_written(world: Any, tmp_path: Path) -> None:
    moto, seeded, snap, policy = world
    ec2 = moto.client("ec2")
    backup = seeded.groups["sg-0backup"]
    cs = _plan(tmp_path, snap, policy)
    approval = _approve(tmp_path, cs)
    ec2.authorize_security_group_ingress(GroupId=backup, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443,
         "IpRanges": [{"CidrIp": "10.99.0.0/16"}]}])
    drifted = sg_rules(ec2, backup)
    r = _cli("apply", str(cs), "--approval", str(approval), "--store", str(tmp_path / "a.db"))
    assert r.exit_code == 2
    assert "precondition" in r.output and backup in r.output
    assert sg_rules(ec2, backup) == drifted


def test_failure_mid_apply_rolls_back_to_the_original_rules(world: Any, tmp_path: Path) -> None:
    moto, seeded, snap, policy = world
    ec2 = moto.client("ec2")
    backup = seeded.groups["sg-0backup"]
    original = sg_rules(ec2, backup)
    cs = json.loads(_plan(tmp_path, snap, policy).read_text())
    from pathwarden.apply.approval import make_approval

    approval = make_approval(cs["content_sha256"], "CHG0012345", "jane.doe", None)
    audit = MemoryAudit()
    fault = Fault(400, "InvalidParameterValue", action="ModifySecurityGroupRules", times=1)
    verifier = BasisVerifier(cs, load_basis(cs, as_of=date.fromisoformat(AS_OF)))
    with FaultProxy(moto.url, [fault]) as proxy:
        writer = AwsWriter(endpoint_url=proxy.url, max_attempts=1)
        outcome = apply_changeset(cs, writer, audit, verifier=verifier, approval=approval)
        assert proxy.count("ModifySecurityGroupRules") == 1
        assert proxy.count("AuthorizeSecurityGroupIngress") == 15
    assert outcome.exit_code == 1 and outcome.status == "rolled back", outcome.message
    assert "InvalidParameterValue" in outcome.message
    assert sg_rules(ec2, backup) == original
    assert "apply.rollback.verify" in audit.actions()
    assert audit.rows[audit.actions().index("apply.rollback.verify")][2]["ok"] is True


def test_changeset_and_approval_files_are_what_the_contract_names(world: Any,
                                                                   tmp_path: Path) -> None:
    _moto, _seeded, snap, policy = world
    cs = _plan(tmp_path, snap, policy)
    doc = json.loads(cs.read_text())
    approval = yaml.safe_load(_approve(tmp_path, cs).read_text())
    assert set(approval) == {"change", "approver", "approved_at", "expires", "changeset_sha256"}
    assert approval["changeset_sha256"] == doc["content_sha256"]
    assert doc["resources"][0]["region"] == "us-east-1"


WRITE_CALLS = ("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
               "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
               "ModifySecurityGroupRules", "CreateNetworkAclEntry", "ReplaceNetworkAclEntry",
               "DeleteNetworkAclEntry")


def test_a_rehashed_edited_changeset_is_refused_before_any_write(world: Any,
                                                                 tmp_path: Path) -> None:
    """The attack of issue 14: widen an operation to 0.0.0.0/0, recompute every hash (and
    forge the approval a pipeline could write). apply recomputes the proof and refuses."""
    moto, seeded, snap, policy = world
    ec2 = moto.client("ec2")
    before = {g: sg_rules(ec2, g) for g in seeded.groups.values()}
    honest = json.loads(_plan(tmp_path, snap, policy).read_text())
    evil = forge(honest, load_estate([snap]), widen_first_add)
    cs = tmp_path / "evil.json"
    cs.write_text(json.dumps(evil))
    approval = tmp_path / "forged.yml"
    approval.write_text(yaml.safe_dump({
        "change": "CHG0012345", "approver": "mallory", "approved_at": "2026-11-25T09:00:00",
        "expires": None, "changeset_sha256": evil["content_sha256"]}))
    store = tmp_path / "audit.db"
    with FaultProxy(moto.url) as proxy:
        for extra in ((), ("--check",)):
            r = _cli("apply", str(cs), "--approval", str(approval), "--store", str(store),
                     "--policy", str(policy), "--snapshot", str(snap), "--as-of", AS_OF,
                     "--endpoint-url", proxy.url, *extra)
            assert r.exit_code == 2, r.output
            assert "still open: ws-to-backup" in r.output and "nothing was written" in r.output
        writes = [a for _, a, _ in proxy.seen if a in WRITE_CALLS]
        assert writes == [] and proxy.seen == []  # refused before any call at all
    assert {g: sg_rules(ec2, g) for g in seeded.groups.values()} == before
    with Store(store) as s:
        rows = [(row.action, row.detail) for row in s.audit_rows()]
    proofs = [d for a, d in rows if a == "apply.proof"]
    assert [p["ok"] for p in proofs] == [False, False]
    assert all(a != "apply.write" for a, _ in rows)
