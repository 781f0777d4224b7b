"""``reach --port``: where a closed AWS service stops, case by case from the AWS documentation.

[SG] security-group-rules.md, [NACL] vpc-network-acls.md, [PCX] vpc-peering.

Layout, VPC vpc-1 10.0.0.0/16:

- subnet-a 10.0.1.0/24, acl-a (allow all both ways): eni-a 10.0.1.10 (sg-a: egress all);
- subnet-b 10.0.2.0/24, acl-b (in: #90 deny tcp/3389 from 10.0.1.0/24, #100 allow all; out:
  allow all): eni-b 10.0.2.10 (sg-b: in tcp/443, tcp/1000-1499 and ICMP echo from the VPC);
- subnet-c 10.0.3.0/24, acl-c (in: allow all; out: #100 allow tcp/0-1023 only): eni-c 10.0.3.10
  (sg-c: in tcp/22 from the VPC);
- subnet-d 10.0.4.0/24, acl-a: eni-d 10.0.4.10 (sg-a).

VPC vpc-2 10.1.0.0/16, not peered: subnet-x with eni-x 10.1.1.10 (sg-x: in all).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pathwarden.engine.blocked import blocked
from pathwarden.engine.engine import Engine
from pathwarden.model import ServiceSet
from pathwarden.policy.ports import parse_port
from pathwarden.providers.load import load_estate
from tests.unit.awssnapshot import acl, eni, entry, perm, sg, write_snapshot

VPC = ("10.0.0.0/16",)


def subnet(sid: str, vpc: str, cidr: str) -> dict[str, Any]:
    return {"SubnetId": sid, "VpcId": vpc, "CidrBlock": cidr, "AvailabilityZone": "us-east-1a",
            "OwnerId": "111122223333"}


def star(egress: bool) -> dict[str, Any]:
    """The ``*`` entry every NACL has (rule number 32767, deny all)."""
    return entry(32767, "deny", "0.0.0.0/0", egress=egress)


def snapshot(folder: Path) -> Path:
    allow_all = [entry(100, "allow", "0.0.0.0/0"), star(False),
                 entry(100, "allow", "0.0.0.0/0", egress=True), star(True)]
    return write_snapshot(
        folder,
        vpcs=[{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"},
              {"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16"}],
        subnets=[subnet("subnet-a", "vpc-1", "10.0.1.0/24"),
                 subnet("subnet-b", "vpc-1", "10.0.2.0/24"),
                 subnet("subnet-c", "vpc-1", "10.0.3.0/24"),
                 subnet("subnet-d", "vpc-1", "10.0.4.0/24"),
                 subnet("subnet-x", "vpc-2", "10.1.1.0/24")],
        acls=[
            acl("acl-a", "vpc-1", allow_all, subnets=("subnet-a", "subnet-d")),
            acl("acl-b", "vpc-1", [
                entry(90, "deny", "10.0.1.0/24", proto="6", PortRange={"From": 3389, "To": 3389}),
                entry(100, "allow", "0.0.0.0/0"), star(False),
                entry(100, "allow", "0.0.0.0/0", egress=True), star(True)],
                subnets=("subnet-b",)),
            acl("acl-c", "vpc-1", [
                entry(100, "allow", "0.0.0.0/0"), star(False),
                entry(100, "allow", "0.0.0.0/0", egress=True, proto="6",
                      PortRange={"From": 0, "To": 1023}), star(True)],
                subnets=("subnet-c",)),
            acl("acl-x", "vpc-2", allow_all, subnets=("subnet-x",)),
        ],
        security_groups=[
            sg("sg-a", egress=[perm("-1", cidrs=("0.0.0.0/0",))]),
            sg("sg-b", ingress=[perm("tcp", 443, 443, cidrs=VPC),
                                perm("tcp", 1000, 1499, cidrs=VPC),
                                perm("icmp", 8, -1, cidrs=VPC)]),
            sg("sg-c", ingress=[perm("tcp", 22, 22, cidrs=VPC)]),
            sg("sg-x", vpc="vpc-2", ingress=[perm("-1", cidrs=("0.0.0.0/0",))]),
        ],
        interfaces=[
            eni("eni-a", ["10.0.1.10"], ["sg-a"], subnet="subnet-a"),
            eni("eni-b", ["10.0.2.10"], ["sg-b"], subnet="subnet-b"),
            eni("eni-c", ["10.0.3.10"], ["sg-c"], subnet="subnet-c"),
            eni("eni-d", ["10.0.4.10"], ["sg-a"], subnet="subnet-d"),
            eni("eni-x", ["10.1.1.10"], ["sg-x"], subnet="subnet-x", vpc="vpc-2"),
        ],
    )


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine(load_estate([snapshot(tmp_path_factory.mktemp("aws"))]))


def why(engine: Engine, src: str, dst: str, *ports: str) -> list[dict[str, Any]]:
    report = blocked(engine.reach(src, dst), [parse_port(p) for p in ports])
    entries: list[dict[str, Any]] = report.to_json()["blocked"]
    return entries


SG_B = "security groups sg-b (ingress, destination)"
IMPLICIT = {"by": "implicit-deny", "detail": "no rule allows it (implicit deny)"}


def test_security_group_implicit_deny(engine: Engine) -> None:
    # [SG] "If there is no rule that allows the traffic, it is denied" (allow rules only)
    assert why(engine, "eni-a", "eni-b", "tcp/22") == [
        {"protocol": "tcp", "ports": [[22, 22]], "stage": SG_B, **IMPLICIT, "pairs": 1}]


def test_nacl_deny_rule_by_number_is_the_first_hop_that_blocks(engine: Engine) -> None:
    # [NACL] rule 90 matches before rule 100; sg-b would refuse 3389 too, but later on the path
    (got,) = why(engine, "eni-a", "eni-b", "tcp/3389")
    assert got["stage"] == "network ACL acl-b (ingress, subnet-b)"
    assert got["by"] == "acl-b#90/in"
    assert got["detail"] == "rule acl-b#90/in denies it (#90 deny tcp/3389 from 10.0.1.0/24)"
    # rule 90 names subnet-a's range only: from subnet-d, rule 100 allows and sg-b refuses
    assert [(g["stage"], g["by"]) for g in why(engine, "eni-d", "eni-b", "tcp/3389")] == [
        (SG_B, "implicit-deny")]


def test_nacl_return_path_refuses_the_ephemeral_ports(engine: Engine) -> None:
    # [NACL] "responses to allowed inbound traffic are subject to the rules for outbound
    # traffic": acl-c lets out tcp/0-1023 only, the client's port is 1024-65535
    (got,) = why(engine, "eni-a", "eni-c", "tcp/22")
    assert got["stage"] == "network ACL return path (acl-c, acl-a)"
    assert got["by"] == "acl-c#32767/out"
    assert got["ports"] == [[22, 22]]
    # every forward hop lets tcp/22 through; tcp/80 stops earlier, at eni-c's groups
    assert [g["stage"] for g in why(engine, "eni-a", "eni-c", "tcp/80")] == [
        "security groups sg-c (ingress, destination)"]


def test_with_low_ephemeral_ports_the_return_path_is_open(tmp_path: Path) -> None:
    e = Engine(load_estate([snapshot(tmp_path / "s")], ephemeral_ports=(1000, 1023)))
    assert why(e, "eni-a", "eni-c", "tcp/22") == []


def test_different_vpcs_without_peering_have_no_route(engine: Engine) -> None:
    # [PCX] no peering connection between vpc-1 and vpc-2
    assert why(engine, "eni-a", "eni-x", "tcp/22", "udp/53") == [
        {"protocol": "tcp", "ports": [[22, 22]], "stage": "route", "by": "no-route",
         "detail": "no path between the ends at all: different networks with no active peering "
                   "between them, or different clouds", "pairs": 1},
        {"protocol": "udp", "ports": [[53, 53]], "stage": "route", "by": "no-route",
         "detail": "no path between the ends at all: different networks with no active peering "
                   "between them, or different clouds", "pairs": 1},
    ]


def test_open_services_are_not_listed(engine: Engine) -> None:
    assert engine.reach("eni-a", "eni-b").open.contains(6, 443)
    assert why(engine, "eni-a", "eni-b", "tcp/443") == []


def test_a_range_partly_open_reports_only_the_closed_part(engine: Engine) -> None:
    assert why(engine, "eni-a", "eni-b", "tcp/1000-2000") == [
        {"protocol": "tcp", "ports": [[1500, 2000]], "stage": SG_B, **IMPLICIT, "pairs": 1}]


def test_icmp_echo_open_other_types_blocked(engine: Engine) -> None:
    assert why(engine, "eni-a", "eni-b", "icmp") == [
        {"protocol": "icmp", "ports": [[0, 7], [9, 255]], "stage": SG_B, **IMPLICIT, "pairs": 1}]
    assert why(engine, "eni-a", "eni-b", "icmp/8") == []


def test_a_protocol_number(engine: Engine) -> None:
    assert why(engine, "eni-a", "eni-b", "50") == [
        {"protocol": "50", "ports": None, "stage": SG_B, **IMPLICIT, "pairs": 1}]


def test_member_pairs_are_grouped_by_stage_and_rule_most_common_first(engine: Engine) -> None:
    # sg-a has eni-a (subnet-a) and eni-d (subnet-d): two pairs towards eni-b
    got = why(engine, "sg-a", "eni-b", "tcp/22", "tcp/3389")
    assert [(g["ports"], g["stage"], g["by"], g["pairs"]) for g in got] == [
        ([[22, 22]], SG_B, "implicit-deny", 2),
        ([[3389, 3389]], "network ACL acl-b (ingress, subnet-b)", "acl-b#90/in", 1),
        ([[3389, 3389]], SG_B, "implicit-deny", 1),
    ]


def test_a_service_asked_twice_is_reported_once(engine: Engine) -> None:
    got = why(engine, "eni-a", "eni-b", "tcp/20-30", "tcp/22")
    assert [g["ports"] for g in got] == [[[20, 30]]]


def test_the_cap_counts_what_it_leaves_off(engine: Engine,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pathwarden.engine.blocked.MAX_BLOCKED", 1)
    report = blocked(engine.reach("sg-a", "eni-b"), [ServiceSet.tcp(3389)])
    assert [b.by for b in report.items] == ["acl-b#90/in"]  # equal counts: path order
    assert report.to_json()["blocked_omitted"] == 1
