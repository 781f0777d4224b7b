"""Rule content for the synthetic AWS estate: security groups, NACL entries, prefix lists.

The shapes are those of ``aws ec2 describe-security-groups`` (one ``IpPermission`` bundles one
protocol and port range with many peers), ``describe-network-acls`` (ingress and egress in one
``Entries`` array, numbers 32767/32768 for the default denies) and
``describe-managed-prefix-lists`` / ``get-managed-prefix-list-entries``. See
the project workspace's ``shared/reference/cloud-semantics.md`` §1.5.

A *rule* here is what ``describe-security-group-rules`` would list: one peer (a CIDR, an IPv6
CIDR, a prefix list or a group) of one permission. :class:`SG` keeps them keyed so duplicates
are impossible, and enforces AWS's 60 rules per direction and address family.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OWNER = "123456789012"
REGION = "us-east-1"
MAX_RULES = 60  # per SG, per direction, per address family (amazon-vpc-limits)

# (kind, value, vpc, peering): kind is v4 | v6 | pl | sg; vpc/peering only for a peered group.
Peer = tuple[str, str, str, str]
# (egress, protocol, from, to, peer)
RuleKey = tuple[bool, str, int | None, int | None, Peer]
Json = dict[str, Any]


def v4(cidr: str) -> Peer:
    return ("v4", cidr, "", "")


def v6(cidr: str) -> Peer:
    return ("v6", cidr, "", "")


def pl(pl_id: str) -> Peer:
    return ("pl", pl_id, "", "")


def sg_ref(group: SG, from_vpc: str = "", pcx: str = "") -> Peer:
    """A group reference; across a peering it carries the peer VPC and connection id."""
    if from_vpc and from_vpc != group.vpc:
        return ("sg", group.id, group.vpc, pcx)
    return ("sg", group.id, "", "")


@dataclass
class SG:
    id: str
    name: str
    vpc: str
    description: str
    kind: str  # tier | shared
    role: str  # web/app/db/cache for tiers, default/bastion/monitoring/... for shared
    app: str = ""
    rules: dict[RuleKey, str] = field(default_factory=dict)
    _per_family: Counter[tuple[bool, bool]] = field(default_factory=Counter)

    def add(
        self, egress: bool, proto: str, lo: int | None, hi: int | None, peer: Peer, desc: str = ""
    ) -> bool:
        key: RuleKey = (egress, proto, lo, hi, peer)
        fam = (egress, peer[0] == "v6")
        if key in self.rules or self._per_family[fam] >= MAX_RULES:
            return False
        self.rules[key] = desc
        self._per_family[fam] += 1
        return True

    def remove(self, key: RuleKey) -> None:
        del self.rules[key]
        self._per_family[(key[0], key[4][0] == "v6")] -= 1

    def to_json(self) -> Json:
        out: Json = {"Description": self.description, "GroupName": self.name}
        out["IpPermissions"] = self._permissions(False)
        out["OwnerId"] = OWNER
        out["GroupId"] = self.id
        out["IpPermissionsEgress"] = self._permissions(True)
        tags = [{"Key": "Name", "Value": self.name}]
        if self.app:
            tags += [{"Key": "App", "Value": self.app}, {"Key": "Tier", "Value": self.role}]
        out["Tags"] = tags
        out["VpcId"] = self.vpc
        return out

    def rule_objects(self, new_id: Callable[[str], str]) -> list[Json]:
        """The same rules as ``describe-security-group-rules`` lists them, one per peer."""
        out: list[Json] = []
        for (egress, proto, lo, hi, peer), desc in self.rules.items():
            rule_id = new_id("sgr")
            item: Json = {"SecurityGroupRuleId": rule_id, "GroupId": self.id,
                          "GroupOwnerId": OWNER, "IsEgress": egress, "IpProtocol": proto,
                          "FromPort": -1 if lo is None else lo, "ToPort": -1 if hi is None else hi}
            kind, value, vpc, pcx = peer
            if kind == "v4":
                item["CidrIpv4"] = value
            elif kind == "v6":
                item["CidrIpv6"] = value
            elif kind == "pl":
                item["PrefixListId"] = value
            else:
                ref: Json = {"GroupId": value, "UserId": OWNER}
                if vpc:
                    ref.update(VpcId=vpc, VpcPeeringConnectionId=pcx, PeeringStatus="active")
                item["ReferencedGroupInfo"] = ref
            if desc:
                item["Description"] = desc
            item["Tags"] = []
            item["SecurityGroupRuleArn"] = (
                f"arn:aws:ec2:{REGION}:{OWNER}:security-group-rule/{rule_id}")
            out.append(item)
        return out

    def _permissions(self, egress: bool) -> list[Json]:
        perms: dict[tuple[str, int | None, int | None], Json] = {}
        for (eg, proto, lo, hi, peer), desc in self.rules.items():
            if eg != egress:
                continue
            perm = perms.get((proto, lo, hi))
            if perm is None:
                perm = {"IpProtocol": proto}
                if lo is not None:
                    perm["FromPort"] = lo
                    perm["ToPort"] = hi
                perm.update(IpRanges=[], Ipv6Ranges=[], PrefixListIds=[], UserIdGroupPairs=[])
                perms[(proto, lo, hi)] = perm
            kind, value, vpc, pcx = peer
            item: Json
            if kind == "v4":
                item, bucket = {"CidrIp": value}, "IpRanges"
            elif kind == "v6":
                item, bucket = {"CidrIpv6": value}, "Ipv6Ranges"
            elif kind == "pl":
                item, bucket = {"PrefixListId": value}, "PrefixListIds"
            else:
                item, bucket = {"GroupId": value, "UserId": OWNER}, "UserIdGroupPairs"
                if vpc:
                    item.update(VpcId=vpc, VpcPeeringConnectionId=pcx, PeeringStatus="active")
            if desc:
                item["Description"] = desc
            perm[bucket].append(item)
        return list(perms.values())


def rule_count(groups: list[SG]) -> int:
    return sum(len(g.rules) for g in groups)


# --- address pools ---------------------------------------------------------------------------


@dataclass
class Pools:
    """CIDRs that rules draw from, reused across groups as real estates do (office ranges,
    partner hosts, the corporate /8), so the number of distinct CIDRs stays realistic."""

    by_prefix: dict[int, list[str]]
    v6: list[str]
    weights: dict[int, float] = field(
        default_factory=lambda: {8: 0.04, 16: 0.18, 24: 0.33, 32: 0.45}
    )

    @classmethod
    def make(cls, rng: random.Random, rules: int, vpc_cidrs: list[str]) -> Pools:
        n32, n24, n16 = max(20, rules // 25), max(10, rules // 120), max(6, rules // 800)
        nets8 = ["10.0.0.0/8", "10.0.0.0/8", "172.0.0.0/8", "100.0.0.0/8"]
        nets16 = list(vpc_cidrs)
        nets16 += [f"10.{rng.randrange(32, 256)}.0.0/16" for _ in range(n16)]
        nets16 += [f"172.{rng.randrange(16, 32)}.0.0/16", "192.168.0.0/16"]
        docs = ["203.0.113", "198.51.100", "192.0.2"]
        nets24 = [f"{d}.0/24" for d in docs]
        nets24 += [f"{_public_octets(rng, 3)}.0/24" for _ in range(n24 // 2)]
        nets24 += [f"10.{rng.randrange(256)}.{rng.randrange(256)}.0/24" for _ in range(n24 // 2)]
        hosts = [f"{rng.choice(docs)}.{rng.randrange(1, 255)}/32" for _ in range(n32 // 4)]
        hosts += [f"{_public_octets(rng, 4)}/32" for _ in range(n32 // 2)]
        hosts += [f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}/32"
                  for _ in range(n32 // 4)]
        v6s = ["::/0", "2001:db8::/32"]
        v6s += [f"2001:db8:{rng.randrange(1 << 16):x}::/48" for _ in range(max(4, rules // 500))]
        v6s += [f"2001:db8:{rng.randrange(1 << 16):x}:{rng.randrange(1 << 16):x}::1/128"
                for _ in range(max(4, rules // 500))]
        by_prefix = {8: nets8, 16: sorted(set(nets16)), 24: sorted(set(nets24))}
        by_prefix[32] = sorted(set(hosts))
        return cls(by_prefix, v6s)

    def cidr(self, rng: random.Random) -> str:
        prefix = rng.choices(list(self.weights), weights=list(self.weights.values()))[0]
        items = self.by_prefix[prefix]
        # Zipf-like reuse: the first entries of each pool are the popular ones.
        return items[min(len(items) - 1, int(rng.paretovariate(1.2)) - 1)]


def _public_octets(rng: random.Random, n: int) -> str:
    first = rng.choice([3, 13, 18, 34, 35, 44, 52, 54, 63, 104, 151, 185, 193, 212])
    rest = [str(rng.randrange(256)) for _ in range(n - 2)] + [str(rng.randrange(1, 255))]
    return ".".join([str(first), *rest[: n - 1]])


# --- prefix lists ----------------------------------------------------------------------------

AWS_MANAGED = {
    "com.amazonaws.us-east-1.s3": ["3.5.0.0/19", "16.182.0.0/16", "52.216.0.0/15",
                                   "54.231.0.0/16", "18.34.0.0/19"],
    "com.amazonaws.us-east-1.dynamodb": ["3.218.180.0/22", "35.71.64.0/22", "52.94.0.0/22",
                                         "52.119.224.0/20"],
}
PL_NAMES = ["corp-offices", "vpn-egress", "admin-ips", "monitoring-saas", "ci-egress",
            "partners", "payment-gateways", "backup-vendors", "datacenter", "support-desk"]


@dataclass
class PrefixList:
    id: str
    name: str
    family: str
    entries: list[tuple[str, str]]
    aws_managed: bool = False

    def describe(self) -> Json:
        out: Json = {"PrefixListId": self.id, "AddressFamily": self.family,
                     "State": "create-complete"}
        owner = "aws" if self.aws_managed else OWNER
        out["PrefixListArn"] = f"arn:aws:ec2:{REGION}:{owner}:prefix-list/{self.id}"
        out["PrefixListName"] = self.name
        if not self.aws_managed:
            out["MaxEntries"] = max(len(self.entries), 5 * ((len(self.entries) + 4) // 5))
            out["Version"] = 1
        out["Tags"] = [] if self.aws_managed else [{"Key": "Name", "Value": self.name}]
        out["OwnerId"] = "AWS" if self.aws_managed else OWNER
        return out

    def entries_json(self) -> Json:
        items: list[Json] = []
        for cidr, desc in self.entries:
            items.append({"Cidr": cidr, "Description": desc} if desc else {"Cidr": cidr})
        return {"Entries": items}


def prefix_lists(
    n: int, rng: random.Random, new_id: Callable[[str], str]
) -> list[PrefixList]:
    out: list[PrefixList] = []
    managed = list(AWS_MANAGED.items()) if n >= 4 else []
    for name, cidrs in managed:
        pl_id = f"pl-{rng.getrandbits(32):08x}"
        out.append(PrefixList(pl_id, name, "IPv4", [(c, "") for c in cidrs], aws_managed=True))
    for i in range(n - len(out)):
        base = PL_NAMES[i % len(PL_NAMES)]
        name = base if i < len(PL_NAMES) else f"{base}-{i // len(PL_NAMES) + 1}"
        family = "IPv6" if rng.random() < 0.15 else "IPv4"
        entries: list[tuple[str, str]] = []
        for k in range(rng.randint(1, 30)):
            if family == "IPv6":
                cidr = f"2001:db8:{rng.randrange(1 << 16):x}::/48"
            else:
                prefix = rng.choices([16, 22, 24, 28, 32], weights=[1, 2, 4, 2, 6])[0]
                cidr = _mask(f"{_public_octets(rng, 4)}", prefix)
            entries.append((cidr, f"{name} {k + 1}" if rng.random() < 0.6 else ""))
        out.append(PrefixList(new_id("pl"), name, family, sorted(set(entries))))
    return out


def _mask(ip: str, prefix: int) -> str:
    n = 0
    for part in ip.split("."):
        n = (n << 8) | int(part)
    n &= ((1 << 32) - 1) ^ ((1 << (32 - prefix)) - 1)
    return f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}/{prefix}"


# --- network ACLs ----------------------------------------------------------------------------


def nacl_entries(
    role: str, vpc_cidr: str, peer_cidr: str, ipv6: bool, rng: random.Random
) -> list[Json]:
    """10-20 entries for one subnet's NACL: role-specific allows, a few denies placed before
    the broad allows, ephemeral return ranges, and the mandatory 32767/32768 denies."""
    ingress: list[tuple[int, str, str, tuple[int, int] | None, str]] = []  # n, action, proto..
    egress: list[tuple[int, str, str, tuple[int, int] | None, str]] = []
    eph = (1024, 65535) if rng.random() < 0.7 else (32768, 65535)
    ingress.append((40, "deny", "-1", None, rng.choice(["192.0.2.0/24", "198.51.100.0/24"])))
    ingress.append((100, "allow", "-1", None, vpc_cidr))
    if peer_cidr:
        ingress.append((105, "allow", "-1", None, peer_cidr))
    if role == "public":
        ingress += [(80, "allow", "6", (22, 22), "10.0.0.0/8"),
                    (90, "deny", "6", (22, 22), "0.0.0.0/0"),
                    (95, "deny", "6", (3389, 3389), "0.0.0.0/0"),
                    (110, "allow", "6", (443, 443), "0.0.0.0/0"),
                    (120, "allow", "6", (80, 80), "0.0.0.0/0")]
    elif role == "data":
        ingress += [(80, "allow", "6", (22, 22), vpc_cidr),
                    (90, "deny", "6", (22, 22), "0.0.0.0/0")]
        if peer_cidr and rng.random() < 0.5:  # data kept from the peer (shadows rule 105)
            ingress.append((95, "deny", "-1", None, peer_cidr))
    else:
        ingress += [(110, "allow", "6", (22, 22), "10.0.0.0/8"),
                    (120, "allow", "17", (53, 53), "10.0.0.0/8")]
    ingress += [(130, "allow", "6", eph, "0.0.0.0/0"), (140, "allow", "17", eph, "0.0.0.0/0"),
                (150, "allow", "1", (3, 4), "0.0.0.0/0")]
    egress += [(100, "allow", "-1", None, vpc_cidr), (110, "allow", "6", (443, 443), "0.0.0.0/0"),
               (120, "allow", "6", (80, 80), "0.0.0.0/0"), (130, "allow", "6", eph, "0.0.0.0/0"),
               (140, "allow", "17", (123, 123), "0.0.0.0/0")]
    if peer_cidr:
        egress.append((105, "allow", "-1", None, peer_cidr))
    if role == "data" and rng.random() < 0.5:
        egress.insert(0, (90, "deny", "6", (25, 25), "0.0.0.0/0"))
    entries: list[Json] = []
    for egr, rules in ((True, egress), (False, ingress)):
        if ipv6:
            rules += [(101, "allow", "6", (443, 443), "::/0"), (131, "allow", "6", eph, "::/0")]
        rules += [(32767, "deny", "-1", None, "0.0.0.0/0")]
        if ipv6:
            rules.append((32768, "deny", "-1", None, "::/0"))
        for number, action, proto, ports, cidr in sorted(rules):
            entries.append(_nacl_entry(number, action, proto, ports, cidr, egr))
    return entries


def default_nacl_entries(ipv6: bool) -> list[Json]:
    entries: list[Json] = []
    for egr in (True, False):
        rows = [(100, "allow", "0.0.0.0/0")] + ([(101, "allow", "::/0")] if ipv6 else [])
        rows += [(32767, "deny", "0.0.0.0/0")] + ([(32768, "deny", "::/0")] if ipv6 else [])
        entries += [_nacl_entry(n, a, "-1", None, c, egr) for n, a, c in rows]
    return entries


def _nacl_entry(
    number: int, action: str, proto: str, ports: tuple[int, int] | None, cidr: str, egress: bool
) -> Json:
    entry: Json = {"Ipv6CidrBlock": cidr} if ":" in cidr else {"CidrBlock": cidr}
    entry["Egress"] = egress
    if proto == "1" and ports is not None:
        entry["IcmpTypeCode"] = {"Code": ports[1], "Type": ports[0]}
    elif ports is not None:
        entry["PortRange"] = {"From": ports[0], "To": ports[1]}
    entry.update(Protocol=proto, RuleAction=action, RuleNumber=number)
    return entry
