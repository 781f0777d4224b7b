"""``discover_aws`` against moto in server mode: real boto3 over real HTTP.

A small estate is seeded with boto3, discovered, loaded offline with ``load_estate`` and
checked against what was seeded (not against what discovery wrote); reach on the discovered
snapshot must equal the reach derived by hand from the seeded rules. A fault proxy in front of
moto injects throttling, 500s and a region that is down.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pathwarden.api import Engine
from pathwarden.cli.discover_cmd import discover
from pathwarden.cli.main import _Group
from pathwarden.model import Direction, Estate, PeerKind, ServiceSet
from pathwarden.providers.aws import calls
from pathwarden.providers.aws.discover import discover_aws
from pathwarden.providers.load import load_estate
from pathwarden.providers.manifest import CallStatus, read_manifest
from tests.integration.moto_server import (
    ACCOUNT,
    Fault,
    FaultProxy,
    MotoServer,
    moto_fixture,  # noqa: F401  (the `moto` fixture)
    moto_session_server_fixture,  # noqa: F401  (the `moto_session_server` fixture)
)

OTHER_ACCOUNT = "210987654321"
MOTO_AMI = "ami-03cf127a"  # one of the AMIs moto preloads (describe_images takes seconds)


@dataclass
class Seeded:
    vpc: str
    subnet_a: str
    subnet_b: str
    sg_app: str
    sg_db: str
    sg_web: str
    pl_office: str
    nacl: str
    eni_app1: str
    eni_app2: str
    eni_db: str
    instance_web: str
    eni_web: str


def seed(ec2: Any) -> Seeded:
    """VPC 10.0.0.0/16; subnet a (default NACL) and b (custom NACL); app -> db on 5432 by SG
    reference; web open on 443 to 203.0.113.0/24 and on 80 to everyone; db open on 22 to the
    office prefix list; NACL b denies 5432 from 10.0.1.128/25 before allowing 10.0.1.0/24.
    The main route table sends 0.0.0.0/0 to an internet gateway and the office to a VPN
    gateway; web has an Elastic IP, so the internet reaches it and the office reaches db."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sub_a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sub_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    pl = ec2.create_managed_prefix_list(
        PrefixListName="office", AddressFamily="IPv4", MaxEntries=5,
        Entries=[{"Cidr": "198.51.100.0/24", "Description": "office"}],
    )["PrefixList"]["PrefixListId"]

    def group(name: str) -> str:
        return str(ec2.create_security_group(GroupName=name, Description=name,
                                             VpcId=vpc)["GroupId"])

    sg_app, sg_db, sg_web = group("app"), group("db"), group("web")
    ec2.authorize_security_group_ingress(GroupId=sg_db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "UserIdGroupPairs": [{"GroupId": sg_app}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "PrefixListIds": [{"PrefixListId": pl}]},
    ])
    ec2.authorize_security_group_ingress(GroupId=sg_web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "203.0.113.0/24"}]},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    ])
    nacl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for number, egress, action, cidr, lo, hi in (
        (90, False, "deny", "10.0.1.128/25", 5432, 5432),
        (100, False, "allow", "10.0.1.0/24", 5432, 5432),
        (120, False, "allow", "198.51.100.0/24", 22, 22),
        (100, True, "allow", "10.0.1.0/24", 1024, 65535),
        (120, True, "allow", "198.51.100.0/24", 1024, 65535),
    ):
        ec2.create_network_acl_entry(NetworkAclId=nacl, RuleNumber=number, Protocol="6",
                                     RuleAction=action, Egress=egress, CidrBlock=cidr,
                                     PortRange={"From": lo, "To": hi})
    assoc = next(a["NetworkAclAssociationId"]
                 for n in ec2.describe_network_acls()["NetworkAcls"]
                 for a in n["Associations"] if a["SubnetId"] == sub_b)
    ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=nacl)

    def eni(subnet: str, ip: str, sg: str) -> str:
        return str(ec2.create_network_interface(SubnetId=subnet, PrivateIpAddress=ip,
                                                Groups=[sg])["NetworkInterface"]
                   ["NetworkInterfaceId"])

    inst = ec2.run_instances(ImageId=MOTO_AMI, MinCount=1, MaxCount=1, SubnetId=sub_a,
                             PrivateIpAddress="10.0.1.20", SecurityGroupIds=[sg_web],
                             TagSpecifications=[{"ResourceType": "instance",
                                                 "Tags": [{"Key": "Name", "Value": "web"}]}],
                             )["Instances"][0]
    # routes (the VPC is routed once describe-route-tables.json is read): the internet by an
    # internet gateway, the office prefix by a VPN gateway; web has an Elastic IP
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    main = ec2.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [vpc]},
        {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="198.51.100.0/24", GatewayId=vgw)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(InstanceId=inst["InstanceId"], AllocationId=eip)
    return Seeded(
        vpc, sub_a, sub_b, sg_app, sg_db, sg_web, pl, nacl,
        eni(sub_a, "10.0.1.10", sg_app), eni(sub_a, "10.0.1.200", sg_app),
        eni(sub_b, "10.0.2.10", sg_db), inst["InstanceId"],
        inst["NetworkInterfaces"][0]["NetworkInterfaceId"],
    )


def _open(estate: Estate, src: str, dst: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = Engine(estate).reach(src, dst).to_json()["open"]
    return result


def _ingress(estate: Estate, sg: str) -> set[tuple[PeerKind, str, ServiceSet]]:
    return {(p.kind, p.value, r.services) for r in estate.filters[sg].direction(Direction.INGRESS)
            for p in r.src}


# -- round trip ------------------------------------------------------------------------------
def test_discover_load_reach_round_trip(moto: MotoServer, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    s = seed(moto.client("ec2"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)  # no endpoint_url: botocore reads the env
    out = tmp_path / "snap"
    manifest = discover_aws(out, regions=["us-east-1"], progress=False)

    assert not manifest.partial
    assert manifest.accounts == (ACCOUNT,)
    estate = load_estate([out])
    assert not estate.partial
    # the seeded rules, symbols kept
    assert _ingress(estate, s.sg_db) == {
        (PeerKind.SECURITY_GROUP, s.sg_app, ServiceSet.tcp(5432)),
        (PeerKind.PREFIX_LIST, s.pl_office, ServiceSet.tcp(22)),
    }
    assert _ingress(estate, s.sg_web) == {
        (PeerKind.CIDR, "203.0.113.0/24", ServiceSet.tcp(443)),
        (PeerKind.CIDR, "0.0.0.0/0", ServiceSet.tcp(80)),
    }
    assert all(r.id.startswith("sgr-") for r in estate.filters[s.sg_db].rules)
    nacl = estate.filters[s.nacl]
    assert [(r.order, r.direction, r.action.value) for r in nacl.rules] == [
        (90, Direction.INGRESS, "deny"), (100, Direction.INGRESS, "allow"),
        (120, Direction.INGRESS, "allow"), (100, Direction.EGRESS, "allow"),
        (120, Direction.EGRESS, "allow"),
    ]
    assert estate.subnets[s.subnet_b].filters == (s.nacl,)
    assert estate.prefix_lists[s.pl_office].entries == ("198.51.100.0/24",)
    # the seeded members
    members = {w.id: (w.filters, w.addresses, w.subnet) for w in estate.workloads}
    assert members[s.eni_app1] == ((s.sg_app,), ("10.0.1.10",), s.subnet_a)
    assert members[s.eni_app2] == ((s.sg_app,), ("10.0.1.200",), s.subnet_a)
    assert members[s.eni_db] == ((s.sg_db,), ("10.0.2.10",), s.subnet_b)
    assert members[s.eni_web] == ((s.sg_web,), ("10.0.1.20",), s.subnet_a)
    web = estate.workload(s.eni_web)
    assert web is not None and web.instance == s.instance_web and web.name == "web"

    # reach, derived by hand from the seeded rules
    assert _open(estate, s.eni_app1, s.eni_db) == [{"protocol": "tcp", "ports": [[5432, 5432]]}]
    assert _open(estate, s.eni_app2, s.eni_db) == []  # NACL b #90 denies 10.0.1.128/25
    assert _open(estate, "203.0.113.7", s.eni_web) == [
        {"protocol": "tcp", "ports": [[80, 80], [443, 443]]}]
    assert _open(estate, "198.51.100.5", s.eni_db) == [{"protocol": "tcp", "ports": [[22, 22]]}]


# -- declared permissions --------------------------------------------------------------------
def _recording_factory(seen: set[tuple[str, str]]) -> Any:
    import boto3

    def record(model: Any, **_: Any) -> None:
        seen.add((model.service_model.service_name, model.name))

    def factory(**kwargs: Any) -> Any:
        session = boto3.Session(**kwargs)
        session.events.register("before-call", record)
        return session

    return factory


def test_every_call_is_declared_assumed_roles(moto: MotoServer, tmp_path: Path) -> None:
    """Every operation made on any client discovery creates, assumed-role sessions included,
    has a declaration (and so a place in `pathwarden iam discover-policy`)."""
    seed(moto.client("ec2"))
    moto.client("ec2").create_transit_gateway()  # a route table to search the routes of
    seen: set[tuple[str, str]] = set()
    manifest = discover_aws(
        tmp_path / "snap", regions=["us-east-1"], endpoint_url=moto.url,
        role_arn="arn:aws:iam::{account}:role/Discovery", accounts=[ACCOUNT, OTHER_ACCOUNT],
        session_factory=_recording_factory(seen), progress=False,
    )
    assert not manifest.partial
    undeclared = seen - calls.declared_operations()
    assert not undeclared, f"boto3 calls without a declared IAM action: {sorted(undeclared)}"
    unused = calls.declared_operations() - seen - {("sts", "GetCallerIdentity"),
                                                   ("ec2", "DescribeRegions")}
    assert not unused  # every region call and AssumeRole ran here
    # one folder per assumed account, the seeded VPC only in moto's default account
    estate = load_estate([tmp_path / "snap"])
    assert {w.account for w in estate.workloads} == {ACCOUNT}
    assert {n.account for n in estate.networks.values()} == {ACCOUNT, OTHER_ACCOUNT}
    assert sorted(p.name for p in (tmp_path / "snap").iterdir()) == [
        ACCOUNT, OTHER_ACCOUNT, "manifest.json"]


# -- faults ----------------------------------------------------------------------------------
@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep botocore's retry logic, drop its sleeping (the tests count attempts, not time)."""
    from botocore.retries import bucket, standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0)
    monkeypatch.setattr(bucket.TokenBucket, "acquire", lambda self, amount=1, block=True: True)


def test_throttling_and_500_are_retried(moto: MotoServer, tmp_path: Path,
                                        no_backoff: None) -> None:
    s = seed(moto.client("ec2"))
    faults = [Fault(503, "Throttling", action="DescribeSecurityGroups", times=2),
              Fault(500, "InternalError", action="DescribeNetworkInterfaces", times=1),
              Fault(503, "RequestLimitExceeded", action="GetManagedPrefixListEntries", times=1)]
    with FaultProxy(moto.url, faults) as proxy:
        manifest = discover_aws(tmp_path / "snap", regions=["us-east-1"],
                                endpoint_url=proxy.url, progress=False, max_attempts=4)
    assert not manifest.partial
    assert proxy.count("DescribeSecurityGroups") == 3
    assert proxy.count("DescribeNetworkInterfaces") == 2
    estate = load_estate([tmp_path / "snap"])
    assert estate.workload(s.eni_db) is not None
    assert s.sg_db in estate.filters


def test_region_down_gives_partial_snapshot_and_exit_1(moto: MotoServer, tmp_path: Path,
                                                       no_backoff: None) -> None:
    s = seed(moto.client("ec2"))
    out = tmp_path / "snap"
    root = _Group("pathwarden", commands=[discover])
    with FaultProxy(moto.url, [Fault(503, "Unavailable", region="eu-west-1", times=-1)]) as proxy:
        result = CliRunner().invoke(root, [
            "discover", "aws", "--out", str(out), "--regions", "us-east-1,eu-west-1",
            "--endpoint-url", proxy.url, "--max-attempts", "3", "--no-progress",
        ])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1
    assert errors[0].endswith(
        f"is marked partial: 17 of 42 calls failed: {ACCOUNT}/eu-west-1: DescribeVpcs "
        "(Unavailable: injected Unavailable (after 3 attempts)), 16 later call(s) skipped")
    # only the first call of the dead region was tried (3 attempts in all), the rest skipped
    assert proxy.count("DescribeVpcs", "eu-west-1") == 3
    assert proxy.count("DescribeSubnets", "eu-west-1") == 0

    manifest = read_manifest(out)
    assert manifest is not None and manifest.partial
    bad = {(c.region, c.status) for c in manifest.failures()}
    assert bad == {("eu-west-1", CallStatus.FAILED), ("eu-west-1", CallStatus.SKIPPED)}
    assert len(manifest.failures()) == len(calls.REGION_CALLS)
    written = json.loads((out / "manifest.json").read_text())
    assert written["partial"] is True and written["summary"]["failed"] == 1
    # the healthy region is complete and loads
    estate = load_estate([out])
    assert estate.workload(s.eni_db) is not None
