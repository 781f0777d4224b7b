"""A brute-force, per-packet AWS reachability oracle, written straight from the AWS docs.

It reads a snapshot folder's raw ``aws ec2 describe-*`` JSON with :mod:`json` only and answers,
for **one packet**, whether it gets from ``src`` to ``dst``. It deliberately shares no code with
``pathwarden`` (no import of it): every check loops over the raw rules, tests membership with
:mod:`ipaddress` and sorts NACL entries on every call. It is slow on purpose; the engine's
equivalence classes and interval algebra must agree with it.

The semantics are those of ``docs/aws-semantics.md``; each check cites the AWS page it comes from:

- [SGR] security-group-rules.md (awsdocs/amazon-vpc-user-guide, live:
  https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html)
- [SEC] VPC_Security.md (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Security.html)
- [NACL] vpc-network-acls.md (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html)
- [IPP] https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html
- [CNAE] https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html
- [UIGP] https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UserIdGroupPair.html
- [PEER] https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html

The routing step (route tables, transit gateways, gateways, appliances) is in
:mod:`tests.oracle.aws_routes`; :meth:`AwsOracle.verdict` says which hop decided.

Endpoints are ``("eni", eni_id, ip)`` (one private address of one ENI) or ``("outside", ip)``.
``port`` is the destination port for TCP/UDP, ``type * 256 + code`` for ICMP (1) and ICMPv6
(58), and 0 for every other protocol.
"""

from __future__ import annotations

import ipaddress
import json
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from tests.oracle.aws_routes import AwsRouting, Stretch, Way

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Endpoint = tuple[str, ...]
Json = dict[str, Any]

DEFAULT_EPHEMERAL = (1024, 65535)
TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58

# [SEC], [SGR] § Limitation: traffic to these is not filtered by SGs or NACLs, so it is never an
# open movement path. The VPC+2 resolver of every VPC IPv4 CIDR is added per snapshot.
PLATFORM_ADDRESSES = (
    "169.254.169.254",  # instance metadata (IMDS)
    "fd00:ec2::254",
    "169.254.169.253",  # Amazon DNS
    "fd00:ec2::253",
    "169.254.169.123",  # Amazon Time Sync
    "fd00:ec2::123",
    "169.254.170.2",  # ECS task metadata
)

# [IPP]: "IpProtocol: The IP protocol name (tcp, udp, icmp, icmpv6) or number".
SG_PROTOCOL_NAMES = {"tcp": TCP, "udp": UDP, "icmp": ICMP, "icmpv6": ICMPV6}


class Verdict(NamedTuple):
    """One packet's fate and the hop that decided it (``reason`` is "" when allowed, else e.g.
    "dropped at tgw-rtb-1: 10.0.128.0/17 blackhole" or "NACL acl-2 (subnet-3) egress")."""

    allowed: bool
    reason: str
    trace: tuple[str, ...] = ()


class OracleError(Exception):
    """The snapshot is outside what the spec defines (the generator never writes that)."""


@cache
def net(text: str) -> IPNetwork:
    """A CIDR with host bits ignored ([NACL]: "100.68.0.18/18" is canonicalised to
    "100.68.0.0/18")."""
    return ipaddress.ip_network(text, strict=False)


@cache
def addr(text: str) -> IPAddress:
    return ipaddress.ip_address(text)


def in_cidr(ip: IPAddress, cidr: str) -> bool:
    """Membership within one address family only: "an IPv4 rule never matches IPv6 traffic"."""
    n = net(cidr)
    return n.version == ip.version and ip in n


class AwsOracle:
    """Per-packet verdicts over one snapshot folder (one account and region)."""

    def __init__(
        self,
        folder: str | Path,
        ephemeral: tuple[int, int] = DEFAULT_EPHEMERAL,
        routes: bool = True,
    ):
        """``routes=False`` ignores the routing files (every VPC unrouted: same VPC or an
        active peering), to measure how often the routing step changes an answer."""
        self.folder = Path(folder)
        if not (self.folder / "describe-security-groups.json").exists():
            # the files may sit below <account-id>/<region>/ (one account and region here)
            found = sorted(self.folder.glob("*/*/describe-security-groups.json"))
            if len(found) != 1:
                raise OracleError(f"{folder}: expected one snapshot, found {len(found)}")
            self.folder = found[0].parent
        self.ephemeral = ephemeral
        self.security_groups: dict[str, Json] = {
            g["GroupId"]: g for g in self._load("describe-security-groups.json", "SecurityGroups")
        }
        self.enis: dict[str, Json] = {
            e["NetworkInterfaceId"]: e
            for e in self._load("describe-network-interfaces.json", "NetworkInterfaces")
        }
        # describe-instances: instance ENIs missing from describe-network-interfaces are added.
        for reservation in self._load("describe-instances.json", "Reservations", optional=True):
            for instance in reservation.get("Instances", []):
                for e in instance.get("NetworkInterfaces", []):
                    self.enis.setdefault(e["NetworkInterfaceId"], e)
        self.subnets: dict[str, Json] = {
            s["SubnetId"]: s for s in self._load("describe-subnets.json", "Subnets")
        }
        self.vpcs: dict[str, Json] = {
            v["VpcId"]: v for v in self._load("describe-vpcs.json", "Vpcs")
        }
        self.nacls: list[Json] = self._load("describe-network-acls.json", "NetworkAcls")
        self.peerings: list[Json] = self._load(
            "describe-vpc-peering-connections.json", "VpcPeeringConnections", optional=True
        )
        self.prefix_lists: dict[str, list[str]] = {}
        for pl in self._load("describe-managed-prefix-lists.json", "PrefixLists", optional=True):
            entries_file = (
                self.folder / "get-managed-prefix-list-entries" / f"{pl['PrefixListId']}.json"
            )
            entries = (
                json.loads(entries_file.read_text()).get("Entries", [])
                if entries_file.exists()
                else []
            )
            self.prefix_lists[pl["PrefixListId"]] = [e["Cidr"] for e in entries]
        self._platform = {addr(p) for p in self.platform_addresses()}
        self.routing = AwsRouting(self.folder, self, enabled=routes)
        self._ways: dict[tuple[Endpoint, Endpoint], Way] = {}

    def _load(self, name: str, key: str, optional: bool = False) -> list[Json]:
        path = self.folder / name
        if not path.exists():
            if optional:
                return []
            raise OracleError(f"{path}: missing")
        data = json.loads(path.read_text())
        items: list[Json] = data.get(key, [])
        return items

    # ------------------------------------------------------------------ facts for the test

    def eni_groups(self, eni_id: str) -> list[str]:
        return [g["GroupId"] for g in self.enis[eni_id].get("Groups", [])]

    def eni_addresses(self, eni_id: str) -> list[str]:
        """The private IPv4 and IPv6 addresses of one ENI ([SGR]: SG references match "the
        private IP addresses"); public IPs are not ENI addresses here."""
        eni = self.enis[eni_id]
        out: list[str] = []
        if eni.get("PrivateIpAddress"):
            out.append(eni["PrivateIpAddress"])
        for p in eni.get("PrivateIpAddresses", []):
            if p["PrivateIpAddress"] not in out:
                out.append(p["PrivateIpAddress"])
        for p in eni.get("Ipv6Addresses", []):
            if p["Ipv6Address"] not in out:
                out.append(p["Ipv6Address"])
        return out

    def sg_members(self, group_id: str) -> list[str]:
        return [e for e in self.enis if group_id in self.eni_groups(e)]

    def platform_addresses(self) -> list[str]:
        """Fixed platform addresses plus the VPC+2 resolver of every VPC IPv4 CIDR ([SEC])."""
        out = list(PLATFORM_ADDRESSES)
        for vpc in self.vpcs.values():
            cidrs = [vpc["CidrBlock"]] if vpc.get("CidrBlock") else []
            cidrs += [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet", [])]
            for c in cidrs:
                resolver = str(net(c).network_address + 2)
                if resolver not in out:
                    out.append(resolver)
        return out

    # ------------------------------------------------------------------ the verdict

    def allowed(self, src: Endpoint, dst: Endpoint, proto: int, port: int) -> bool:
        """Is this one packet (and, through stateless NACLs, its reply) let through?"""
        return self.verdict(src, dst, proto, port).allowed

    def way(self, src: Endpoint, dst: Endpoint) -> Way:
        """The routing step for one pair of ends (the same for every packet between them)."""
        key = (src, dst)
        if key not in self._ways:
            src_eni = self.enis[src[1]] if src[0] == "eni" else None
            dst_eni = self.enis[dst[1]] if dst[0] == "eni" else None
            self._ways[key] = self.routing.way(src_eni, dst_eni, addr(src[-1]), addr(dst[-1]))
        return self._ways[key]

    def verdict(self, src: Endpoint, dst: Endpoint, proto: int, port: int) -> Verdict:
        """The packet's fate and the hop that decided it."""
        a, b = addr(src[-1]), addr(dst[-1])
        # One address family per flow ([NACL]: "none of the rules for the IPv4 traffic apply to
        # the IPv6 traffic").
        if a.version != b.version:
            return Verdict(False, "address families differ")
        # A workload paired with itself is not a movement path.
        if src[0] == "eni" and dst[0] == "eni" and src[1] == dst[1]:
            return Verdict(False, "a workload and itself")
        # Platform traffic is never an open path ([SEC], [SGR] § Limitation).
        if a in self._platform or b in self._platform:
            return Verdict(False, "platform address")
        src_eni = self.enis[src[1]] if src[0] == "eni" else None
        dst_eni = self.enis[dst[1]] if dst[0] == "eni" else None
        # Step 1, the routing step (aws_routes.py): the packet's way, the reply's way.
        way = self.way(src, dst)
        if not way.ok:
            return Verdict(False, way.reason, way.trace)
        # Step 2: source SGs, egress, towards b.
        if src_eni is not None and not self._sg_allows(src_eni, True, b, proto, port):
            return Verdict(False, f"security groups of {src[1]} (egress)", way.trace)
        # Appliances on the way: their own SGs, with the packet's original addresses.
        for box in way.appliances:
            if not self._sg_allows(self.enis[box], False, a, proto, port):
                return Verdict(False, f"security groups of appliance {box} (ingress)", way.trace)
            if not self._sg_allows(self.enis[box], True, b, proto, port):
                return Verdict(False, f"security groups of appliance {box} (egress)", way.trace)
        # Step 3: the NACLs the packet crosses: egress entries match the destination b, ingress
        # entries the source a ([NACL]; [TGWNACL] for the transit legs).
        for subnet, egress in _legs(way.forward):
            peer = b if egress else a
            if not self._nacl_allows(subnet, egress, peer, proto, port):
                return Verdict(False, self._nacl_name(subnet, egress), way.trace)
        # Step 4: destination SGs, ingress, from a. Through an appliance a rule that references
        # a security group does not match ([SGR] middlebox limitation).
        if dst_eni is not None and not self._sg_allows(
            dst_eni, False, a, proto, port, refs=not way.appliances
        ):
            return Verdict(False, f"security groups of {dst[1]} (ingress)", way.trace)
        # Step 5: the reply b -> a through the stateless NACLs on its way back; SGs are stateful
        # ("Return traffic is allowed, regardless of the rules" [SEC]), NACLs are not
        # ("responses to allowed inbound traffic are subject to the rules for outbound traffic"
        # [NACL]).
        legs = _legs(way.reply)
        if legs and not self._return_allowed(legs, a, b, proto, port):
            return Verdict(False, "return path: no reply packet passes the NACLs "
                           + ", ".join(self._nacl_name(s, e) for s, e in legs), way.trace)
        return Verdict(True, "", way.trace)

    def _nacl_name(self, subnet: str, egress: bool) -> str:
        nacl = self._nacl_of(subnet)
        name = nacl["NetworkAclId"] if nacl else "no NACL"
        return f"NACL {name} ({subnet}) {'egress' if egress else 'ingress'}"

    def _return_allowed(
        self, legs: list[tuple[str, bool]], a: IPAddress, b: IPAddress, proto: int, port: int
    ) -> bool:
        """One reply packet b -> a that every NACL leg on its way allows is enough: egress
        entries match its destination a, ingress entries its source b."""
        candidates = self._reply_candidates({s for s, _ in legs}, proto, port)
        if candidates is None:
            return True
        for r_proto, r_port in candidates:
            if all(
                self._nacl_allows(subnet, egress, a if egress else b, r_proto, r_port)
                for subnet, egress in legs
            ):
                return True
        return False

    def _reply_candidates(
        self, subnets: set[str], proto: int, port: int
    ) -> list[tuple[int, int]] | None:
        """The reply packets of which one must pass; ``None`` when no reply is needed."""
        if proto in (TCP, UDP):
            # The reply goes to the client's ephemeral source port e; the attacker picks e, so
            # one e in the range that every NACL allows is enough. Looping over all 64512 ports
            # would be correct but slow. Shortcut: a NACL first-match verdict, as a function of
            # e alone (everything else fixed), can only change where some entry's PortRange
            # starts (From) or just after it ends (To + 1); between two such boundaries every e
            # matches exactly the same entries, so the verdict of every NACL is constant there.
            # Checking the range start plus every boundary inside the range therefore visits
            # one e of every constant piece.
            lo, hi = self.ephemeral
            points = {lo}
            for subnet in sorted(subnets):
                nacl = self._nacl_of(subnet)
                for entry in nacl.get("Entries", []) if nacl else []:
                    pr = entry.get("PortRange")
                    if pr:
                        points.update(p for p in (pr["From"], pr["To"] + 1) if lo <= p <= hi)
            return [(proto, e) for e in sorted(points)]
        if proto == ICMP:
            # Echo request (type 8, any code) is answered by echo reply (type 0, code 0); other
            # ICMP types are one-way and need nothing back.
            return [(ICMP, 0 * 256 + 0)] if port // 256 == 8 else None
        if proto == ICMPV6:
            # ICMPv6 echo request (128) is answered by echo reply (129, code 0).
            return [(ICMPV6, 129 * 256 + 0)] if port // 256 == 128 else None
        # Any other protocol: the same protocol must be allowed back (no ports).
        return [(proto, 0)]

    # ------------------------------------------------------------------ security groups

    def _sg_allows(
        self, eni: Json, egress: bool, peer: IPAddress, proto: int, port: int, refs: bool = True
    ) -> bool:
        """Union of every rule of every SG on the ENI: "the rules from each security group are
        aggregated to form a single set of rules" and SGs "evaluate all rules before deciding"
        [SGR], [SEC]. Allow rules only; nothing matching = not allowed. ``refs=False``: rules
        naming a security group match nothing (a flow through an appliance, [SGR])."""
        for gid in [g["GroupId"] for g in eni.get("Groups", [])]:
            sg = self.security_groups.get(gid)
            if sg is None:
                continue
            perms = sg.get("IpPermissionsEgress" if egress else "IpPermissions", [])
            for perm in perms:
                if _sg_traffic_matches(perm, proto, port) and self._sg_peer_matches(
                    perm, peer, refs
                ):
                    return True
        return False

    def _sg_peer_matches(self, perm: Json, peer: IPAddress, refs: bool = True) -> bool:
        """One IpPermission's peers are OR'd: IpRanges, Ipv6Ranges, PrefixListIds and
        UserIdGroupPairs ([IPP])."""
        for r in perm.get("IpRanges", []):
            if in_cidr(peer, r["CidrIp"]):
                return True
        for r in perm.get("Ipv6Ranges", []):
            if in_cidr(peer, r["CidrIpv6"]):
                return True
        for r in perm.get("PrefixListIds", []):
            for cidr in self.prefix_lists.get(r["PrefixListId"], []):
                if in_cidr(peer, cidr):
                    return True
        for r in perm.get("UserIdGroupPairs", []) if refs else []:
            # [UIGP] PeeringStatus; [PEER]: the peering must be active, else the rule is stale.
            if r.get("PeeringStatus") not in (None, "active"):
                continue
            gid = r.get("GroupId")
            # [SGR] § Stale: a reference to an SG that is gone matches nothing.
            if gid not in self.security_groups:
                continue
            # [SGR] § Security group referencing: the *private* IPs of the members, self included.
            for eni_id in self.enis:
                is_member = gid in self.eni_groups(eni_id)
                if is_member and any(addr(x) == peer for x in self.eni_addresses(eni_id)):
                    return True
        return False

    # ------------------------------------------------------------------ network ACLs

    def _nacl_of(self, subnet_id: str) -> Json | None:
        """The subnet's NACL: its explicit association, else the VPC's default NACL ([NACL]
        § Basics). ``None`` when the snapshot holds no NACL of the VPC at all (assumed to allow
        everything)."""
        for nacl in self.nacls:
            for assoc in nacl.get("Associations", []):
                if assoc.get("SubnetId") == subnet_id:
                    return nacl
        vpc_id = self.subnets[subnet_id]["VpcId"]
        of_vpc = [n for n in self.nacls if n.get("VpcId") == vpc_id]
        if not of_vpc:
            return None
        for n in of_vpc:
            if n.get("IsDefault"):
                return n
        raise OracleError(f"{subnet_id}: no association and no default NACL in {vpc_id}")

    def _nacl_allows(
        self, subnet_id: str, egress: bool, peer: IPAddress, proto: int, port: int
    ) -> bool:
        """First match by ascending RuleNumber: "evaluate the rules in order, starting with the
        lowest numbered rule ... If the traffic matches a rule, the rule is applied and we do not
        evaluate any additional rules" [NACL]. Ingress and egress entries come in one unsorted
        array (split by ``Egress``); 32767/32768 are the ``*`` deny. No match = deny."""
        nacl = self._nacl_of(subnet_id)
        if nacl is None:
            return True
        entries = [e for e in nacl.get("Entries", []) if bool(e.get("Egress")) == egress]
        for entry in sorted(entries, key=lambda e: int(e["RuleNumber"])):
            if _nacl_entry_matches(entry, peer, proto, port):
                return bool(entry["RuleAction"] == "allow")
        return False


def _legs(way: tuple[Stretch, ...]) -> list[tuple[str, bool]]:
    return [leg for stretch in way for leg in stretch.legs()]


def _sg_traffic_matches(perm: Json, proto: int, port: int) -> bool:
    """[IPP]: ``-1`` = all protocols, and "specifying -1 or a protocol number other than tcp,
    udp, icmp, or icmpv6 allows traffic on all ports, regardless of any port range you specify".
    TCP/UDP: FromPort..ToPort (absent = all). ICMP/ICMPv6: FromPort = type, ToPort = code, -1 =
    all; type -1 = all types and codes; the ICMPv6 range is optional (omitted = all)."""
    name = str(perm["IpProtocol"]).lower()
    if name == "-1":
        return True
    number = SG_PROTOCOL_NAMES[name] if name in SG_PROTOCOL_NAMES else int(name)
    if number != proto:
        return False
    if number in (TCP, UDP):
        if "FromPort" not in perm:
            return True
        return int(perm["FromPort"]) <= port <= int(perm["ToPort"])
    if number in (ICMP, ICMPV6):
        icmp_type, icmp_code = divmod(port, 256)
        rule_type = int(perm.get("FromPort", -1))
        rule_code = int(perm.get("ToPort", -1))
        if rule_type == -1:
            return True
        if rule_type != icmp_type:
            return False
        return rule_code in (-1, icmp_code)
    return True


def _nacl_entry_matches(entry: Json, peer: IPAddress, proto: int, port: int) -> bool:
    """[CNAE]: ``CidrBlock`` is IPv4, ``Ipv6CidrBlock`` IPv6 (host bits canonicalised [NACL]).
    Protocol "-1" = all; "If you specify '-1' or a protocol number other than '6' (TCP), '17'
    (UDP), or '1' (ICMP), traffic on all ports is allowed, regardless of any ports or ICMP types
    or codes"; 6/17 use PortRange (absent = all); 1 uses IcmpTypeCode (absent or -1 = all);
    58 on an IPv4 entry = all ICMPv6, on an IPv6 entry it uses IcmpTypeCode."""
    if "CidrBlock" in entry:
        is_v6_entry = False
        if not in_cidr(peer, entry["CidrBlock"]):
            return False
    elif "Ipv6CidrBlock" in entry:
        is_v6_entry = True
        if not in_cidr(peer, entry["Ipv6CidrBlock"]):
            return False
    else:
        return False
    number = int(entry["Protocol"])
    if number == -1:
        return True
    if number != proto:
        return False
    if number in (TCP, UDP):
        pr = entry.get("PortRange")
        return pr is None or int(pr["From"]) <= port <= int(pr["To"])
    if number == ICMP or (number == ICMPV6 and is_v6_entry):
        itc = entry.get("IcmpTypeCode")
        if itc is None:
            return True
        icmp_type, icmp_code = divmod(port, 256)
        rule_type, rule_code = int(itc.get("Type", -1)), int(itc.get("Code", -1))
        if rule_type == -1:
            return True
        return rule_type == icmp_type and rule_code in (-1, icmp_code)
    return True
