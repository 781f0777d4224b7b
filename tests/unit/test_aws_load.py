"""The AWS snapshot -> model mapping on small hand-written snapshots."""

from __future__ import annotations

import json
from pathlib import Path

from pathwarden.model import (
    ALL_SERVICES,
    Action,
    AddressSet,
    Direction,
    Estate,
    Peer,
    PeerKind,
    Rule,
    ServiceSet,
)
from pathwarden.model.services import ICMP, ICMPV6, TCP, UDP
from pathwarden.providers.aws.load import load_aws_snapshot
from pathwarden.providers.load import CLOUD_FOLDERS, SNAPSHOT_LOADERS, load_estate
from tests.unit.awssnapshot import acl, eni, entry, perm, sg, write_entries, write_snapshot

ACCOUNT = "111122223333"


def rules_of(estate: Estate, fid: str, direction: Direction) -> dict[str, Rule]:
    return {r.id: r for r in estate.filters[fid].direction(direction)}


def codes(estate: Estate) -> list[str]:
    return [n.code for n in estate.notices]


# -- security group services -----------------------------------------------------------------


def test_protocols_ports_and_icmp(tmp_path: Path) -> None:
    snap = write_snapshot(
        tmp_path / "s",
        security_groups=[
            sg(
                "sg-1",
                ingress=[
                    perm("-1", cidrs=("10.1.0.0/16",)),
                    perm("tcp", 22, 22, cidrs=("10.2.0.0/16",)),
                    perm("6", 80, 81, cidrs=("10.3.0.0/16",)),
                    perm("udp", cidrs=("10.4.0.0/16",)),  # no ports given: the whole protocol
                    perm("icmp", 8, 0, cidrs=("10.5.0.0/16",)),
                    perm("icmp", 3, -1, cidrs=("10.6.0.0/16",)),
                    perm("icmp", -1, -1, cidrs=("10.7.0.0/16",)),
                    perm("58", 128, -1, cidrs6=("2001:db8::/32",)),
                    perm("50", 10, 20, cidrs=("10.8.0.0/16",)),  # ESP: ports are ignored
                    perm(
                        "sctp", 5000, 5000, cidrs=("10.9.0.0/16",)
                    ),  # not tcp/udp/icmp: whole protocol
                ],
            )
        ],
    )
    got = {r.src[0].value: r.services for r in load_aws_snapshot(snap).filters["sg-1"].rules}
    assert got == {
        "10.1.0.0/16": ALL_SERVICES,
        "10.2.0.0/16": ServiceSet.tcp(22),
        "10.3.0.0/16": ServiceSet.tcp(80, 81),
        "10.4.0.0/16": ServiceSet.protocol(UDP),
        "10.5.0.0/16": ServiceSet.icmp(ICMP, 8, 0),
        "10.6.0.0/16": ServiceSet.icmp(ICMP, 3),
        "10.7.0.0/16": ServiceSet.protocol(ICMP),
        "2001:db8::/32": ServiceSet.icmp(ICMPV6, 128),
        "10.8.0.0/16": ServiceSet.protocol(50),
        "10.9.0.0/16": ServiceSet.protocol(132),
    }


def test_synthetic_rule_ids_and_peers(tmp_path: Path) -> None:
    pair = {
        "UserId": "444455556666",
        "GroupId": "sg-9",
        "VpcId": "vpc-9",
        "VpcPeeringConnectionId": "pcx-1",
        "PeeringStatus": "active",
        "Description": "peer",
    }
    snap = write_snapshot(
        tmp_path / "s",
        security_groups=[
            sg(
                "sg-1",
                ingress=[
                    perm("tcp", 22, 22, cidrs=("10.0.0.0/8",), groups=(pair,)),
                    perm("6", 22, 22, cidrs=("10.0.0.0/8",)),
                ],  # same rule spelt differently
                egress=[perm("-1", prefix_lists=("pl-1",))],
            )
        ],
    )
    estate = load_aws_snapshot(snap)
    ingress = rules_of(estate, "sg-1", Direction.INGRESS)
    assert set(ingress) == {
        "sg-1/ingress/tcp/22-22/10.0.0.0/8",
        "sg-1/ingress/tcp/22-22/10.0.0.0/8#2",
        "sg-1/ingress/tcp/22-22/sg-9",
    }
    peer = ingress["sg-1/ingress/tcp/22-22/sg-9"]
    assert peer.src == (
        Peer(
            PeerKind.SECURITY_GROUP,
            "sg-9",
            account="444455556666",
            network="vpc-9",
            peering="pcx-1",
            peering_status="active",
        ),
    )
    assert peer.description == "peer" and peer.action is Action.ALLOW
    (out,) = rules_of(estate, "sg-1", Direction.EGRESS).values()
    assert out.id == "sg-1/egress/all/all/pl-1"
    assert out.dst == (Peer(PeerKind.PREFIX_LIST, "pl-1"),) and out.src == ()


def test_sgr_ids_matched_from_rules_file(tmp_path: Path) -> None:
    self_pair = {"UserId": ACCOUNT, "GroupId": "sg-1"}
    snap = write_snapshot(
        tmp_path / "s",
        security_groups=[
            sg(
                "sg-1",
                ingress=[
                    perm("-1", groups=(self_pair,)),
                    perm("tcp", 443, 443, cidrs=("10.0.0.0/8",)),
                ],
                egress=[perm("-1", cidrs=("0.0.0.0/0",))],
            )
        ],
        sg_rules=[
            {
                "SecurityGroupRuleId": "sgr-0a",
                "GroupId": "sg-1",
                "GroupOwnerId": ACCOUNT,
                "IsEgress": False,
                "IpProtocol": "-1",
                "FromPort": -1,
                "ToPort": -1,
                "ReferencedGroupInfo": {"GroupId": "sg-1", "UserId": ACCOUNT},
            },
            {
                "SecurityGroupRuleId": "sgr-0b",
                "GroupId": "sg-1",
                "GroupOwnerId": ACCOUNT,
                "IsEgress": False,
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "CidrIpv4": "10.0.0.0/8",
            },
            {
                "SecurityGroupRuleId": "sgr-0c",
                "GroupId": "sg-1",
                "GroupOwnerId": ACCOUNT,
                "IsEgress": True,
                "IpProtocol": "-1",
                "FromPort": -1,
                "ToPort": -1,
                "CidrIpv4": "0.0.0.0/0",
            },
            {
                "SecurityGroupRuleId": "sgr-0d",
                "GroupId": "sg-1",
                "GroupOwnerId": ACCOUNT,
                "IsEgress": True,
                "IpProtocol": "tcp",
                "FromPort": 25,
                "ToPort": 25,
                "CidrIpv4": "0.0.0.0/0",
            },  # in no IpPermission: the files disagree
        ],
    )
    estate = load_aws_snapshot(snap)
    assert sorted(r.id for r in estate.filters["sg-1"].rules) == ["sgr-0a", "sgr-0b", "sgr-0c"]
    (notice,) = [n for n in estate.notices if n.code == "snapshot-inconsistent"]
    assert "sgr-0d" in notice.message


# -- network ACLs ----------------------------------------------------------------------------


def test_nacl_entries_and_default_association(tmp_path: Path) -> None:
    custom = acl(
        "acl-c",
        "vpc-1",
        subnets=("subnet-a",),
        entries=[
            entry(100, "allow", "10.0.0.0/16", proto="6", PortRange={"From": 443, "To": 443}),
            entry(110, "allow", "0.0.0.0/0", proto="1", IcmpTypeCode={"Type": 3, "Code": 4}),
            entry(120, "allow", "0.0.0.0/0", proto="58"),  # on an IPv4 entry: all ICMPv6
            entry(130, "allow", "::/0", proto="58", IcmpTypeCode={"Type": 128, "Code": -1}),
            entry(140, "deny", "10.9.0.0/16", proto="17"),  # no PortRange: all UDP
            entry(150, "allow", "10.0.0.0/8", proto="47", PortRange={"From": 1, "To": 2}),
            entry(
                90,
                "allow",
                "10.0.0.0/16",
                egress=True,
                proto="6",
                PortRange={"From": 1024, "To": 65535},
            ),
            entry(32767, "deny", "0.0.0.0/0"),
            entry(32767, "deny", "0.0.0.0/0", egress=True),
        ],
    )
    default = acl("acl-d", "vpc-1", default=True, entries=[entry(100, "allow", "0.0.0.0/0")])
    snap = write_snapshot(
        tmp_path / "s",
        acls=[custom, default],
        subnets=[
            {
                "SubnetId": "subnet-a",
                "VpcId": "vpc-1",
                "CidrBlock": "10.0.1.0/24",
                "AvailabilityZone": "us-east-1a",
                "OwnerId": ACCOUNT,
            },
            {
                "SubnetId": "subnet-b",
                "VpcId": "vpc-1",
                "CidrBlock": "10.0.2.0/24",
                "AvailabilityZone": "us-east-1b",
                "OwnerId": ACCOUNT,
            },
        ],
    )
    estate = load_aws_snapshot(snap)
    assert estate.subnets["subnet-a"].filters == ("acl-c",)
    assert estate.subnets["subnet-b"].filters == ("acl-d",)
    ingress = rules_of(estate, "acl-c", Direction.INGRESS)
    assert [r.order for r in ingress.values()] == [100, 110, 120, 130, 140, 150, 32767]
    assert ingress["acl-c#100/in"].services == ServiceSet.tcp(443)
    assert ingress["acl-c#100/in"].src == (Peer(PeerKind.CIDR, "10.0.0.0/16"),)
    assert ingress["acl-c#110/in"].services == ServiceSet.icmp(ICMP, 3, 4)
    assert ingress["acl-c#120/in"].services == ServiceSet.protocol(ICMPV6)
    assert ingress["acl-c#130/in"].services == ServiceSet.icmp(ICMPV6, 128)
    assert ingress["acl-c#140/in"].services == ServiceSet.protocol(UDP)
    assert ingress["acl-c#140/in"].action is Action.DENY
    assert ingress["acl-c#150/in"].services == ServiceSet.protocol(47)
    out = rules_of(estate, "acl-c", Direction.EGRESS)
    assert list(out) == ["acl-c#90/out", "acl-c#32767/out"]
    assert out["acl-c#90/out"].services == ServiceSet.ports(TCP, 1024, 65535)
    assert out["acl-c#90/out"].dst == (Peer(PeerKind.CIDR, "10.0.0.0/16"),)
    assert "nacl-assumed-open" not in codes(estate)


def test_vpc_without_nacls_is_assumed_open(tmp_path: Path) -> None:
    """No NACL file: an assumption, stated once per VPC; the estate is not partial."""
    snap = write_snapshot(tmp_path / "s", interfaces=[eni("eni-1", ["10.0.0.5"], [])])
    estate = load_aws_snapshot(snap)
    assert estate.subnets["subnet-1"].filters == ()
    assert [n.source for n in estate.notices if n.code == "nacl-assumed-open"] == ["vpc-1"]
    assert not estate.partial


def test_vpc_missing_from_the_nacl_file_makes_the_estate_partial(tmp_path: Path) -> None:
    """A NACL file without the VPC's NACLs (every VPC has a default one): its subnets are
    treated as open, and the estate says it is incomplete."""
    snap = write_snapshot(tmp_path / "s", acls=[], interfaces=[eni("eni-1", ["10.0.0.5"], [])])
    estate = load_aws_snapshot(snap)
    assert estate.subnets["subnet-1"].filters == ()
    (notice,) = [n for n in estate.notices if n.code == "missing-reference"]
    assert notice.source == "vpc-1"
    assert notice.message.startswith("default network ACL of VPC vpc-1 is not in the snapshot")
    assert estate.partial


# -- ENIs, instances, subnets, VPCs ----------------------------------------------------------


def test_eni_addresses_names_and_instance_tags(tmp_path: Path) -> None:
    two_ips = eni(
        "eni-1",
        [],
        ["sg-1", "sg-2"],
        zone="eu-west-1b",
        PrivateIpAddresses=[
            {"PrivateIpAddress": "10.0.0.9", "Primary": False},
            {"PrivateIpAddress": "10.0.0.5", "Primary": True},
        ],
        Ipv6Addresses=[{"Ipv6Address": "2001:db8::5"}],
        Attachment={"InstanceId": "i-1", "DeviceIndex": 0},
        TagSet=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}],
    )
    named = eni(
        "eni-2",
        ["10.0.0.6"],
        ["sg-1"],
        Attachment={"InstanceId": "i-1"},
        TagSet=[{"Key": "Name", "Value": "eni-own-name"}],
    )
    instance = {
        "InstanceId": "i-1",
        "Placement": {"AvailabilityZone": "eu-west-1b"},
        "Tags": [{"Key": "Role", "Value": "web"}, {"Key": "Name", "Value": "web-1"}],
        "NetworkInterfaces": [
            eni(
                "eni-3",
                ["10.0.0.7"],
                ["sg-2"],
                AvailabilityZone=None,
                TagSet=None,
                InterfaceType=None,
            ),
        ],
    }
    snap = write_snapshot(
        tmp_path / "s",
        interfaces=[two_ips, named],
        instances=[{"ReservationId": "r-1", "Instances": [instance]}],
        security_groups=[sg("sg-1"), sg("sg-2")],
    )
    estate = load_aws_snapshot(snap)
    one, two, three = (estate.workload(i) for i in ("eni-1", "eni-2", "eni-3"))
    assert one is not None and two is not None and three is not None
    assert one.addresses == ("10.0.0.5", "10.0.0.9", "2001:db8::5")
    assert (one.filters, one.region, one.instance) == (("sg-1", "sg-2"), "eu-west-1", "i-1")
    assert one.tags == (("a", "1"), ("b", "2"))
    assert one.name == "web-1"  # no Name tag on the ENI: the instance's
    assert one.instance_tags == (("Name", "web-1"), ("Role", "web"))
    assert two.name == "eni-own-name"
    # only in describe-instances: added with the instance's id, zone and tags
    assert (three.instance, three.region, three.name, three.kind) == (
        "i-1",
        "eu-west-1",
        "web-1",
        "interface",
    )
    assert [w.id for w in estate.workloads] == ["eni-1", "eni-2", "eni-3"]
    assert codes(estate).count("unknown-security-group") == 0


def test_subnets_and_vpcs(tmp_path: Path) -> None:
    snap = write_snapshot(
        tmp_path / "s",
        interfaces=[
            eni("eni-1", ["10.0.1.5"], [], subnet="subnet-a"),
            eni("eni-2", ["10.0.9.5"], [], subnet="subnet-only-eni"),
        ],
        subnets=[
            {
                "SubnetId": "subnet-a",
                "VpcId": "vpc-1",
                "CidrBlock": "10.0.1.0/24",
                "AvailabilityZone": "us-east-1a",
                "OwnerId": ACCOUNT,
                "Tags": [{"Key": "Name", "Value": "app"}],
                "Ipv6CidrBlockAssociationSet": [
                    {
                        "Ipv6CidrBlock": "2001:db8:1::/64",
                        "Ipv6CidrBlockState": {"State": "associated"},
                    }
                ],
            }
        ],
        vpcs=[
            {
                "VpcId": "vpc-1",
                "CidrBlock": "10.0.0.0/16",
                "OwnerId": ACCOUNT,
                "CidrBlockAssociationSet": [
                    {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
                    {"CidrBlock": "10.1.0.0/16", "CidrBlockState": {"State": "associated"}},
                    {"CidrBlock": "10.2.0.0/16", "CidrBlockState": {"State": "disassociated"}},
                ],
                "Ipv6CidrBlockAssociationSet": [
                    {
                        "Ipv6CidrBlock": "2001:db8::/56",
                        "Ipv6CidrBlockState": {"State": "associated"},
                    }
                ],
            }
        ],
    )
    estate = load_aws_snapshot(snap)
    a = estate.subnets["subnet-a"]
    assert a.cidrs == AddressSet.parse("10.0.1.0/24") | AddressSet.parse("2001:db8:1::/64")
    assert (a.name, a.region, a.network) == ("app", "us-east-1", "vpc-1")
    only = estate.subnets["subnet-only-eni"]
    assert (only.network, only.cidrs, only.region) == ("vpc-1", AddressSet(), "us-east-1")
    vpc = estate.networks["vpc-1"]
    assert vpc.cidrs == (AddressSet.parse("10.0.0.0/15") | AddressSet.parse("2001:db8::/56"))
    assert vpc.region == "us-east-1"


def test_peering_and_stale_references(tmp_path: Path) -> None:
    stale = {
        "UserId": "444455556666",
        "GroupId": "sg-0peer",
        "VpcId": "vpc-9",
        "VpcPeeringConnectionId": "pcx-0old",
        "PeeringStatus": "deleted",
    }
    missing = {"UserId": ACCOUNT, "GroupId": "sg-gone"}
    snap = write_snapshot(
        tmp_path / "s",
        security_groups=[sg("sg-1", ingress=[perm("tcp", 22, 22, groups=(stale, missing))])],
        interfaces=[eni("eni-1", ["10.0.0.5"], ["sg-1", "sg-unknown"])],
        vpcs=[
            {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"},
            {"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16"},
            {"VpcId": "vpc-3", "CidrBlock": "10.2.0.0/16"},
        ],
        peerings=[
            {
                "VpcPeeringConnectionId": "pcx-1",
                "Status": {"Code": "active"},
                "RequesterVpcInfo": {"VpcId": "vpc-1"},
                "AccepterVpcInfo": {"VpcId": "vpc-2"},
            },
            {
                "VpcPeeringConnectionId": "pcx-2",
                "Status": {"Code": "deleted"},
                "RequesterVpcInfo": {"VpcId": "vpc-1"},
                "AccepterVpcInfo": {"VpcId": "vpc-3"},
            },
        ],
    )
    estate = load_aws_snapshot(snap)
    assert estate.networks["vpc-1"].peers == ("vpc-2",)
    assert estate.networks["vpc-2"].peers == ("vpc-1",)
    assert estate.networks["vpc-3"].peers == ()
    # a peering that is gone: the reference is stale, known to match nothing
    (stale,) = [n for n in estate.notices if n.code == "stale-reference"]
    assert stale.source == "sg-1/ingress/tcp/22-22/sg-0peer"
    assert "pcx-0old" in stale.message and "deleted" in stale.message
    # groups that are simply not in the snapshot: unknown, so the estate is incomplete
    missing = {n.source: n.message for n in estate.notices if n.code == "missing-reference"}
    assert missing == {
        "sg-gone": "security group sg-gone is not in the snapshot (sg-1/ingress/tcp/22-22/"
        "sg-gone names it): a rule naming it matches no address",
        "sg-unknown": "security group sg-unknown is not in the snapshot (eni-1 names it): its "
        "rules are unknown, so nothing it allows is seen",
    }
    assert estate.partial


def test_prefix_lists(tmp_path: Path) -> None:
    snap = write_snapshot(
        tmp_path / "s",
        security_groups=[sg("sg-1", egress=[perm("tcp", 443, 443, prefix_lists=("pl-a", "pl-b"))])],
        prefix_lists=[
            {"PrefixListId": "pl-a", "PrefixListName": "corp", "MaxEntries": 5},
            {"PrefixListId": "pl-b", "PrefixListName": "empty", "MaxEntries": 2},
        ],
    )
    write_entries(snap, "pl-a", ["10.0.0.0/8", "192.168.0.0/16"])
    estate = load_aws_snapshot(snap)
    pl = estate.prefix_lists["pl-a"]
    assert (pl.name, pl.max_entries, pl.entries) == ("corp", 5, ("10.0.0.0/8", "192.168.0.0/16"))
    assert pl.addresses == AddressSet.parse("10.0.0.0/8") | AddressSet.parse("192.168.0.0/16")
    (notice,) = [n for n in estate.notices if n.code == "missing-reference"]
    assert notice.source == "pl-b" and "get-managed-prefix-list-entries/pl-b.json" in (
        notice.message
    )
    assert estate.prefix_lists["pl-b"].stub and not pl.stub
    assert estate.partial


def test_truncated_output_makes_the_estate_partial(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s")
    (snap / "describe-network-interfaces.json").write_text(
        json.dumps({"NetworkInterfaces": [], "NextToken": "abc"})
    )
    estate = load_aws_snapshot(snap)
    assert estate.partial and "truncated-output" in codes(estate)


# -- layouts ---------------------------------------------------------------------------------


def test_account_region_layout_with_two_regions(tmp_path: Path) -> None:
    root = tmp_path / "estate"
    write_snapshot(
        root / ACCOUNT / "us-east-1",
        security_groups=[sg("sg-east")],
        interfaces=[eni("eni-east", ["10.0.0.5"], ["sg-east"], zone="")],
    )
    write_snapshot(
        root / ACCOUNT / "eu-west-1",
        security_groups=[sg("sg-west", vpc="vpc-w")],
        interfaces=[
            eni(
                "eni-west",
                ["10.9.0.5"],
                ["sg-west"],
                vpc="vpc-w",
                subnet="subnet-w",
                zone="",
                OwnerId=None,
            )
        ],
    )
    estate = load_estate([root], ephemeral_ports=(32768, 60999))
    assert {w.id: (w.account, w.region) for w in estate.workloads} == {
        "eni-east": (ACCOUNT, "us-east-1"),
        "eni-west": (ACCOUNT, "eu-west-1"),
    }
    assert estate.filters["sg-west"].region == "eu-west-1"
    assert estate.filters["sg-east"].region == "us-east-1"
    assert sorted(estate.sources) == [
        str(root / ACCOUNT / "eu-west-1"),
        str(root / ACCOUNT / "us-east-1"),
    ]
    assert estate.options["aws.ephemeral_ports"] == (32768, 60999)


def test_mixed_folder_and_repeated_paths(tmp_path: Path) -> None:
    write_snapshot(
        tmp_path / "mixed" / "aws" / ACCOUNT / "us-east-1",
        interfaces=[eni("eni-1", ["10.0.0.5"], [])],
    )
    write_snapshot(tmp_path / "flat", interfaces=[eni("eni-2", ["10.0.0.6"], [])])
    estate = load_estate([tmp_path / "mixed", str(tmp_path / "flat")])
    assert [w.id for w in estate.workloads] == ["eni-1", "eni-2"]
    assert estate.workloads[0].region == "us-east-1"


def test_the_same_folder_twice_is_read_once(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s", interfaces=[eni("eni-1", ["10.0.0.5"], [])])
    estate = load_estate([snap, snap])
    assert [w.id for w in estate.workloads] == ["eni-1"]
    assert [(n.code, n.source) for n in estate.notices if n.code == "duplicate-snapshot"] == [
        ("duplicate-snapshot", str(snap))
    ]


def test_folder_account_fills_missing_owner_ids(tmp_path: Path) -> None:
    group = sg("sg-1")
    del group["OwnerId"]
    write_snapshot(tmp_path / ACCOUNT / "us-west-2", security_groups=[group])
    estate = load_estate([tmp_path])
    assert (estate.filters["sg-1"].account, estate.filters["sg-1"].region) == (ACCOUNT, "us-west-2")


def test_snapshot_registry_entries_are_complete() -> None:
    for cloud, loader in SNAPSHOT_LOADERS.items():
        assert loader.cloud == cloud and cloud in CLOUD_FOLDERS
        assert loader.markers and set(loader.markers) <= set(loader.expected)
        assert len(loader.scope_folders) == loader.layout.count("/")


def test_a_partial_discovery_manifest_makes_the_estate_partial(tmp_path: Path) -> None:
    import shutil

    from pathwarden.providers.load import load_estate
    from pathwarden.providers.manifest import CallRecord, CallStatus, Manifest, write_manifest

    example = Path(__file__).resolve().parents[2] / "examples" / "backup-console" / "snapshot"
    shutil.copytree(example, tmp_path / "snap")
    assert not load_estate([tmp_path / "snap"]).partial
    failed = CallRecord(
        "111122223333",
        "us-east-1",
        "ec2:DescribeNetworkAcls",
        CallStatus.FAILED,
        error="Throttling after 10 attempts",
    )
    write_manifest(
        tmp_path / "snap",
        Manifest(
            "aws",
            "0.1.0",
            "2026-11-25T00:00:00Z",
            "2026-11-25T00:01:00Z",
            ("111122223333",),
            ("us-east-1",),
            (failed,),
        ),
    )
    estate = load_estate([tmp_path / "snap"])
    assert estate.partial
    assert any("DescribeNetworkAcls" in n.message for n in estate.notices)
