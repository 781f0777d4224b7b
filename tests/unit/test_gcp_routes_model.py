"""GCP routing normalised: every next-hop kind, inactive routes, IPv6, forwarding, Cloud NAT
scopes, missing references (notice + partial) and bad input (one line, file and JSON path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pathwarden.model import Estate, NextHop
from pathwarden.providers.gcp.load import load_gcp_snapshot
from tests.unit.snapshotedits import assert_missing, assert_one_line_error, drop_at, set_at
from tests.unit.test_gcp_routes_load import write

P = "proj-a"
NET = f"projects/{P}/global/networks/core"
URL = "https://www.googleapis.com/compute/v1/"


def route(name: str, dest: str, **hop: Any) -> dict[str, Any]:
    return {"name": name, "network": URL + NET, "destRange": dest,
            "selfLink": f"{URL}projects/{P}/global/routes/{name}", **hop}


def snapshot() -> dict[str, Any]:
    sub = f"projects/{P}/regions/europe-west1/subnetworks/core-ew1"
    return {
        "networks.json": [{"name": "core", "selfLink": URL + NET, "peerings": [
            {"name": "to-shared", "network": f"{URL}projects/proj-b/global/networks/shared",
             "state": "ACTIVE", "exportCustomRoutes": True, "importCustomRoutes": False}]}],
        "subnets.json": [{"name": "core-ew1", "network": URL + NET, "selfLink": URL + sub,
                          "region": f"{URL}projects/{P}/regions/europe-west1",
                          "ipCidrRange": "10.20.0.0/20"}],
        "instances.json": [{
            "name": "nva", "zone": f"{URL}projects/{P}/zones/europe-west1-b",
            "selfLink": f"{URL}projects/{P}/zones/europe-west1-b/instances/nva",
            "canIpForward": True,
            "networkInterfaces": [{"name": "nic0", "network": URL + NET,
                                   "subnetwork": URL + sub, "networkIP": "10.20.0.4",
                                   "ipv6AccessConfigs": [{"type": "DIRECT_IPV6",
                                                          "externalIpv6": "2600:1900:4000::1"}],
                                   "accessConfigs": [{"natIP": "34.1.2.3"}]}]}],
        "routes.json": {"items": [
            route("local", "10.20.0.0/20", nextHopNetwork=URL + NET, routeType="SUBNET"),
            route("subnet-no-hop", "10.21.0.0/20", routeType="SUBNET"),
            route("peer-subnet", "10.30.0.0/20",
                  nextHopNetwork=f"{URL}projects/proj-b/global/networks/shared"),
            route("via-peering", "10.31.0.0/20", nextHopPeering="to-shared", priority=0),
            route("to-nva", "10.99.0.0/16", priority=100, tags=["web", "app", "web"],
                  nextHopInstance=f"{URL}projects/{P}/zones/europe-west1-b/instances/nva"),
            route("to-ip", "10.98.0.0/16", nextHopIp="10.20.0.4"),
            route("vpn", "172.16.0.0/12", nextHopVpnTunnel=f"{URL}projects/{P}/regions/"
                  "europe-west1/vpnTunnels/tun-1", routeType="STATIC"),
            route("ic", "192.168.0.0/16", nextHopInterconnectAttachment=f"{URL}projects/{P}/"
                  "regions/europe-west1/interconnectAttachments/att-1"),
            route("v6", "::/0", nextHopGateway=f"{URL}projects/{P}/global/gateways/"
                  "default-internet-gateway", priority="900"),
            route("asleep", "10.97.0.0/16", nextHopIp="10.20.0.4", routeStatus="INACTIVE"),
        ]},
        "routers.json": [{
            "name": "r1", "region": f"{URL}projects/{P}/regions/europe-west1",
            "network": URL + NET, "selfLink": f"{URL}projects/{P}/regions/europe-west1/routers/r1",
            "nats": [{"name": "listed", "sourceSubnetworkIpRangesToNat": "LIST_OF_SUBNETWORKS",
                      "subnetworks": [{"name": URL + sub}, {"name": "core-ew1"}]},
                     {"name": "private", "type": "PRIVATE"}]}],
    }


def load(tmp_path: Path, files: dict[str, Any]) -> Estate:
    return load_gcp_snapshot(write(tmp_path, files))


def test_every_next_hop_kind(tmp_path: Path) -> None:
    estate = load(tmp_path, snapshot())
    routes = {r.id.rsplit("/", 1)[1]: r for r in estate.route_tables[f"{NET}/routes"].routes}
    shared = "projects/proj-b/global/networks/shared"
    nva = f"projects/{P}/zones/europe-west1-b/instances/nva"
    assert {k: (r.next_hop, r.target, r.priority, r.origin) for k, r in routes.items()} == {
        "local": (NextHop.LOCAL, NET, 1000, "subnet"),
        "subnet-no-hop": (NextHop.LOCAL, NET, 1000, "subnet"),
        "peer-subnet": (NextHop.PEERING, shared, 1000, "peering"),
        "via-peering": (NextHop.PEERING, shared, 0, "peering"),
        "to-nva": (NextHop.APPLIANCE, nva, 100, "static"),
        "to-ip": (NextHop.APPLIANCE, "10.20.0.4", 1000, "static"),
        "vpn": (NextHop.GATEWAY, f"projects/{P}/regions/europe-west1/vpnTunnels/tun-1", 1000,
                "static"),
        "ic": (NextHop.GATEWAY,
               f"projects/{P}/regions/europe-west1/interconnectAttachments/att-1", 1000,
               "static"),
        "v6": (NextHop.INTERNET, f"projects/{P}/global/gateways/default-internet-gateway", 900,
               "static"),
        "asleep": (NextHop.APPLIANCE, "10.20.0.4", 1000, "static"),
    }
    assert routes["to-nva"].tags == ("app", "web")
    assert routes["asleep"].state == "inactive" and routes["to-ip"].state == "active"
    assert routes["v6"].addresses.contains_ip("2001:db8::1")
    assert not routes["v6"].addresses.contains_ip("10.0.0.1")
    (w,) = estate.workloads
    assert w.forwarding and w.public_addresses == ("34.1.2.3", "2600:1900:4000::1")
    assert estate.networks[NET].routed and not estate.partial


def test_cloud_nat_scopes(tmp_path: Path) -> None:
    estate = load(tmp_path, snapshot())
    (nat,) = estate.gateways.values()
    assert nat.id == f"projects/{P}/regions/europe-west1/routers/r1/nats/listed"
    # the same subnet named by URL and by name
    assert nat.subnets == (f"projects/{P}/regions/europe-west1/subnetworks/core-ew1",)
    assert any(n.code == "nat-not-modelled" and "private" in n.message for n in estate.notices)


def _add_route(r: dict[str, Any]) -> Any:
    return lambda files: files["routes.json"]["items"].append(r)


MISSING = {
    "appliance-unknown": (drop_at(["instances.json", 0]),
                          "route to-nva sends traffic to instance projects/proj-a/zones/"
                          "europe-west1-b/instances/nva, which is not in instances.json"),
    "peering-unknown": (set_at(["networks.json", 0, "peerings", 0, "name"], "renamed"),
                        "route via-peering goes through peering to-shared, which core does not "
                        "list in networks.json"),
    "network-unknown": (_add_route({**route("stray", "10.5.0.0/16", nextHopIp="10.20.0.4"),
                                    "network": f"projects/{P}/global/networks/gone"}),
                        "stray names network projects/proj-a/global/networks/gone, which is "
                        "not in networks.json"),
    "load-balancer-next-hop": (_add_route(route("ilb", "10.6.0.0/16", nextHopIlb="10.20.0.9")),
                               "route ilb sends 10.6.0.0/16 to internal load balancer "
                               "10.20.0.9, whose backends are not in the snapshot"),
    "subnet-unknown": (set_at(["routers.json", 0, "nats", 0, "subnetworks", 1, "name"], "gone"),
                       "Cloud NAT listed of r1 serves subnet projects/proj-a/regions/"
                       "europe-west1/subnetworks/gone, which is not in subnets.json"),
}


@pytest.mark.parametrize("code", sorted(MISSING))
def test_a_missing_object_is_a_notice_and_partial(tmp_path: Path, code: str) -> None:
    change, message = MISSING[code]
    files = snapshot()
    change(files)
    assert_missing(load(tmp_path, files), code, message)


def test_next_hop_instance_of_another_project_is_left_to_its_snapshot(tmp_path: Path) -> None:
    files = snapshot()
    files["routes.json"]["items"].append(route(
        "to-svc", "10.7.0.0/16",
        nextHopInstance=f"{URL}projects/proj-svc/zones/europe-west1-b/instances/fw"))
    estate = load(tmp_path, files)
    assert not estate.partial


def test_route_warnings_are_said(tmp_path: Path) -> None:
    files = snapshot()
    files["routes.json"]["items"][4]["warnings"] = [{"code": "NEXT_HOP_NOT_RUNNING"}]
    estate = load(tmp_path, files)
    assert any(n.code == "route-warning" and "NEXT_HOP_NOT_RUNNING" in n.message
               for n in estate.notices)


ROUTE0 = ["routes.json", "items", 0]
BAD = {
    "dest": (set_at([*ROUTE0, "destRange"], "10.0.0.0/33"),
             "routes.json: items[0].destRange: expected a CIDR range, found '10.0.0.0/33'"),
    "no-dest": (drop_at([*ROUTE0, "destRange"]), "routes.json: items[0].destRange: missing"),
    "no-hop": (set_at(["routes.json", "items", 1, "routeType"], "STATIC"),
               "routes.json: items[1]: no next hop (expected one of nextHopGateway"),
    "gateway": (set_at(["routes.json", "items", 8, "nextHopGateway"], "global/gateways/other"),
                "routes.json: items[8].nextHopGateway: expected the default-internet-gateway, "
                "found 'global/gateways/other'"),
    "next-hop-ip": (set_at(["routes.json", "items", 5, "nextHopIp"], "fw"),
                    "routes.json: items[5].nextHopIp: expected an IP address, found 'fw'"),
    "priority": (set_at([*ROUTE0, "priority"], -1),
                 "routes.json: items[0].priority: expected a non-negative integer, found -1"),
    "tags": (set_at([*ROUTE0, "tags"], "web"),
             "routes.json: items[0].tags: expected a list of network tags"),
    "nat-scope": (set_at(["routers.json", 0, "nats", 0, "sourceSubnetworkIpRangesToNat"], "SOME"),
                  "routers.json: items[0].nats[0].sourceSubnetworkIpRangesToNat: expected "
                  "ALL_SUBNETWORKS_ALL_IP_RANGES, ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES or "
                  "LIST_OF_SUBNETWORKS, found 'SOME'"),
    "nat-ip": (set_at(["instances.json", 0, "networkInterfaces", 0, "accessConfigs", 0, "natIP"],
                    "34.1.2"),
               "instances.json: items[0].networkInterfaces[0].accessConfigs[0].natIP: '34.1.2' "
               "is not an IP address"),
    "forwarding": (set_at(["instances.json", 0, "canIpForward"], "true"),
                   "instances.json: items[0].canIpForward: expected true or false, found 'true'"),
    "router-network": (drop_at(["routers.json", 0, "network"]),
                       "routers.json: items[0].network: missing"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_naming_file_and_path(tmp_path: Path, case: str) -> None:
    change, message = BAD[case]
    files = snapshot()
    change(files)
    assert_one_line_error(lambda: load(tmp_path, files), message)
