"""The benchmark generator writes a valid, deterministic AWS snapshot of the requested size."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest
from benchmarks.gen_aws import Summary, generate, main

from pathwarden.api import load_estate

SIZES: dict[str, int] = {"enis": 150, "sgs": 40, "rules": 400, "subnets": 9, "prefix_lists": 6}
PEER_KEYS = ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs")


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Summary]:
    out = tmp_path_factory.mktemp("bench")
    return out, generate(out, enis=150, sgs=40, rules=400, subnets=9, prefix_lists=6, seed=7)


def _doc(directory: Path, name: str) -> Any:
    return json.loads((directory / name).read_text())


def test_files_hold_the_requested_counts(snap: tuple[Path, Summary]) -> None:
    d, _ = snap
    groups = _doc(d, "describe-security-groups.json")["SecurityGroups"]
    assert len(groups) == SIZES["sgs"]
    perms = [p for g in groups for p in g["IpPermissions"] + g["IpPermissionsEgress"]]
    assert sum(len(p[k]) for p in perms for k in PEER_KEYS) == SIZES["rules"]
    assert len(_doc(d, "describe-security-group-rules.json")["SecurityGroupRules"]) == 400
    assert len(_doc(d, "describe-network-interfaces.json")["NetworkInterfaces"]) == 150
    assert len(_doc(d, "describe-subnets.json")["Subnets"]) == SIZES["subnets"]
    assert len(_doc(d, "describe-vpcs.json")["Vpcs"]) == 3
    lists = _doc(d, "describe-managed-prefix-lists.json")["PrefixLists"]
    assert len(lists) == SIZES["prefix_lists"]
    for p in lists:
        entries = _doc(d, f"get-managed-prefix-list-entries/{p['PrefixListId']}.json")["Entries"]
        assert entries and all("Cidr" in e for e in entries)
    (peering,) = _doc(d, "describe-vpc-peering-connections.json")["VpcPeeringConnections"]
    assert peering["Status"]["Code"] == "active"


def test_permissions_have_the_cli_shape(snap: tuple[Path, Summary]) -> None:
    d, _ = snap
    protocols = set()
    for g in _doc(d, "describe-security-groups.json")["SecurityGroups"]:
        for p in g["IpPermissions"] + g["IpPermissionsEgress"]:
            protocols.add(p["IpProtocol"])
            assert all(k in p for k in PEER_KEYS)
            # FromPort/ToPort are absent exactly for "-1" and numbered protocols such as 50.
            assert ("FromPort" in p) == (p["IpProtocol"] in ("tcp", "udp", "icmp", "icmpv6"))
    assert {"tcp", "-1"} <= protocols


def test_references_resolve_inside_the_snapshot(snap: tuple[Path, Summary]) -> None:
    d, _ = snap
    groups = {g["GroupId"]: g for g in _doc(d, "describe-security-groups.json")["SecurityGroups"]}
    subnets = {s["SubnetId"]: s for s in _doc(d, "describe-subnets.json")["Subnets"]}
    listed = _doc(d, "describe-managed-prefix-lists.json")["PrefixLists"]
    lists = {p["PrefixListId"] for p in listed}
    (peering,) = _doc(d, "describe-vpc-peering-connections.json")["VpcPeeringConnections"]
    peered = {peering["AccepterVpcInfo"]["VpcId"], peering["RequesterVpcInfo"]["VpcId"]}
    for g in groups.values():
        for p in g["IpPermissions"] + g["IpPermissionsEgress"]:
            assert {x["PrefixListId"] for x in p["PrefixListIds"]} <= lists
            for pair in p["UserIdGroupPairs"]:
                other = groups[pair["GroupId"]]
                if other["VpcId"] != g["VpcId"]:
                    assert {other["VpcId"], g["VpcId"]} == peered
                    assert pair["VpcPeeringConnectionId"] == peering["VpcPeeringConnectionId"]
    seen_ips: set[str] = set()
    for eni in _doc(d, "describe-network-interfaces.json")["NetworkInterfaces"]:
        subnet = subnets[eni["SubnetId"]]
        assert subnet["VpcId"] == eni["VpcId"]
        assert 1 <= len(eni["Groups"]) <= 3
        assert all(groups[x["GroupId"]]["VpcId"] == eni["VpcId"] for x in eni["Groups"])
        ips = [x["PrivateIpAddress"] for x in eni["PrivateIpAddresses"]]
        assert ips[0] == eni["PrivateIpAddress"] and 1 <= len(ips) <= 2
        net = ipaddress.ip_network(subnet["CidrBlock"])
        assert all(ipaddress.ip_address(ip) in net for ip in ips)
        assert not seen_ips & set(ips)
        seen_ips.update(ips)


def test_each_subnet_has_one_nacl_with_the_default_denies(snap: tuple[Path, Summary]) -> None:
    d, _ = snap
    associated: list[str] = []
    for acl in _doc(d, "describe-network-acls.json")["NetworkAcls"]:
        associated += [a["SubnetId"] for a in acl["Associations"]]
        for egress in (True, False):
            numbers = [e["RuleNumber"] for e in acl["Entries"] if e["Egress"] is egress]
            assert 32767 in numbers and len(numbers) <= 20
    assert sorted(associated) == sorted(s["SubnetId"] for s in
                                        _doc(d, "describe-subnets.json")["Subnets"])


def test_instances_list_their_enis(snap: tuple[Path, Summary]) -> None:
    d, summary = snap
    nics = {}
    for r in _doc(d, "describe-instances.json")["Reservations"]:
        for inst in r["Instances"]:
            nics.update({n["NetworkInterfaceId"]: inst["InstanceId"]
                         for n in inst["NetworkInterfaces"]})
    attached = {e["NetworkInterfaceId"]: e["Attachment"]["InstanceId"]
                for e in _doc(d, "describe-network-interfaces.json")["NetworkInterfaces"]
                if "InstanceId" in e.get("Attachment", {})}
    assert attached == nics
    assert summary.instances == len(set(nics.values()))


def test_enis_share_signatures(snap: tuple[Path, Summary]) -> None:
    d, summary = snap
    enis = _doc(d, "describe-network-interfaces.json")["NetworkInterfaces"]
    signatures = {(frozenset(g["GroupId"] for g in e["Groups"]), e["SubnetId"]) for e in enis}
    assert len(signatures) == summary.signatures
    assert len(signatures) * 2 <= len(enis)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate(tmp_path / name, enis=30, sgs=12, rules=60, subnets=4, prefix_lists=4, seed=seed)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.json"))
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.json"))
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
               for f in files)
    name = "describe-security-groups.json"
    assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()


def test_pathwarden_loads_it(snap: tuple[Path, Summary]) -> None:
    d, _ = snap
    estate = load_estate([d])
    assert len(estate.workloads) == SIZES["enis"]
    sgs = [f for f in estate.filters.values() if f.layer == "aws_sg"]
    assert len(sgs) == SIZES["sgs"]
    assert sum(len(f.rules) for f in sgs) == SIZES["rules"]
    assert all(r.id.startswith("sgr-") for f in sgs for r in f.rules)
    assert len(estate.subnets) == SIZES["subnets"]
    assert len(estate.prefix_lists) == SIZES["prefix_lists"]
    assert not estate.partial
    # the generator writes no routing files (yet): the one notice that says so
    assert [n.code for n in estate.notices if n.code != "missing-file"] == [
        "routes-not-in-snapshot"]


def test_cli_reports_bad_sizes_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "x"), "--sgs", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("gen_aws: error:") and err.count("\n") == 1
