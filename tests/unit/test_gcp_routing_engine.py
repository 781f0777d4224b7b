"""The GCP routing step of the engine, from Google's docs.

- [ROUTES] vpc/docs/routes, "Routing order": the most specific destination wins, then the
  lowest priority; a route with network tags applies only to instances with one of them.
- [NAT] vpc/docs/vpc ("Internet access requirements"), nat/docs/overview: an instance
  reaches the internet by the default internet gateway route with an external IP, or through
  Cloud NAT for its subnet; Cloud NAT does not let unsolicited inbound connections in.
- [PEER] vpc/docs/vpc-peering: subnet routes are always exchanged between peered networks.
- [NH] vpc/docs/routes ("Instances as next hops"): the next-hop instance must have
  canIpForward; its own firewall rules apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pathwarden.api import Engine, load_estate
from tests.unit.test_gcp_routes_load import write

P = "proj-a"
URL = "https://www.googleapis.com/compute/v1/"
CORE, SHARED = (f"projects/{P}/global/networks/{n}" for n in ("core", "shared"))
REGION = f"{URL}projects/{P}/regions/europe-west1"
OPEN = [{"protocol": "all", "ports": None}]


def _route(name: str, net: str, dest: str, priority: int = 1000, **hop: Any) -> dict[str, Any]:
    return {"name": name, "network": URL + net, "destRange": dest, "priority": priority,
            "selfLink": f"{URL}projects/{P}/global/routes/{name}", **hop}


def _instance(name: str, ip: str, net: str, sub: str, tags: tuple[str, ...] = (),
              external: str = "", forwarding: bool = False) -> dict[str, Any]:
    nic: dict[str, Any] = {"name": "nic0", "network": URL + net, "networkIP": ip,
                           "subnetwork": f"{URL}projects/{P}/regions/europe-west1/"
                                         f"subnetworks/{sub}"}
    if external:
        nic["accessConfigs"] = [{"name": "External NAT", "natIP": external}]
    zone = f"{URL}projects/{P}/zones/europe-west1-b"
    return {"name": name, "zone": zone, "selfLink": f"{zone}/instances/{name}",
            "status": "RUNNING", "canIpForward": forwarding, "tags": {"items": list(tags)},
            "networkInterfaces": [nic]}


def estate_files(nat: bool = False) -> dict[str, Any]:
    """core (10.20.0.0/20: web, tagged, no external IP; app, external IP; nva, forwarding,
    whose firewall lets only tcp/22 in) peered with shared (10.30.0.0/20: db). Every ingress
    is allowed except to nva; egress is the implied allow."""
    subnets = [{"name": n, "network": URL + net, "ipCidrRange": cidr, "region": REGION,
                "selfLink": f"{REGION}/subnetworks/{n}"}
               for n, net, cidr in (("core-a", CORE, "10.20.0.0/20"),
                                    ("shared-a", SHARED, "10.30.0.0/20"))]
    peering = {"state": "ACTIVE", "exportCustomRoutes": False, "importCustomRoutes": False}
    firewalls = [{"name": f"all-{n}", "network": URL + net, "direction": "INGRESS",
                  "priority": 1000, "sourceRanges": ["0.0.0.0/0"],
                  "allowed": [{"IPProtocol": "all"}], "targetTags": tags}
                 for n, net, tags in (("core", CORE, ["web", "app"]), ("shared", SHARED, []))]
    firewalls.append({"name": "nva-ssh", "network": URL + CORE, "direction": "INGRESS",
                      "priority": 1000, "sourceRanges": ["0.0.0.0/0"], "targetTags": ["nva"],
                      "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}]})
    gateway = {"nextHopGateway": f"{URL}projects/{P}/global/gateways/default-internet-gateway"}
    files: dict[str, Any] = {
        "networks.json": [
            {"name": "core", "selfLink": URL + CORE, "peerings": [
                {"name": "to-shared", "network": URL + SHARED, **peering}]},
            {"name": "shared", "selfLink": URL + SHARED, "peerings": [
                {"name": "to-core", "network": URL + CORE, **peering}]}],
        "subnets.json": subnets,
        "firewall-rules.json": firewalls,
        "instances.json": [
            _instance("web", "10.20.0.2", CORE, "core-a", ("web",)),
            _instance("app", "10.20.0.3", CORE, "core-a", ("app",), external="34.1.2.3"),
            _instance("nva", "10.20.0.4", CORE, "core-a", ("nva",), forwarding=True),
            _instance("db", "10.30.0.2", SHARED, "shared-a")],
        "routes.json": [
            _route("core-subnet", CORE, "10.20.0.0/20", 0, nextHopNetwork=URL + CORE,
                   routeType="SUBNET"),
            _route("shared-subnet", SHARED, "10.30.0.0/20", 0, nextHopNetwork=URL + SHARED,
                   routeType="SUBNET"),
            _route("core-default", CORE, "0.0.0.0/0", **gateway),
            _route("shared-default", SHARED, "0.0.0.0/0", **gateway),
            # 10.99.0.0/16: web (tagged) by the appliance at priority 100, the rest by VPN
            _route("via-nva", CORE, "10.99.0.0/16", 100, tags=["web"],
                   nextHopInstance=f"{URL}projects/{P}/zones/europe-west1-b/instances/nva"),
            _route("via-vpn", CORE, "10.99.0.0/16", 200,
                   nextHopVpnTunnel=f"{REGION}/vpnTunnels/tun-1"),
        ],
    }
    if nat:
        files["routers.json"] = [{"name": "r1", "region": REGION, "network": URL + CORE,
                                  "selfLink": f"{REGION}/routers/r1", "nats": [{
                                      "name": "nat-all",
                                      "sourceSubnetworkIpRangesToNat":
                                          "ALL_SUBNETWORKS_ALL_IP_RANGES"}]}]
    return files


def _open(tmp_path: Path, src: str, dst: str, nat: bool = False) -> list[dict[str, Any]]:
    estate = load_estate([write(tmp_path, estate_files(nat))])
    assert not estate.partial, [n.message for n in estate.notices]
    out: list[dict[str, Any]] = Engine(estate).reach(src, dst).to_json()["open"]
    return out


def test_peered_networks_reach_each_other_by_subnet_routes(tmp_path: Path) -> None:  # [PEER]
    assert _open(tmp_path, "10.20.0.3", "10.30.0.2") == OPEN
    assert _open(tmp_path / "2", "10.30.0.2", "10.20.0.3") == OPEN


def test_internet_needs_an_external_ip_or_cloud_nat_out(tmp_path: Path) -> None:  # [NAT]
    assert _open(tmp_path, "10.20.0.3", "8.8.8.8") == OPEN  # app: external IP
    assert _open(tmp_path / "2", "10.20.0.2", "8.8.8.8") == []  # web: neither
    assert _open(tmp_path / "3", "10.20.0.2", "8.8.8.8", nat=True) == OPEN  # web: Cloud NAT


def test_only_an_external_ip_lets_the_internet_in(tmp_path: Path) -> None:  # [NAT]
    assert _open(tmp_path, "203.0.113.9", "10.20.0.3") == OPEN
    assert _open(tmp_path / "2", "203.0.113.9", "10.20.0.2", nat=True) == []


def test_tags_then_priority_choose_the_route_and_the_appliance_filters(tmp_path: Path) -> None:
    """[ROUTES]: web's tagged route (priority 100) beats the VPN route (200) and goes through
    nva, whose firewall lets only tcp/22 in [NH]; app has no tag: the VPN route."""
    assert _open(tmp_path, "10.20.0.2", "10.99.1.1") == [{"protocol": "tcp",
                                                           "ports": [[22, 22]]}]
    assert _open(tmp_path / "2", "10.20.0.3", "10.99.1.1") == OPEN
