"""Bad snapshots give one-line SnapshotErrors naming the file and the key path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathwarden.errors import InputError, SnapshotError
from pathwarden.providers.load import load_estate
from tests.unit.awssnapshot import acl, eni, entry, perm, sg, write_snapshot

SG_FILE = "describe-security-groups.json"


def error(paths: list[Path]) -> SnapshotError:
    with pytest.raises(SnapshotError) as info:
        load_estate(paths)
    assert "\n" not in str(info.value)
    return info.value


def test_malformed_json(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s")
    (snap / SG_FILE).write_text('{\n  "SecurityGroups": [\n    {"GroupId": "sg-1",}\n  ]\n}')
    e = error([snap])
    assert e.file == str(snap / SG_FILE)
    assert "not valid JSON" in e.message
    assert "line 3 column 24" in e.message


def test_missing_required_file(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s")
    (snap / SG_FILE).unlink()
    e = error([snap])
    assert e.file == str(snap)
    assert SG_FILE in e.message and "describe-network-interfaces.json" in e.message


def test_missing_directory(tmp_path: Path) -> None:
    e = error([tmp_path / "nope"])
    assert e.file == str(tmp_path / "nope")
    assert "no such directory" in e.message and SG_FILE in e.message


def test_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s")
    e = error([snap / SG_FILE])
    assert "not a directory" in e.message


def test_xml_style_top_level_key(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s")
    (snap / SG_FILE).write_text(
        json.dumps({"requestId": "r-1", "securityGroupInfo": {"item": [{"groupId": "sg-1"}]}})
    )
    e = error([snap])
    assert e.file == str(snap / SG_FILE)
    assert e.message == (
        "expected an object with key 'SecurityGroups' as `aws ec2 describe-security-groups "
        "--output json` writes; found keys ['requestId', 'securityGroupInfo']"
    )


def test_top_level_list(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s")
    (snap / "describe-network-interfaces.json").write_text("[]")
    e = error([snap])
    assert "expected an object with key 'NetworkInterfaces'" in e.message
    assert e.message.endswith("found a list")


def test_wrong_deep_type(tmp_path: Path) -> None:
    bad = perm("tcp", 22, 22, cidrs=("10.0.0.0/8",))
    bad["FromPort"] = "abc"
    snap = write_snapshot(
        tmp_path / "s",
        security_groups=[sg("sg-0"), sg("sg-1"), sg("sg-2"), sg("sg-3", ingress=[bad])],
    )
    e = error([snap])
    assert e.file == str(snap / SG_FILE)
    assert e.keypath == "SecurityGroups[3].IpPermissions[0].FromPort"
    assert str(e).endswith(
        "SecurityGroups[3].IpPermissions[0].FromPort: expected an integer, found 'abc'"
    )


def test_list_expected(tmp_path: Path) -> None:
    group = sg("sg-1")
    group["IpPermissions"] = {"IpProtocol": "tcp"}
    e = error([write_snapshot(tmp_path / "s", security_groups=[group])])
    assert e.keypath == "SecurityGroups[0].IpPermissions"
    assert e.message == "expected a list, found an object"


@pytest.mark.parametrize(
    ("permission", "keypath", "words"),
    [
        (
            perm("tcp", 22, 22, cidrs=("10.0.0.0/33",)),
            "SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp",
            "expected a CIDR block",
        ),
        (
            perm("tcp", 22, 22, cidrs=("2001:db8::/32",)),
            "SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp",
            "expected an IPv4 CIDR",
        ),
        (
            perm("tcpp", 22, 22, cidrs=("10.0.0.0/8",)),
            "SecurityGroups[0].IpPermissions[0].IpProtocol",
            "found 'tcpp'",
        ),
        (
            perm("tcp", 443, 22, cidrs=("10.0.0.0/8",)),
            "SecurityGroups[0].IpPermissions[0].FromPort",
            "found 443-22",
        ),
        (
            perm("icmp", 300, -1, cidrs=("10.0.0.0/8",)),
            "SecurityGroups[0].IpPermissions[0].FromPort",
            "ICMP type",
        ),
        (
            perm("tcp", 22, 22, groups=({"UserId": "111122223333"},)),
            "SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].GroupId",
            "missing",
        ),
    ],
)
def test_bad_rule_values(
    tmp_path: Path, permission: dict[str, object], keypath: str, words: str
) -> None:
    e = error([write_snapshot(tmp_path / "s", security_groups=[sg("sg-1", ingress=[permission])])])
    assert e.keypath == keypath
    assert words in e.message


def test_bad_nacl_entry(tmp_path: Path) -> None:
    snap = write_snapshot(
        tmp_path / "s",
        acls=[
            acl(
                "acl-1",
                "vpc-1",
                [entry(100, "allow", "0.0.0.0/0"), entry(200, "permit", "0.0.0.0/0")],
            )
        ],
    )
    e = error([snap])
    assert e.file == str(snap / "describe-network-acls.json")
    assert e.keypath == "NetworkAcls[0].Entries[1].RuleAction"


def test_nacl_entry_without_cidr(tmp_path: Path) -> None:
    bad = entry(100, "allow", "0.0.0.0/0")
    del bad["CidrBlock"]
    e = error([write_snapshot(tmp_path / "s", acls=[acl("acl-1", "vpc-1", [bad])])])
    assert e.keypath == "NetworkAcls[0].Entries[0]"


def test_bad_eni_address(tmp_path: Path) -> None:
    e = error([write_snapshot(tmp_path / "s", interfaces=[eni("eni-1", ["10.0.0.300"], [])])])
    assert e.keypath == "NetworkInterfaces[0].PrivateIpAddresses[0].PrivateIpAddress"
    assert "expected an IP address" in e.message


@pytest.mark.parametrize(
    ("field", "value", "keypath"),
    [
        (
            "Groups",
            [{"GroupId": "sg-1"}, {"GroupName": "x"}],
            "NetworkInterfaces[0].Groups[1].GroupId",
        ),
        ("TagSet", [{"Key": "a", "Value": "1"}, {"Key": 5}], "NetworkInterfaces[0].TagSet[1].Key"),
        ("TagSet", {"Key": "a"}, "NetworkInterfaces[0].TagSet"),
        (
            "Ipv6Addresses",
            [{"Ipv6Address": "2001:db8::zz"}],
            "NetworkInterfaces[0].Ipv6Addresses[0].Ipv6Address",
        ),
        ("PrivateIpAddresses", ["10.0.0.5"], "NetworkInterfaces[0].PrivateIpAddresses[0]"),
        ("Attachment", {"InstanceId": 7}, "NetworkInterfaces[0].Attachment.InstanceId"),
    ],
)
def test_bad_eni_fields(tmp_path: Path, field: str, value: object, keypath: str) -> None:
    bad = eni("eni-1", ["10.0.0.5"], [])
    bad[field] = value
    e = error([write_snapshot(tmp_path / "s", interfaces=[bad])])
    assert e.keypath == keypath


def test_bad_embedded_instance_eni(tmp_path: Path) -> None:
    instance = {"InstanceId": "i-1", "NetworkInterfaces": [{"NetworkInterfaceId": 5}]}
    snap = write_snapshot(tmp_path / "s", instances=[{"Instances": [instance]}])
    e = error([snap])
    assert e.file == str(snap / "describe-instances.json")
    assert e.keypath == "Reservations[0].Instances[0].NetworkInterfaces[0].NetworkInterfaceId"


def test_unknown_layout(tmp_path: Path) -> None:
    folder = tmp_path / "estate"
    (folder / "prod" / "us-east-1").mkdir(parents=True)  # not a 12-digit account folder
    write_snapshot(folder / "prod" / "us-east-1")
    (folder / "notes.txt").write_text("hello")
    e = error([folder])
    assert e.file == str(folder)
    assert "no snapshot files found" in e.message
    assert "<account-id>/<region>/" in e.message and SG_FILE in e.message


def test_cloud_folder_without_loader(tmp_path: Path) -> None:
    write_snapshot(tmp_path / "estate" / "aws")
    (tmp_path / "estate" / "azure").mkdir()
    e = error([tmp_path / "estate"])
    assert e.file == str(tmp_path / "estate" / "azure")


def test_empty_aws_folder_in_mixed_layout(tmp_path: Path) -> None:
    (tmp_path / "estate" / "aws").mkdir(parents=True)
    e = error([tmp_path / "estate"])
    assert e.file == str(tmp_path / "estate" / "aws")
    assert "no aws snapshot files found" in e.message


def test_bad_ephemeral_ports(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="ephemeral ports 5000-1000"):
        load_estate([write_snapshot(tmp_path / "s")], ephemeral_ports=(5000, 1000))


def test_bad_prefix_list_entries_file(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s")
    (snap / "get-managed-prefix-list-entries").mkdir()
    (snap / "get-managed-prefix-list-entries" / "pl-1.json").write_text(
        '{"Entries": [{"Cidr": 5}]}'
    )
    e = error([snap])
    assert e.file.endswith("pl-1.json") and e.keypath == "Entries[0].Cidr"
