"""A brute-force, per-packet Azure reachability oracle, written straight from the Azure docs.

It reads a snapshot folder's raw JSON (``az network ... list -o json`` or ARM REST list pages)
with :mod:`json` only and answers, for **one packet**, whether it gets from ``src`` to ``dst``.
It shares no code with ``pathwarden``: every verdict walks the raw rules, sorts them on every
call and tests membership with :mod:`ipaddress`. Slow on purpose.

The semantics are those of ``docs/azure-semantics.md``; each check cites its source:

- [HOW] network-security-group-how-it-works.md (inbound: subnet NSG then NIC NSG; outbound:
  NIC NSG then subnet NSG; both must allow; intra-subnet traffic included; no NSG = allow)
- [OVR] network-security-groups-overview.md (priority order, first match; default rules;
  168.63.129.16 and 169.254.169.254 are not subject to NSGs)
- [TAG] service-tags-overview.md (VirtualNetwork, Internet, AzureLoadBalancer)
- [ASG] application-security-groups.md (membership per NIC IP configuration)
- [AVNM] virtual-network-manager/concept-security-admins.md (admin rules first; Deny and
  AlwaysAllow terminate; Allow continues to the NSGs)
- [SPEC] networkSecurityGroup.json (field names, singular/plural alternatives)

The routing step (user-defined and system routes, peering routes, appliances, public IPs) is in
:mod:`tests.oracle.azure_routes`; :meth:`AzureOracle.verdict` says which hop decided.

Endpoints are ``("nic", nic_id, ip)`` or ``("outside", ip)``. ``port`` is the destination port
for TCP/UDP, ``type * 256 + code`` for ICMP/ICMPv6, 0 otherwise.
"""

from __future__ import annotations

import ipaddress
import json
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from tests.oracle.azure_routes import AzureRouting, Hop

Json = dict[str, Any]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
TCP, UDP, ICMP, ICMPV6, ESP, AH = 6, 17, 1, 58, 50, 51
HOST_VIP = "168.63.129.16"
PLATFORM = {ipaddress.ip_address(HOST_VIP), ipaddress.ip_address("169.254.169.254")}  # [OVR]
DEFAULTS = [  # [OVR] § Default security rules
    ("Inbound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow"),
    ("Inbound", 65001, "AzureLoadBalancer", "*", "Allow"),
    ("Inbound", 65500, "*", "*", "Deny"),
    ("Outbound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow"),
    ("Outbound", 65001, "*", "Internet", "Allow"),
    ("Outbound", 65500, "*", "*", "Deny"),
]


def p(obj: Json) -> Json:
    """REST nests fields in ``properties``; the az CLI flattens them."""
    inner = obj.get("properties")
    return inner if isinstance(inner, dict) else obj


def low(text: str | None) -> str:
    return (text or "").lower()


@cache
def net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def in_prefix(ip: IPAddress, prefix: str) -> bool:
    n = net(prefix)
    return n.version == ip.version and ip in n


def listing(path: Path) -> list[Json]:
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    if isinstance(data, dict):
        data = data["value"]
    return list(data)


class Verdict(NamedTuple):
    """One packet's fate and the hop that decided it ("" when allowed)."""

    allowed: bool
    reason: str
    trace: tuple[str, ...] = ()


class AzureOracle:
    def __init__(self, folder: str | Path, routes: bool = True) -> None:
        """``routes=False`` ignores the routing files (same VNet or a connected peering)."""
        self.folder = Path(folder)
        self.vnets = {low(v["id"]): v for v in listing(self.folder / "network-vnet-list.json")}
        self.nics = {low(n["id"]): n for n in listing(self.folder / "network-nic-list.json")}
        self.nsgs = {low(n["id"]): n for n in listing(self.folder / "network-nsg-list.json")}
        self.tags: dict[str, list[str]] = {}
        tags_file = self.folder / "network-service-tags.json"
        if tags_file.exists():
            for t in json.loads(tags_file.read_text())["values"]:
                self.tags[low(t["name"])] = p(t).get("addressPrefixes") or []
        self.admin: dict[str, list[Json]] = {}
        for vid, v in self.vnets.items():
            rg = vid.split("/resourcegroups/")[1].split("/")[0]
            f = self.folder / "network-manager-effective-admin-rules" / rg / f"{v['name']}.json"
            if f.exists():
                self.admin[vid] = listing(f)
        self.routing = AzureRouting(self.folder, self, enabled=routes)
        self._ways: dict[tuple[tuple[str, ...], tuple[str, ...]], Hop] = {}

    # ------------------------------------------------------------------ facts
    def nic_ips(self, nic_id: str) -> list[str]:
        return [p(c)["privateIPAddress"] for c in p(self.nics[low(nic_id)])["ipConfigurations"]]

    def nic_subnet(self, nic: Json) -> str:
        return low(p(p(nic)["ipConfigurations"][0])["subnet"]["id"])

    def nic_vnet(self, nic: Json) -> str:
        return self.nic_subnet(nic).split("/subnets/")[0]

    def subnet(self, subnet_id: str) -> Json | None:
        for v in self.vnets.values():
            for s in p(v).get("subnets", []):
                if low(s["id"]) == subnet_id:
                    found: Json = s
                    return found
        return None

    def connected_peers(self, vnet_id: str) -> set[str]:
        """Peerings whose state is Connected and that allow VNet access (either side lists)."""
        out: set[str] = set()
        for vid, v in self.vnets.items():
            for pe in p(v).get("virtualNetworkPeerings", []):
                pp = p(pe)
                if pp.get("peeringState") != "Connected":
                    continue
                if pp.get("allowVirtualNetworkAccess") is False:
                    continue
                remote = low(pp["remoteVirtualNetwork"]["id"])
                if vid == vnet_id:
                    out.add(remote)
                if remote == vnet_id:
                    out.add(vid)
        return out

    def virtual_network(self, vnet_id: str, ip: IPAddress) -> bool:
        """[TAG]: the VNet's address space, connected peered VNets, the host virtual IP."""
        if ip == ipaddress.ip_address(HOST_VIP):
            return True
        for vid in {vnet_id} | self.connected_peers(vnet_id):
            v = self.vnets.get(vid)
            if v is None:
                continue
            for prefix in p(v)["addressSpace"]["addressPrefixes"]:
                if in_prefix(ip, prefix):
                    return True
        return False

    def in_asg(self, asg_id: str, ip: IPAddress) -> bool:
        """[ASG]: membership is per IP configuration."""
        for nic in self.nics.values():
            for c in p(nic)["ipConfigurations"]:
                cp = p(c)
                groups = [low(g["id"]) for g in cp.get("applicationSecurityGroups") or []]
                if low(asg_id) in groups and ipaddress.ip_address(cp["privateIPAddress"]) == ip:
                    return True
        return False

    # ------------------------------------------------------------------ matching
    def address_matches(self, text: str, ip: IPAddress, vnet_id: str) -> bool:
        t = text.strip()
        if t.lower() in ("*", "any"):
            return True
        if t.lower() == "virtualnetwork":
            return self.virtual_network(vnet_id, ip)
        if t.lower() == "internet":
            return not self.virtual_network(vnet_id, ip)
        if t.lower() in self.tags:  # the service-tags file [TAG]
            return any(in_prefix(ip, x) for x in self.tags[t.lower()])
        if t.lower() == "azureloadbalancer":
            return ip == ipaddress.ip_address(HOST_VIP)
        try:
            return in_prefix(ip, t)
        except ValueError:
            return False  # another service tag: its prefixes are not known

    @staticmethod
    def ports_of(items: list[str]) -> list[tuple[int, int]] | None:
        """[SPEC] "Integer or range between 0 and 65535. Asterisk '*' ... all ports".
        None = every port (also when the ranges together cover 0-65535)."""
        out: list[tuple[int, int]] = []
        for item in items:
            for part in item.split(","):
                part = part.strip()
                if part in ("*", ""):
                    return None
                first, _, last = part.partition("-")
                out.append((int(first), int(last or first)))
        if not out:
            return None
        covered = -1
        for lo, hi in sorted(out):
            if lo > covered + 1:
                return out
            covered = max(covered, hi)
        return None if covered >= 65535 else out

    def service_matches(
        self,
        protocol: str,
        dst_ports: list[str],
        src_ports: list[str],
        deny: bool,
        proto: int,
        port: int,
    ) -> bool:
        prot = protocol.lower()
        wanted = {"tcp": {TCP}, "udp": {UDP}, "icmp": {ICMP, ICMPV6}, "esp": {ESP}, "ah": {AH}}
        dports = self.ports_of(dst_ports)
        if prot in ("*", "any"):
            if dports is not None and proto not in (TCP, UDP):
                return False  # specific ports: only TCP and UDP have ports
        elif proto not in wanted[prot]:
            return False
        if (
            proto in (TCP, UDP)
            and dports is not None
            and not any(lo <= port <= hi for lo, hi in dports)
        ):
            return False
        # Source ports: the client picks its own. A deny restricted to some source ports can be
        # dodged by picking another; an allow restricted to some can be met by picking one.
        restricted = self.ports_of(src_ports) is not None
        return not (deny and proto in (TCP, UDP) and restricted)

    def nsg_rules(self, nsg: Json, direction: str) -> list[Json]:
        pp = p(nsg)
        rules = [p(r) for r in pp.get("securityRules") or []]
        defaults = [p(r) for r in pp.get("defaultSecurityRules") or []]
        if not defaults:  # the defaults "cannot be removed" [OVR]
            defaults = [
                {
                    "direction": d,
                    "priority": pr,
                    "sourceAddressPrefix": s,
                    "destinationAddressPrefix": t,
                    "access": a,
                    "protocol": "*",
                    "sourcePortRange": "*",
                    "destinationPortRange": "*",
                }
                for d, pr, s, t, a in DEFAULTS
            ]
        mine = [r for r in rules + defaults if r["direction"] == direction]
        return sorted(mine, key=lambda r: r["priority"])

    @staticmethod
    def both(r: Json, one: str, many: str) -> list[str]:
        out = list(r.get(many) or [])
        if r.get(one):
            out.append(r[one])
        return out

    def nsg_allows(
        self,
        nsg: Json,
        direction: str,
        a: IPAddress,
        b: IPAddress,
        proto: int,
        port: int,
        vnet_id: str,
    ) -> bool:
        """[OVR]: "lower numbers processed before higher numbers ... Once traffic matches a
        rule, processing stops"."""
        for r in self.nsg_rules(nsg, direction):
            deny = r["access"] == "Deny"
            if not self.service_matches(
                r["protocol"],
                self.both(r, "destinationPortRange", "destinationPortRanges"),
                self.both(r, "sourcePortRange", "sourcePortRanges"),
                deny,
                proto,
                port,
            ):
                continue
            if not self.side_matches(r, "source", a, vnet_id):
                continue
            if not self.side_matches(r, "destination", b, vnet_id):
                continue
            return not deny
        return False

    def side_matches(self, r: Json, side: str, ip: IPAddress, vnet_id: str) -> bool:
        prefixes = self.both(r, f"{side}AddressPrefix", f"{side}AddressPrefixes")
        asgs = [g["id"] for g in r.get(f"{side}ApplicationSecurityGroups") or []]
        if not prefixes and not asgs:
            return True
        if any(self.address_matches(t, ip, vnet_id) for t in prefixes):
            return True
        return any(self.in_asg(g, ip) for g in asgs)

    def admin_verdict(
        self, vnet_id: str, direction: str, a: IPAddress, b: IPAddress, proto: int, port: int
    ) -> str:
        """[AVNM]: 'always' or 'deny' end the evaluation; 'next' goes on to the NSGs.
        Equal priorities: Deny before AlwaysAllow before Allow (docs/azure-semantics.md)."""
        rank = {"Deny": 0, "AlwaysAllow": 1, "Allow": 2}
        rules = [p(r) for r in self.admin.get(vnet_id, []) if p(r)["direction"] == direction]
        for r in sorted(rules, key=lambda r: (r["priority"], rank[r["access"]])):
            deny = r["access"] == "Deny"
            if not self.service_matches(
                r["protocol"],
                r.get("destinationPortRanges") or [],
                r.get("sourcePortRanges") or [],
                deny,
                proto,
                port,
            ):
                continue
            srcs = [s["addressPrefix"] for s in r.get("sources") or []]
            dsts = [s["addressPrefix"] for s in r.get("destinations") or []]
            if srcs and not any(self.address_matches(t, a, vnet_id) for t in srcs):
                continue
            if dsts and not any(self.address_matches(t, b, vnet_id) for t in dsts):
                continue
            return {"Deny": "deny", "AlwaysAllow": "always", "Allow": "next"}[r["access"]]
        return "next"

    def chain_allows(
        self, nic: Json, direction: str, a: IPAddress, b: IPAddress, proto: int, port: int
    ) -> bool:
        vnet = self.nic_vnet(nic)
        verdict = self.admin_verdict(vnet, direction, a, b, proto, port)
        if verdict != "next":
            return verdict == "always"
        subnet = self.subnet(self.nic_subnet(nic))
        nic_nsg = (p(nic).get("networkSecurityGroup") or {}).get("id")
        sub_nsg = (p(subnet).get("networkSecurityGroup") or {}).get("id") if subnet else None
        levels = [nic_nsg, sub_nsg] if direction == "Outbound" else [sub_nsg, nic_nsg]  # [HOW]
        for nsg_id in levels:
            if nsg_id is None or low(nsg_id) not in self.nsgs:
                continue  # no NSG at this level: it allows [HOW]
            if not self.nsg_allows(self.nsgs[low(nsg_id)], direction, a, b, proto, port, vnet):
                return False
        return True

    # ------------------------------------------------------------------ the verdict
    def allowed(self, src: tuple[str, ...], dst: tuple[str, ...], proto: int, port: int) -> bool:
        return self.verdict(src, dst, proto, port).allowed

    def way(self, src: tuple[str, ...], dst: tuple[str, ...]) -> Hop:
        """The routing step for one pair of ends (the same for every packet between them)."""
        key = (src, dst)
        if key not in self._ways:
            src_nic = self.nics[low(src[1])] if src[0] == "nic" else None
            dst_nic = self.nics[low(dst[1])] if dst[0] == "nic" else None
            a, b = ipaddress.ip_address(src[-1]), ipaddress.ip_address(dst[-1])
            self._ways[key] = self.routing.way(src_nic, dst_nic, a, b)
        return self._ways[key]

    def verdict(
        self, src: tuple[str, ...], dst: tuple[str, ...], proto: int, port: int
    ) -> Verdict:
        a, b = ipaddress.ip_address(src[-1]), ipaddress.ip_address(dst[-1])
        if a.version != b.version:
            return Verdict(False, "address families differ")
        if src[0] == "nic" and dst[0] == "nic" and low(src[1]) == low(dst[1]):
            return Verdict(False, "a workload and itself")  # not a movement path
        if a in PLATFORM or b in PLATFORM:
            return Verdict(False, "platform address")  # [OVR] not subject to NSGs
        src_nic = self.nics[low(src[1])] if src[0] == "nic" else None
        dst_nic = self.nics[low(dst[1])] if dst[0] == "nic" else None
        way = self.way(src, dst)  # the routing step (azure_routes.py)
        if not way.ok:
            return Verdict(False, way.reason, way.trace)
        if src_nic is not None and not self.chain_allows(src_nic, "Outbound", a, b, proto, port):
            return Verdict(False, f"outbound chain of {src_nic['name']}", way.trace)
        for box in way.appliances:  # an appliance's own chains, original addresses
            nic = self.nics[box]
            for direction in ("Inbound", "Outbound"):
                if not self.chain_allows(nic, direction, a, b, proto, port):
                    return Verdict(False, f"{direction.lower()} chain of appliance "
                                          f"{nic['name']}", way.trace)
        if dst_nic is not None and not self.chain_allows(dst_nic, "Inbound", a, b, proto, port):
            return Verdict(False, f"inbound chain of {dst_nic['name']}", way.trace)
        return Verdict(True, "", way.trace)
