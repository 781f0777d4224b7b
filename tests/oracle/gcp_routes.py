"""The routing step of the brute-force GCP oracle, from the Google Cloud docs and the spec.

Raw JSON only (no pathwarden code). Per lookup it gathers the routes of the NIC's network that
apply to the instance (no tags, or a shared network tag), adds the peering routes, and picks
the most specific, then the lowest priority. Sources:

- [RT] https://cloud.google.com/vpc/docs/routes ("Applicability and order": routes apply to
  instances by network tags, most specific destination first, then priority; subnet routes and
  the default route to the default internet gateway; next hops instance and IP)
- [PEER] https://cloud.google.com/vpc/docs/vpc-peering (subnet routes are always exchanged;
  custom static routes only with exportCustomRoutes on one side and importCustomRoutes on the
  other; routes with network tags and default-internet-gateway routes are never exchanged)
- [NAT] https://cloud.google.com/nat/docs/overview (Cloud NAT serves outbound connections of
  the subnets it is configured for, in its region; it never lets a connection in)
- [EIP] https://cloud.google.com/compute/docs/ip-addresses (an access config's natIP lets the
  NIC talk to and be reached from the internet)
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

Json = dict[str, Any]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
INTERNET = "default-internet-gateway"
GATEWAY_HOPS = ("nextHopVpnTunnel", "nextHopInterconnectAttachment", "nextHopHub")


@cache
def _net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def _tail(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _contains(cidr: str, ip: IPAddress) -> bool:
    n = _net(cidr)
    return n.version == ip.version and ip in n


@dataclass(frozen=True)
class Route:
    """One applicable route: ``kind`` local, peering (``target`` the peer network; ``outside``
    True for an imported custom route: it only leads out), internet, gateway, appliance
    (``target`` an instance URL or an address); ``subnet`` ranks subnet and peering subnet
    routes above custom routes of the same prefix."""

    name: str
    dest: str
    kind: str
    priority: int
    target: str = ""
    subnet: bool = False
    outside: bool = False


@dataclass(frozen=True)
class Hop:
    ok: bool
    reason: str = ""
    appliances: tuple[tuple[str, int], ...] = ()  # (instance, NIC index) crossed forward
    trace: tuple[str, ...] = ()


def _listed(path: Path, kind: str = "items") -> list[Json] | None:
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    if isinstance(data, dict):
        data = data.get("items", [])
        if isinstance(data, dict):
            out: list[Json] = []
            for bag in data.values():
                out.extend(bag.get(kind, []))
            return out
    return list(data)


class GcpRouting:
    def __init__(self, folder: Path, oracle: Any, enabled: bool = True) -> None:
        self.o = oracle  # GcpOracle: networks, instances, nic()
        routes = _listed(folder / "routes.json")
        self.enabled = enabled and routes is not None
        self.routes = routes or []
        self.subnets = _listed(folder / "subnets.json") or []
        self.routers = _listed(folder / "routers.json", "routers") or []

    def routed(self, network: str) -> bool:
        return self.enabled and network in self.o.networks

    # ------------------------------------------------------------------ routes of a NIC
    def _kind(self, r: Json, network: str) -> tuple[str, str]:
        if r.get("nextHopGateway"):
            return "internet", _tail(r["nextHopGateway"])
        if r.get("nextHopPeering"):
            for p in self.o.networks[network].get("peerings", []):
                if p["name"] == r["nextHopPeering"]:
                    return "peering", _tail(p["network"])
            return "peering", ""
        if r.get("nextHopNetwork"):
            other = _tail(r["nextHopNetwork"])
            return ("local", other) if other == network else ("peering", other)
        if r.get("nextHopInstance"):
            return "appliance", r["nextHopInstance"]
        if r.get("nextHopIp"):
            return "appliance", r["nextHopIp"]
        for f in GATEWAY_HOPS:
            if r.get(f):
                return "gateway", r[f]
        return ("local", network) if r.get("routeType") == "SUBNET" else ("gateway", "")

    def _peering(self, network: str, peer: str) -> Json | None:
        for p in self.o.networks.get(network, {}).get("peerings", []):
            if _tail(p["network"]) == peer:
                found: Json = p
                return found
        return None

    def applicable(self, vm: Json, network: str) -> list[Route]:
        """[RT] the network's routes that apply to the instance, plus [PEER] the peers'
        subnet ranges and the custom routes imported from them."""
        tags = set(vm.get("tags", {}).get("items", []))
        out: list[Route] = []
        for r in self.routes:
            if _tail(r["network"]) != network or r.get("routeStatus", "ACTIVE") != "ACTIVE":
                continue
            if r.get("tags") and not tags & set(r["tags"]):
                continue
            kind, target = self._kind(r, network)
            out.append(Route(r["name"], r["destRange"], kind, int(r.get("priority", 1000)),
                             target, subnet=kind in ("local", "peering")))
        for p in self.o.networks.get(network, {}).get("peerings", []):
            if p.get("state", "ACTIVE") != "ACTIVE":
                continue
            peer = _tail(p["network"])
            for s in self.subnets:
                if _tail(s["network"]) != peer:
                    continue
                for key in ("ipCidrRange", "ipv6CidrRange"):
                    if s.get(key):
                        out.append(Route(f"peering {p['name']}: {s[key]}", s[key], "peering",
                                         0, peer, subnet=True))
            back = self._peering(peer, network)
            if not (p.get("importCustomRoutes") and back and back.get("exportCustomRoutes")):
                continue
            for r in self.routes:
                if (_tail(r["network"]) != peer or r.get("tags") or r.get("nextHopGateway")
                        or r.get("routeStatus", "ACTIVE") != "ACTIVE"):
                    continue
                kind, _ = self._kind(r, peer)
                if kind in ("local", "peering"):
                    continue  # subnet and peering routes: not custom static routes
                out.append(Route(f"imported {r['name']}", r["destRange"], "peering",
                                 int(r.get("priority", 1000)), peer, outside=True))
        return out

    @staticmethod
    def lookup(routes: list[Route], ip: IPAddress) -> Route | None:
        """[RT] most specific destination; subnet (and peering subnet) routes before custom
        routes of the same prefix; then the lowest priority value."""
        best: Route | None = None
        best_key = (-1, -1, 0)
        for r in routes:
            if _contains(r.dest, ip):
                key = (_net(r.dest).prefixlen, 1 if r.subnet else 0, -r.priority)
                if key > best_key:
                    best, best_key = r, key
        return best

    # ------------------------------------------------------------------ exposure
    def nat_serves(self, vm: Json, nic: Json) -> bool:
        """[NAT] a public Cloud NAT of the NIC's network in the NIC's region serving its
        subnet (every subnet, or the listed ones)."""
        network = _tail(nic["network"])
        region = _tail(nic["subnetwork"].split("/subnetworks/")[0])
        subnet = _tail(nic["subnetwork"])
        for router in self.routers:
            if _tail(router["network"]) != network or _tail(router.get("region", "")) != region:
                continue
            for nat in router.get("nats", []):
                if nat.get("type", "PUBLIC") != "PUBLIC":
                    continue
                scope = nat.get("sourceSubnetworkIpRangesToNat", "ALL_SUBNETWORKS_ALL_IP_RANGES")
                if scope != "LIST_OF_SUBNETWORKS":
                    return True
                if any(_tail(s["name"]) == subnet for s in nat.get("subnetworks", [])):
                    return True
        return False

    @staticmethod
    def external(nic: Json, version: int) -> bool:
        """[EIP] an external address of that family on the NIC."""
        if version == 4:
            return any(c.get("natIP") for c in nic.get("accessConfigs", []))
        return any(c.get("externalIpv6") for c in nic.get("ipv6AccessConfigs", []))

    def appliance(self, target: str, network: str) -> tuple[Json, int] | None:
        """The NIC in ``network`` of the instance a route names, or that holds the address."""
        for vm in self.o.instances:
            for k, nic in enumerate(vm["networkInterfaces"]):
                if _tail(nic["network"]) != network:
                    continue
                if target.startswith("http") or "/instances/" in target:
                    if _tail(target) == vm["name"]:
                        return vm, k
                elif target in (nic.get("networkIP"), nic.get("ipv6Address")):
                    return vm, k
        return None

    # ------------------------------------------------------------------ lookups
    def forward(self, vm: Json, k: int, d: IPAddress, dst: tuple[Json, Json] | None,
                src: Json, via: bool = False) -> Hop:
        nic = vm["networkInterfaces"][k]
        network = _tail(nic["network"])
        r = self.lookup(self.applicable(vm, network), d)
        if r is None:
            return Hop(False, f"no-route in {network} for {d} ({vm['name']})")
        step = f"route {r.name}: {r.dest} -> {r.kind} {_tail(r.target)}".rstrip()
        trace: tuple[str, ...] = (step,)
        dst_net = _tail(dst[1]["network"]) if dst is not None else None
        if r.kind == "local":
            if dst is None or dst_net == network:
                return Hop(True, trace=trace)
            return Hop(False, f"{step}: {d} is in {dst_net}", trace=trace)
        if r.kind == "peering":
            p = self._peering(network, r.target)
            if p is None or p.get("state", "ACTIVE") != "ACTIVE":
                return Hop(False, f"{step}: the peering is not active", trace=trace)
            if dst is None or (dst_net == r.target and not r.outside):
                return Hop(True, trace=trace)
            return Hop(False, f"{step}: does not lead to {d} ({dst_net})", trace=trace)
        if r.kind in ("internet", "gateway"):
            if dst is not None:
                return Hop(False, f"{step}: leaves the network, but {d} is a NIC", trace=trace)
            if r.kind == "internet":
                if d.version == 4 and not (self.external(src, 4) or self.nat_serves(vm, src)):
                    return Hop(False, f"{step}: the source NIC has no external IPv4 and no "
                                      "Cloud NAT serves its subnet", trace=trace)
                if d.version == 6 and not self.external(src, 6):
                    return Hop(False, f"{step}: the source NIC has no external IPv6",
                               trace=trace)
            return Hop(True, trace=trace)
        box = self.appliance(r.target, network)
        if box is None:
            return Hop(False, f"{step}: no such instance in {network}", trace=trace)
        bvm, bk = box
        if dst is not None and bvm["name"] == dst[0]["name"]:
            return Hop(True, trace=trace)  # addressed to the appliance itself
        if via:
            return Hop(True, trace=(*trace, "appliance-chain"))
        if not bvm.get("canIpForward"):
            return Hop(False, f"{step}: {bvm['name']} does not forward (canIpForward off)",
                       trace=trace)
        onward = self.forward(bvm, bk, d, dst, src, via=True)
        trace = (*trace, *(f"appliance {bvm['name']}: {t}" for t in onward.trace))
        if not onward.ok:
            return Hop(False, f"after appliance {bvm['name']}: {onward.reason}", trace=trace)
        return Hop(True, appliances=((bvm["name"], bk), *onward.appliances), trace=trace)

    def reply(self, vm: Json, k: int, s: IPAddress, src: tuple[Json, Json] | None,
              dst_nic: Json, via: bool = False) -> Hop:
        nic = vm["networkInterfaces"][k]
        network = _tail(nic["network"])
        r = self.lookup(self.applicable(vm, network), s)
        if r is None:
            return Hop(False, f"return no-route in {network} for {s} ({vm['name']})")
        step = f"return route {r.name}: {r.dest} -> {r.kind} {_tail(r.target)}".rstrip()
        trace: tuple[str, ...] = (step,)
        src_net = _tail(src[1]["network"]) if src is not None else None
        if r.kind == "local":
            if src is None or src_net == network:
                return Hop(True, trace=trace)
            return Hop(False, f"{step}: the source is in {src_net}", trace=trace)
        if r.kind == "peering":
            p = self._peering(network, r.target)
            if p is None or p.get("state", "ACTIVE") != "ACTIVE":
                return Hop(False, f"{step}: the peering is not active", trace=trace)
            if src is None or (src_net == r.target and not r.outside):
                return Hop(True, trace=trace)
            return Hop(False, f"{step}: does not lead to the source ({src_net})", trace=trace)
        if r.kind in ("internet", "gateway"):
            if src is not None:
                return Hop(False, f"{step}: the source is a NIC", trace=trace)
            if r.kind == "internet" and not self.external(dst_nic, s.version):
                return Hop(False, f"{step}: no external IPv{s.version} on the destination "
                                  "NIC (Cloud NAT is outbound only)", trace=trace)
            return Hop(True, trace=trace)
        box = self.appliance(r.target, network)
        if box is None:
            return Hop(False, f"{step}: no such instance in {network}", trace=trace)
        bvm, bk = box
        if src is not None and bvm["name"] == src[0]["name"]:
            return Hop(True, trace=trace)
        if via:
            return Hop(False, f"{step}: a second appliance on the return way", trace=trace)
        if not bvm.get("canIpForward"):
            return Hop(False, f"{step}: {bvm['name']} does not forward", trace=trace)
        back = self.reply(bvm, bk, s, src, dst_nic, via=True)
        trace = (*trace, *(f"appliance {bvm['name']}: {t}" for t in back.trace))
        if not back.ok:
            return Hop(False, f"return after appliance {bvm['name']}: {back.reason}",
                       trace=trace)
        return Hop(True, trace=trace)

    def way(self, src: tuple[Any, ...], dst: tuple[Any, ...], a: IPAddress,
            b: IPAddress) -> Hop:
        """``src``/``dst``: ("nic", instance, index, ip) or ("outside", ip)."""
        s_end = self.o.nic(src[1], src[2]) if src[0] == "nic" else None
        d_end = self.o.nic(dst[1], dst[2]) if dst[0] == "nic" else None
        fwd = Hop(True)
        if s_end is not None:
            network = _tail(s_end[1]["network"])
            if self.routed(network):
                fwd = self.forward(s_end[0], src[2], b, d_end, s_end[1])
                if not fwd.ok:
                    return fwd
            elif d_end is not None:
                other = _tail(d_end[1]["network"])
                if other != network and not (self._active(network, other)
                                             or self._active(other, network)):
                    return Hop(False, f"no route: {network} (routes not in snapshot) is "
                                      f"neither {other} nor peered with it")
        if d_end is not None and self.routed(_tail(d_end[1]["network"])):
            back = self.reply(d_end[0], dst[2], a, s_end, d_end[1])
            if not back.ok:
                return Hop(False, back.reason, trace=fwd.trace + back.trace)
            return Hop(True, appliances=fwd.appliances, trace=fwd.trace + back.trace)
        return fwd

    def _active(self, a: str, b: str) -> bool:
        p = self._peering(a, b)
        return p is not None and p.get("state", "ACTIVE") == "ACTIVE"
