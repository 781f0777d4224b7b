"""Hypothesis strategies that generate small random AWS snapshot folders.

The address universe is small on purpose so that rules actually hit the ENIs: VPC ``i`` is
``10.0.{128*i}.0/17`` (and, sometimes, ``2001:db8:0:{i}00::/56``), its subnets are /24s (/64s)
inside it, and ENI hosts come from a short list. Rule peers are drawn from the ENIs' own /32s,
the subnet and VPC CIDRs, non-canonical CIDRs with host bits set (``10.0.1.7/16``), IPv6 CIDRs,
managed prefix lists and SG references (self, other, stale). The JSON is the standard
``aws ec2 describe-*`` CLI output shape (see reference/cloud-semantics.md §1.5).

``aws_estates(routes=True)`` makes most estates routed (up to three VPCs in two Availability
Zones, peerings, a transit gateway, gateways, public IPs: ``aws_route_estates.py``) and their
security groups more often open, so that the routing step decides many paths;
``appliances=True`` adds routes to forwarding ENIs. The default writes no routing file.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.oracle.aws_route_estates import ZONES, route_files

OWNER = "111122223333"
HOSTS_V4 = [4, 5, 6, 7, 8, 9, 10, 11, 15, 16, 31, 32, 100, 127, 128, 200, 253, 254]
HOSTS_V6 = [0x4, 0x5, 0x10, 0xFF, 0xFFFF]
PORTS = [0, 1, 21, 22, 23, 53, 80, 443, 1023, 1024, 1025, 3389, 32767, 32768, 49151, 49152]
PORTS += [61000, 61001, 65534, 65535]
ICMP_TYPES = [-1, 0, 3, 8, 11, 128, 129, 135]
ICMP_CODES = [-1, 0, 1, 4]
SG_PROTOCOLS = ["-1", "tcp", "6", "udp", "17", "icmp", "1", "icmpv6", "58", "50", "132"]
NACL_PROTOCOLS = ["-1", "6", "6", "17", "17", "1", "1", "58", "58", "50", "132"]
NACL_NUMBERS = [1, 10, 50, 90, 100, 101, 110, 200, 1000, 32766]
# Ranges around the ephemeral boundaries, so that return paths hinge on single ports.
EPHEMERAL_RANGES = [(1024, 65535), (1025, 65535), (0, 1023), (0, 1024), (32768, 65535)]
EPHEMERAL_RANGES += [(49152, 65535), (1024, 1024), (65535, 65535), (1024, 65534), (0, 65535)]
STALE_SG = "sg-0dead0001"
OUTSIDE_V4 = ["192.0.2.0/24", "203.0.113.9/32", "0.0.0.0/1", "169.254.0.0/16"]
OUTSIDE_V6 = ["2001:db8::/32", "2001:db8:ffff::/48", "fd00:ec2::/64"]

Json = dict[str, Any]


@dataclass
class GeneratedEstate:
    """The files of one snapshot folder (relative path -> JSON) plus the CIDRs its rules draw
    from (handy as outside endpoints)."""

    files: dict[str, Json]
    cidrs_v4: list[str] = field(default_factory=list)
    cidrs_v6: list[str] = field(default_factory=list)
    below: str = ""  # "" or "<account-id>/<region>": where in the folder the files go

    def write(self, folder: Path) -> Path:
        """Write the snapshot; returns the folder to hand to the loader and the oracle."""
        write_snapshot(folder / self.below if self.below else folder, self.files)
        return folder

    def dump(self) -> str:
        return json.dumps(self.files, indent=1, sort_keys=True)


def write_snapshot(folder: Path, files: dict[str, Json]) -> None:
    for name, doc in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=1))


def one_in(draw: st.DrawFn, n: int) -> bool:
    """True about once in ``n`` draws. Hypothesis favours the ends of an integer range, so
    ``integers(0, n - 1) == 0`` would come up far more often than 1/n; test a middle value."""
    return bool(draw(st.integers(0, 10 * n - 1)) % n == n // 2)


def _id(prefix: str, n: int) -> str:
    return f"{prefix}-{n:08x}"


def vpc_cidr_v4(i: int) -> str:
    return f"10.{i // 2}.{128 * (i % 2)}.0/17"


def vpc_cidr_v6(i: int) -> str:
    return str(ipaddress.ip_network(f"2001:db8:0:{i * 256:x}::/56"))


def subnet_cidr_v4(i: int, k: int) -> str:
    return f"10.{i // 2}.{128 * (i % 2) + k}.0/24"


def subnet_cidr_v6(i: int, k: int) -> str:
    return str(ipaddress.ip_network(f"2001:db8:0:{i * 256 + k:x}::/64"))


@st.composite
def _cidr_v4(draw: st.DrawFn, pool: list[str], hosts: list[str]) -> str:
    kind = draw(st.integers(0, 9))
    if kind <= 4 or not hosts:
        return draw(st.sampled_from(pool))
    if kind <= 6:
        return draw(st.sampled_from(hosts)) + "/32"
    base = draw(st.sampled_from(hosts))  # host bits left set on purpose: 10.0.1.7/16
    return f"{base}/{draw(st.sampled_from([8, 12, 16, 17, 20, 23, 24, 25, 26, 28, 30, 31]))}"


@st.composite
def _cidr_v6(draw: st.DrawFn, pool: list[str], hosts: list[str]) -> str:
    kind = draw(st.integers(0, 9))
    if kind <= 4 or not hosts:
        return draw(st.sampled_from(pool))
    if kind <= 6:
        return draw(st.sampled_from(hosts)) + "/128"
    base = draw(st.sampled_from(hosts))
    return f"{base}/{draw(st.sampled_from([32, 48, 56, 60, 64, 120, 127]))}"


def _port_range(draw: st.DrawFn) -> tuple[int, int]:
    a, b = draw(st.sampled_from(PORTS)), draw(st.sampled_from(PORTS))
    if one_in(draw, 5):
        b = a
    return min(a, b), max(a, b)


@st.composite
def aws_estates(
    draw: st.DrawFn, routes: bool = False, appliances: bool = False
) -> GeneratedEstate:
    """One random snapshot: 1-2 VPCs, 1-4 subnets each, 2-8 ENIs, 1-5 SGs, NACLs, peering.
    ``routes``: most estates (7 in 8) are routed, with 1-3 VPCs and 3-8 ENIs."""
    routed = routes and not one_in(draw, 8)
    n_vpcs = draw(st.integers(1, 3)) if routed else draw(st.integers(1, 2))
    vpcs: list[Json] = []
    subnets: list[Json] = []
    v6_of: dict[str, str] = {}  # subnet id -> its /64 (only subnets with IPv6)
    for i in range(n_vpcs):
        vpc: Json = {
            "VpcId": _id("vpc", i + 1),
            "OwnerId": OWNER,
            "State": "available",
            "IsDefault": False,
            "CidrBlock": vpc_cidr_v4(i),
            "CidrBlockAssociationSet": [
                {
                    "AssociationId": _id("vpc-cidr-assoc", i + 1),
                    "CidrBlock": vpc_cidr_v4(i),
                    "CidrBlockState": {"State": "associated"},
                }
            ],
        }
        has_v6 = one_in(draw, 3)
        if has_v6:
            vpc["Ipv6CidrBlockAssociationSet"] = [
                {
                    "AssociationId": _id("vpc-cidr-assoc", 100 + i),
                    "Ipv6CidrBlock": vpc_cidr_v6(i),
                    "Ipv6CidrBlockState": {"State": "associated"},
                }
            ]
        vpcs.append(vpc)
        for k in range(draw(st.integers(1, 4))):
            sid = _id("subnet", 16 * i + k + 1)
            zone, zone_id = draw(st.sampled_from(ZONES)) if routed else ZONES[0]
            subnet: Json = {
                "SubnetId": sid,
                "VpcId": vpc["VpcId"],
                "OwnerId": OWNER,
                "State": "available",
                "AvailabilityZone": zone,
                "AvailabilityZoneId": zone_id,
                "CidrBlock": subnet_cidr_v4(i, k),
                "Ipv6CidrBlockAssociationSet": [],
            }
            if has_v6 and draw(st.booleans()):
                v6_of[sid] = subnet_cidr_v6(i, k)
                subnet["Ipv6CidrBlockAssociationSet"] = [
                    {
                        "AssociationId": _id("subnet-cidr-assoc", 16 * i + k + 1),
                        "Ipv6CidrBlock": v6_of[sid],
                        "Ipv6CidrBlockState": {"State": "associated"},
                    }
                ]
            subnets.append(subnet)

    n_sgs = draw(st.integers(1, 5))
    sg_ids = [_id("sg", n + 1) for n in range(n_sgs)]

    # ENIs: 1-3 private IPv4 from a short host list, sometimes one IPv6.
    used: set[str] = set()
    enis: list[Json] = []
    for n in range(draw(st.integers(3 if routed else 2, 8))):
        subnet = draw(st.sampled_from(subnets))
        if routed:  # spread over the VPCs: paths between them are what routes decide
            here = [s for s in subnets if s["VpcId"] == vpcs[n % n_vpcs]["VpcId"]]
            subnet = draw(st.sampled_from(here))
        prefix = subnet["CidrBlock"].rsplit(".", 1)[0]
        free = [f"{prefix}.{h}" for h in HOSTS_V4 if f"{prefix}.{h}" not in used]
        if not free:
            continue
        ips = draw(st.lists(st.sampled_from(free), min_size=1, max_size=3, unique=True))
        used.update(ips)
        eni: Json = {
            "NetworkInterfaceId": _id("eni", n + 1),
            "SubnetId": subnet["SubnetId"],
            "VpcId": subnet["VpcId"],
            "AvailabilityZone": subnet["AvailabilityZone"],
            "OwnerId": OWNER,
            "Status": "in-use",
            "InterfaceType": "interface",
            "RequesterManaged": False,
            "SourceDestCheck": True,
            "Description": "",
            "TagSet": [],
            "Groups": [
                {"GroupId": g, "GroupName": g}
                for g in draw(
                    st.lists(st.sampled_from(sg_ids), min_size=1, max_size=3, unique=True)
                )
            ],
            "PrivateIpAddress": ips[0],
            "PrivateIpAddresses": [
                {"PrivateIpAddress": ip, "Primary": j == 0} for j, ip in enumerate(ips)
            ],
            "Ipv6Addresses": [],
        }
        base = ipaddress.ip_network(v6_of.get(subnet["SubnetId"], "::/64")).network_address
        free6 = [str(base + h) for h in HOSTS_V6 if str(base + h) not in used]
        if subnet["SubnetId"] in v6_of and free6 and draw(st.booleans()):
            ip6 = draw(st.sampled_from(free6))
            used.add(ip6)
            eni["Ipv6Addresses"] = [{"Ipv6Address": ip6}]
        if routed and one_in(draw, 3):
            _public_ip(draw, eni, n)
        enis.append(eni)

    hosts_v4 = sorted(a for a in used if ":" not in a)
    hosts_v6 = sorted(a for a in used if ":" in a)
    pool_v4 = ["0.0.0.0/0", "10.0.0.0/16", "10.0.0.7/16", *OUTSIDE_V4]
    pool_v4 += [v["CidrBlock"] for v in vpcs] + [s["CidrBlock"] for s in subnets]
    pool_v6 = ["::/0", *OUTSIDE_V6, "2001:db8::7/60", *v6_of.values()]
    pool_v6 += [a["Ipv6CidrBlock"] for v in vpcs for a in v.get("Ipv6CidrBlockAssociationSet", [])]
    cidr4 = _cidr_v4(pool_v4, hosts_v4)
    cidr6 = _cidr_v6(pool_v6, hosts_v6)

    # Managed prefix lists (0-2), each of one family.
    prefix_lists: list[Json] = []
    pl_entries: dict[str, list[str]] = {}
    for n in range(draw(st.integers(0, 2))):
        family = draw(st.sampled_from(["IPv4", "IPv6"]))
        pl_id = _id("pl", n + 1)
        prefix_lists.append(
            {
                "PrefixListId": pl_id,
                "AddressFamily": family,
                "State": "create-complete",
                "PrefixListName": f"list-{n + 1}",
                "MaxEntries": 5,
                "Version": 1,
                "OwnerId": OWNER,
            }
        )
        entry = cidr4 if family == "IPv4" else cidr6
        pl_entries[pl_id] = draw(st.lists(entry, min_size=1, max_size=3, unique=True))

    sgs = [
        _security_group(draw, gid, vpcs, sg_ids, list(pl_entries), cidr4, cidr6) for gid in sg_ids
    ]
    if routed:  # open doors more often, so that the routes decide
        for sg in sgs:
            if not one_in(draw, 3):
                sg["IpPermissions"].append(_allow_everything())
            if not one_in(draw, 3):
                sg["IpPermissionsEgress"].append(_allow_everything())
    nacls = _nacls(draw, vpcs, subnets, cidr4, cidr6)
    if routed:  # open doors more often, so that the routes decide
        for nacl in nacls:
            if draw(st.booleans()):
                for egress in (False, True):
                    nacl["Entries"].append(_allow_all(1, egress, "CidrBlock", "0.0.0.0/0"))
                    nacl["Entries"].append(_allow_all(2, egress, "Ipv6CidrBlock", "::/0"))

    files: dict[str, Json] = {
        "describe-vpcs.json": {"Vpcs": vpcs},
        "describe-subnets.json": {"Subnets": subnets},
        "describe-network-interfaces.json": {"NetworkInterfaces": enis},
        "describe-security-groups.json": {"SecurityGroups": sgs},
        "describe-network-acls.json": {"NetworkAcls": nacls},
    }
    peerings: list[Json] = []
    if routed:
        peerings = _peerings(draw, vpcs)
        if appliances:  # appliances are forwarding ENIs: set before instances copy them
            for eni in enis:
                eni.setdefault("SourceDestCheck", True)
        pl_families = {
            pl["PrefixListId"]: (pl["AddressFamily"], pl_entries[pl["PrefixListId"]])
            for pl in prefix_lists
        }
        routing = route_files(draw, vpcs, subnets, enis, peerings, pl_families, appliances)
    if one_in(draw, 4):
        files["describe-instances.json"] = {"Reservations": _instances(draw, enis)}
    if prefix_lists:
        files["describe-managed-prefix-lists.json"] = {"PrefixLists": prefix_lists}
        for pl_id, cidrs in pl_entries.items():
            files[f"get-managed-prefix-list-entries/{pl_id}.json"] = {
                "Entries": [{"Cidr": c} for c in cidrs]
            }
    if routed:
        files.update(routing)
        if peerings or bool(draw(st.booleans())):
            files["describe-vpc-peering-connections.json"] = {"VpcPeeringConnections": peerings}
        if one_in(draw, 8) and n_vpcs > 1:  # one VPC's tables left out: it is not routed
            gone = vpcs[-1]["VpcId"]
            tables = files["describe-route-tables.json"]["RouteTables"]
            files["describe-route-tables.json"] = {
                "RouteTables": [t for t in tables if t["VpcId"] != gone]
            }
    elif n_vpcs == 2:
        status = draw(st.sampled_from([None, "active", "active", "pending-acceptance", "deleted"]))
        if status is not None:
            files["describe-vpc-peering-connections.json"] = {
                "VpcPeeringConnections": [_peering(vpcs, status)]
            }
    cidrs_v4 = pool_v4 + [f"{h}/32" for h in hosts_v4]
    cidrs_v6 = pool_v6 + [f"{h}/128" for h in hosts_v6]
    below = f"{OWNER}/us-east-1" if one_in(draw, 6) else ""
    return GeneratedEstate(files, cidrs_v4, cidrs_v6, below)


def _instances(draw: st.DrawFn, enis: list[Json]) -> list[Json]:
    """Attach 1-2 ENIs to instances; describe-instances lists them, and some are left out of
    describe-network-interfaces (the loader adds them back from describe-instances)."""
    reservations: list[Json] = []
    chosen = draw(st.lists(st.sampled_from(enis), min_size=1, max_size=2, unique_by=id))
    for n, eni in enumerate(chosen):
        instance_id = f"i-{n + 1:017x}"
        eni["Attachment"] = {
            "AttachmentId": f"eni-attach-{n + 1:08x}",
            "InstanceId": instance_id,
            "DeviceIndex": 0,
            "Status": "attached",
        }
        listed = {k: v for k, v in eni.items() if k not in ("AvailabilityZone", "TagSet")}
        instance = {
            "InstanceId": instance_id,
            "State": {"Name": "running"},
            "SubnetId": eni["SubnetId"],
            "VpcId": eni["VpcId"],
            "PrivateIpAddress": eni["PrivateIpAddress"],
            "SecurityGroups": eni["Groups"],
            "NetworkInterfaces": [listed],
            "Tags": [{"Key": "Name", "Value": f"host-{n + 1}"}],
        }
        reservations.append(
            {"ReservationId": f"r-{n + 1:017x}", "OwnerId": OWNER, "Instances": [instance]}
        )
        if draw(st.booleans()):
            enis.remove(eni)
    return reservations


def _public_ip(draw: st.DrawFn, eni: Json, n: int) -> None:
    """An Elastic or auto-assigned public IPv4, as describe-network-interfaces writes it: on
    the ENI and on the private address it maps to (sometimes a secondary one only)."""
    public = {
        "IpOwnerId": "amazon",
        "PublicDnsName": f"ec2-198-51-100-{n + 1}.compute-1.amazonaws.com",
        "PublicIp": f"198.51.100.{n + 1}",
    }
    addresses = eni["PrivateIpAddresses"]
    if len(addresses) > 1 and one_in(draw, 3):
        addresses[1]["Association"] = public
        return
    eni["Association"] = public
    addresses[0]["Association"] = public


def _peerings(draw: st.DrawFn, vpcs: list[Json]) -> list[Json]:
    """Some pairs of VPCs peered (mostly active; pending or deleted ones carry nothing)."""
    out: list[Json] = []
    for i, a in enumerate(vpcs):
        for b in vpcs[i + 1 :]:
            if not one_in(draw, 2):
                continue
            status = draw(st.sampled_from(["active", "active", "active", "deleted",
                                           "pending-acceptance"]))
            pcx = _peering([a, b], status)
            pcx["VpcPeeringConnectionId"] = _id("pcx", len(out) + 1)
            out.append(pcx)
    return out


def _allow_everything() -> Json:
    return {
        "IpProtocol": "-1",
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
        "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
        "PrefixListIds": [],
        "UserIdGroupPairs": [],
    }


def _peering(vpcs: list[Json], status: str) -> Json:
    def info(vpc: Json) -> Json:
        return {
            "VpcId": vpc["VpcId"],
            "CidrBlock": vpc["CidrBlock"],
            "OwnerId": OWNER,
            "Region": "us-east-1",
        }

    return {
        "VpcPeeringConnectionId": _id("pcx", 1),
        "RequesterVpcInfo": info(vpcs[0]),
        "AccepterVpcInfo": info(vpcs[1]),
        "Status": {"Code": status, "Message": status},
    }


def _security_group(
    draw: st.DrawFn,
    gid: str,
    vpcs: list[Json],
    sg_ids: list[str],
    pl_ids: list[str],
    cidr4: st.SearchStrategy[str],
    cidr6: st.SearchStrategy[str],
) -> Json:
    def permission() -> Json:
        proto = draw(st.sampled_from(SG_PROTOCOLS))
        perm: Json = {"IpProtocol": proto}
        if proto in ("tcp", "6", "udp", "17"):
            if not one_in(draw, 7):
                perm["FromPort"], perm["ToPort"] = _port_range(draw)
        elif proto in ("icmp", "1", "icmpv6", "58"):
            if not one_in(draw, 5):
                icmp_type = draw(st.sampled_from(ICMP_TYPES))
                code = -1 if icmp_type == -1 else draw(st.sampled_from(ICMP_CODES))
                perm["FromPort"], perm["ToPort"] = icmp_type, code
        elif one_in(draw, 3):
            # junk ports: -1 and "other" protocol numbers ignore them (API_IpPermission).
            perm["FromPort"], perm["ToPort"] = _port_range(draw)
        perm["IpRanges"], perm["Ipv6Ranges"] = [], []
        perm["PrefixListIds"], perm["UserIdGroupPairs"] = [], []
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["v4", "v4", "v6", "pl", "sg", "sg"]))
            if kind == "v4":
                perm["IpRanges"].append({"CidrIp": draw(cidr4)})
            elif kind == "v6":
                perm["Ipv6Ranges"].append({"CidrIpv6": draw(cidr6)})
            elif kind == "pl" and pl_ids:
                perm["PrefixListIds"].append({"PrefixListId": draw(st.sampled_from(pl_ids))})
            elif kind == "sg":
                pair: Json = {"UserId": OWNER}
                pair["GroupId"] = draw(st.sampled_from([gid, *sg_ids, STALE_SG]))
                if one_in(draw, 3):
                    pair["VpcPeeringConnectionId"] = _id("pcx", 1)
                    pair["PeeringStatus"] = draw(st.sampled_from(["active", "deleted"]))
                perm["UserIdGroupPairs"].append(pair)
        return perm

    ingress = [permission() for _ in range(draw(st.integers(0, 3)))]
    egress = [permission() for _ in range(draw(st.integers(0, 3)))]
    if draw(st.booleans()):  # the default "allow all outbound" rule
        egress.append(
            {
                "IpProtocol": "-1",
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}] if draw(st.booleans()) else [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            }
        )
    return {
        "GroupId": gid,
        "GroupName": gid,
        "Description": "generated",
        "OwnerId": OWNER,
        "VpcId": draw(st.sampled_from(vpcs))["VpcId"],
        "IpPermissions": ingress,
        "IpPermissionsEgress": egress,
        "Tags": [],
    }


def _nacl_entry(
    draw: st.DrawFn,
    number: int,
    egress: bool,
    v6: bool,
    cidr4: st.SearchStrategy[str],
    cidr6: st.SearchStrategy[str],
) -> Json:
    proto = draw(st.sampled_from(NACL_PROTOCOLS))
    entry: Json = {
        "RuleNumber": number,
        "Protocol": proto,
        "Egress": egress,
        "RuleAction": draw(st.sampled_from(["allow", "allow", "deny"])),
    }
    broad = draw(st.integers(0, 4)) < 2  # NACLs mostly name broad ranges
    if v6:
        entry["Ipv6CidrBlock"] = "::/0" if broad else draw(cidr6)
    else:
        entry["CidrBlock"] = "0.0.0.0/0" if broad else draw(cidr4)
    if proto in ("6", "17") or (proto not in ("1", "58") and one_in(draw, 4)):
        if not one_in(draw, 7):  # absent PortRange = all ports; junk on other protocols
            if draw(st.booleans()):
                lo, hi = draw(st.sampled_from(EPHEMERAL_RANGES))
                entry["RuleAction"] = draw(st.sampled_from(["allow", "deny"]))
            else:
                lo, hi = _port_range(draw)
            entry["PortRange"] = {"From": lo, "To": hi}
    elif proto in ("1", "58") and not one_in(draw, 5):
        icmp_type = draw(st.sampled_from(ICMP_TYPES))
        code = -1 if icmp_type == -1 else draw(st.sampled_from(ICMP_CODES))
        entry["IcmpTypeCode"] = {"Type": icmp_type, "Code": code}
    return entry


def _nacls(
    draw: st.DrawFn,
    vpcs: list[Json],
    subnets: list[Json],
    cidr4: st.SearchStrategy[str],
    cidr6: st.SearchStrategy[str],
) -> list[Json]:
    out: list[Json] = []
    counter = 0
    for vpc in vpcs:
        if one_in(draw, 10):
            continue  # no NACLs of this VPC in the snapshot at all: assumed allow-all
        has_v6 = bool(vpc.get("Ipv6CidrBlockAssociationSet"))
        mine: list[Json] = []
        for n in range(1 + draw(st.integers(0, 2))):
            counter += 1
            entries: list[Json] = []
            for egress in (False, True):
                numbers = draw(st.lists(st.sampled_from(NACL_NUMBERS), max_size=5, unique=True))
                for number in numbers:
                    v6 = has_v6 and one_in(draw, 3)
                    entries.append(_nacl_entry(draw, number, egress, v6, cidr4, cidr6))
                if one_in(draw, 4):
                    # "put specific deny rules before broad ephemeral allows"
                    # (vpc-network-acls.md): return paths then hinge on one port.
                    lo, hi = draw(st.sampled_from([(1025, 65535), (1024, 65534), (1024, 65535)]))
                    for proto in ("6", "17"):
                        trap = _deny_all(5 if proto == "6" else 6, egress, "CidrBlock", "0.0.0.0/0")
                        trap.update(Protocol=proto, PortRange={"From": lo, "To": hi})
                        entries.append(trap)
                if draw(st.integers(0, 4)) < 3:  # a broad allow near the end
                    entries.append(_allow_all(32000, egress, "CidrBlock", "0.0.0.0/0"))
                    if has_v6:
                        entries.append(_allow_all(32001, egress, "Ipv6CidrBlock", "::/0"))
                if not one_in(draw, 4):  # the "*" defaults as the API returns them
                    entries.append(_deny_all(32767, egress, "CidrBlock", "0.0.0.0/0"))
                    if has_v6:
                        entries.append(_deny_all(32768, egress, "Ipv6CidrBlock", "::/0"))
            mine.append(
                {
                    "NetworkAclId": _id("acl", counter),
                    "VpcId": vpc["VpcId"],
                    "IsDefault": n == 0,
                    "OwnerId": OWNER,
                    "Associations": [],
                    "Entries": draw(st.permutations(entries)),
                    "Tags": [],
                }
            )
        for subnet in subnets:
            if subnet["VpcId"] != vpc["VpcId"]:
                continue
            choice = draw(st.integers(-1, len(mine) - 1))
            if choice >= 0:  # -1: no explicit association, the default NACL applies
                nacl = mine[choice]
                nacl["Associations"].append(
                    {
                        "NetworkAclAssociationId": f"aclassoc-{subnet['SubnetId'][7:]}",
                        "NetworkAclId": nacl["NetworkAclId"],
                        "SubnetId": subnet["SubnetId"],
                    }
                )
        out.extend(mine)
    return out


def _allow_all(number: int, egress: bool, key: str, cidr: str) -> Json:
    return {
        "RuleNumber": number,
        "Protocol": "-1",
        "Egress": egress,
        "RuleAction": "allow",
        key: cidr,
    }


def _deny_all(number: int, egress: bool, key: str, cidr: str) -> Json:
    return {
        "RuleNumber": number,
        "Protocol": "-1",
        "Egress": egress,
        "RuleAction": "deny",
        key: cidr,
    }
