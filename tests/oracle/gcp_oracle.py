"""A brute-force, per-packet GCP reachability oracle, written straight from the GCP docs.

It reads a snapshot folder's raw JSON (``gcloud ... --format=json`` lists or REST pages) with
:mod:`json` only and answers, for **one packet**, whether it gets from ``src`` to ``dst``. It
shares no code with ``pathwarden``: every verdict walks the raw rules of every tier, sorts them
on every call and tests membership with :mod:`ipaddress`. Slow on purpose.

The semantics are those of ``docs/gcp-semantics.md``; each check cites its source:

- [FW] compute/docs/reference/rest/v1/firewalls (priority, deny wins ties, sources OR'd,
  source tags/SAs = primary network interfaces of tagged VMs in the same network, targets,
  ports for tcp/udp/sctp only, disabled rules)
- [VPC] vpc/docs/firewalls (per-NIC enforcement, implied rules at 65535, metadata server
  always allowed, rules not shared across peerings)
- [ORD] firewall/docs/firewall-policies-rule-eval-order (hierarchical policies, org first, then
  folders; VPC rules and network policies in the network's enforcement order; goto_next)
- [FPR] FirewallPolicyRule (match.srcIpRanges/destIpRanges/layer4Configs, targetResources,
  targetServiceAccounts, actions allow/deny/goto_next)

The routing step (routes by tag and priority, peering routes, Cloud NAT, external IPs,
next-hop instances) is in :mod:`tests.oracle.gcp_routes`; :meth:`GcpOracle.verdict` says
which hop decided.

Endpoints are ``("nic", instance_name, nic_index, ip)`` or ``("outside", ip)``. ``port`` is the
destination port for TCP/UDP/SCTP, ``type * 256 + code`` for ICMP/ICMPv6, 0 otherwise.
"""

from __future__ import annotations

import ipaddress
import json
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from tests.oracle.gcp_routes import GcpRouting, Hop

Json = dict[str, Any]
METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd20:ce::254")}
NAMES = {"tcp": 6, "udp": 17, "icmp": 1, "esp": 50, "ah": 51, "sctp": 132, "ipip": 4}
PORTED = {6, 17, 132}  # [FW] ports: tcp, udp (and sctp)


@cache
def net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def tail(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def listed(path: Path, kind: str = "items") -> list[Json]:
    """A gcloud list, a REST page or an aggregated page; absent file = empty."""
    if not path.is_file():
        return []
    data = json.loads(path.read_text())
    if isinstance(data, dict):
        data = data.get("items", [])
        if isinstance(data, dict):
            out: list[Json] = []
            for bag in data.values():
                out.extend(bag.get(kind, []))
            return out
    return list(data)


class Verdict(NamedTuple):
    """One packet's fate and the hop that decided it ("" when allowed)."""

    allowed: bool
    reason: str
    trace: tuple[str, ...] = ()


class GcpOracle:
    def __init__(self, folder: Path, routes: bool = True) -> None:
        """``routes=False`` ignores the routing files (same network or an active peering)."""
        self.networks = {tail(n["selfLink"]): n for n in listed(folder / "networks.json")}
        self.instances = listed(folder / "instances.json", "instances")
        self.firewalls = listed(folder / "firewall-rules.json")
        self.net_policies = listed(folder / "network-firewall-policies.json")
        hier = listed(folder / "firewall-policies.json")
        # [ORD] organization policy first, then folders top-down (the file's order)
        self.hierarchy = [p for p in hier if self._org(p)] + [p for p in hier if not self._org(p)]
        self.routing = GcpRouting(folder, self, enabled=routes)
        self._ways: dict[tuple[tuple[Any, ...], tuple[Any, ...]], Hop] = {}

    @staticmethod
    def _org(policy: Json) -> bool:
        return any(a["attachmentTarget"].startswith("organizations/")
                   for a in policy.get("associations", []))

    def nic(self, name: str, index: int) -> tuple[Json, Json]:
        vm = next(i for i in self.instances if i["name"] == name)
        nic: Json = vm["networkInterfaces"][index]
        return vm, nic

    # -- the question --------------------------------------------------------------------------
    def allowed(self, src: tuple[Any, ...], dst: tuple[Any, ...], proto: int, port: int) -> bool:
        return self.verdict(src, dst, proto, port).allowed

    def way(self, src: tuple[Any, ...], dst: tuple[Any, ...]) -> Hop:
        """The routing step for one pair of ends (the same for every packet between them)."""
        if (src, dst) not in self._ways:
            a, b = ipaddress.ip_address(src[-1]), ipaddress.ip_address(dst[-1])
            self._ways[(src, dst)] = self.routing.way(src, dst, a, b)
        return self._ways[(src, dst)]

    def verdict(self, src: tuple[Any, ...], dst: tuple[Any, ...], proto: int,
                port: int) -> Verdict:
        s_ip, d_ip = ipaddress.ip_address(src[-1]), ipaddress.ip_address(dst[-1])
        if s_ip.version != d_ip.version:
            return Verdict(False, "address families differ")
        if d_ip in METADATA or s_ip in METADATA:  # [VPC] metadata server: never a path
            return Verdict(False, "metadata server")
        if src[0] == "nic" and dst[0] == "nic" and (src[1], src[2]) == (dst[1], dst[2]):
            return Verdict(False, "a NIC and itself")  # no movement path
        way = self.way(src, dst)  # the routing step (gcp_routes.py)
        if not way.ok:
            return Verdict(False, way.reason, way.trace)
        packet = (s_ip, d_ip, proto, port)
        if src[0] == "nic" and not self.decide(src[1], src[2], "EGRESS", packet):
            return Verdict(False, f"egress rules of {src[1]} nic{src[2]}", way.trace)
        for name, k in way.appliances:  # an appliance's own rules, original addresses
            for direction in ("INGRESS", "EGRESS"):
                if not self.decide(name, k, direction, packet):
                    return Verdict(False, f"{direction.lower()} rules of appliance {name}",
                                   way.trace)
        if dst[0] == "nic" and not self.decide(dst[1], dst[2], "INGRESS", packet):
            return Verdict(False, f"ingress rules of {dst[1]} nic{dst[2]}", way.trace)
        return Verdict(True, "", way.trace)

    # -- one NIC, one direction: tiers ---------------------------------------------------------
    def decide(self, name: str, index: int, direction: str, packet: tuple[Any, ...]) -> bool:
        vm, nic = self.nic(name, index)
        network = tail(nic["network"])
        region = tail(vm["zone"]).rsplit("-", 1)[0]
        tiers: list[list[Json]] = []
        for p in self.hierarchy:
            tiers.append([dict(r, _policy=True) for r in p.get("rules", [])])
        vpc = [r for r in self.firewalls if tail(r.get("network", "default")) == network]
        glob = [dict(r, _policy=True) for p in self.net_policies
                if "region" not in p and self._associated(p, network) for r in p["rules"]]
        reg = [dict(r, _policy=True) for p in self.net_policies
               if tail(p.get("region", "-")) == region and self._associated(p, network)
               for r in p["rules"]]
        order = self.networks.get(network, {}).get("networkFirewallPolicyEnforcementOrder")
        if order == "BEFORE_CLASSIC_FIREWALL":
            tiers += [glob, reg, vpc]
        else:
            tiers += [vpc, glob, reg]
        for rules in tiers:
            verdict = self._tier(rules, vm, nic, network, direction, packet)
            if verdict is not None:
                return verdict
        return direction == "EGRESS"  # [VPC] implied: allow egress, deny ingress

    @staticmethod
    def _associated(policy: Json, network: str) -> bool:
        return any(tail(a["attachmentTarget"]) == network for a in policy.get("associations", []))

    def _tier(self, rules: list[Json], vm: Json, nic: Json, network: str, direction: str,
              packet: tuple[Any, ...]) -> bool | None:
        hits = [r for r in rules
                if not r.get("disabled") and r.get("direction", "INGRESS") == direction
                and self._targets(r, vm, network) and self._matches(r, network, packet)]
        if not hits:
            return None  # nothing matched: the next tier decides [ORD]
        best = min(r.get("priority", 1000) for r in hits)
        actions = {self._action(r) for r in hits if r.get("priority", 1000) == best}
        if "deny" in actions:  # [FW] deny beats allow at equal priority
            return False
        if "allow" in actions:
            return True
        return None  # goto_next [FPR]

    @staticmethod
    def _action(rule: Json) -> str:
        if "_policy" in rule:
            return str(rule["action"])
        return "deny" if rule.get("denied") else "allow"

    @staticmethod
    def _targets(rule: Json, vm: Json, network: str) -> bool:
        sa = (vm.get("serviceAccounts") or [{}])[0].get("email", "")
        if "_policy" in rule:  # [FPR] targetResources AND targetServiceAccounts
            res = rule.get("targetResources") or []
            if res and network not in {tail(r) for r in res}:
                return False
            sas = rule.get("targetServiceAccounts") or []
            return not sas or sa in sas
        tags = set(vm.get("tags", {}).get("items", []))
        ttags, tsas = rule.get("targetTags") or [], rule.get("targetServiceAccounts") or []
        if not ttags and not tsas:
            return True  # [FW] no target: every instance of the network
        return bool(tags & set(ttags)) or sa in tsas

    def _matches(self, rule: Json, network: str, packet: tuple[Any, ...]) -> bool:
        s_ip, d_ip, proto, port = packet
        if "_policy" in rule:
            m = rule.get("match", {})
            if not any(self._l4(c.get("ipProtocol"), c.get("ports"), proto, port)
                       for c in m.get("layer4Configs", [])):
                return False
            src, dst = m.get("srcIpRanges") or [], m.get("destIpRanges") or []
            return (not src or any(s_ip in net(r) for r in src)) and (
                not dst or any(d_ip in net(r) for r in dst))
        entries = rule.get("allowed") or rule.get("denied") or []
        if not any(self._l4(e.get("IPProtocol"), e.get("ports"), proto, port) for e in entries):
            return False
        ranges = rule.get("sourceRanges") or []
        dests = rule.get("destinationRanges") or []
        if rule.get("direction", "INGRESS") == "INGRESS":
            tags, sas = rule.get("sourceTags") or [], rule.get("sourceServiceAccounts") or []
            if not ranges and not tags and not sas:
                ranges = ["0.0.0.0/0"]
            src_ok = any(s_ip in net(r) for r in ranges) or self._from_primary(
                s_ip, network, tags, sas)  # [FW] sources are OR'd
            return src_ok and (not dests or any(d_ip in net(r) for r in dests))
        dests = dests or ["0.0.0.0/0"]
        return any(d_ip in net(r) for r in dests) and (
            not ranges or any(s_ip in net(r) for r in ranges))

    def _from_primary(self, ip: Any, network: str, tags: list[str], sas: list[str]) -> bool:
        """[FW] the primary network interface of a VM with the tag/SA, in the same network."""
        if not tags and not sas:
            return False
        for vm in self.instances:
            nic0 = vm["networkInterfaces"][0]
            if tail(nic0["network"]) != network:
                continue
            sa = (vm.get("serviceAccounts") or [{}])[0].get("email", "")
            if not (set(vm.get("tags", {}).get("items", [])) & set(tags) or sa in sas):
                continue
            ips = {nic0.get("networkIP"), nic0.get("ipv6Address")}
            if any(a and ipaddress.ip_address(a) == ip for a in ips):
                return True
        return False

    @staticmethod
    def _l4(name: Any, ports: Any, proto: int, port: int) -> bool:
        text = str(name).lower()
        if text == "all":
            return True
        number = NAMES.get(text, int(text) if text.isdigit() else -1)
        if number != proto:
            return False
        if proto not in PORTED or not ports:
            return True
        for p in ports:
            lo, _, hi = str(p).partition("-")
            if int(lo) <= port <= int(hi or lo):
                return True
        return False
