"""Write the hub-and-spoke example's snapshot: what ``aws ec2 describe-* --output json`` writes.

    python examples/hub-and-spoke/generate.py [OUT_DIR]      (default: ./snapshot next to it)

One account (111122223333), one region (us-east-1), files directly in the folder. The topology
is declared once below (VPCS, INSTANCES, GROUPS, NACLS, ROUTE_TABLES, TGW_TABLES) and every
file is derived from it, so the ids in the route tables, attachments, subnets and ENIs agree.
Ids are AWS-shaped (``vpc-0`` + 16 hex digits) and stable: each is a hash of the object's name.
Deterministic: the committed files are exactly what this script writes
(tests/integration/test_examples_routes.py checks that).

The story, the paths and what pathwarden says about each: ../README.md.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OWNER = "111122223333"
REGION = "us-east-1"
ZONES = {"a": ("us-east-1a", "use1-az1"), "b": ("us-east-1b", "use1-az2"),
         "c": ("us-east-1c", "use1-az4")}
CREATED = "2026-03-09T10:14:07+00:00"
S3_LIST = "pl-63a5400a"  # com.amazonaws.us-east-1.s3, the AWS-managed prefix list
S3_CIDRS = ["3.5.0.0/19", "16.15.192.0/18", "16.182.0.0/16", "18.34.0.0/19", "18.34.232.0/21",
            "52.216.0.0/15", "54.231.0.0/16"]
Json = dict[str, Any]


def rid(prefix: str, name: str) -> str:
    """``vpc-0`` + 16 hex digits, from the object's name (stable across runs)."""
    return f"{prefix}-0{hashlib.sha256(f'{prefix}/{name}'.encode()).hexdigest()[:16]}"


# -- the topology ---------------------------------------------------------------------------------
# VPC name -> CIDR, subnets (name -> CIDR, zone letter)
VPCS: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "shared-services": ("10.0.0.0/16", {
        "hub-public-a": ("10.0.0.0/24", "a"),
        "hub-private-a": ("10.0.1.0/24", "a"),
        "hub-tgw-a": ("10.0.255.0/28", "a"),
        "hub-tgw-b": ("10.0.255.16/28", "b"),
    }),
    "workstations": ("10.10.0.0/16", {
        "ws-a": ("10.10.1.0/24", "a"),
        "ws-c": ("10.10.3.0/24", "c"),  # added in 2026 in a third AZ; the attachment was not
        "ws-tgw-a": ("10.10.255.0/28", "a"),
        "ws-tgw-b": ("10.10.255.16/28", "b"),
    }),
    "app": ("10.20.0.0/16", {
        "app-a": ("10.20.1.0/24", "a"),
        "app-b": ("10.20.2.0/24", "b"),
        "app-tgw-a": ("10.20.255.0/28", "a"),
        "app-tgw-b": ("10.20.255.16/28", "b"),
    }),
    "backup": ("10.30.0.0/16", {
        "backup-mgmt-a": ("10.30.1.0/24", "a"),
        "backup-vault-b": ("10.30.2.0/24", "b"),
        "backup-tgw-a": ("10.30.255.0/28", "a"),
        "backup-tgw-b": ("10.30.255.16/28", "b"),
    }),
}
SUBNET_VPC = {s: v for v, (_, subnets) in VPCS.items() for s in subnets}
TGW_SUBNETS = {v: [s for s in subnets if "-tgw-" in s] for v, (_, subnets) in VPCS.items()}

# security group name -> (VPC, description, ingress, egress); a rule is
# (protocol, from port, to port, CIDR, description)
Rule = tuple[str, int, int, str, str]
ALL_OUT: list[Rule] = [("-1", -1, -1, "0.0.0.0/0", "")]
GROUPS: dict[str, tuple[str, str, list[Rule], list[Rule]]] = {
    "edge-proxy": ("shared-services", "Edge reverse proxies (launch template lt-edge-v7)", [
        ("tcp", 443, 443, "0.0.0.0/0", "HTTPS from anywhere"),
        ("tcp", 22, 22, "10.0.1.0/24", "SSH from the jump hosts"),
    ], ALL_OUT),
    "jump-host": ("shared-services", "Jump hosts of the backup and platform admins", [
        ("tcp", 22, 22, "10.10.0.0/16", "SSH from the workstations VPC"),
    ], ALL_OUT),
    "workstations": ("workstations", "Virtual desktops", [], ALL_OUT),
    "app-servers": ("app", "Application servers", [
        ("tcp", 8443, 8443, "10.0.0.0/16", "from the edge proxies in shared-services"),
    ], ALL_OUT),
    "backup-console": ("backup", "Backup management console", [
        ("tcp", 443, 443, "10.0.1.10/32", "jump-1 only (its subnet also holds edge-proxy-2)"),
        ("tcp", 443, 443, "10.10.0.0/16", "legacy: direct access from workstations OPS-5120"),
    ], ALL_OUT),
    "backup-storage": ("backup", "Backup vault storage nodes (NFS)", [
        ("tcp", 2049, 2049, "10.30.1.0/24", "the backup console pulls"),
        ("tcp", 2049, 2049, "10.20.0.0/16", "legacy: app servers push (agent v6, retiring)"),
    ], ALL_OUT),
}

# instances: name -> (subnet, private IP, security group, Role tag, public IP or "")
INSTANCES: dict[str, tuple[str, str, str, str, str]] = {
    "edge-proxy-1": ("hub-public-a", "10.0.0.10", "edge-proxy", "edge-proxy", "203.0.113.10"),
    "edge-proxy-2": ("hub-private-a", "10.0.1.20", "edge-proxy", "edge-proxy", ""),
    "jump-1": ("hub-private-a", "10.0.1.10", "jump-host", "jump-host", ""),
    "ws-001": ("ws-a", "10.10.1.11", "workstations", "workstation", ""),
    "ws-002": ("ws-a", "10.10.1.12", "workstations", "workstation", ""),
    "ws-101": ("ws-c", "10.10.3.11", "workstations", "workstation", ""),
    "app-1": ("app-a", "10.20.1.10", "app-servers", "app", ""),
    "app-2": ("app-b", "10.20.2.10", "app-servers", "app", ""),
    "backup-console": ("backup-mgmt-a", "10.30.1.10", "backup-console", "backup-console", ""),
    "backup-storage-1": ("backup-vault-b", "10.30.2.10", "backup-storage", "backup-storage", ""),
}
NAT = ("nat-hub-a", "hub-public-a", "10.0.0.5", "203.0.113.20")
IGW = "igw-shared-services"
TGW = "tgw-corp"

# network ACLs: name -> (VPC, default?, subnets, entries (number, egress, protocol, CIDR,
# ports or None, action))
Entry = tuple[int, bool, str, str, tuple[int, int] | None, str]
ALLOW_ALL: list[Entry] = [(100, False, "-1", "0.0.0.0/0", None, "allow"),
                          (100, True, "-1", "0.0.0.0/0", None, "allow")]
NACLS: dict[str, tuple[str, bool, list[str], list[Entry]]] = {
    "shared-services-default": ("shared-services", True, ["hub-public-a", "hub-private-a"],
                                ALLOW_ALL),
    "hub-tgw-attachments": ("shared-services", False, ["hub-tgw-a", "hub-tgw-b"], ALLOW_ALL),
    "workstations-default": ("workstations", True, list(VPCS["workstations"][1]), ALLOW_ALL),
    "app-default": ("app", True, list(VPCS["app"][1]), ALLOW_ALL),
    "backup-default": ("backup", True, ["backup-vault-b", "backup-tgw-a", "backup-tgw-b"],
                       ALLOW_ALL),
    "backup-mgmt": ("backup", False, ["backup-mgmt-a"], [
        (100, False, "-1", "10.30.0.0/16", None, "allow"),  # inside the backup VPC
        (110, False, "6", "10.0.0.0/8", (443, 443), "allow"),  # the console, from corp
        (120, False, "6", "0.0.0.0/0", (1024, 65535), "allow"),  # replies (S3 over the vpce)
        (100, True, "-1", "10.30.0.0/16", None, "allow"),
        (110, True, "6", "10.0.0.0/8", (1024, 65535), "allow"),  # replies to corp
        (120, True, "6", "0.0.0.0/0", (443, 443), "allow"),  # S3
    ]),
}

# VPC route tables: name -> (VPC, main?, explicitly associated subnets, routes (destination,
# target name)); a target is "local", an IGW/NAT/TGW name above, or "vpce:<name>"
ROUTE_TABLES: dict[str, tuple[str, bool, list[str], list[tuple[str, str]]]] = {
    "hub-main": ("shared-services", True, [], [
        ("10.0.0.0/16", "local"), ("0.0.0.0/0", NAT[0])]),
    "hub-public": ("shared-services", False, ["hub-public-a"], [
        ("10.0.0.0/16", "local"), ("0.0.0.0/0", IGW), ("10.0.0.0/8", TGW)]),
    "hub-private": ("shared-services", False, ["hub-private-a"], [
        ("10.0.0.0/16", "local"), ("0.0.0.0/0", NAT[0]), ("10.0.0.0/8", TGW)]),
    "workstations-main": ("workstations", True, [], [
        ("10.10.0.0/16", "local"), ("0.0.0.0/0", TGW)]),
    "app-main": ("app", True, [], [("10.20.0.0/16", "local"), ("0.0.0.0/0", TGW)]),
    "backup-main": ("backup", True, [], [("10.30.0.0/16", "local")]),
    # the console's subnet: no route back to the workstations or app VPCs, only to
    # shared-services and S3
    "backup-private": ("backup", False, ["backup-mgmt-a"], [
        ("10.30.0.0/16", "local"), ("10.0.0.0/16", TGW), (S3_LIST, "vpce:backup-s3")]),
    # the vault's subnet still routes to the app VPC, for the app servers' legacy push agent
    "backup-vault": ("backup", False, ["backup-vault-b"], [
        ("10.30.0.0/16", "local"), ("10.20.0.0/16", TGW), (S3_LIST, "vpce:backup-s3")]),
}

# the transit gateway: attachments (VPC -> TGW route table it is associated with), and each
# table's routes (destination, attachment VPC or "" for a blackhole, static/propagated)
ASSOCIATION = {"shared-services": "tgw-rtb-shared-services", "workstations": "tgw-rtb-spokes",
               "app": "tgw-rtb-spokes", "backup": "tgw-rtb-spokes"}
TGW_TABLES: dict[str, list[tuple[str, str, str]]] = {
    "tgw-rtb-spokes": [
        ("0.0.0.0/0", "shared-services", "static"),  # central egress through the hub's NAT
        ("10.0.0.0/16", "shared-services", "propagated"),
        ("10.10.0.0/16", "workstations", "propagated"),
        ("10.20.0.0/16", "app", "propagated"),
        ("10.30.0.0/16", "backup", "propagated"),
        ("10.30.2.0/24", "", "static"),  # blackhole: no spoke reaches the backup vault
    ],
    "tgw-rtb-shared-services": [
        ("10.10.0.0/16", "workstations", "propagated"),
        ("10.20.0.0/16", "app", "propagated"),
        ("10.30.0.0/16", "backup", "propagated"),
    ],
}


# -- derived ids ----------------------------------------------------------------------------------
def vpc_id(name: str) -> str:
    return rid("vpc", name)


def subnet_id(name: str) -> str:
    return rid("subnet", name)


def sg_id(name: str) -> str:
    return rid("sg", name)


def attachment_id(vpc: str) -> str:
    return rid("tgw-attach", vpc)


def target_id(name: str) -> str:
    if name == "local":
        return "local"
    if name.startswith("vpce:"):
        return rid("vpce", name[5:])
    return rid(name.split("-", 1)[0], name)


def tags(name: str, **more: str) -> list[Json]:
    return [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in more.items()]


def dns(ip: str) -> str:
    return f"ip-{ip.replace('.', '-')}.ec2.internal"


def mac(name: str) -> str:
    h = hashlib.sha256(f"mac/{name}".encode()).digest()
    return ":".join(f"{b:02x}" for b in (bytes([h[0] & 0xFC | 0x02]) + h[1:6]))


# -- files ----------------------------------------------------------------------------------------
def vpcs() -> Json:
    out = []
    for name, (cidr, _) in VPCS.items():
        out.append({"CidrBlock": cidr, "DhcpOptionsId": "dopt-0b7a41c2d9e3f5061",
                    "State": "available", "VpcId": vpc_id(name), "OwnerId": OWNER,
                    "InstanceTenancy": "default",
                    "CidrBlockAssociationSet": [{
                        "AssociationId": rid("vpc-cidr-assoc", name), "CidrBlock": cidr,
                        "CidrBlockState": {"State": "associated"}}],
                    "IsDefault": False, "Tags": tags(name)})
    return {"Vpcs": out}


def _used(subnet: str) -> int:
    return sum(1 for i in INSTANCES.values() if i[0] == subnet) + len(_service_enis(subnet))


def subnets() -> Json:
    out = []
    for vpc, (_, subs) in VPCS.items():
        for name, (cidr, zone) in subs.items():
            az, az_id = ZONES[zone]
            sid = subnet_id(name)
            out.append({
                "AvailabilityZone": az, "AvailabilityZoneId": az_id,
                "AvailableIpAddressCount": ipaddress.ip_network(cidr).num_addresses - 5
                - _used(name),
                "CidrBlock": cidr, "DefaultForAz": False,
                "MapPublicIpOnLaunch": name == "hub-public-a", "State": "available",
                "SubnetId": sid, "VpcId": vpc_id(vpc), "OwnerId": OWNER,
                "AssignIpv6AddressOnCreation": False, "Ipv6CidrBlockAssociationSet": [],
                "Tags": tags(name), "SubnetArn": f"arn:aws:ec2:{REGION}:{OWNER}:subnet/{sid}",
                "EnableDns64": False, "Ipv6Native": False,
                "PrivateDnsNameOptionsOnLaunch": {
                    "HostnameType": "ip-name", "EnableResourceNameDnsARecord": False,
                    "EnableResourceNameDnsAAAARecord": False}})
    return {"Subnets": out}


def network_acls() -> Json:
    out = []
    for name, (vpc, default, subs, entries) in NACLS.items():
        acl = rid("acl", name)
        rows = []
        for number, egress, proto, cidr, ports, action in entries:
            row: Json = {"CidrBlock": cidr, "Egress": egress, "Protocol": proto,
                         "RuleAction": action, "RuleNumber": number}
            if ports is not None:
                row["PortRange"] = {"From": ports[0], "To": ports[1]}
            rows.append(row)
        for egress in (True, False):
            rows.append({"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1",
                         "RuleAction": "deny", "RuleNumber": 32767})
        rows.sort(key=lambda r: (not r["Egress"], r["RuleNumber"]))
        out.append({
            "Associations": [{"NetworkAclAssociationId": rid("aclassoc", s),
                              "NetworkAclId": acl, "SubnetId": subnet_id(s)} for s in subs],
            "Entries": rows, "IsDefault": default, "NetworkAclId": acl,
            "Tags": [] if default else tags(name), "VpcId": vpc_id(vpc), "OwnerId": OWNER})
    return {"NetworkAcls": out}


def _permission(rule: Rule) -> Json:
    proto, lo, hi, cidr, desc = rule
    p: Json = {"IpProtocol": proto}
    if proto != "-1":
        p.update(FromPort=lo, ToPort=hi)
    r: Json = {"CidrIp": cidr}
    if desc:
        r["Description"] = desc
    p.update(IpRanges=[r], Ipv6Ranges=[], PrefixListIds=[], UserIdGroupPairs=[])
    return p


def security_groups() -> Json:
    out = []
    for name, (vpc, desc, ingress, egress) in GROUPS.items():
        out.append({"Description": desc, "GroupName": name,
                    "IpPermissions": [_permission(r) for r in ingress],
                    "OwnerId": OWNER, "GroupId": sg_id(name),
                    "IpPermissionsEgress": [_permission(r) for r in egress],
                    "Tags": tags(name), "VpcId": vpc_id(vpc)})
    return {"SecurityGroups": out}


def security_group_rules() -> Json:
    out = []
    for name, (_, _, ingress, egress) in GROUPS.items():
        for is_egress, rules in ((False, ingress), (True, egress)):
            for n, (proto, lo, hi, cidr, desc) in enumerate(rules):
                rule_id = rid("sgr", f"{name}/{'out' if is_egress else 'in'}/{n}")
                item: Json = {"SecurityGroupRuleId": rule_id, "GroupId": sg_id(name),
                              "GroupOwnerId": OWNER, "IsEgress": is_egress, "IpProtocol": proto,
                              "FromPort": lo, "ToPort": hi, "CidrIpv4": cidr}
                if desc:
                    item["Description"] = desc
                item.update(Tags=[], SecurityGroupRuleArn=(
                    f"arn:aws:ec2:{REGION}:{OWNER}:security-group-rule/{rule_id}"))
                out.append(item)
    return {"SecurityGroupRules": out}


def _service_enis(subnet: str) -> list[tuple[str, str, str, str]]:
    """Requester-managed ENIs in ``subnet``: (name, IP, interface type, description)."""
    out = []
    if subnet == NAT[1]:
        out.append((f"eni/{NAT[0]}", NAT[2], "nat_gateway",
                    f"Interface for NAT Gateway {target_id(NAT[0])}"))
    vpc = SUBNET_VPC[subnet]
    if subnet in TGW_SUBNETS[vpc]:
        ip = str(ipaddress.ip_network(VPCS[vpc][1][subnet][0]).network_address + 4)
        out.append((f"eni/tgw/{subnet}", ip, "transit_gateway",
                    f"Network Interface for Transit Gateway Attachment {attachment_id(vpc)}"))
    return out


def _eni(name: str, subnet: str, ip: str, groups: list[str], public: str) -> Json:
    zone = ZONES[VPCS[SUBNET_VPC[subnet]][1][subnet][1]][0]
    e: Json = {}
    association = {}
    if public:
        association = {"AllocationId": rid("eipalloc", name), "AssociationId":
                       rid("eipassoc", name), "IpOwnerId": OWNER,
                       "PublicDnsName": f"ec2-{public.replace('.', '-')}.compute-1.amazonaws.com",
                       "PublicIp": public}
        e["Association"] = association
    e["AvailabilityZone"] = zone
    e["Groups"] = [{"GroupName": g, "GroupId": sg_id(g)} for g in groups]
    e["Ipv6Addresses"] = []
    e["MacAddress"] = mac(name)
    e["NetworkInterfaceId"] = rid("eni", name)
    e["OwnerId"] = OWNER
    e["PrivateDnsName"] = dns(ip)
    e["PrivateIpAddress"] = ip
    item: Json = {"Association": association} if public else {}
    item.update(Primary=True, PrivateDnsName=dns(ip), PrivateIpAddress=ip)
    e["PrivateIpAddresses"] = [item]
    e["Status"] = "in-use"
    e["SubnetId"] = subnet_id(subnet)
    e["VpcId"] = vpc_id(SUBNET_VPC[subnet])
    return e


def network_interfaces() -> Json:
    out = []
    for name, (subnet, ip, group, _, public) in INSTANCES.items():
        e = _eni(name, subnet, ip, [group], public)
        e["Attachment"] = {"AttachTime": CREATED, "AttachmentId": rid("eni-attach", name),
                           "DeleteOnTermination": True, "DeviceIndex": 0, "NetworkCardIndex": 0,
                           "InstanceId": rid("i", name), "InstanceOwnerId": OWNER,
                           "Status": "attached"}
        e.update(Description="", InterfaceType="interface", RequesterManaged=False,
                 SourceDestCheck=True, TagSet=[])
        out.append(_ordered(e))
    for _, subs in VPCS.values():
        for subnet in subs:
            for name, ip, kind, desc in _service_enis(subnet):
                public = NAT[3] if kind == "nat_gateway" else ""
                e = _eni(name, subnet, ip, [], public)
                e["Attachment"] = {"AttachmentId": rid("ela-attach", name),
                                   "DeleteOnTermination": False, "DeviceIndex": 1,
                                   "InstanceOwnerId": "amazon-aws", "Status": "attached"}
                e.update(Description=desc, InterfaceType=kind, RequesterId=OWNER,
                         RequesterManaged=kind == "nat_gateway", SourceDestCheck=False,
                         TagSet=[])
                out.append(_ordered(e))
    return {"NetworkInterfaces": out}


def _ordered(e: Json) -> Json:
    """The CLI prints an ENI's keys in alphabetical order."""
    return {k: e[k] for k in sorted(e)}


def instances() -> Json:
    out = []
    for name, (subnet, ip, group, role, public) in INSTANCES.items():
        eni = _eni(name, subnet, ip, [group], public)
        nic = {k: v for k, v in eni.items() if k not in ("AvailabilityZone",)}
        nic["Attachment"] = {"AttachTime": CREATED, "AttachmentId": rid("eni-attach", name),
                             "DeleteOnTermination": True, "DeviceIndex": 0,
                             "NetworkCardIndex": 0, "Status": "attached"}
        nic.update(Description="", InterfaceType="interface", SourceDestCheck=True)
        inst: Json = {
            "AmiLaunchIndex": 0, "ImageId": "ami-0fc5d935ebf8bc3bc", "InstanceId": rid("i", name),
            "InstanceType": "t3.medium" if role == "workstation" else "m6i.large",
            "LaunchTime": CREATED, "Monitoring": {"State": "disabled"},
            "Placement": {"AvailabilityZone": eni["AvailabilityZone"], "GroupName": "",
                          "Tenancy": "default"},
            "PrivateDnsName": dns(ip), "PrivateIpAddress": ip, "ProductCodes": [],
            "PublicDnsName": eni["Association"]["PublicDnsName"] if public else ""}
        if public:
            inst["PublicIpAddress"] = public
        inst.update({
            "State": {"Code": 16, "Name": "running"}, "StateTransitionReason": "",
            "SubnetId": subnet_id(subnet), "VpcId": vpc_id(SUBNET_VPC[subnet]),
            "Architecture": "x86_64", "BlockDeviceMappings": [], "EbsOptimized": True,
            "EnaSupport": True, "Hypervisor": "xen",
            "NetworkInterfaces": [_ordered(nic)], "RootDeviceName": "/dev/xvda",
            "RootDeviceType": "ebs",
            "SecurityGroups": [{"GroupName": group, "GroupId": sg_id(group)}],
            "SourceDestCheck": True, "Tags": tags(name, Role=role),
            "VirtualizationType": "hvm"})
        out.append({"Groups": [], "Instances": [inst], "OwnerId": OWNER,
                    "ReservationId": rid("r", name)})
    return {"Reservations": out}


def _route(destination: str, target: str, origin: str = "CreateRoute") -> Json:
    key = "DestinationPrefixListId" if destination.startswith("pl-") else "DestinationCidrBlock"
    r: Json = {key: destination}
    tid = target_id(target)
    if target == "local":
        r["GatewayId"] = "local"
        origin = "CreateRouteTable"
    elif tid.startswith("nat-"):
        r["NatGatewayId"] = tid
    elif tid.startswith("tgw-"):
        r["TransitGatewayId"] = tid
    else:  # igw-, vpce-
        r["GatewayId"] = tid
    r.update(Origin=origin, State="active")
    return r


def route_tables() -> Json:
    out = []
    for name, (vpc, main, subs, routes) in ROUTE_TABLES.items():
        tid = rid("rtb", name)
        associations = [{"Main": False, "RouteTableAssociationId": rid("rtbassoc", s),
                         "RouteTableId": tid, "SubnetId": subnet_id(s),
                         "AssociationState": {"State": "associated"}} for s in subs]
        if main:
            associations.append({"Main": True, "RouteTableAssociationId":
                                 rid("rtbassoc", f"main/{name}"), "RouteTableId": tid,
                                 "AssociationState": {"State": "associated"}})
        out.append({"Associations": associations, "PropagatingVgws": [], "RouteTableId": tid,
                    "Routes": [_route(d, t) for d, t in routes], "Tags": tags(name),
                    "VpcId": vpc_id(vpc), "OwnerId": OWNER})
    return {"RouteTables": out}


def internet_gateways() -> Json:
    return {"InternetGateways": [{
        "Attachments": [{"State": "available", "VpcId": vpc_id("shared-services")}],
        "InternetGatewayId": target_id(IGW), "OwnerId": OWNER, "Tags": tags(IGW)}]}


def nat_gateways() -> Json:
    name, subnet, private, public = NAT
    return {"NatGateways": [{
        "CreateTime": CREATED,
        "NatGatewayAddresses": [{"AllocationId": rid("eipalloc", name),
                                 "NetworkInterfaceId": rid("eni", f"eni/{name}"),
                                 "PrivateIp": private, "PublicIp": public,
                                 "AssociationId": rid("eipassoc", name), "IsPrimary": True,
                                 "Status": "succeeded"}],
        "NatGatewayId": target_id(name), "State": "available", "SubnetId": subnet_id(subnet),
        "VpcId": vpc_id(SUBNET_VPC[subnet]), "Tags": tags(name), "ConnectivityType": "public"}]}


def transit_gateways() -> Json:
    gid = target_id(TGW)
    return {"TransitGateways": [{
        "TransitGatewayId": gid,
        "TransitGatewayArn": f"arn:aws:ec2:{REGION}:{OWNER}:transit-gateway/{gid}",
        "State": "available", "OwnerId": OWNER, "Description": "corp hub-and-spoke",
        "CreationTime": CREATED,
        "Options": {"AmazonSideAsn": 64512, "AutoAcceptSharedAttachments": "disable",
                    "DefaultRouteTableAssociation": "disable",
                    "DefaultRouteTablePropagation": "disable", "VpnEcmpSupport": "enable",
                    "DnsSupport": "enable", "SecurityGroupReferencingSupport": "disable",
                    "MulticastSupport": "disable"},
        "Tags": tags(TGW)}]}


def tgw_attachments() -> Json:
    return {"TransitGatewayAttachments": [{
        "TransitGatewayAttachmentId": attachment_id(vpc), "TransitGatewayId": target_id(TGW),
        "TransitGatewayOwnerId": OWNER, "ResourceOwnerId": OWNER, "ResourceType": "vpc",
        "ResourceId": vpc_id(vpc), "State": "available",
        "Association": {"TransitGatewayRouteTableId": rid("tgw-rtb", table),
                        "State": "associated"},
        "CreationTime": CREATED, "Tags": tags(f"tgw-attach-{vpc}")}
        for vpc, table in ASSOCIATION.items()]}


def tgw_vpc_attachments() -> Json:
    return {"TransitGatewayVpcAttachments": [{
        "TransitGatewayAttachmentId": attachment_id(vpc), "TransitGatewayId": target_id(TGW),
        "VpcId": vpc_id(vpc), "VpcOwnerId": OWNER, "State": "available",
        "SubnetIds": [subnet_id(s) for s in TGW_SUBNETS[vpc]], "CreationTime": CREATED,
        "Options": {"DnsSupport": "enable", "SecurityGroupReferencingSupport": "disable",
                    "Ipv6Support": "disable", "ApplianceModeSupport": "disable"},
        "Tags": tags(f"tgw-attach-{vpc}")} for vpc in ASSOCIATION]}


def tgw_route_tables() -> Json:
    return {"TransitGatewayRouteTables": [{
        "TransitGatewayRouteTableId": rid("tgw-rtb", name), "TransitGatewayId": target_id(TGW),
        "State": "available", "DefaultAssociationRouteTable": False,
        "DefaultPropagationRouteTable": False, "CreationTime": CREATED, "Tags": tags(name)}
        for name in TGW_TABLES]}


def tgw_routes(name: str) -> Json:
    routes = []
    for destination, vpc, kind in TGW_TABLES[name]:
        r: Json = {"DestinationCidrBlock": destination}
        if vpc:
            r["TransitGatewayAttachments"] = [{"ResourceId": vpc_id(vpc),
                                               "TransitGatewayAttachmentId": attachment_id(vpc),
                                               "ResourceType": "vpc"}]
        r.update(Type=kind, State="active" if vpc else "blackhole")
        routes.append(r)
    return {"Routes": routes, "AdditionalRoutesAvailable": False}


def prefix_lists() -> Json:
    return {"PrefixLists": [{
        "PrefixListId": S3_LIST, "AddressFamily": "IPv4", "State": "create-complete",
        "PrefixListArn": f"arn:aws:ec2:{REGION}:aws:prefix-list/{S3_LIST}",
        "PrefixListName": f"com.amazonaws.{REGION}.s3", "Tags": [], "OwnerId": "AWS"}]}


def files() -> dict[str, Json]:
    out = {
        "describe-vpcs.json": vpcs(),
        "describe-subnets.json": subnets(),
        "describe-network-acls.json": network_acls(),
        "describe-security-groups.json": security_groups(),
        "describe-security-group-rules.json": security_group_rules(),
        "describe-network-interfaces.json": network_interfaces(),
        "describe-instances.json": instances(),
        "describe-vpc-peering-connections.json": {"VpcPeeringConnections": []},
        "describe-managed-prefix-lists.json": prefix_lists(),
        f"get-managed-prefix-list-entries/{S3_LIST}.json": {
            "Entries": [{"Cidr": c} for c in S3_CIDRS]},
        "describe-route-tables.json": route_tables(),
        "describe-internet-gateways.json": internet_gateways(),
        "describe-nat-gateways.json": nat_gateways(),
        "describe-transit-gateways.json": transit_gateways(),
        "describe-transit-gateway-attachments.json": tgw_attachments(),
        "describe-transit-gateway-vpc-attachments.json": tgw_vpc_attachments(),
        "describe-transit-gateway-route-tables.json": tgw_route_tables(),
    }
    for name in TGW_TABLES:
        out[f"search-transit-gateway-routes/{rid('tgw-rtb', name)}.json"] = tgw_routes(name)
    return out


def render(doc: Json) -> str:
    """As the AWS CLI prints JSON: 4-space indent, a final newline."""
    return json.dumps(doc, indent=4) + "\n"


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE / "snapshot"
    for name, doc in files().items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(doc))
    print(f"wrote {len(files())} files into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
