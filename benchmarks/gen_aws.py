"""Write a synthetic AWS snapshot: the JSON that ``aws ec2 describe-* --output json`` writes.

    python -m benchmarks.gen_aws OUT [--enis 20000] [--sgs 5000] [--rules 50000]
                                     [--subnets 60] [--prefix-lists 20] [--seed 1] [--routes]

The estate has three VPCs (the first two peered), subnets of /22-/24 in three availability
zones with one NACL each, applications with web/app/db tiers whose groups reference each other,
shared groups (bastion, monitoring, ...) referenced by many, and ENIs that carry a tier group
plus maybe shared ones, so that the number of distinct (group set, subnet) signatures is in the
low thousands rather than one per ENI. The same seed gives byte-identical files.

``--routes`` also writes the routing files (route tables, gateways, a transit gateway:
:mod:`benchmarks.aws_routes`); every other file stays byte-identical to the estate without it.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.aws_groups import App, Net, build_rules, make_groups
from benchmarks.aws_routes import RouteSummary, write_routes
from benchmarks.aws_rules import (
    OWNER,
    REGION,
    SG,
    default_nacl_entries,
    nacl_entries,
    rule_count,
)
from benchmarks.aws_rules import prefix_lists as make_prefix_lists

Json = dict[str, Any]
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
ROLES = ["public", "app", "app", "data", "mgmt"]
TIER_ROLE = {"web": "public", "app": "app", "db": "data", "cache": "data"}
LAUNCH = "2025-03-14T09:26:53+00:00"


@dataclass(frozen=True)
class Summary:
    """What :func:`generate` wrote (counts as the files hold them)."""

    out_dir: Path
    vpcs: int
    subnets: int
    nacls: int
    security_groups: int
    rules: int
    enis: int
    instances: int
    prefix_lists: int
    signatures: int  # distinct (security group set, subnet): the expected equivalence classes
    sg_with_members: int
    routes: RouteSummary | None = None  # what --routes wrote


@dataclass
class _Subnet:
    id: str
    vpc: str
    az: str
    role: str
    need: int = 0
    cidr: ipaddress.IPv4Network = field(default_factory=lambda: ipaddress.IPv4Network("0.0.0.0/32"))
    v6: ipaddress.IPv6Network | None = None
    hosts: list[int] = field(default_factory=list)


@dataclass
class _Eni:
    id: str
    subnet: _Subnet
    groups: list[SG]
    ips: int
    kind: str = "interface"  # interface | elb | endpoint
    instance: str = ""
    device: int = 0
    app: str = ""
    tier: str = ""


class _Ids:
    """AWS-style ids (``sg-0`` + 16 hex digits), unique and reproducible for a seed."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"ids-{seed}")
        self._seen: set[str] = set()

    def __call__(self, prefix: str) -> str:
        while True:
            value = f"{prefix}-0{self._rng.getrandbits(64):016x}"
            if value not in self._seen:
                self._seen.add(value)
                return value


def generate(
    out_dir: str | Path,
    *,
    enis: int = 20000,
    sgs: int = 5000,
    rules: int = 50000,
    subnets: int = 60,
    prefix_lists: int = 20,
    seed: int = 1,
    sg_rules: bool = True,
    routes: bool = False,
) -> Summary:
    """Write the snapshot files into ``out_dir`` (created if missing) and say what is there.

    ``sg_rules`` also writes ``describe-security-group-rules.json`` (the same rules, one object
    per peer with its ``sgr-`` id), as ``pathwarden discover`` does. ``routes`` also writes the
    routing files (:mod:`benchmarks.aws_routes`), leaving the others as they are without it.
    """
    if min(enis, rules, prefix_lists) < 0 or subnets < 1:
        raise ValueError("counts must be >= 0 and subnets >= 1")
    rng, new_id = random.Random(seed), _Ids(seed)
    out = Path(out_dir)
    n_vpcs = min(3, subnets)
    vpc_ids = [new_id("vpc") for _ in range(n_vpcs)]
    pcx = new_id("pcx") if n_vpcs > 1 else ""
    subs = [_Subnet(new_id("subnet"), vpc_ids[i % n_vpcs], AZS[(i // n_vpcs) % 3],
                    ROLES[(i // n_vpcs) % len(ROLES)]) for i in range(subnets)]
    shared, apps = make_groups(sgs, vpc_ids, rng, new_id)
    plan = _plan_enis(enis, subs, shared, apps, rng, new_id)
    vpc_cidrs = _size_subnets(subs, vpc_ids, rng)
    v6_vpcs = {v: ipaddress.IPv6Network(f"2600:1f18:{rng.randrange(1 << 16):x}:"
                                        f"{rng.randrange(256):x}00::/56")
               for v in vpc_ids[:2]}
    for i, s in enumerate(subs):
        if s.vpc in v6_vpcs and rng.random() < 0.6:
            s.v6 = list(v6_vpcs[s.vpc].subnets(new_prefix=64))[i % 256]
    nets = {v: Net(v, str(vpc_cidrs[v]), str(v6_vpcs.get(v, ""))) for v in vpc_ids}
    if pcx:
        a, b = nets[vpc_ids[0]], nets[vpc_ids[1]]
        a.peer, a.pcx, a.peer_cidr = b.id, pcx, b.cidr
        b.peer, b.pcx, b.peer_cidr = a.id, pcx, a.cidr
    lists = make_prefix_lists(prefix_lists, rng, new_id)
    build_rules(shared, apps, nets, lists, rules, rng)
    groups = list(shared.values()) + [g for a in apps for g in a.tiers.values()]

    out.mkdir(parents=True, exist_ok=True)
    (out / "get-managed-prefix-list-entries").mkdir(exist_ok=True)
    _write(out / "describe-vpcs.json", {"Vpcs": [_vpc(n) for n in nets.values()]})
    if pcx:
        _write(out / "describe-vpc-peering-connections.json",
               {"VpcPeeringConnections": [_peering(pcx, nets[vpc_ids[0]], nets[vpc_ids[1]])]})
    _write(out / "describe-subnets.json", {"Subnets": [_subnet(s) for s in subs]})
    nacls = [_nacl(s, nets[s.vpc], rng, new_id) for s in subs]
    nacls += [_default_nacl(n, new_id) for n in nets.values()]
    _write(out / "describe-network-acls.json", {"NetworkAcls": nacls})
    _write(out / "describe-security-groups.json",
           {"SecurityGroups": [g.to_json() for g in groups]})
    if sg_rules:
        _write(out / "describe-security-group-rules.json",
               {"SecurityGroupRules": [r for g in groups for r in g.rule_objects(new_id)]})
    _write(out / "describe-managed-prefix-lists.json",
           {"PrefixLists": [p.describe() for p in lists]})
    for p in lists:
        _write(out / "get-managed-prefix-list-entries" / f"{p.id}.json", p.entries_json())
    eni_json = [_eni_json(e, rng, new_id) for e in plan]
    _write(out / "describe-network-interfaces.json", {"NetworkInterfaces": eni_json})
    reservations = _reservations(plan, eni_json, rng, new_id)
    _write(out / "describe-instances.json", {"Reservations": reservations})
    routing = write_routes(out, list(nets.values()), subs, lists, eni_json, seed,
                           _write) if routes else None

    signatures = {(tuple(sorted(g.id for g in e.groups)), e.subnet.id) for e in plan}
    members = {g.id for e in plan for g in e.groups}
    return Summary(out, n_vpcs, len(subs), len(nacls), len(groups), rule_count(groups),
                   len(plan), sum(len(r["Instances"]) for r in reservations), len(lists),
                   len(signatures), len(members), routing)


# --- ENIs ------------------------------------------------------------------------------------


def _plan_enis(
    n: int, subs: list[_Subnet], shared: dict[tuple[str, str], SG], apps: list[App],
    rng: random.Random, new_id: _Ids,
) -> list[_Eni]:
    """Decide every ENI's subnet, groups and instance before any address is chosen."""
    by_role: dict[tuple[str, str], list[_Subnet]] = {}
    for s in subs:
        by_role.setdefault((s.vpc, s.role), []).append(s)
    vpcs = sorted({s.vpc for s in subs}, key=[s.vpc for s in subs].index)

    def pick_subnet(vpc: str, role: str) -> _Subnet:
        return rng.choice(by_role.get((vpc, role)) or [s for s in subs if s.vpc == vpc])

    plan: list[_Eni] = []
    infra = [("alb-public", "elb", "public", 0.03), ("vpc-endpoints", "endpoint", "app", 0.01),
             ("bastion", "interface", "mgmt", 0.002), ("monitoring", "interface", "mgmt", 0.003)]
    for role, kind, where, share in infra:
        for i in range(round(n * share) if n >= 50 else 0):
            vpc = vpcs[i % len(vpcs)]
            sg = shared.get((vpc, role))
            if sg is None:
                continue
            extra = [shared[(vpc, "corp-access")]] if kind == "interface" and (
                vpc, "corp-access") in shared else []
            plan.append(_Eni(new_id("eni"), pick_subnet(vpc, where), [sg, *extra], 1, kind,
                             tier=role))
    deployed = [a for a in apps if rng.random() < 0.55] or apps[:1]
    weights = [1.0 / (k + 1) ** 0.9 for k in range(len(deployed))]
    profiles: dict[tuple[str, str], tuple[list[_Subnet], list[SG]]] = {}
    last: dict[tuple[str, str], _Eni] = {}
    while len(plan) < n:
        if not deployed:  # no application groups at all: the VPC's default group
            vpc = vpcs[len(plan) % len(vpcs)]
            plan.append(_Eni(new_id("eni"), pick_subnet(vpc, "app"),
                             [shared[(vpc, "default")]], 1))
            continue
        app = rng.choices(deployed, weights=weights)[0]
        tier = rng.choices(list(app.tiers), weights=[4, 5, 2, 1][: len(app.tiers)])[0]
        key = (app.name, tier)
        if key not in profiles:
            homes = [pick_subnet(app.vpc, TIER_ROLE[tier])]
            if rng.random() < 0.25:
                homes.append(pick_subnet(app.vpc, TIER_ROLE[tier]))
            extra = [shared[(app.vpc, r)] for r, p in (("monitoring", 0.6), ("corp-access", 0.15))
                     if (app.vpc, r) in shared and rng.random() < p]
            profiles[key] = (homes, extra)
        homes, extra = profiles[key]
        groups = [app.tiers[tier], *extra]
        bastion = shared.get((app.vpc, "bastion"))
        if bastion is not None and rng.random() < 0.05:
            groups.append(bastion)
        ips = 2 if rng.random() < 0.15 else 1
        eni = _Eni(new_id("eni"), rng.choice(homes), groups, ips, app=app.name, tier=tier)
        prev = last.get(key)
        if prev is not None and prev.device == 0 and rng.random() < 0.04:
            # a second ENI on the previous instance, same subnet, its own group set
            eni.subnet, eni.instance, eni.device = prev.subnet, prev.instance, 1
            eni.groups = [app.tiers[tier]] + ([shared[(app.vpc, "corp-access")]]
                                              if (app.vpc, "corp-access") in shared else [])
        else:
            eni.instance = new_id("i")
        last[key] = eni
        plan.append(eni)
    for e in plan:
        if e.kind == "interface" and not e.instance:
            e.instance = new_id("i")
        e.subnet.need += e.ips
    return plan


def _size_subnets(
    subs: list[_Subnet], vpcs: list[str], rng: random.Random
) -> dict[str, ipaddress.IPv4Network]:
    """Give each subnet a /22-/24 (larger only if its ENIs need it), packed into its VPC."""
    for s in subs:
        prefix = rng.choices([22, 23, 24], weights=[2, 3, 2])[0]
        while (1 << (32 - prefix)) - 5 < s.need * 1.15 + 8:
            prefix -= 1
        s.cidr = ipaddress.IPv4Network(f"0.0.0.0/{prefix}")
    cidrs: dict[str, ipaddress.IPv4Network] = {}
    base = int(ipaddress.IPv4Address("10.0.0.0"))
    for vpc in vpcs:
        mine = sorted((s for s in subs if s.vpc == vpc), key=lambda s: s.cidr.prefixlen)
        total = sum(s.cidr.num_addresses for s in mine)
        prefix = 16
        while (1 << (32 - prefix)) < total:
            prefix -= 1
        size = 1 << (32 - prefix)
        base = (base + size - 1) // size * size
        cidrs[vpc] = ipaddress.IPv4Network((base, prefix))
        offset = base
        for s in mine:
            s.cidr = ipaddress.IPv4Network((offset, s.cidr.prefixlen))
            offset += s.cidr.num_addresses
            s.hosts = rng.sample(range(4, s.cidr.num_addresses - 1), s.need)
        base += size
    return cidrs


def _eni_json(e: _Eni, rng: random.Random, new_id: _Ids) -> Json:
    s = e.subnet
    base = int(s.cidr.network_address)
    ips = [str(ipaddress.IPv4Address(base + s.hosts.pop())) for _ in range(e.ips)]
    public = ""
    if (e.tier in ("web", "bastion") or e.kind == "elb") and rng.random() < 0.3:
        public = f"{rng.choice([3, 18, 34, 44, 52, 54])}.{rng.randrange(256)}." \
                 f"{rng.randrange(256)}.{rng.randrange(1, 255)}"
    out: Json = {}
    if public:
        out["Association"] = _public(public)
    if e.kind == "interface":
        out["Attachment"] = {"AttachTime": LAUNCH, "AttachmentId": new_id("eni-attach"),
                             "DeleteOnTermination": e.device == 0, "DeviceIndex": e.device,
                             "NetworkCardIndex": 0, "InstanceId": e.instance,
                             "InstanceOwnerId": OWNER, "Status": "attached"}
    elif e.kind == "elb":
        out["Attachment"] = {"AttachmentId": f"ela-attach-{rng.getrandbits(32):08x}",
                             "DeleteOnTermination": False, "DeviceIndex": 1,
                             "InstanceOwnerId": "amazon-elb", "Status": "attached"}
    out["AvailabilityZone"] = s.az
    out["Description"] = {"interface": "", "elb": f"ELB app/public-{s.vpc[-6:]}/"
                          f"{rng.getrandbits(64):016x}",
                          "endpoint": f"VPC Endpoint Interface {new_id('vpce')}"}[e.kind]
    out["Groups"] = [{"GroupName": g.name, "GroupId": g.id} for g in e.groups]
    out["InterfaceType"] = "vpc_endpoint" if e.kind == "endpoint" else "interface"
    v6 = []
    if s.v6 is not None and rng.random() < 0.5:
        v6 = [{"Ipv6Address": str(s.v6.network_address + rng.getrandbits(64)),
               "IsPrimaryIpv6": False}]
    out["Ipv6Addresses"] = v6
    mac = [rng.randrange(256) & 0xFC | 0x02] + [rng.randrange(256) for _ in range(5)]
    out["MacAddress"] = ":".join(f"{b:02x}" for b in mac)
    out["NetworkInterfaceId"] = e.id
    out["OwnerId"] = OWNER
    out["PrivateDnsName"] = _dns(ips[0])
    out["PrivateIpAddress"] = ips[0]
    out["PrivateIpAddresses"] = []
    for i, ip in enumerate(ips):
        item: Json = {"Association": _public(public)} if public and i == 0 else {}
        item.update(Primary=i == 0, PrivateDnsName=_dns(ip), PrivateIpAddress=ip)
        out["PrivateIpAddresses"].append(item)
    if e.kind != "interface":
        out["RequesterId"] = "amazon-elb" if e.kind == "elb" else "727180483921"
    out["RequesterManaged"] = e.kind != "interface"
    out["SourceDestCheck"] = True
    out["Status"] = "in-use"
    out["SubnetId"] = s.id
    out["TagSet"] = [{"Key": "App", "Value": e.app}] if e.app else []
    out["VpcId"] = s.vpc
    return out


def _reservations(
    plan: list[_Eni], eni_json: list[Json], rng: random.Random, new_id: _Ids
) -> list[Json]:
    by_instance: dict[str, list[tuple[_Eni, Json]]] = {}
    for e, js in zip(plan, eni_json, strict=True):
        if e.instance:
            by_instance.setdefault(e.instance, []).append((e, js))
    reservations: list[Json] = []
    for instance_id, nics in by_instance.items():
        if not reservations or len(reservations[-1]["Instances"]) >= rng.randint(1, 4):
            reservations.append({"Groups": [], "Instances": [], "OwnerId": OWNER,
                                 "ReservationId": new_id("r")})
        reservations[-1]["Instances"].append(_instance(instance_id, nics, rng))
    return reservations


def _instance(instance_id: str, nics: list[tuple[_Eni, Json]], rng: random.Random) -> Json:
    primary, pjs = nics[0]
    groups: dict[str, str] = {}
    for e, _ in nics:
        groups.update((g.id, g.name) for g in e.groups)
    interfaces = []
    for _, js in nics:
        nic = {k: v for k, v in js.items() if k not in ("AvailabilityZone", "TagSet",
                                                         "RequesterManaged")}
        nic["Attachment"] = {k: v for k, v in js["Attachment"].items()
                             if k not in ("InstanceId", "InstanceOwnerId")}
        interfaces.append(nic)
    tags = [{"Key": "Name", "Value": f"{primary.app or primary.tier}-{instance_id[-5:]}"}]
    if primary.app:
        tags += [{"Key": "App", "Value": primary.app}, {"Key": "Tier", "Value": primary.tier}]
    out: Json = {"AmiLaunchIndex": 0, "ImageId": f"ami-0{rng.getrandbits(64):016x}",
                 "InstanceId": instance_id,
                 "InstanceType": rng.choice(["t3.medium", "m6i.large", "c6i.xlarge", "r6g.large"]),
                 "LaunchTime": LAUNCH, "Monitoring": {"State": "disabled"},
                 "Placement": {"AvailabilityZone": primary.subnet.az, "GroupName": "",
                               "Tenancy": "default"},
                 "PrivateDnsName": pjs["PrivateDnsName"],
                 "PrivateIpAddress": pjs["PrivateIpAddress"], "ProductCodes": []}
    public = pjs.get("Association", {}).get("PublicIp")
    out["PublicDnsName"] = pjs["Association"]["PublicDnsName"] if public else ""
    if public:
        out["PublicIpAddress"] = public
    out.update(State={"Code": 16, "Name": "running"}, StateTransitionReason="",
               SubnetId=primary.subnet.id, VpcId=primary.subnet.vpc, Architecture="x86_64",
               EbsOptimized=True, EnaSupport=True, Hypervisor="xen",
               NetworkInterfaces=interfaces, RootDeviceName="/dev/xvda", RootDeviceType="ebs",
               SecurityGroups=[{"GroupName": n, "GroupId": i} for i, n in groups.items()],
               SourceDestCheck=True, Tags=tags, VirtualizationType="hvm")
    return out


def _public(ip: str) -> Json:
    dns = f"ec2-{ip.replace('.', '-')}.compute-1.amazonaws.com"
    return {"IpOwnerId": "amazon", "PublicDnsName": dns, "PublicIp": ip}


def _dns(ip: str) -> str:
    return f"ip-{ip.replace('.', '-')}.ec2.internal"


# --- VPCs, subnets, NACLs --------------------------------------------------------------------


def _vpc(n: Net) -> Json:
    out: Json = {"CidrBlock": n.cidr, "DhcpOptionsId": "dopt-0c0ffee0c0ffee000",
                 "State": "available", "VpcId": n.id, "OwnerId": OWNER,
                 "InstanceTenancy": "default"}
    if n.v6:
        out["Ipv6CidrBlockAssociationSet"] = [
            {"AssociationId": f"vpc-cidr-assoc-{n.id[-8:]}6", "Ipv6CidrBlock": n.v6,
             "Ipv6CidrBlockState": {"State": "associated"}, "NetworkBorderGroup": REGION,
             "Ipv6Pool": "Amazon"}]
    out["CidrBlockAssociationSet"] = [{"AssociationId": f"vpc-cidr-assoc-{n.id[-8:]}4",
                                       "CidrBlock": n.cidr,
                                       "CidrBlockState": {"State": "associated"}}]
    out["IsDefault"] = False
    out["Tags"] = [{"Key": "Name", "Value": f"vpc-{n.id[-4:]}"}]
    return out


def _peering(pcx: str, a: Net, b: Net) -> Json:
    def side(n: Net) -> Json:
        return {"CidrBlock": n.cidr, "CidrBlockSet": [{"CidrBlock": n.cidr}],
                "Ipv6CidrBlockSet": [{"Ipv6CidrBlock": n.v6}] if n.v6 else [],
                "OwnerId": OWNER, "PeeringOptions": {
                    "AllowDnsResolutionFromRemoteVpc": False,
                    "AllowEgressFromLocalClassicLinkToRemoteVpc": False,
                    "AllowEgressFromLocalVpcToRemoteClassicLink": False},
                "VpcId": n.id, "Region": REGION}

    return {"AccepterVpcInfo": side(b), "RequesterVpcInfo": side(a),
            "Status": {"Code": "active", "Message": "Active"}, "Tags": [],
            "VpcPeeringConnectionId": pcx}


def _subnet(s: _Subnet) -> Json:
    v6 = []
    if s.v6 is not None:
        v6 = [{"AssociationId": f"subnet-cidr-assoc-{s.id[-8:]}", "Ipv6CidrBlock": str(s.v6),
               "Ipv6CidrBlockState": {"State": "associated"}}]
    return {"AvailabilityZone": s.az, "AvailabilityZoneId": f"use1-az{AZS.index(s.az) + 1}",
            "AvailableIpAddressCount": s.cidr.num_addresses - 5 - s.need,
            "CidrBlock": str(s.cidr), "DefaultForAz": False, "MapPublicIpOnLaunch": False,
            "State": "available", "SubnetId": s.id, "VpcId": s.vpc, "OwnerId": OWNER,
            "AssignIpv6AddressOnCreation": False, "Ipv6CidrBlockAssociationSet": v6,
            "Tags": [{"Key": "Name", "Value": f"{s.role}-{s.az[-1]}-{s.id[-4:]}"}],
            "SubnetArn": f"arn:aws:ec2:{REGION}:{OWNER}:subnet/{s.id}"}


def _nacl(s: _Subnet, net: Net, rng: random.Random, new_id: _Ids) -> Json:
    acl = new_id("acl")
    return {"Associations": [{"NetworkAclAssociationId": new_id("aclassoc"),
                              "NetworkAclId": acl, "SubnetId": s.id}],
            "Entries": nacl_entries(s.role, net.cidr, net.peer_cidr, s.v6 is not None, rng),
            "IsDefault": False, "NetworkAclId": acl,
            "Tags": [{"Key": "Name", "Value": f"{s.role}-{s.id[-4:]}"}],
            "VpcId": s.vpc, "OwnerId": OWNER}


def _default_nacl(n: Net, new_id: _Ids) -> Json:
    acl = new_id("acl")
    return {"Associations": [], "Entries": default_nacl_entries(bool(n.v6)), "IsDefault": True,
            "NetworkAclId": acl, "Tags": [], "VpcId": n.id, "OwnerId": OWNER}


def _write(path: Path, data: Json) -> None:
    with path.open("w", encoding="utf-8") as f:
        json.dump(data, f, indent=4)
        f.write("\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.gen_aws", description=__doc__.split(
        "\n")[0])
    ap.add_argument("out", type=Path)
    for name, default in (("enis", 20000), ("sgs", 5000), ("rules", 50000), ("subnets", 60),
                          ("prefix-lists", 20), ("seed", 1)):
        ap.add_argument(f"--{name}", type=int, default=default)
    ap.add_argument("--no-sg-rules", action="store_true",
                    help="do not write describe-security-group-rules.json")
    ap.add_argument("--routes", action="store_true",
                    help="also write route tables, gateways and a transit gateway")
    a = ap.parse_args(argv)
    try:
        s = generate(a.out, enis=a.enis, sgs=a.sgs, rules=a.rules, subnets=a.subnets,
                     prefix_lists=a.prefix_lists, seed=a.seed, sg_rules=not a.no_sg_rules,
                     routes=a.routes)
    except (ValueError, OSError) as e:
        print(f"gen_aws: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {s.out_dir}: {s.vpcs} VPCs, {s.subnets} subnets, {s.nacls} NACLs, "
          f"{s.security_groups} SGs, {s.rules} rules, {s.enis} ENIs, {s.instances} instances, "
          f"{s.prefix_lists} prefix lists; {s.signatures} distinct (SG set, subnet) signatures")
    if s.routes is not None:
        r = s.routes
        print(f"routes: {r.route_tables} route tables ({r.routes} VPC routes, "
              f"{r.explicit_subnets} subnets with an explicit table), {r.nat_gateways} NAT "
              f"gateways, 1 transit gateway ({r.transit_routes} routes), {r.blackholes} "
              f"blackholes; {r.public_enis} ENIs with a public IP")
    return 0


if __name__ == "__main__":
    sys.exit(main())
