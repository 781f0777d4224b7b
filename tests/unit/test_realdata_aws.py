"""The AWS loader on real, published API responses (tests/fixtures/aws-api, see NOTICE.md).

Each response is unwrapped from its recording envelope and written into a temporary snapshot
folder under the contract file name. Files that belong to one recorded scenario are written
together; a required file a scenario lacks is written empty (``{"SecurityGroups": []}``), so
each test loads exactly the published data. Expected values are read off the JSON files by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pathwarden.model import (
    ALL_SERVICES,
    Action,
    AddressSet,
    Direction,
    Estate,
    FilterKind,
    Peer,
    PeerKind,
    Rule,
    ServiceSet,
)
from pathwarden.model.services import ICMP
from pathwarden.providers.load import load_estate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "aws-api"

ENTRIES = "get-managed-prefix-list-entries"
SEARCH = "search-transit-gateway-routes"
ASSOCIATIONS = "get-transit-gateway-route-table-associations"
PROPAGATIONS = "get-transit-gateway-route-table-propagations"
# fixture file -> the contract file name it is written as
CONTRACT = {
    "awscli-describe-network-acls-ipv6.json": "describe-network-acls.json",
    "awscli-describe-security-group-rules.json": "describe-security-group-rules.json",
    "cloudmapper-describe-instances.json": "describe-instances.json",
    "cloudmapper-describe-network-interfaces.json": "describe-network-interfaces.json",
    "cloudmapper-describe-security-groups.json": "describe-security-groups.json",
    "custodian-describe-managed-prefix-lists.json": "describe-managed-prefix-lists.json",
    # The recording does not name its prefix list; its one entry, 172.31.0.0/16, is the
    # default-VPC range of the first list, "All VPC CIDR" (MaxEntries 1), so it is paired with it.
    "custodian-get-managed-prefix-list-entries.json": f"{ENTRIES}/pl-02d12d37020480a5f.json",
    "custodian-describe-network-acls-default.json": "describe-network-acls.json",
    "custodian-describe-network-interfaces-natgw-eip.json": "describe-network-interfaces.json",
    "custodian-describe-security-groups-42-selfref.json": "describe-security-groups.json",
    "custodian-describe-security-groups-pairs-icmp.json": "describe-security-groups.json",
    "custodian-describe-security-groups-prefixlist.json": "describe-security-groups.json",
    "custodian-igw-subnet-describe-instances.json": "describe-instances.json",
    "custodian-igw-subnet-describe-route-tables.json": "describe-route-tables.json",
    "custodian-igw-subnet-describe-subnets.json": "describe-subnets.json",
    "custodian-multi-eni-describe-instances.json": "describe-instances.json",
    "custodian-multi-eni-describe-security-groups.json": "describe-security-groups.json",
    # routing (tests/unit/test_realdata_aws_routes.py)
    "awscli-describe-egress-only-internet-gateways.json":
        "describe-egress-only-internet-gateways.json",
    "awscli-describe-transit-gateway-route-tables.json":
        "describe-transit-gateway-route-tables.json",
    # the table ids are the ones the documentation's commands name
    "awscli-get-transit-gateway-route-table-associations.json":
        f"{ASSOCIATIONS}/tgw-rtb-0a823edbdeEXAMPLE.json",
    "awscli-get-transit-gateway-route-table-propagations.json":
        f"{PROPAGATIONS}/tgw-rtb-002573ed1eEXAMPLE.json",
    "awscli-search-transit-gateway-routes.json": f"{SEARCH}/tgw-rtb-0a823edbdeEXAMPLE.json",
    "custodian-describe-internet-gateways.json": "describe-internet-gateways.json",
    "custodian-natgw-describe-nat-gateways.json": "describe-nat-gateways.json",
    "custodian-natgw-describe-route-tables.json": "describe-route-tables.json",
    "custodian-natgw-describe-subnets.json": "describe-subnets.json",
    "custodian-peering-describe-route-tables-blackhole.json": "describe-route-tables.json",
    "custodian-peering-describe-vpc-peering-connections.json":
        "describe-vpc-peering-connections.json",
    "custodian-tgw-describe-transit-gateways.json": "describe-transit-gateways.json",
    "custodian-tgw-describe-transit-gateway-attachments.json":
        "describe-transit-gateway-attachments.json",
}
# files recorded together
SCENARIOS = [
    [
        "cloudmapper-describe-security-groups.json",
        "cloudmapper-describe-instances.json",
        "cloudmapper-describe-network-interfaces.json",
    ],
    [
        "custodian-describe-managed-prefix-lists.json",
        "custodian-get-managed-prefix-list-entries.json",
    ],
    [
        "custodian-igw-subnet-describe-instances.json",
        "custodian-igw-subnet-describe-route-tables.json",
        "custodian-igw-subnet-describe-subnets.json",
    ],
    [
        "custodian-multi-eni-describe-instances.json",
        "custodian-multi-eni-describe-security-groups.json",
    ],
    [
        "custodian-natgw-describe-nat-gateways.json",
        "custodian-natgw-describe-route-tables.json",
        "custodian-natgw-describe-subnets.json",
    ],
    [
        "custodian-peering-describe-route-tables-blackhole.json",
        "custodian-peering-describe-vpc-peering-connections.json",
    ],
    [
        "custodian-tgw-describe-transit-gateways.json",
        "custodian-tgw-describe-transit-gateway-attachments.json",
    ],
    [
        "awscli-get-transit-gateway-route-table-associations.json",
        "awscli-search-transit-gateway-routes.json",
    ],
]
SCENARIO_OF = {f: s for s in SCENARIOS for f in s}


def unwrap(name: str) -> Any:
    data = json.loads((FIXTURES / name).read_text())
    if isinstance(data, dict) and "status_code" in data and "data" in data:
        data = data["data"]
    if isinstance(data, dict):
        data.pop("ResponseMetadata", None)
    return data


def snapshot(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        target = folder / CONTRACT[name]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(unwrap(name), indent=4))
    if not (folder / "describe-security-groups.json").exists():
        (folder / "describe-security-groups.json").write_text('{"SecurityGroups": []}')
    if not any(
        (folder / f).exists()
        for f in ("describe-network-interfaces.json", "describe-instances.json")
    ):
        (folder / "describe-network-interfaces.json").write_text('{"NetworkInterfaces": []}')
    return folder


def load(tmp_path: Path, *names: str) -> Estate:
    return load_estate([snapshot(tmp_path / "snap", *names)])


def rule(estate: Estate, rule_id: str) -> Rule:
    for f in estate.filters.values():
        for r in f.rules:
            if r.id == rule_id:
                return r
    raise AssertionError(f"no rule {rule_id}")


def codes(estate: Estate) -> list[str]:
    return [n.code for n in estate.notices]


# -- every file loads ------------------------------------------------------------------------


def test_every_fixture_is_mapped() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(CONTRACT)


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_every_fixture_loads(tmp_path: Path, name: str) -> None:
    estate = load(tmp_path, *SCENARIO_OF.get(name, [name]))
    assert estate.clouds() <= {"aws"}
    assert estate.sources == (str(tmp_path / "snap"),)
    assert estate.options["aws.ephemeral_ports"] == (1024, 65535)


# -- security groups -------------------------------------------------------------------------


def test_42_groups_with_self_references(tmp_path: Path) -> None:
    estate = load(tmp_path, "custodian-describe-security-groups-42-selfref.json")
    sgs = estate.filters
    assert len(sgs) == 42
    assert all(f.kind is FilterKind.UNION and f.layer == "aws_sg" for f in sgs.values())
    assert all(f.default is Action.DENY for f in sgs.values())
    # 81 peers in all: 38 in IpPermissions, 43 in IpPermissionsEgress
    rules = [r for f in sgs.values() for r in f.rules]
    assert len(rules) == 81
    assert sum(r.direction is Direction.INGRESS for r in rules) == 38
    default = sgs["sg-4b9ada34"]
    assert (default.name, default.network, default.account) == (
        "default",
        "vpc-f1516b97",
        "644160558196",
    )
    (ingress,) = default.direction(Direction.INGRESS)
    assert ingress.services == ALL_SERVICES
    assert ingress.src == (Peer(PeerKind.SECURITY_GROUP, "sg-4b9ada34", account="644160558196"),)
    self_refs = {
        f.id
        for f in sgs.values()
        for r in f.rules
        if any(p.kind is PeerKind.SECURITY_GROUP and p.value == f.id for p in r.src + r.dst)
    }
    assert self_refs == {"sg-269a2f57", "sg-4b9ada34", "sg-6c7fa917", "sg-d89b2ea9"}
    # sg-269a2f57: tcp 80 from sg-d89b2ea9 and from itself; 61000 and 60000-62000 from 10.2/16
    r80 = rule(estate, "sg-269a2f57/ingress/tcp/80-80/sg-d89b2ea9")
    assert r80.services == ServiceSet.tcp(80)
    assert rule(estate, "sg-269a2f57/ingress/tcp/60000-62000/10.2.0.0/16").services == (
        ServiceSet.tcp(60000, 62000)
    )
    egress = rule(estate, "sg-03873272/egress/tcp/443-443/sg-269a2f57")
    assert egress.dst[0].value == "sg-269a2f57" and egress.src == ()
    assert "stale-reference" not in codes(estate)


def test_icmp_type_with_all_codes_and_group_pairs(tmp_path: Path) -> None:
    estate = load(tmp_path, "custodian-describe-security-groups-pairs-icmp.json")
    assert len(estate.filters) == 10
    assert sum(len(f.rules) for f in estate.filters.values()) == 25
    sg = estate.filters["sg-a38ed1de"]
    assert sg.tags == (("App", "blue-moon"), ("NetworkLocation", "Public"), ("Scope", "Account"))
    icmp = rule(estate, "sg-a38ed1de/ingress/icmp/15-all/sg-a08ed1dd")  # FromPort 15, ToPort -1
    assert icmp.services == ServiceSet.icmp(ICMP, 15)
    assert icmp.src[0].kind is PeerKind.SECURITY_GROUP
    wide = rule(estate, "sg-a38ed1de/egress/tcp/0-65535/sg-a08ed1dd")
    assert wide.services == ServiceSet.tcp(0, 65535)
    assert rule(estate, "sg-a38ed1de/egress/all/all/0.0.0.0/0").services == ALL_SERVICES


def test_prefix_list_peer_and_host_bits(tmp_path: Path) -> None:
    estate = load(tmp_path, "custodian-describe-security-groups-prefixlist.json")
    sg = estate.filters["sg-01a19f602ecaf25f4"]
    ingress = sg.direction(Direction.INGRESS)
    assert {r.src[0] for r in ingress} == {
        Peer(PeerKind.CIDR, "192.168.0.1/31"),
        Peer(PeerKind.PREFIX_LIST, "pl-63a5400b"),
    }
    cidr = next(r for r in ingress if r.src[0].kind is PeerKind.CIDR)
    assert cidr.description == "testcidr"
    assert all(r.services == ServiceSet.tcp(80) for r in ingress)
    # no entries for pl-63a5400b in this recording
    notice = next(n for n in estate.notices if n.code == "missing-reference")
    assert notice.source == "pl-63a5400b" and estate.partial
    # sg_controllers: egress -1 to 10.0.0.0/8 and to itself
    ctl = estate.filters["sg-c573e6b3"].direction(Direction.EGRESS)
    assert {r.dst[0].value for r in ctl} == {"10.0.0.0/8", "sg-c573e6b3"}
    assert all(r.services == ALL_SERVICES for r in ctl)


def test_security_group_rules_file_alone(tmp_path: Path) -> None:
    estate = load(tmp_path, "awscli-describe-security-group-rules.json")
    sg = estate.filters["sg-1234567890abcdef0"]
    assert sg.account == "111122223333"
    assert [r.id for r in sg.rules] == [
        "sgr-abcdef01234567890",
        "sgr-bcdef01234567890a",
        "sgr-cdef01234567890ab",
    ]
    self_rule = sg.rules[0]
    assert self_rule.direction is Direction.INGRESS and self_rule.services == ALL_SERVICES
    assert self_rule.src == (
        Peer(PeerKind.SECURITY_GROUP, "sg-1234567890abcdef0", account="111122223333"),
    )
    assert sg.rules[1].dst == (Peer(PeerKind.CIDR, "::/0"),)
    assert sg.rules[2].dst == (Peer(PeerKind.CIDR, "0.0.0.0/0"),)
    assert all(r.services == ALL_SERVICES for r in sg.rules)


# -- network ACLs ----------------------------------------------------------------------------


def test_default_nacl(tmp_path: Path) -> None:
    estate = load(tmp_path, "custodian-describe-network-acls-default.json")
    acl = estate.filters["acl-6c9db915"]
    assert (acl.kind, acl.layer, acl.network) == (
        FilterKind.FIRST_MATCH,
        "aws_nacl",
        "vpc-cc5ae4b5",
    )
    assert [(r.id, r.order, r.action) for r in acl.rules] == [
        ("acl-6c9db915#100/in", 100, Action.ALLOW),
        ("acl-6c9db915#32767/in", 32767, Action.DENY),
        ("acl-6c9db915#100/out", 100, Action.ALLOW),
        ("acl-6c9db915#32767/out", 32767, Action.DENY),
    ]
    assert acl.rules[0].src == (Peer(PeerKind.CIDR, "0.0.0.0/0"),)
    assert acl.rules[2].dst == (Peer(PeerKind.CIDR, "0.0.0.0/0"),)
    assert all(r.services == ALL_SERVICES for r in acl.rules)


def test_ipv6_nacl_entries(tmp_path: Path) -> None:
    estate = load(tmp_path, "awscli-describe-network-acls-ipv6.json")
    assert set(estate.filters) == {"acl-0ea1f54ca7EXAMPLE", "acl-0e2a78e4e2EXAMPLE"}
    v6 = estate.filters["acl-0e2a78e4e2EXAMPLE"]
    assert len(v6.rules) == 8
    star6 = rule(estate, "acl-0e2a78e4e2EXAMPLE#32768/in")
    assert (star6.action, star6.order, star6.direction) == (Action.DENY, 32768, Direction.INGRESS)
    assert star6.src == (Peer(PeerKind.CIDR, "::/0"),)
    assert rule(estate, "acl-0e2a78e4e2EXAMPLE#101/out").dst == (Peer(PeerKind.CIDR, "::/0"),)
    assert v6.account == "111122223333"
    assert [r.order for r in v6.direction(Direction.INGRESS)] == [100, 101, 32767, 32768]


# -- ENIs, instances, subnets ----------------------------------------------------------------


def test_nat_gateway_and_endpoint_enis_are_workloads(tmp_path: Path) -> None:
    estate = load(tmp_path, "custodian-describe-network-interfaces-natgw-eip.json")
    assert len(estate.workloads) == 11
    nat = estate.workload("eni-0449d9bc9a2d3536c")
    assert nat is not None
    assert (nat.kind, nat.filters, nat.addresses) == ("nat_gateway", (), ("10.146.96.24",))
    assert nat.description == "Interface for NAT Gateway nat-001ede673d090598b"
    assert (nat.region, nat.account, nat.network) == (
        "us-east-1",
        "644160558196",
        "vpc-08bbc74c36b8a08dd",
    )
    assert "3.216.70.200" not in nat.addresses  # the Elastic IP is not a private address
    kinds = sorted(w.kind for w in estate.workloads)
    assert kinds.count("nat_gateway") == 2 and kinds.count("vpc_endpoint") == 2
    assert kinds.count("transit_gateway") == 2 and kinds.count("interface") == 5
    two = sorted(w.id for w in estate.workloads if w.instance == "i-0feb6dd62cea504f5")
    assert two == ["eni-0605e38e04785b878", "eni-0bac220f35c9a304e"]
    assert set(estate.subnets) == {
        "subnet-028fbebec8e1d710f",
        "subnet-0e307f2214f524f96",
        "subnet-0897a33a30b9945ed",
    }
    unknown = {n.source: n.message for n in estate.notices if n.code == "missing-reference"}
    # sg-08d3f62092b3ec2dd is not in the snapshot
    assert "eni-099fba10036bb0b1b" in unknown["sg-08d3f62092b3ec2dd"]
    assert estate.partial


def test_multi_eni_instances_one_workload_per_eni(tmp_path: Path) -> None:
    estate = load(
        tmp_path,
        "custodian-multi-eni-describe-instances.json",
        "custodian-multi-eni-describe-security-groups.json",
    )
    assert len(estate.workloads) == 5
    a = estate.workload("eni-00c2433e49682f0c3")
    b = estate.workload("eni-085f554b90f031062")
    assert a is not None and b is not None
    assert (a.instance, a.filters, a.addresses, a.subnet) == (
        "i-0a3bdbed1708220a1",
        ("sg-09dd9760660103a06",),
        ("10.0.1.115",),
        "subnet-0afcfaf701c6a1c4c",
    )
    assert (b.instance, b.filters, b.addresses, b.subnet) == (
        "i-0a3bdbed1708220a1",
        ("sg-08866faa10e9a51ef",),
        ("10.0.2.155",),
        "subnet-08d70664677d2d011",
    )
    assert a.region == "us-east-1"  # from the instance's Placement
    private = estate.filters["sg-09dd9760660103a06"]
    (only,) = private.rules
    assert only.src == (Peer(PeerKind.CIDR, "10.0.0.0/16"),) and only.description == "private"
    assert private.direction(Direction.EGRESS) == ()  # IpPermissionsEgress is []
    assert "missing-reference" not in codes(estate)


def test_igw_subnet_scenario(tmp_path: Path) -> None:
    estate = load(
        tmp_path,
        "custodian-igw-subnet-describe-instances.json",
        "custodian-igw-subnet-describe-route-tables.json",
        "custodian-igw-subnet-describe-subnets.json",
    )
    assert len(estate.workloads) == 8
    assert len({w.instance for w in estate.workloads}) == 5
    private = estate.subnets["subnet-00a7ff0f29a2f7dd7"]
    public = estate.subnets["subnet-02e1a5b426e2b16a9"]
    assert (private.name, public.name) == ("private", "public")
    assert private.cidrs == AddressSet.parse("10.0.1.0/24")
    assert public.cidrs == AddressSet.parse("10.0.2.0/24")
    for w in estate.workloads:
        assert estate.subnets[w.subnet].cidrs.contains_ip(w.addresses[0])
    second = estate.workload("eni-0131bd33be01478d3")
    assert second is not None
    assert (second.instance, second.subnet, second.addresses) == (
        "i-08d26c9b0862f70c8",
        "subnet-02e1a5b426e2b16a9",
        ("10.0.2.57",),
    )
    # only an empty describe-security-groups.json: every ENI's group is unknown, one notice
    # per group naming its ENIs
    named = " ".join(n.message for n in estate.notices if n.code == "missing-reference")
    assert all(w.id in named or " more" in named for w in estate.workloads)
    groups = {g for w in estate.workloads for g in w.filters}
    assert {n.source for n in estate.notices if n.code == "missing-reference"} >= groups


def test_cloudmapper_demo_account(tmp_path: Path) -> None:
    estate = load(
        tmp_path,
        "cloudmapper-describe-security-groups.json",
        "cloudmapper-describe-instances.json",
        "cloudmapper-describe-network-interfaces.json",
    )
    assert len(estate.filters) == 8
    assert sum(len(f.rules) for f in estate.filters.values()) == 19
    bastion = estate.filters["sg-00000002"]
    assert sorted(r.src[0].value for r in bastion.direction(Direction.INGRESS)) == [
        "1.1.1.1/32",
        "2.2.2.2/28",
    ]
    eni = estate.workload("eni-00000001")
    assert eni is not None and eni.filters == ("sg-00000008",) and eni.region == "us-east-1"
    # the hand-made demo data gives three instances the same ENI id: the first is kept
    first = estate.workload("eni-00000000")
    assert first is not None
    assert (first.instance, first.name, first.addresses) == (
        "i-00000000000000000",
        "Bastion",
        ("10.0.0.1",),
    )
    assert first.instance_tags == (("Name", "Bastion"),)
    assert codes(estate).count("duplicate-id") == 2


def test_managed_prefix_lists_with_entries(tmp_path: Path) -> None:
    estate = load(
        tmp_path,
        "custodian-describe-managed-prefix-lists.json",
        "custodian-get-managed-prefix-list-entries.json",
    )
    pls = estate.prefix_lists
    assert set(pls) == {
        "pl-02d12d37020480a5f",
        "pl-0c79279cd77a6e7c2",
        "pl-02cd2c6b",
        "pl-63a5400a",
    }
    vpc_cidr = pls["pl-02d12d37020480a5f"]
    assert (vpc_cidr.name, vpc_cidr.max_entries, vpc_cidr.entries) == (
        "All VPC CIDR",
        1,
        ("172.31.0.0/16",),
    )
    assert vpc_cidr.addresses == AddressSet.parse("172.31.0.0/16")
    s3 = pls["pl-63a5400a"]
    assert (s3.name, s3.entries, s3.max_entries) == ("com.amazonaws.us-east-1.s3", (), 0)
