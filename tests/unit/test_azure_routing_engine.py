"""The Azure routing step of the engine, from Microsoft's docs.

- [UDR] virtual-networks-udr-overview.md: system routes (VnetLocal, VNetPeering, Internet,
  None for the reserved ranges), user-defined routes; "If multiple routes contain the same
  address prefix, Azure selects the route type ... User-defined route, BGP route, System
  route"; the longest prefix match otherwise; a `None` next hop drops; a VirtualAppliance next
  hop forwards to a NIC with IP forwarding.
- [PEER] virtual-network-peering-overview.md: peering is not transitive; a spoke reaches
  another spoke through a hub NVA; `allowForwardedTraffic` lets traffic the NVA forwards
  (not originating in the peer VNet) in.
- [PIP] public-ip-addresses.md: inbound connections from the internet need a public IP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pathwarden.api import Engine, load_estate
from tests.unit.test_azure_load import write
from tests.unit.test_azure_routes_model import NET, nic, vnet

HUB, ONE, TWO = (f"{NET}/virtualNetworks/{n}" for n in ("hub", "spoke1", "spoke2"))
NVA_NSG = f"{NET}/networkSecurityGroups/nva-nsg"
OPEN = [{"protocol": "all", "ports": None}]


def _peer(vid: str, remote: str, forwarded: bool = True) -> dict[str, Any]:
    return {"name": f"to-{remote.rsplit('/', 1)[1]}", "properties": {
        "remoteVirtualNetwork": {"id": remote}, "peeringState": "Connected",
        "allowVirtualNetworkAccess": True, "allowForwardedTraffic": forwarded,
        "allowGatewayTransit": False, "useRemoteGateways": False}}


def _table(name: str, subnet: str, routes: list[tuple[str, str, str]]) -> dict[str, Any]:
    rt = f"{NET}/routeTables/{name}"
    return {"id": rt, "name": name, "location": "westeurope", "properties": {
        "subnets": [{"id": subnet}],
        "routes": [{"name": n, "id": f"{rt}/routes/{n}", "properties": {
            "addressPrefix": prefix, "nextHopType": hop,
            **({"nextHopIpAddress": "10.0.1.4"} if hop == "VirtualAppliance" else {})}}
            for n, prefix, hop in routes]}}


def _rule(name: str, priority: int, direction: str, access: str, port: str
          ) -> dict[str, Any]:
    return {"name": name, "properties": {
        "priority": priority, "direction": direction, "access": access, "protocol": "*"
        if port == "*" else "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRange": port}}


def hub_and_spokes(udrs: bool = True, forwarded: bool = True,
                   extra: list[tuple[str, str, str]] | None = None) -> dict[str, Any]:
    """A hub VNet with an NVA (10.0.1.4, IP forwarding, an NSG letting only tcp/443 in) and
    two spokes peered to it. With ``udrs``, each spoke's subnet sends the other spoke to the
    NVA."""
    hub = vnet(HUB, ["10.0.0.0/16"], [("fw", "10.0.1.0/24", "")])
    hub["properties"]["virtualNetworkPeerings"] = [_peer(HUB, ONE), _peer(HUB, TWO)]
    one = vnet(ONE, ["10.1.0.0/16"], [("app", "10.1.1.0/24", "")])
    one["properties"]["virtualNetworkPeerings"] = [_peer(ONE, HUB, forwarded)]
    two = vnet(TWO, ["10.2.0.0/16"], [("db", "10.2.1.0/24", "")])
    two["properties"]["virtualNetworkPeerings"] = [_peer(TWO, HUB, forwarded)]
    nva = nic("nva", "10.0.1.4", f"{HUB}/subnets/fw", forwarding=True)
    nva["properties"]["networkSecurityGroup"] = {"id": NVA_NSG}
    tables = []
    if udrs:
        tables = [_table("rt1", f"{ONE}/subnets/app",
                         [("to-two", "10.2.0.0/16", "VirtualAppliance"), *(extra or [])]),
                  _table("rt2", f"{TWO}/subnets/db", [("to-one", "10.1.0.0/16",
                                                       "VirtualAppliance")])]
    return {
        "network-vnet-list.json": {"value": [hub, one, two]},
        "network-nic-list.json": {"value": [
            nva, nic("app1", "10.1.1.5", f"{ONE}/subnets/app"),
            nic("db1", "10.2.1.5", f"{TWO}/subnets/db", public="db1-ip")]},
        "network-nsg-list.json": {"value": [{"id": NVA_NSG, "name": "nva-nsg", "properties": {
            "securityRules": [_rule("https", 100, "Inbound", "Allow", "443"),
                              _rule("rest", 4000, "Inbound", "Deny", "*"),
                              _rule("out", 100, "Outbound", "Allow", "*")]}}]},
        "network-route-table-list.json": {"value": tables},
        "network-public-ip-list.json": {"value": [{
            "id": f"{NET}/publicIPAddresses/db1-ip", "name": "db1-ip",
            "properties": {"ipAddress": "20.50.1.9", "ipConfiguration": {
                "id": f"{NET}/networkInterfaces/db1/ipConfigurations/ipconfig1"}}}]},
    }


def _reach(tmp_path: Path, files: dict[str, Any], src: str, dst: str) -> dict[str, Any]:
    estate = load_estate([write(tmp_path, files)])
    assert not estate.partial, [n.message for n in estate.notices]
    doc: dict[str, Any] = Engine(estate).reach(src, dst).to_json()
    return doc


def test_spokes_reach_each_other_only_through_the_hub_appliance(tmp_path: Path) -> None:
    doc = _reach(tmp_path, hub_and_spokes(), "10.1.1.5", "10.2.1.5")  # [PEER], [UDR]
    assert doc["open"] == [{"protocol": "tcp", "ports": [[443, 443]]}]  # the NVA's NSG
    hops = [h["hop"] for h in doc["explanations"][0]["hops"]]
    assert "route rt1: 10.2.0.0/16 -> 10.0.1.4" in hops
    assert "route (appliance nva) hub/system: 10.2.0.0/16 -> spoke2" in hops
    assert "return route rt2: 10.1.0.0/16 -> 10.0.1.4" in hops


def test_peering_is_not_transitive_without_routes(tmp_path: Path) -> None:  # [PEER]
    assert _reach(tmp_path, hub_and_spokes(udrs=False), "10.1.1.5", "10.2.1.5")["open"] == []


def test_forwarded_traffic_needs_the_peering_to_allow_it(tmp_path: Path) -> None:  # [PEER]
    files = hub_and_spokes(forwarded=False)
    assert _reach(tmp_path, files, "10.1.1.5", "10.2.1.5")["open"] == []


def test_a_none_route_drops_and_a_user_route_beats_the_system_route(tmp_path: Path) -> None:
    """[UDR]: a user route for the hub's own prefix 10.0.0.0/16 (same prefix as the system
    VNetPeering route) with next hop None wins and drops."""
    files = hub_and_spokes(extra=[("sink", "10.0.0.0/16", "None")])
    assert _reach(tmp_path, files, "10.1.1.5", "10.0.1.4")["open"] == []
    assert _reach(tmp_path / "2", hub_and_spokes(), "10.1.1.5", "10.0.1.4")["open"] == [
        {"protocol": "tcp", "ports": [[443, 443]]}]


def test_the_internet_reaches_only_a_nic_with_a_public_ip(tmp_path: Path) -> None:  # [PIP]
    files = hub_and_spokes()
    assert _reach(tmp_path, files, "203.0.113.9", "10.2.1.5")["open"] == OPEN
    assert _reach(tmp_path / "2", files, "203.0.113.9", "10.1.1.5")["open"] == []


def test_a_service_tag_route_matches_with_each_prefix_of_the_tag(tmp_path: Path) -> None:
    """[UDR], "Service tags for user-defined routes": a route to a service tag matches with
    the prefixes inside the tag, each with its own length, so the tag's /25s beat a /24 that
    drops. Merged into one /24 the tag would tie with the drop and lose to the explicit
    prefix ("preference is given to the route with the explicit prefix")."""
    files = hub_and_spokes(extra=[("sink", "10.2.1.0/24", "None"),
                                  ("backups", "Backups", "VirtualAppliance")])
    files["network-service-tags.json"] = {"values": [{"name": "Backups", "properties": {
        "addressPrefixes": ["10.2.1.0/25", "10.2.1.128/25"]}}]}
    doc = _reach(tmp_path, files, "10.1.1.5", "10.2.1.5")
    assert doc["open"] == [{"protocol": "tcp", "ports": [[443, 443]]}]  # through the NVA
    hops = [h["hop"] for h in doc["explanations"][0]["hops"]]
    assert "route rt1: Backups -> 10.0.1.4" in hops
