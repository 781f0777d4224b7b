"""Hand-written cases that check the brute-force AWS oracle itself against the AWS docs.

Doc keys as in ``tests/oracle/aws_oracle.py``: [SGR] security-group-rules.md, [SEC]
VPC_Security.md, [NACL] vpc-network-acls.md, [IPP] API_IpPermission.html, [CNAE]
API_CreateNetworkAclEntry.html, [PEER] vpc-peering-security-groups.html.

Layout of every case: VPC vpc-1 (10.0.0.0/16, 2001:db8::/56); subnet-1 (10.0.1.0/24,
2001:db8:0:1::/64) holds eni-a (10.0.1.10, 2001:db8:0:1::10) and eni-b (10.0.1.11); subnet-2
(10.0.2.0/24, 2001:db8:0:2::/64) holds eni-c (10.0.2.10, 2001:db8:0:2::10).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.oracle.aws_estates import write_snapshot
from tests.oracle.aws_oracle import AwsOracle

Json = dict[str, Any]
A4, B4, C4 = (
    ("eni", "eni-a", "10.0.1.10"),
    ("eni", "eni-b", "10.0.1.11"),
    ("eni", "eni-c", "10.0.2.10"),
)
A6, C6 = ("eni", "eni-a", "2001:db8:0:1::10"), ("eni", "eni-c", "2001:db8:0:2::10")
TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
ALL = {"IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}


def perm(proto: str, ports: tuple[int, int] | None = None, **peers: Any) -> Json:
    p: Json = {"IpProtocol": proto, **(peers or ALL)}
    if ports is not None:
        p["FromPort"], p["ToPort"] = ports
    return p


def entry(number: int, proto: str, action: str, egress: bool, **extra: Any) -> Json:
    e: Json = {"RuleNumber": number, "Protocol": proto, "RuleAction": action, "Egress": egress}
    if "Ipv6CidrBlock" not in extra:
        e["CidrBlock"] = "0.0.0.0/0"
    e.update(extra)
    return e


OPEN_NACL = [
    entry(100, "-1", "allow", eg, **c)
    for eg in (False, True)
    for c in ({}, {"Ipv6CidrBlock": "::/0"})
]
OPEN_SG = {"in": [perm("-1")], "out": [perm("-1")]}


def oracle(
    tmp_path: Path,
    sgs: dict[str, dict[str, list[Json]]] | None = None,
    groups: dict[str, list[str]] | None = None,
    nacl1: list[Json] | None = None,
    nacl2: list[Json] | None = None,
    extra: dict[str, Json] | None = None,
    associate: bool = True,
    vpc_of_c: str = "vpc-1",
    **kw: Any,
) -> AwsOracle:
    sgs = sgs if sgs is not None else {"sg-open": OPEN_SG}
    groups = groups or {}

    def eni(eni_id: str, subnet: str, ips: list[str], ip6: list[str]) -> Json:
        return {
            "NetworkInterfaceId": eni_id,
            "SubnetId": subnet,
            "VpcId": vpc_of_c if eni_id == "eni-c" else "vpc-1",
            "Groups": [{"GroupId": g} for g in groups.get(eni_id, list(sgs)[:1])],
            "PrivateIpAddress": ips[0],
            "PrivateIpAddresses": [{"PrivateIpAddress": ip} for ip in ips],
            "Ipv6Addresses": [{"Ipv6Address": ip} for ip in ip6],
        }

    def nacl(acl_id: str, subnet: str, entries: list[Json] | None, default: bool) -> Json:
        assocs = [{"SubnetId": subnet, "NetworkAclId": acl_id}] if associate else []
        return {
            "NetworkAclId": acl_id,
            "VpcId": "vpc-1",
            "IsDefault": default,
            "Associations": assocs,
            "Entries": OPEN_NACL if entries is None else entries,
        }

    files: dict[str, Json] = {
        "describe-vpcs.json": {
            "Vpcs": [
                {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"},
                {"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16"},
            ]
        },
        "describe-subnets.json": {
            "Subnets": [
                {"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"},
                {"SubnetId": "subnet-2", "VpcId": vpc_of_c, "CidrBlock": "10.0.2.0/24"},
            ]
        },
        "describe-network-interfaces.json": {
            "NetworkInterfaces": [
                eni("eni-a", "subnet-1", ["10.0.1.10"], ["2001:db8:0:1::10"]),
                eni("eni-b", "subnet-1", ["10.0.1.11"], []),
                eni("eni-c", "subnet-2", ["10.0.2.10"], ["2001:db8:0:2::10"]),
            ]
        },
        "describe-security-groups.json": {
            "SecurityGroups": [
                {"GroupId": g, "IpPermissions": r["in"], "IpPermissionsEgress": r["out"]}
                for g, r in sgs.items()
            ]
        },
        "describe-network-acls.json": {
            "NetworkAcls": [
                nacl("acl-1", "subnet-1", nacl1, True),
                nacl("acl-2", "subnet-2", nacl2, False),
            ]
        },
        **(extra or {}),
    }
    write_snapshot(tmp_path, files)
    return AwsOracle(tmp_path, **kw)


def test_open_estate_allows_across_subnets_and_both_families(tmp_path: Path) -> None:
    o = oracle(tmp_path)
    assert o.allowed(A4, C4, TCP, 22)
    assert o.allowed(C6, A6, UDP, 53)
    assert not o.allowed(A4, C6, TCP, 22)  # one family per flow
    assert not o.allowed(A4, ("eni", "eni-a", "10.0.1.10"), TCP, 22)  # self is no path


def test_nacl_deny_90_beats_allow_100_whatever_the_listing_order(tmp_path: Path) -> None:
    # [NACL]: "evaluate the rules in order, starting with the lowest numbered rule"; first match.
    nacl2 = [
        entry(100, "6", "allow", False, PortRange={"From": 0, "To": 65535}),
        entry(90, "6", "deny", False, PortRange={"From": 22, "To": 22}),
        *[e for e in OPEN_NACL if e["Egress"]],
    ]
    o = oracle(tmp_path, nacl2=nacl2)
    assert not o.allowed(A4, C4, TCP, 22)
    assert o.allowed(A4, C4, TCP, 23)
    assert not o.allowed(A4, C4, UDP, 23)  # no ingress entry matches udp: implicit deny


def test_security_groups_on_one_eni_are_a_union(tmp_path: Path) -> None:
    # [SGR]: "the rules from each security group are aggregated to form a single set of rules".
    sgs = {
        "sg-out": {"in": [], "out": [perm("-1")]},
        "sg-ssh": {"in": [perm("tcp", (22, 22))], "out": []},
        "sg-web": {"in": [perm("6", (443, 443))], "out": []},
    }
    groups = {"eni-a": ["sg-out"], "eni-c": ["sg-ssh", "sg-web"]}
    o = oracle(tmp_path, sgs=sgs, groups=groups)
    assert o.allowed(A4, C4, TCP, 22) and o.allowed(A4, C4, TCP, 443)
    assert not o.allowed(A4, C4, TCP, 80)
    assert not o.allowed(C4, A4, TCP, 22)  # eni-c has no egress rule, eni-a no ingress rule


def test_minus_one_and_other_protocols_ignore_ports(tmp_path: Path) -> None:
    # [IPP]: "-1 or a protocol number other than tcp, udp, icmp, or icmpv6 allows traffic on all
    # ports, regardless of any port range you specify".
    sgs = {"sg-x": {"in": [perm("-1", (22, 22)), perm("50", (5, 10))], "out": [perm("-1")]}}
    o = oracle(tmp_path, sgs=sgs)
    assert o.allowed(A4, C4, TCP, 80) and o.allowed(A4, C4, 132, 0)
    sgs = {"sg-x": {"in": [perm("50", (5, 10))], "out": [perm("-1")]}}
    o = oracle(tmp_path, sgs=sgs)
    assert o.allowed(A4, C4, 50, 0)
    assert not o.allowed(A4, C4, 51, 0) and not o.allowed(A4, C4, TCP, 7)


def test_icmp_type_and_code_fields(tmp_path: Path) -> None:
    # [IPP]: FromPort = ICMP type, ToPort = code; -1 = all; type -1 means all types and codes.
    cases = [
        ((-1, -1), [(3, 4), (8, 0), (0, 0)], []),
        ((8, -1), [(8, 0), (8, 5)], [(3, 4)]),
        ((3, 4), [(3, 4)], [(3, 3), (4, 4)]),
    ]
    for ports, open_, closed in cases:
        sgs = {"sg-x": {"in": [perm("icmp", ports)], "out": [perm("-1")]}}
        o = oracle(tmp_path, sgs=sgs)
        for t, c in open_:
            assert o.allowed(A4, C4, ICMP, t * 256 + c), (ports, t, c)
        for t, c in closed:
            assert not o.allowed(A4, C4, ICMP, t * 256 + c), (ports, t, c)
        assert not o.allowed(A6, C6, ICMPV6, 128 * 256), ports  # icmp rule is not icmpv6


def test_ipv4_rules_never_match_ipv6(tmp_path: Path) -> None:
    # [NACL]: "none of the rules for the IPv4 traffic apply to the IPv6 traffic".
    sgs = {"sg-4": {"in": [perm("-1", IpRanges=[{"CidrIp": "0.0.0.0/0"}])], "out": [perm("-1")]}}
    o = oracle(tmp_path, sgs=sgs)
    assert o.allowed(A4, C4, TCP, 22)
    assert not o.allowed(A6, C6, TCP, 22)
    v4_only_nacl = [e for e in OPEN_NACL if "CidrBlock" in e]
    o = oracle(tmp_path, nacl2=v4_only_nacl)
    assert o.allowed(A4, C4, TCP, 22)
    assert not o.allowed(A6, C6, TCP, 22)


def test_nacls_are_not_evaluated_inside_a_subnet(tmp_path: Path) -> None:
    # [NACL]: evaluated "when traffic enters and leaves the subnet, not as it is routed within a
    # subnet".
    deny_all = [entry(1, "-1", "deny", eg) for eg in (False, True)]
    o = oracle(tmp_path, nacl1=deny_all)
    assert o.allowed(A4, B4, TCP, 22)
    assert not o.allowed(A4, C4, TCP, 22)


def test_return_path_needs_one_ephemeral_port(tmp_path: Path) -> None:
    # [NACL]: "responses to allowed inbound traffic are subject to the rules for outbound
    # traffic"; the reply to a's ephemeral port must leave subnet-2 and enter subnet-1.
    def nacl1(deny_from: int, deny_to: int) -> list[Json]:
        deny = entry(10, "6", "deny", False, PortRange={"From": deny_from, "To": deny_to})
        return [deny, *OPEN_NACL]

    assert not oracle(tmp_path, nacl1=nacl1(1024, 65535)).allowed(A4, C4, TCP, 22)
    assert oracle(tmp_path, nacl1=nacl1(1024, 65534)).allowed(A4, C4, TCP, 22)  # 65535 is left
    assert oracle(tmp_path, nacl1=nacl1(1024, 65535)).allowed(A4, C4, UDP, 53)  # tcp deny only
    o = oracle(tmp_path, nacl1=nacl1(32768, 65535), ephemeral=(32768, 60999))
    assert not o.allowed(A4, C4, TCP, 22)  # the configured range decides
    # Echo request needs echo reply (0/0) back; other ICMP types are one-way.
    deny_reply = [entry(10, "1", "deny", True, IcmpTypeCode={"Type": 0, "Code": 0}), *OPEN_NACL]
    o = oracle(tmp_path, nacl2=deny_reply)
    assert not o.allowed(A4, C4, ICMP, 8 * 256)
    assert o.allowed(A4, C4, ICMP, 3 * 256 + 4)
    # Other protocols: the same protocol must be allowed back.
    deny_gre = [entry(10, "47", "deny", True), *OPEN_NACL]
    o = oracle(tmp_path, nacl2=deny_gre)
    assert not o.allowed(A4, C4, 47, 0) and o.allowed(A4, C4, 50, 0)


def test_stale_and_inactive_sg_references_match_nothing(tmp_path: Path) -> None:
    # [SGR] § Stale security group rules; [PEER]: the peering must be active.
    def sg_with_pair(pair: Json) -> dict[str, dict[str, list[Json]]]:
        rule = perm("-1", UserIdGroupPairs=[pair])
        return {"sg-self": {"in": [rule], "out": [perm("-1")]}}

    o = oracle(tmp_path, sgs=sg_with_pair({"GroupId": "sg-self"}))
    assert o.allowed(A4, C4, TCP, 22)  # self reference: members' private addresses
    assert not o.allowed(("outside", "10.0.9.9"), C4, TCP, 22)
    o = oracle(tmp_path, sgs=sg_with_pair({"GroupId": "sg-gone"}))
    assert not o.allowed(A4, C4, TCP, 22)
    o = oracle(tmp_path, sgs=sg_with_pair({"GroupId": "sg-self", "PeeringStatus": "deleted"}))
    assert not o.allowed(A4, C4, TCP, 22)


def test_peering_must_be_active(tmp_path: Path) -> None:
    # docs/aws-semantics.md step 1: same VPC or an *active* peering (Status.Code).
    def peering(code: str) -> dict[str, Json]:
        pcx = {
            "VpcPeeringConnectionId": "pcx-1",
            "RequesterVpcInfo": {"VpcId": "vpc-1"},
            "AccepterVpcInfo": {"VpcId": "vpc-2"},
            "Status": {"Code": code},
        }
        return {"describe-vpc-peering-connections.json": {"VpcPeeringConnections": [pcx]}}

    assert not oracle(tmp_path, vpc_of_c="vpc-2").allowed(A4, C4, TCP, 22)
    assert oracle(tmp_path, vpc_of_c="vpc-2", extra=peering("active")).allowed(A4, C4, TCP, 22)
    o = oracle(tmp_path, vpc_of_c="vpc-2", extra=peering("pending-acceptance"))
    assert not o.allowed(A4, C4, TCP, 22)


def test_prefix_list_entries_are_the_peer(tmp_path: Path) -> None:
    # [SGR] § Components: a source can be a prefix list; its entries are the addresses.
    rule = perm("tcp", (22, 22), PrefixListIds=[{"PrefixListId": "pl-1"}])
    extra = {
        "describe-managed-prefix-lists.json": {"PrefixLists": [{"PrefixListId": "pl-1"}]},
        "get-managed-prefix-list-entries/pl-1.json": {"Entries": [{"Cidr": "10.0.1.0/28"}]},
    }
    o = oracle(tmp_path, sgs={"sg-x": {"in": [rule], "out": [perm("-1")]}}, extra=extra)
    assert o.allowed(A4, C4, TCP, 22)  # 10.0.1.10 is in 10.0.1.0/28
    assert not o.allowed(("outside", "10.0.1.20"), C4, TCP, 22)


def test_unassociated_subnet_uses_the_default_nacl(tmp_path: Path) -> None:
    # [NACL] § Basics: a subnet without an explicit association uses the default NACL (acl-1).
    deny_all = [entry(1, "-1", "deny", eg) for eg in (False, True)]
    o = oracle(tmp_path, nacl1=deny_all, associate=False)
    assert not o.allowed(A4, C4, TCP, 22)  # both subnets fall back to the deny-all default
    o = oracle(tmp_path, nacl2=deny_all, associate=False)
    assert o.allowed(A4, C4, TCP, 22)  # acl-2 is not default and not associated


def test_outside_ends_and_platform_addresses(tmp_path: Path) -> None:
    # An outside source has no SG or NACL of ours; it still crosses the destination's subnet.
    sgs = {"sg-in": {"in": [perm("-1")], "out": []}}
    o = oracle(tmp_path, sgs=sgs)
    assert o.allowed(("outside", "192.0.2.1"), C4, TCP, 22)
    assert not o.allowed(C4, ("outside", "192.0.2.1"), TCP, 22)  # no egress rule
    o = oracle(tmp_path, nacl2=[entry(1, "-1", "deny", False), *OPEN_NACL])
    assert not o.allowed(("outside", "192.0.2.1"), C4, TCP, 22)
    # [SEC], [SGR] § Limitation: IMDS, DNS (incl. VPC+2) are never open paths.
    o = oracle(tmp_path)
    assert not o.allowed(A4, ("outside", "169.254.169.254"), TCP, 80)
    assert not o.allowed(A4, ("outside", "10.0.0.2"), UDP, 53)
    assert o.allowed(A4, ("outside", "10.0.0.3"), UDP, 53)


def test_nacl_protocol_58_on_an_ipv4_entry_means_all_icmpv6(tmp_path: Path) -> None:
    # [CNAE]: protocol 58 with an IPv4 CIDR allows all ICMP types and codes regardless.
    only_echo = {"IcmpTypeCode": {"Type": 128, "Code": 0}}
    v4 = [entry(1, "58", "allow", eg, **only_echo) for eg in (False, True)]
    v6 = [entry(1, "58", "allow", eg, Ipv6CidrBlock="::/0", **only_echo) for eg in (False, True)]
    o = oracle(tmp_path, nacl2=v4)
    assert o.allowed(A4, C4, ICMPV6, 135 * 256)  # odd packet, but the entry ignores the type
    o = oracle(tmp_path, nacl2=v6)
    assert not o.allowed(A6, C6, ICMPV6, 135 * 256)
    assert not o.allowed(A6, C6, ICMPV6, 128 * 256)  # the reply 129/0 is not allowed back
    v6.append(entry(2, "58", "allow", True, Ipv6CidrBlock="::/0"))
    assert oracle(tmp_path, nacl2=v6).allowed(A6, C6, ICMPV6, 128 * 256)
