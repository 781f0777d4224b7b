"""Azure routing normalised: user-defined routes, the system routes synthesised per VNet
(virtual-networks-udr-overview.md, "System routes"), subnet associations from both sides,
IP forwarding, missing references (notice + partial) and bad input (one line, file and path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pathwarden.model import Estate, NextHop
from pathwarden.providers.azure.load import load_azure_snapshot
from tests.unit.snapshotedits import assert_missing, assert_one_line_error, set_at
from tests.unit.test_azure_load import flatten, write

SUB = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/net"
NET = f"{SUB}/providers/Microsoft.Network"
HUB, SPOKE = f"{NET}/virtualNetworks/hub", f"{NET}/virtualNetworks/spoke"
RT = f"{NET}/routeTables/spoke-rt"


def vnet(vid: str, space: list[str], subnets: list[tuple[str, str, str]],
         peer: tuple[str, str] | None = None) -> dict[str, Any]:
    """subnets: (name, prefix, route table id or ''); peer: (remote id, peeringState)."""
    peerings = []
    if peer is not None:
        peerings.append({"name": f"to-{peer[0].rsplit('/', 1)[1]}", "properties": {
            "remoteVirtualNetwork": {"id": peer[0]}, "peeringState": peer[1],
            "allowVirtualNetworkAccess": True, "allowForwardedTraffic": True,
            "allowGatewayTransit": vid == HUB, "useRemoteGateways": vid != HUB}})
    return {"id": vid, "name": vid.rsplit("/", 1)[1], "location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": space},
        "subnets": [{"id": f"{vid}/subnets/{n}", "name": n, "properties": {
            "addressPrefix": p, **({"routeTable": {"id": rt}} if rt else {})}}
            for n, p, rt in subnets],
        "virtualNetworkPeerings": peerings}}


def nic(name: str, ip: str, subnet: str, forwarding: bool = False,
        public: str = "") -> dict[str, Any]:
    ipc: dict[str, Any] = {"privateIPAddress": ip, "subnet": {"id": subnet}, "primary": True}
    if public:
        ipc["publicIPAddress"] = {"id": f"{NET}/publicIPAddresses/{public}"}
    return {"id": f"{NET}/networkInterfaces/{name}", "name": name, "location": "westeurope",
            "properties": {"enableIPForwarding": forwarding, "ipConfigurations": [
                {"id": f"{NET}/networkInterfaces/{name}/ipConfigurations/ipconfig1",
                 "name": "ipconfig1", "properties": ipc}]}}


def route(name: str, prefix: str, hop: str, ip: str = "") -> dict[str, Any]:
    p = {"addressPrefix": prefix, "nextHopType": hop}
    if ip:
        p["nextHopIpAddress"] = ip
    return {"name": name, "id": f"{RT}/routes/{name}", "properties": p}


def hub_and_spoke(state: str = "Connected") -> dict[str, Any]:
    routes = [route("default", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
              route("to-hub", "10.0.0.0/16", "VirtualAppliance", "10.0.1.4"),
              route("storage", "Storage.WestEurope", "Internet"),
              route("sinkhole", "192.168.5.0/24", "None"),
              route("onprem", "172.20.0.0/16", "VirtualNetworkGateway"),
              route("inside", "10.1.2.0/24", "VnetLocal")]
    return {
        "network-vnet-list.json": {"value": [
            vnet(HUB, ["10.0.0.0/16", "fd00:1::/48"], [("fw", "10.0.1.0/24", "")],
                 (SPOKE, state)),
            vnet(SPOKE, ["10.1.0.0/16"], [("app", "10.1.1.0/24", RT), ("db", "10.1.2.0/24", "")],
                 (HUB, state)),
        ]},
        "network-nic-list.json": {"value": [
            nic("nva", "10.0.1.4", f"{HUB}/subnets/fw", forwarding=True),
            nic("app1", "10.1.1.5", f"{SPOKE}/subnets/app", public="app1-ip"),
        ]},
        "network-route-table-list.json": {"value": [{
            "id": RT, "name": "spoke-rt", "location": "westeurope",
            "properties": {"routes": routes, "subnets": [{"id": f"{SPOKE}/subnets/db"}]}}]},
        "network-public-ip-list.json": {"value": [{
            "id": f"{NET}/publicIPAddresses/app1-ip", "name": "app1-ip",
            "properties": {"ipAddress": "20.50.1.2", "ipConfiguration": {
                "id": f"{NET}/networkInterfaces/app1/ipConfigurations/ipconfig1"}}}]},
        "network-service-tags.json": {"values": [{"name": "Storage.WestEurope", "properties": {
            "addressPrefixes": ["20.38.108.0/23", "20.60.130.0/24"]}}]},
    }


def load(tmp_path: Path, files: dict[str, Any]) -> Estate:
    return load_azure_snapshot(write(tmp_path, files))


@pytest.mark.parametrize("cli", [False, True], ids=["rest", "az-cli"])
def test_user_routes_and_associations(tmp_path: Path, cli: bool) -> None:
    files = hub_and_spoke()
    if cli:
        files = {k: flatten(v["value"]) if "value" in v else v for k, v in files.items()}
    estate = load(tmp_path, files)
    table = estate.route_tables[RT]
    assert (table.kind, table.name, table.network, table.main) == (
        "subnet", "spoke-rt", SPOKE, False)
    # app names the table; the table names db (which names none itself)
    assert table.subnets == (f"{SPOKE}/subnets/app", f"{SPOKE}/subnets/db")
    assert estate.subnets[f"{SPOKE}/subnets/db"].route_table == RT
    assert estate.subnets[f"{SPOKE}/subnets/app"].route_table == RT
    assert estate.subnets[f"{HUB}/subnets/fw"].route_table == ""
    assert [(r.id, r.destination, r.next_hop, r.target) for r in table.routes] == [
        ("spoke-rt:default", "0.0.0.0/0", NextHop.APPLIANCE, "10.0.1.4"),
        ("spoke-rt:to-hub", "10.0.0.0/16", NextHop.APPLIANCE, "10.0.1.4"),
        ("spoke-rt:storage", "Storage.WestEurope", NextHop.INTERNET, "Internet"),
        ("spoke-rt:sinkhole", "192.168.5.0/24", NextHop.DROP, "None"),
        ("spoke-rt:onprem", "172.20.0.0/16", NextHop.GATEWAY, "VirtualNetworkGateway"),
        ("spoke-rt:inside", "10.1.2.0/24", NextHop.LOCAL, "VnetLocal"),
    ]
    storage = table.routes[2].addresses
    assert storage.contains_ip("20.60.130.9") and not storage.contains_ip("20.60.131.1")
    workloads = {w.name: w for w in estate.workloads}
    assert workloads["nva"].forwarding and not workloads["app1"].forwarding
    assert workloads["app1"].public_addresses == ("20.50.1.2",)
    assert workloads["nva"].public_addresses == ()
    assert estate.networks[HUB].routed and estate.networks[SPOKE].routed
    assert not estate.partial
    assert {n.code for n in estate.notices} & {
        "routes-not-in-snapshot", "appliance-unknown", "route-service-tag-unknown"} == set()
    hub = estate.networks[HUB].peerings[0]
    assert (hub.remote, hub.state, hub.allow_forwarded, hub.allow_gateway_transit,
            hub.use_remote_gateways) == (SPOKE, "Connected", True, True, False)
    assert estate.networks[SPOKE].peerings[0].use_remote_gateways


def system(estate: Estate, vid: str) -> list[tuple[str, str, NextHop, str]]:
    table = estate.route_tables[f"{vid}#system"]
    assert table.main and table.network == vid and table.subnets == ()
    assert all(r.origin == "system" for r in table.routes)
    return [(r.id, r.destination, r.next_hop, r.target) for r in table.routes]


def test_system_routes_per_vnet(tmp_path: Path) -> None:
    estate = load(tmp_path, hub_and_spoke())
    assert system(estate, HUB) == [
        ("hub/system:10.0.0.0/16", "10.0.0.0/16", NextHop.LOCAL, "VnetLocal"),
        ("hub/system:fd00:1::/48", "fd00:1::/48", NextHop.LOCAL, "VnetLocal"),
        ("hub/system:10.1.0.0/16", "10.1.0.0/16", NextHop.PEERING, SPOKE),
        ("hub/system:0.0.0.0/0", "0.0.0.0/0", NextHop.INTERNET, "Internet"),
        ("hub/system:::/0", "::/0", NextHop.INTERNET, "Internet"),
        ("hub/system:10.0.0.0/8", "10.0.0.0/8", NextHop.DROP, "None"),
        ("hub/system:172.16.0.0/12", "172.16.0.0/12", NextHop.DROP, "None"),
        ("hub/system:192.168.0.0/16", "192.168.0.0/16", NextHop.DROP, "None"),
        ("hub/system:100.64.0.0/10", "100.64.0.0/10", NextHop.DROP, "None"),
    ]
    spoke = system(estate, SPOKE)
    assert ("spoke/system:10.0.0.0/16", "10.0.0.0/16", NextHop.PEERING, HUB) in spoke
    assert ("spoke/system:10.0.1.0/24", "10.0.1.0/24", NextHop.PEERING, HUB) not in spoke
    # the hub's IPv6 space crosses the peering too; the spoke has no IPv6 space of its own
    assert ("spoke/system:fd00:1::/48", "fd00:1::/48", NextHop.PEERING, HUB) in spoke
    assert ("spoke/system:::/0", "::/0", NextHop.INTERNET, "Internet") not in spoke


def test_a_peering_not_connected_adds_no_route(tmp_path: Path) -> None:
    estate = load(tmp_path, hub_and_spoke(state="Initiated"))
    assert [r for r in system(estate, HUB) if r[2] is NextHop.PEERING] == []
    assert estate.networks[HUB].peerings[0].state == "Initiated"


def test_reserved_range_used_by_the_vnet_is_not_dropped(tmp_path: Path) -> None:
    """virtual-networks-udr-overview.md: a reserved range inside the VNet's address space is
    routed in the VNet, not to None."""
    files = {"network-vnet-list.json": [vnet(HUB, ["172.16.0.0/12", "192.168.0.0/24"], [])],
             "network-route-table-list.json": [], "network-nic-list.json": []}
    routes = system(load(tmp_path, files), HUB)
    drops = [r[1] for r in routes if r[2] is NextHop.DROP]
    assert drops == ["10.0.0.0/8", "192.168.0.0/16", "100.64.0.0/10"]


def test_without_the_route_file_nothing_is_routed(tmp_path: Path) -> None:
    files = hub_and_spoke()
    del files["network-route-table-list.json"]
    estate = load(tmp_path, files)
    assert estate.route_tables == {}
    assert not estate.networks[HUB].routed
    # what the VNet file says is still read
    assert estate.subnets[f"{SPOKE}/subnets/app"].route_table == RT
    assert [n.message for n in estate.notices if n.code == "routes-not-in-snapshot"] == [
        "routes not in snapshot: same network or peering assumed"]


MISSING = {
    "route-table-unknown": (
        lambda f: f["network-route-table-list.json"]["value"].clear(),
        "subnet app uses route table spoke-rt, which is not in network-route-table-list.json"),
    "route-table-subnet-unknown": (
        lambda f: f["network-route-table-list.json"]["value"][0]["properties"]["subnets"].append(
            {"id": f"{SPOKE}/subnets/gone"}),
        f"route table spoke-rt lists subnet {SPOKE}/subnets/gone, which is not in "
        "network-vnet-list.json"),
    "public-ip-unknown": (
        lambda f: f["network-public-ip-list.json"]["value"].clear(),
        "app1 names public IP app1-ip, which is not in network-public-ip-list.json"),
    "appliance-unknown": (
        lambda f: f["network-nic-list.json"]["value"].pop(0),
        "route spoke-rt:default sends 0.0.0.0/0 to 10.0.1.4, which no NIC in the snapshot "
        "holds"),
}


@pytest.mark.parametrize("code", sorted(MISSING))
def test_a_missing_object_is_a_notice_and_partial(tmp_path: Path, code: str) -> None:
    change, message = MISSING[code]
    files = hub_and_spoke()
    change(files)
    assert_missing(load(tmp_path, files), code, message)


def test_unknown_service_tag_matches_nothing_with_a_notice(tmp_path: Path) -> None:
    files = hub_and_spoke()
    del files["network-service-tags.json"]
    estate = load(tmp_path, files)
    storage = estate.route_tables[RT].routes[2]
    assert storage.destination == "Storage.WestEurope" and not storage.addresses
    assert any(n.code == "route-service-tag-unknown" and "Storage.WestEurope" in n.message
               for n in estate.notices)
    assert not estate.partial


def test_public_ip_file_absent_is_one_notice(tmp_path: Path) -> None:
    files = hub_and_spoke()
    del files["network-public-ip-list.json"]
    estate = load(tmp_path, files)
    assert [n.code for n in estate.notices].count("public-ips-not-in-snapshot") == 1
    assert all(w.public_addresses == () for w in estate.workloads) and not estate.partial


ROUTE0 = ["network-route-table-list.json", "value", 0, "properties", "routes", 0, "properties"]
BAD = {
    "next-hop-type": (set_at([*ROUTE0, "nextHopType"], "Teleport"),
                      "network-route-table-list.json: value[0].properties.routes[0].properties."
                      "nextHopType: expected VirtualAppliance, VnetLocal, Internet, "
                      "VirtualNetworkGateway or None, found 'Teleport'"),
    "appliance-ip": (set_at([*ROUTE0, "nextHopIpAddress"], "fw.local"),
                     "routes[0].properties.nextHopIpAddress: expected an IP address, found "
                     "'fw.local'"),
    "appliance-without-ip": (set_at([*ROUTE0, "nextHopIpAddress"], None),
                             "routes[0].properties.nextHopIpAddress: missing"),
    "no-prefix": (set_at([*ROUTE0, "addressPrefix"], None),
                  "routes[0].properties.addressPrefix: missing"),
    "routes-not-a-list": (set_at(["network-route-table-list.json", "value", 0, "properties",
                                "routes"], {"a": 1}),
                          "value[0].properties.routes: expected a list, found an object"),
    "public-ip-address": (set_at(["network-public-ip-list.json", "value", 0, "properties",
                                "ipAddress"], "20.50.1"),
                          "network-public-ip-list.json: value[0].properties.ipAddress: expected "
                          "an IP address, found '20.50.1'"),
    "forwarding": (set_at(["network-nic-list.json", "value", 0, "properties",
                         "enableIPForwarding"], "yes"),
                   "network-nic-list.json: value[0].properties.enableIPForwarding: expected "
                   "true or false, found 'yes'"),
    "not-json-list": (set_at(["network-route-table-list.json"], "routes"),
                      "network-route-table-list.json: expected a JSON list as `az network "
                      "route-table list -o json` writes"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_naming_file_and_path(tmp_path: Path, case: str) -> None:
    change, message = BAD[case]
    files = hub_and_spoke()
    change(files)
    assert_one_line_error(lambda: load(tmp_path, files), message)
