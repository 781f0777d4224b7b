"""Security groups of the synthetic estate, organised the way real estates are.

Every application has tier groups (web, app, db, sometimes cache) that reference each other by
group id; a few shared groups per VPC (default, bastion, monitoring, a public load balancer,
corporate access, backup, endpoints, logging, VPN, CI) are referenced by many. CIDR rules reuse
a pool of /8, /16, /24 and /32 networks; some rules use prefix lists, IPv6, ICMP, protocol -1
and ESP (50). After the structural rules, filler rules (or, for tiny estates, trimming) make
the rule count exactly the one asked for.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.aws_rules import SG, Peer, Pools, PrefixList, pl, rule_count, sg_ref, v4, v6

SHARED_ROLES = ["default", "bastion", "monitoring", "alb-public", "corp-access", "backup",
                "vpc-endpoints", "logging", "vpn", "ci-runners"]
TIER_PORTS = {"web": [443, 80], "app": [8080, 8443, 9000, 3000, 5000],
              "db": [5432, 3306, 1433, 27017], "cache": [6379, 11211]}
APP_WORDS = ["billing", "orders", "search", "catalog", "auth", "payments", "inventory", "reports",
             "media", "chat", "crm", "hr", "ledger", "etl", "api", "portal", "shipping",
             "pricing", "users", "notify", "fraud", "loyalty", "quotes", "claims", "tickets"]
COMMON_PORTS = [22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9090, 9100, 9200, 27017, 2049,
                3389, 25, 53, 123, 161, 514, 8000, 5601, 15672]


@dataclass
class Net:
    """What rules need to know about one VPC."""

    id: str
    cidr: str
    v6: str = ""  # the VPC's IPv6 /56, if any
    peer: str = ""  # peered VPC id
    pcx: str = ""
    peer_cidr: str = ""


@dataclass
class App:
    name: str
    vpc: str
    tiers: dict[str, SG]


def make_groups(
    sgs: int, vpcs: list[str], rng: random.Random, new_id: Callable[[str], str]
) -> tuple[dict[tuple[str, str], SG], list[App]]:
    """Shared groups (keyed by (vpc, role)) and applications, ``sgs`` groups in all."""
    if sgs < len(vpcs):
        raise ValueError(f"need at least {len(vpcs)} security groups (one default per VPC)")
    n_shared = max(len(vpcs), min(sgs // 3, max(len(vpcs) * 4, sgs // 50)))
    shared: dict[tuple[str, str], SG] = {}
    for i in range(n_shared):
        vpc, k = vpcs[i % len(vpcs)], i // len(vpcs)
        role = SHARED_ROLES[k] if k < len(SHARED_ROLES) else f"shared-svc-{k - 9}"
        desc = "default VPC security group" if role == "default" else f"shared: {role}"
        shared[(vpc, role)] = SG(new_id("sg"), role, vpc, desc, "shared", role)
    apps: list[App] = []
    left = sgs - n_shared
    weights = [0.5, 0.3, 0.2][: len(vpcs)]
    while left > 0:
        tiers = ["web", "app", "db"] + (["cache"] if rng.random() < 0.15 else [])
        tiers = tiers[:left]
        name = f"{APP_WORDS[len(apps) % len(APP_WORDS)]}-{len(apps) // len(APP_WORDS) + 1}"
        vpc = rng.choices(vpcs, weights=weights)[0]
        groups = {t: SG(new_id("sg"), f"{name}-{t}", vpc, f"{name} {t} tier", "tier", t, name)
                  for t in tiers}
        apps.append(App(name, vpc, groups))
        left -= len(tiers)
    return shared, apps


def build_rules(
    shared: dict[tuple[str, str], SG],
    apps: list[App],
    nets: dict[str, Net],
    lists: list[PrefixList],
    target: int,
    rng: random.Random,
) -> None:
    """Fill every group with rules; exactly ``target`` rules in all."""
    pools = Pools.make(rng, target, [n.cidr for n in nets.values()])
    corp = next((p for p in lists if p.name == "corp-offices"), None)
    s3 = next((p for p in lists if p.name.endswith(".s3")), None)
    for (vpc, role), g in shared.items():
        _shared_rules(g, role, nets[vpc], shared, corp, pools)
    by_vpc: dict[str, list[App]] = {}
    for app in apps:
        by_vpc.setdefault(app.vpc, []).append(app)
    for app in apps:
        net = nets[app.vpc]
        for tier, g in app.tiers.items():
            _tier_rules(g, tier, app, net, shared, corp, s3, rng)
            if tier in ("app", "db") and rng.random() < 0.2:  # a dependency on another app
                others = by_vpc.get(app.vpc, []) + (by_vpc.get(net.peer, []) if net.peer else [])
                other = rng.choice(others)
                src = other.tiers.get("app")
                if src is not None and src is not g:
                    port = TIER_PORTS[tier][0]
                    g.add(False, "tcp", port, port, sg_ref(src, app.vpc, net.pcx), other.name)
    groups = list(shared.values()) + [g for a in apps for g in a.tiers.values()]
    _fit(groups, target, pools, lists, nets, rng)


def _shared_rules(
    g: SG, role: str, net: Net, shared: dict[tuple[str, str], SG],
    corp: PrefixList | None, pools: Pools,
) -> None:
    office: Peer = pl(corp.id) if corp else v4("203.0.113.0/24")
    if role != "vpc-endpoints" and role != "alb-public":
        g.add(True, "-1", None, None, v4("0.0.0.0/0"))
    if role == "default":
        g.add(False, "-1", None, None, sg_ref(g))
        if net.v6:
            g.add(True, "-1", None, None, v6("::/0"))
    elif role == "bastion":
        g.add(False, "tcp", 22, 22, office, "offices")
        for host in pools.by_prefix[32][:3]:
            g.add(False, "tcp", 22, 22, v4(host), "admin")
        vpn = shared.get((g.vpc, "vpn"))
        if vpn is not None:
            g.add(False, "tcp", 22, 22, sg_ref(vpn))
    elif role == "monitoring":
        for port in (9090, 3000):
            g.add(False, "tcp", port, port, office)
            g.add(False, "tcp", port, port, v4("10.0.0.0/8"))
    elif role == "alb-public":
        for port in (443, 80):
            g.add(False, "tcp", port, port, v4("0.0.0.0/0"))
        if net.v6:
            g.add(False, "tcp", 443, 443, v6("::/0"))
        g.add(True, "-1", None, None, v4(net.cidr))
    elif role == "corp-access":
        for port in (22, 3389):
            g.add(False, "tcp", port, port, v4("10.0.0.0/8"), "corporate network")
        g.add(False, "tcp", 22, 22, v4("172.16.0.0/12"))
        g.add(False, "icmp", -1, -1, v4("10.0.0.0/8"))
    elif role == "vpc-endpoints":
        g.add(False, "tcp", 443, 443, v4(net.cidr))
        if net.peer_cidr:
            g.add(False, "tcp", 443, 443, v4(net.peer_cidr))
    elif role == "logging":
        g.add(False, "udp", 514, 514, v4(net.cidr))
        g.add(False, "tcp", 6514, 6514, v4(net.cidr))
        if net.peer_cidr:
            g.add(False, "udp", 514, 514, v4(net.peer_cidr))
    elif role == "vpn":
        for host in pools.by_prefix[32][3:6]:
            g.add(False, "udp", 500, 500, v4(host), "partner gateway")
            g.add(False, "udp", 4500, 4500, v4(host))
            g.add(False, "50", None, None, v4(host))
    elif role not in ("backup", "ci-runners"):
        port = COMMON_PORTS[len(role) % len(COMMON_PORTS)]
        for cidr in pools.by_prefix[24][:3]:
            g.add(False, "tcp", port, port, v4(cidr))


def _tier_rules(
    g: SG, tier: str, app: App, net: Net, shared: dict[tuple[str, str], SG],
    corp: PrefixList | None, s3: PrefixList | None, rng: random.Random,
) -> None:
    def sh(role: str) -> SG | None:
        return shared.get((app.vpc, role))

    bastion, mon, alb = sh("bastion"), sh("monitoring"), sh("alb-public")
    port = rng.choice(TIER_PORTS[tier])
    upstream = {"web": None, "app": "web", "db": "app", "cache": "app"}[tier]
    if tier == "web":
        if alb is not None and rng.random() < 0.4:
            g.add(False, "tcp", port, port, sg_ref(alb), "from the load balancer")
        else:
            g.add(False, "tcp", port, port, v4("0.0.0.0/0"))
            if net.v6 and rng.random() < 0.4:
                g.add(False, "tcp", port, port, v6("::/0"))
        if rng.random() < 0.2:
            g.add(False, "icmp", 3, 4, v4("0.0.0.0/0"), "path MTU discovery")
    else:
        src = app.tiers.get(upstream or "") or app.tiers.get("web")
        if src is not None and src is not g:
            g.add(False, "tcp", port, port, sg_ref(src), f"from {src.name}")
    if tier == "app" and rng.random() < 0.3:
        g.add(False, "-1", None, None, sg_ref(g), "cluster peers")
    if tier == "db":
        backup = sh("backup")
        if backup is not None:
            g.add(False, "tcp", port, port, sg_ref(backup), "backups")
        if corp is not None and rng.random() < 0.1:
            g.add(False, "tcp", port, port, pl(corp.id), "DBA access")
    if bastion is not None and (tier != "db" or rng.random() < 0.5):
        g.add(False, "tcp", 22, 22, sg_ref(bastion), "ssh from bastion")
    if mon is not None and rng.random() < 0.8:
        g.add(False, "tcp", 9100, 9100, sg_ref(mon), "node exporter")
    if rng.random() < 0.15:
        g.add(False, "icmp", 8, -1, v4("10.0.0.0/8"), "ping")
    if rng.random() < 0.85:
        g.add(True, "-1", None, None, v4("0.0.0.0/0"))
        if net.v6 and rng.random() < 0.5:
            g.add(True, "-1", None, None, v6("::/0"))
    else:  # restricted egress
        g.add(True, "tcp", 443, 443, v4("0.0.0.0/0"))
        if s3 is not None:
            g.add(True, "tcp", 443, 443, pl(s3.id))
        g.add(True, "udp", 53, 53, v4(net.cidr))
        db = app.tiers.get("db")
        if tier == "app" and db is not None:
            dbport = TIER_PORTS["db"][0]
            g.add(True, "tcp", dbport, dbport, sg_ref(db))


def _fit(
    groups: list[SG], target: int, pools: Pools, lists: list[PrefixList],
    nets: dict[str, Net], rng: random.Random,
) -> None:
    """Add filler rules (or drop random ones) until there are exactly ``target``."""
    have = rule_count(groups)
    if have > target:
        keys = [(g, k) for g in groups for k in g.rules]
        for g, k in rng.sample(keys, have - target):
            g.remove(k)
        return
    tiers = [g for g in groups if g.kind == "tier"] or groups
    by_vpc: dict[str, list[SG]] = {}
    for g in groups:
        by_vpc.setdefault(g.vpc, []).append(g)
    v4_lists = [p.id for p in lists if p.family == "IPv4"]
    v6_lists = [p.id for p in lists if p.family == "IPv6"]
    misses = 0
    while have < target:
        g = rng.choice(tiers) if rng.random() < 0.85 else rng.choice(groups)
        egress = rng.random() < 0.15
        r = rng.random()
        peer: Peer
        if r < 0.60:
            peer = v4(pools.cidr(rng))
        elif r < 0.68:
            peer = v6(rng.choice(pools.v6))
        elif r < 0.78 and v4_lists:
            peer = pl(rng.choice(v6_lists if v6_lists and rng.random() < 0.1 else v4_lists))
        else:
            net = nets[g.vpc]
            same = not net.peer or rng.random() < 0.85
            other = rng.choice(by_vpc[g.vpc] if same else by_vpc.get(net.peer, by_vpc[g.vpc]))
            peer = sg_ref(other, g.vpc, net.pcx)
        proto, lo, hi = _service(rng, peer)
        if g.add(egress, proto, lo, hi, peer):
            have += 1
            misses = 0
        else:
            misses += 1
            if misses > 100_000:
                raise ValueError(f"cannot place {target} rules in {len(groups)} groups")


def _service(rng: random.Random, peer: Peer) -> tuple[str, int | None, int | None]:
    r = rng.random()
    if r < 0.74:
        if rng.random() < 0.12:
            lo, hi = rng.choice([(1024, 65535), (8000, 8999), (30000, 32767), (0, 65535)])
            return "tcp", lo, hi
        port = rng.choice(COMMON_PORTS)
        return "tcp", port, port
    if r < 0.84:
        port = rng.choice([53, 123, 161, 514, 1194, 51820])
        return "udp", port, port
    if r < 0.90:
        if peer[0] == "v6":
            return "icmpv6", -1, -1
        return ("icmp", *rng.choice([(-1, -1), (8, -1), (3, 4), (0, -1)]))
    if r < 0.99:
        return "-1", None, None
    return "50", None, None
