"""The routing step of the brute-force Azure oracle, from the Azure docs and the routing spec.

Raw JSON only (no pathwarden code). A subnet's routes are its route table's user-defined
routes plus the system routes Azure creates for its VNet; the lookup loops over both per
address. Sources (MicrosoftDocs/azure-docs, live under learn.microsoft.com/azure/...):

- [UDR] articles/virtual-network/virtual-networks-udr-overview.md: "System routes" (each
  address range of the VNet -> Virtual network; 0.0.0.0/0 -> Internet; 10.0.0.0/8,
  172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 -> None unless inside the VNet's space;
  "Optional default routes": VNet peering -> each address range of the peer), "How Azure
  selects a route" (longest prefix match; for the same prefix a user-defined route beats a
  system route), next hop types (Virtual appliance, Virtual network gateway, Virtual network,
  Internet, None: "traffic ... is dropped").
- [PEER] articles/virtual-network/virtual-network-peering-overview.md (peering routes exist
  while the peering is Connected; allowVirtualNetworkAccess only changes the VirtualNetwork
  service tag).
- [PIP] articles/virtual-network/ip-services/public-ip-addresses.md (inbound from the internet
  needs a public IP on the NIC; outbound has a default SNAT).
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
RESERVED = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")


def _p(obj: Json) -> Json:
    inner = obj.get("properties")
    return inner if isinstance(inner, dict) else obj


def _low(text: str | None) -> str:
    return (text or "").lower()


@cache
def _net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def _contains(prefix: str, ip: IPAddress) -> bool:
    try:
        n = _net(prefix)
    except ValueError:
        return False  # a service tag as destination: not generated, matches nothing here
    return n.version == ip.version and ip in n


def _listing(path: Path) -> list[Json] | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return list(data["value"] if isinstance(data, dict) else data)


@dataclass(frozen=True)
class Route:
    """One route of a subnet's effective table: ``hop`` is the ``nextHopType`` spelling."""

    name: str
    prefix: str
    hop: str  # VnetLocal, VNetPeering, Internet, VirtualNetworkGateway, None, VirtualAppliance
    target: str = ""  # the peer VNet id (VNetPeering) or the appliance address
    user: bool = False


@dataclass(frozen=True)
class Hop:
    ok: bool
    reason: str = ""
    appliances: tuple[str, ...] = ()  # NIC ids whose chains the forward packet crosses
    trace: tuple[str, ...] = ()


class AzureRouting:
    def __init__(self, folder: Path, oracle: Any, enabled: bool = True) -> None:
        self.o = oracle  # AzureOracle: vnets, nics, nic_subnet, nic_vnet, connected_peers
        self.tables = _listing(folder / "network-route-table-list.json")
        self.enabled = enabled and self.tables is not None
        self.by_id = {_low(t["id"]): t for t in self.tables or []}
        pips = _listing(folder / "network-public-ip-list.json") or []
        self.pip_by_id = {_low(x["id"]): _p(x).get("ipAddress", "") for x in pips}
        self.pip_by_config = {
            _low((_p(x).get("ipConfiguration") or {}).get("id")): _p(x).get("ipAddress", "")
            for x in pips if (_p(x).get("ipConfiguration") or {}).get("id")
        }

    # ------------------------------------------------------------------ facts
    def routed(self, vnet_id: str) -> bool:
        return self.enabled and vnet_id in self.o.vnets

    def public(self, nic: Json, version: int) -> bool:
        """[PIP]: a public IP of that family named by one of the NIC's IP configurations (or
        naming one of them)."""
        for c in _p(nic)["ipConfigurations"]:
            found = [self.pip_by_config.get(_low(c.get("id")), "")]
            ref = (_p(c).get("publicIPAddress") or {}).get("id")
            if ref:
                found.append(self.pip_by_id.get(_low(ref), ""))
            if any(x and ipaddress.ip_address(x).version == version for x in found):
                return True
        return False

    def _space(self, vnet_id: str) -> list[str]:
        v = self.o.vnets.get(vnet_id)
        return list(_p(v)["addressSpace"]["addressPrefixes"]) if v else []

    def system_routes(self, vnet_id: str) -> list[Route]:
        """[UDR] "System routes" and the peering routes, as Azure creates them."""
        own = self._space(vnet_id)
        routes = [Route(f"system:{x}", x, "VnetLocal") for x in own]
        used = [_net(x) for x in own]
        for pe in _p(self.o.vnets[vnet_id]).get("virtualNetworkPeerings", []):
            pp = _p(pe)
            if pp.get("peeringState") != "Connected":
                continue
            remote = _low(pp["remoteVirtualNetwork"]["id"])
            prefixes = self._space(remote) or list(
                (pp.get("remoteAddressSpace") or {}).get("addressPrefixes", []))
            for x in prefixes:
                routes.append(Route(f"system:{x}", x, "VNetPeering", remote))
                used.append(_net(x))
        routes.append(Route("system:0.0.0.0/0", "0.0.0.0/0", "Internet"))
        if any(":" in x for x in own):
            routes.append(Route("system:::/0", "::/0", "Internet"))
        for x in RESERVED:
            # "If you assign any of the previous address ranges within the address space of
            # a virtual network, Azure automatically changes the next hop type ... to Virtual
            # network": a range wholly inside the VNet's (or a peer's) space is not dropped.
            if not any(_net(x).subnet_of(u) for u in used if u.version == 4):  # type: ignore[arg-type]
                routes.append(Route(f"system:{x}", x, "None"))
        return routes

    def user_table(self, subnet_id: str) -> Json | None:
        """The subnet's route table: its ``routeTable.id``, or a table listing it."""
        sub = self.o.subnet(subnet_id)
        ref = _low(((_p(sub).get("routeTable") or {}).get("id")) if sub else "")
        if ref:
            return self.by_id.get(ref)
        for t in self.tables or []:
            if any(_low(s["id"]) == subnet_id for s in _p(t).get("subnets") or []):
                return t
        return None

    def effective(self, nic: Json) -> tuple[str, list[Route]]:
        subnet_id = self.o.nic_subnet(nic)
        routes: list[Route] = []
        table = self.user_table(subnet_id)
        name = "system"
        if table is not None:
            name = table.get("name") or table["id"].rsplit("/", 1)[-1]
            for r in _p(table).get("routes") or []:
                rp = _p(r)
                routes.append(Route(f"{name}:{r['name']}", rp["addressPrefix"].strip(),
                                    rp["nextHopType"], rp.get("nextHopIpAddress") or "", True))
        return name, routes + self.system_routes(self.o.nic_vnet(nic))

    @staticmethod
    def lookup(routes: list[Route], ip: IPAddress) -> Route | None:
        """[UDR] "How Azure selects a route": longest prefix; a user route beats a system
        route of the same prefix."""
        best: Route | None = None
        best_key = (-1, -1)
        for r in routes:
            if _contains(r.prefix, ip):
                key = (_net(r.prefix).prefixlen, 1 if r.user else 0)
                if key > best_key:
                    best, best_key = r, key
        return best

    def appliance(self, address: str) -> str | None:
        for nic_id in self.o.nics:
            if any(ipaddress.ip_address(x) == ipaddress.ip_address(address)
                   for x in self.o.nic_ips(nic_id)):
                return str(nic_id)
        return None

    # ------------------------------------------------------------------ forward and reply
    def forward(self, at: Json, d: IPAddress, dst: Json | None, via: bool = False) -> Hop:
        name, routes = self.effective(at)
        r = self.lookup(routes, d)
        if r is None:
            return Hop(False, f"no-route at {name} for {d}")
        step = f"route {r.name}: {r.prefix} -> {r.hop}{' ' + r.target if r.target else ''}"
        trace: tuple[str, ...] = (step,)
        vnet = self.o.nic_vnet(at)
        if r.hop.lower() == "vnetlocal":
            if dst is None or self.o.nic_vnet(dst) == vnet:
                return Hop(True, trace=trace)
            return Hop(False, f"{step}: {d} is in another VNet", trace=trace)
        if r.hop.lower() == "vnetpeering":
            if dst is None or self.o.nic_vnet(dst) == r.target:
                return Hop(True, trace=trace)
            return Hop(False, f"{step}: {d} is not in that peer (no transit)", trace=trace)
        if r.hop.lower() in ("internet", "virtualnetworkgateway"):
            if dst is None:
                return Hop(True, trace=trace)
            return Hop(False, f"{step}: leaves the VNet, but {d} is a NIC", trace=trace)
        if r.hop.lower() == "none":
            return Hop(False, f"dropped at {r.name}: {r.prefix} next hop None", trace=trace)
        box = self.appliance(r.target)
        if box is None:  # an Azure Firewall or a frontend: not evaluated, as if delivered
            return Hop(True, trace=(*trace, "appliance-not-evaluated"))
        if dst is not None and _low(box) == _low(dst["id"]):
            return Hop(True, trace=trace)  # addressed to the appliance itself
        if via:
            return Hop(True, trace=(*trace, "appliance-chain"))
        nic = self.o.nics[box]
        if not _p(nic).get("enableIPForwarding"):
            return Hop(False, f"{step}: {nic['name']} does not forward (IP forwarding off)",
                       trace=trace)
        onward = self.forward(nic, d, dst, via=True)
        trace = (*trace, *(f"appliance {nic['name']}: {t}" for t in onward.trace))
        if not onward.ok:
            return Hop(False, f"after appliance {nic['name']}: {onward.reason}", trace=trace)
        return Hop(True, appliances=(box, *onward.appliances), trace=trace)

    def reply(self, at: Json, s: IPAddress, src: Json | None, dst: Json,
              via: bool = False) -> Hop:
        name, routes = self.effective(at)
        r = self.lookup(routes, s)
        if r is None:
            return Hop(False, f"return no-route at {name} for {s}")
        step = f"return route {r.name}: {r.prefix} -> {r.hop}{' ' + r.target if r.target else ''}"
        trace: tuple[str, ...] = (step,)
        vnet = self.o.nic_vnet(at)
        hop = r.hop.lower()
        if hop == "vnetlocal":
            if src is None or self.o.nic_vnet(src) == vnet:
                return Hop(True, trace=trace)
            return Hop(False, f"{step}: the source is in another VNet", trace=trace)
        if hop == "vnetpeering":
            if src is None or self.o.nic_vnet(src) == r.target:
                return Hop(True, trace=trace)
            return Hop(False, f"{step}: the source is not in that peer", trace=trace)
        if hop == "virtualnetworkgateway":
            if src is None:
                return Hop(True, trace=trace)
            return Hop(False, f"{step}: the source is a NIC", trace=trace)
        if hop == "internet":
            if src is not None:
                return Hop(False, f"{step}: the source is a NIC", trace=trace)
            if not self.public(dst, s.version):
                return Hop(False, f"{step}: {dst['name']} has no public IPv{s.version}, so "
                                  "nothing outside reaches it", trace=trace)
            return Hop(True, trace=trace)
        if hop == "none":
            return Hop(False, f"return dropped at {r.name}: {r.prefix} next hop None",
                       trace=trace)
        box = self.appliance(r.target)
        if box is None:
            return Hop(True, trace=(*trace, "appliance-not-evaluated"))
        if src is not None and _low(box) == _low(src["id"]):
            return Hop(True, trace=trace)
        if via:
            return Hop(False, f"{step}: a second appliance on the return way", trace=trace)
        nic = self.o.nics[box]
        if not _p(nic).get("enableIPForwarding"):
            return Hop(False, f"{step}: {nic['name']} does not forward", trace=trace)
        back = self.reply(nic, s, src, dst, via=True)
        trace = (*trace, *(f"appliance {nic['name']}: {t}" for t in back.trace))
        if not back.ok:
            return Hop(False, f"return after appliance {nic['name']}: {back.reason}",
                       trace=trace)
        return Hop(True, trace=trace)

    def way(self, src: Json | None, dst: Json | None, a: IPAddress, b: IPAddress) -> Hop:
        """Route ``a -> b`` (lookups even inside one subnet) and the reply."""
        fwd = Hop(True)
        if src is not None:
            if self.routed(self.o.nic_vnet(src)):
                fwd = self.forward(src, b, dst)
                if not fwd.ok:
                    return fwd
            elif dst is not None:
                va, vb = self.o.nic_vnet(src), self.o.nic_vnet(dst)
                if va != vb and vb not in self.o.connected_peers(va):
                    return Hop(False, f"no route: {va} (routes not in snapshot) is neither "
                                      f"{vb} nor peered with it")
        if dst is not None and self.routed(self.o.nic_vnet(dst)):
            back = self.reply(dst, a, src, dst)
            if not back.ok:
                return Hop(False, back.reason, trace=fwd.trace + back.trace)
            return Hop(True, appliances=fwd.appliances, trace=fwd.trace + back.trace)
        return fwd
