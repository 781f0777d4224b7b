"""AWS semantics in the engine, case by case from the AWS documentation."""

from pathwarden.engine.engine import Engine
from pathwarden.model import ALL_SERVICES, ServiceSet
from pathwarden.model.services import ICMP

from .awsmodel import IN, OUT, allow_all_nacl, cidr, eni, estate, nacl, sg, sgref

EVERYWHERE = cidr("0.0.0.0/0")
OPEN_OUT = [(ALL_SERVICES, EVERYWHERE)]


def open_between(e, a: str, b: str) -> ServiceSet:  # type: ignore[no-untyped-def]
    return Engine(e).reach(a, b).open


def test_security_groups_on_an_eni_are_a_union() -> None:
    # security-group-rules.md: "the rules from each security group are aggregated"
    e = estate(
        [
            eni("eni-a", ["10.0.1.10"], "s1", ["sg-a"]),
            eni("eni-b", ["10.0.1.20"], "s1", ["sg-1", "sg-2"]),
        ],
        [
            sg("sg-a", [], OPEN_OUT),
            sg("sg-1", [(ServiceSet.tcp(22), cidr("10.0.1.0/24"))], []),
            sg("sg-2", [(ServiceSet.tcp(443), cidr("10.0.0.0/8"))], []),
        ],
        {"s1": None},
    )
    assert open_between(e, "eni-a", "eni-b") == ServiceSet.tcp(22) | ServiceSet.tcp(443)


def test_sg_reference_matches_member_private_ips_only() -> None:
    # security-group-rules.md § Security group referencing
    e = estate(
        [
            eni("eni-jump", ["10.0.1.5"], "s1", ["sg-jump"]),
            eni("eni-ws", ["10.0.1.6"], "s1", ["sg-ws"]),
            eni("eni-db", ["10.0.1.7"], "s1", ["sg-db"]),
        ],
        [
            sg("sg-jump", [], OPEN_OUT),
            sg("sg-ws", [], OPEN_OUT),
            sg("sg-db", [(ServiceSet.tcp(5432), sgref("sg-jump"))], []),
        ],
        {"s1": None},
    )
    assert open_between(e, "eni-jump", "eni-db") == ServiceSet.tcp(5432)
    assert not open_between(e, "eni-ws", "eni-db")


def test_self_reference_lets_members_talk_but_not_to_themselves() -> None:
    # default-security-group.md: inbound all from the group itself
    e = estate(
        [eni("eni-1", ["10.0.1.1"], "s1", ["sg-d"]), eni("eni-2", ["10.0.1.2"], "s1", ["sg-d"])],
        [sg("sg-d", [(ALL_SERVICES, sgref("sg-d"))], OPEN_OUT)],
        {"s1": None},
    )
    assert open_between(e, "eni-1", "eni-2") == ALL_SERVICES
    assert Engine(e).reach("sg-d", "eni-1").open == ALL_SERVICES  # eni-2 -> eni-1
    assert Engine(e).reach("eni-1", "eni-1").open == ServiceSet()


def test_stale_peer_reference_matches_nothing() -> None:
    # security-group-rules.md § Stale security group rules
    e = estate(
        [eni("eni-a", ["10.0.1.1"], "s1", ["sg-a"]), eni("eni-b", ["10.0.1.2"], "s1", ["sg-b"])],
        [sg("sg-a", [], OPEN_OUT), sg("sg-b", [(ALL_SERVICES, sgref("sg-a", "deleted"))], [])],
        {"s1": None},
    )
    assert not open_between(e, "eni-a", "eni-b")


def test_nacl_first_match_deny_before_allow_across_subnets_only() -> None:
    # vpc-network-acls.md: lowest rule number first; not evaluated within a subnet
    guarded = nacl(
        "acl-b",
        [
            (90, IN, "deny", ServiceSet.tcp(22), "10.0.1.0/24"),
            (100, IN, "allow", ALL_SERVICES, "0.0.0.0/0"),
            (100, OUT, "allow", ALL_SERVICES, "0.0.0.0/0"),
        ],
    )
    e = estate(
        [
            eni("eni-a", ["10.0.1.1"], "s1", ["sg-o"]),
            eni("eni-b", ["10.0.2.1"], "s2", ["sg-o"]),
            eni("eni-c", ["10.0.2.2"], "s2", ["sg-o"]),
        ],
        [
            sg("sg-o", [(ServiceSet.tcp(20, 25), EVERYWHERE)], OPEN_OUT),
            guarded,
            allow_all_nacl("acl-a"),
        ],
        {"s1": "acl-a", "s2": "acl-b"},
    )
    assert open_between(e, "eni-a", "eni-b") == ServiceSet.tcp(20, 21) | ServiceSet.tcp(23, 25)
    assert open_between(e, "eni-c", "eni-b") == ServiceSet.tcp(20, 25)  # same subnet


def test_nacl_return_path_needs_an_ephemeral_port() -> None:
    # vpc-network-acls.md: stateless; responses are subject to the outbound rules
    strict = nacl(
        "acl-b",
        [
            (100, IN, "allow", ServiceSet.tcp(443), "0.0.0.0/0"),
            (100, OUT, "allow", ServiceSet.tcp(32768, 60999), "0.0.0.0/0"),
        ],
    )
    e_linux = estate(
        [eni("eni-a", ["10.0.1.1"], "s1", ["sg-o"]), eni("eni-b", ["10.0.2.1"], "s2", ["sg-o"])],
        [
            sg("sg-o", [(ServiceSet.tcp(443), EVERYWHERE)], OPEN_OUT),
            strict,
            allow_all_nacl("acl-a"),
        ],
        {"s1": "acl-a", "s2": "acl-b"},
    )
    assert open_between(e_linux, "eni-a", "eni-b") == ServiceSet.tcp(443)
    e_win = estate(
        list(e_linux.workloads),
        list(e_linux.filters.values()),
        {"s1": "acl-a", "s2": "acl-b"},
        ephemeral=(1024, 5000),
    )
    assert not open_between(e_win, "eni-a", "eni-b")


def test_icmp_echo_needs_the_reply_back_through_the_nacl() -> None:
    # flow-logs-records-examples.md: the ping reply is dropped by the stateless NACL
    no_reply = nacl(
        "acl-b",
        [
            (100, IN, "allow", ServiceSet.protocol(ICMP), "0.0.0.0/0"),
            (110, OUT, "allow", ServiceSet.icmp(ICMP, 3), "0.0.0.0/0"),
        ],
    )
    e = estate(
        [eni("eni-a", ["10.0.1.1"], "s1", ["sg-o"]), eni("eni-b", ["10.0.2.1"], "s2", ["sg-o"])],
        [
            sg("sg-o", [(ServiceSet.protocol(ICMP), EVERYWHERE)], OPEN_OUT),
            no_reply,
            allow_all_nacl("acl-a"),
        ],
        {"s1": "acl-a", "s2": "acl-b"},
    )
    got = open_between(e, "eni-a", "eni-b")
    assert got.contains(ICMP, 3 * 256 + 4)  # one-way ICMP needs no reply
    assert not got.contains(ICMP, 8 * 256)  # echo request without echo reply


def test_ipv4_rule_never_opens_ipv6() -> None:
    e = estate(
        [
            eni("eni-a", ["2001:db8::1"], "s1", ["sg-o"]),
            eni("eni-b", ["2001:db8::2"], "s1", ["sg-b"]),
        ],
        [
            sg("sg-o", [], [(ALL_SERVICES, EVERYWHERE), (ALL_SERVICES, cidr("::/0"))]),
            sg("sg-b", [(ALL_SERVICES, EVERYWHERE)], []),
        ],
        {"s1": None},
    )
    assert not open_between(e, "eni-a", "eni-b")


def test_unpeered_vpcs_have_no_private_path_and_peered_ones_do() -> None:
    ws = [
        eni("eni-a", ["10.0.1.1"], "s1", ["sg-o"]),
        eni("eni-b", ["10.1.1.1"], "s9", ["sg-o"], vpc="vpc-2"),
    ]
    fs = [sg("sg-o", [(ALL_SERVICES, EVERYWHERE)], OPEN_OUT)]
    apart = estate(
        ws,
        fs,
        {"s1": None, "s9": None},
        vpcs={"vpc-1": ("10.0.0.0/16", ()), "vpc-2": ("10.1.0.0/16", ())},
    )
    peered = estate(
        ws,
        fs,
        {"s1": None, "s9": None},
        vpcs={"vpc-1": ("10.0.0.0/16", ("vpc-2",)), "vpc-2": ("10.1.0.0/16", ())},
    )
    assert not open_between(apart, "eni-a", "eni-b")
    assert open_between(peered, "eni-a", "eni-b") == ALL_SERVICES


def test_platform_addresses_are_never_an_open_path() -> None:
    # VPC_Security.md: DNS, metadata and Time Sync are not filtered by SGs or NACLs
    e = estate(
        [eni("eni-a", ["10.0.1.1"], "s1", ["sg-o"])], [sg("sg-o", [], OPEN_OUT)], {"s1": None}
    )
    eng = Engine(e)
    assert not eng.reach("eni-a", "169.254.169.254").open
    assert not eng.reach("eni-a", "10.0.0.2").open  # VPC+2 resolver
    assert eng.reach("eni-a", "8.8.8.8").open == ALL_SERVICES


def test_outside_cidr_source_sees_only_destination_filters() -> None:
    e = estate(
        [eni("eni-b", ["10.0.2.1"], "s2", ["sg-b"])],
        [sg("sg-b", [(ServiceSet.tcp(443), cidr("192.0.2.0/24"))], []), allow_all_nacl("acl-b")],
        {"s2": "acl-b"},
    )
    eng = Engine(e)
    assert eng.reach("192.0.2.0/25", "eni-b").open == ServiceSet.tcp(443)
    assert not eng.reach("198.51.100.0/24", "eni-b").open


def test_explanations_name_every_rule_on_every_hop() -> None:
    e = estate(
        [eni("eni-a", ["10.0.1.1"], "s1", ["sg-a"]), eni("eni-b", ["10.0.2.1"], "s2", ["sg-b"])],
        [
            sg("sg-a", [], OPEN_OUT),
            sg(
                "sg-b",
                [(ServiceSet.tcp(443), cidr("10.0.0.0/8")), (ServiceSet.tcp(443), sgref("sg-a"))],
                [],
            ),
            allow_all_nacl("acl-a"),
            allow_all_nacl("acl-b"),
        ],
        {"s1": "acl-a", "s2": "acl-b"},
    )
    doc = Engine(e).reach("eni-a", "eni-b").to_json()
    assert doc["open"] == [{"protocol": "tcp", "ports": [[443, 443]]}]
    [expl] = doc["explanations"]
    rules = {r["id"] for hop in expl["hops"] for r in hop["rules"]}
    assert {
        "sg-a-out0",
        "sg-b-in0",
        "sg-b-in1",
        "acl-a#100/out",
        "acl-b#100/in",
        "acl-b#100/out",
        "acl-a#100/in",
    } == rules
    assert expl["from"] == ["eni-a"] and expl["to"] == ["eni-b"]


def test_one_way_icmp_needs_no_reply_even_when_the_return_nacl_denies_everything() -> None:
    # found by the oracle: an empty egress side of the NACL must not close one-way ICMP
    inbound_only = nacl("acl-b", [(100, IN, "allow", ALL_SERVICES, "0.0.0.0/0")])
    e = estate(
        [eni("eni-b", ["10.0.2.1"], "s2", ["sg-b"])],
        [sg("sg-b", [(ALL_SERVICES, EVERYWHERE)], []), inbound_only],
        {"s2": "acl-b"},
    )
    got = Engine(e).reach("0.0.0.0/0", "eni-b").open
    assert got.contains(ICMP, 0)  # echo reply: one-way
    assert not got.contains(ICMP, 8 * 256)  # echo request: its reply is denied
    assert not got.contains(6, 443)  # tcp: no ephemeral port back


def test_rule_ids_within_names_only_rules_that_open_those_ports() -> None:
    e = estate(
        [eni("eni-a", ["10.0.1.1"], "s1", ["sg-a"]), eni("eni-b", ["10.0.1.2"], "s1", ["sg-b"])],
        [
            sg("sg-a", [], OPEN_OUT),
            sg("sg-b", [(ServiceSet.tcp(22), EVERYWHERE), (ServiceSet.tcp(443), EVERYWHERE)], []),
        ],
        {"s1": None},
    )
    result = Engine(e).reach("eni-a", "eni-b")
    assert set(result.rule_ids()) == {"sg-a-out0", "sg-b-in0", "sg-b-in1"}
    assert set(result.rule_ids(ServiceSet.tcp(443))) == {"sg-a-out0", "sg-b-in1"}
    assert result.explanations(ServiceSet.udp(53)) == []


def test_outside_to_outside_is_not_a_path_of_ours() -> None:
    e = estate(
        [eni("eni-a", ["10.0.1.1"], "s1", ["sg-o"])], [sg("sg-o", [], OPEN_OUT)], {"s1": None}
    )
    assert not Engine(e).reach("0.0.0.0/0", "10.0.0.0/8").open
