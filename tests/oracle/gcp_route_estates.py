"""Random GCP routing files for ``gcp_estates(routes=True)``, in the shapes ``gcloud compute
routes list`` / ``routers list --format=json`` write (compare
tests/fixtures/gcp-api/gcpdiag-vpc2-routes-list-subnet-routes.json and
gcpdiag-routers-list-cloud-nat.json).

- subnet routes (``nextHopNetwork`` = the route's own network, priority 0) for every subnet
  range, the IPv6 ones included; rarely one left out of a network without an active peering;
- the default route (0.0.0.0/0, and ::/0 for net-a, to the default internet gateway, priority
  1000), mostly present;
- custom static routes: destinations never inside a subnet range (GCP refuses them), never
  the same (destination, priority) twice in the estate (so imported routes never tie either),
  sometimes with network tags; next hop the default internet gateway or a VPN tunnel, and with
  ``appliances=True`` tagged routes to the appliance instance (``nextHopInstance``) or its
  address (``nextHopIp``): the appliance carries tag ``fw`` only, so no such route applies to
  it and no chain of appliances arises;
- listed peering routes (``nextHopPeering``) for the peer's subnet ranges of an ACTIVE peering,
  as routes.list shows them;
- Cloud NAT on a router of a network and region (every subnet, or a listed one).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

Json = dict[str, Any]
PROJECT = "oracle-proj"
BASE = f"https://www.googleapis.com/compute/v1/projects/{PROJECT}"
TAGS = ["web", "db", "app"]
DESTINATIONS = {
    "net-a": ["0.0.0.0/0", "8.8.8.0/24", "203.0.113.0/24", "10.0.0.0/8", "10.1.0.0/16",
              "192.168.0.0/16", "::/0", "2001:db8::/32"],
    "net-b": ["0.0.0.0/0", "8.8.8.0/24", "203.0.113.0/24", "10.0.0.0/8", "10.0.0.0/16",
              "192.168.0.0/16"],
}
PRIORITIES = [100, 500, 900, 1000, 1001]


def _tail(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def open_rules(draw: st.DrawFn) -> list[Json]:
    """Ingress allowed from anywhere in some networks (IPv4 and IPv6 are separate rules), so
    that routes, not the implied deny, decide more paths."""
    out = []
    for name in ("net-a", "net-b"):
        if draw(st.integers(0, 4)) == 2:
            continue
        for family, ranges in (("4", ["0.0.0.0/0"]), ("6", ["::/0"])):
            out.append({"kind": "compute#firewall", "name": f"open-{name}-{family}",
                        "network": f"{BASE}/global/networks/{name}",
                        "selfLink": f"{BASE}/global/firewalls/open-{name}-{family}",
                        "priority": 60000, "direction": "INGRESS", "disabled": False,
                        "allowed": [{"IPProtocol": "all"}], "sourceRanges": ranges})
    return out


def route_files(draw: st.DrawFn, networks: list[Json], subnets: list[Json], vms: list[Json],
                appliances: bool) -> dict[str, Any]:
    routes: list[Json] = []
    taken: set[tuple[str, int]] = set()
    peers = {n["name"]: [p for p in n.get("peerings", []) if p["state"] == "ACTIVE"]
             for n in networks}
    box = next((vm for vm in vms if "fw" in vm.get("tags", {}).get("items", [])), None)

    def add(name: str, network: str, dest: str, priority: int, **hop: Any) -> None:
        routes.append({"kind": "compute#route", "name": name,
                       "network": f"{BASE}/global/networks/{network}", "destRange": dest,
                       "priority": priority, **hop,
                       "selfLink": f"{BASE}/global/routes/{name}"})

    for n in networks:
        net = n["name"]
        url = f"{BASE}/global/networks/{net}"
        mine = [s for s in subnets if _tail(s["network"]) == net]
        for j, s in enumerate(mine):
            for key in ("ipCidrRange", "ipv6CidrRange"):
                if not s.get(key):
                    continue
                if not peers[net] and draw(st.integers(0, 5)) == 4:
                    continue  # left out: the lookup is made over what is listed
                add(f"default-route-{net}-{j}{key[:4]}", net, s[key], 0, nextHopNetwork=url,
                    description=f"Default local route to the subnetwork {s[key]}.")
        if draw(st.integers(0, 4)) != 2:
            add(f"default-{net}", net, "0.0.0.0/0", 1000,
                nextHopGateway=f"{BASE}/global/gateways/default-internet-gateway",
                description="Default route to the Internet.")
            taken.add(("0.0.0.0/0", 1000))
            if net == "net-a" and draw(st.booleans()):
                add(f"default-v6-{net}", net, "::/0", 1000,
                    nextHopGateway=f"{BASE}/global/gateways/default-internet-gateway")
                taken.add(("::/0", 1000))
        for k in range(draw(st.integers(0, 3))):
            dest = draw(st.sampled_from(DESTINATIONS[net]))
            priority = draw(st.sampled_from(PRIORITIES))
            if (dest, priority) in taken:
                continue
            taken.add((dest, priority))
            hop: Json
            if draw(st.booleans()):
                hop = {"nextHopGateway": f"{BASE}/global/gateways/default-internet-gateway"}
            else:
                region = "us-east1"
                hop = {"nextHopVpnTunnel": f"{BASE}/regions/{region}/vpnTunnels/tunnel-{net}"}
            if draw(st.integers(0, 2)) == 0:
                hop["tags"] = draw(st.lists(st.sampled_from(TAGS), min_size=1, max_size=2,
                                            unique=True))
            add(f"custom-{net}-{k}", net, dest, priority, **hop)
        if appliances and box is not None:
            nic = box["networkInterfaces"][0]
            if _tail(nic["network"]) == net:
                for k in range(draw(st.integers(1, 2))):
                    dest = draw(st.sampled_from(DESTINATIONS[net]))
                    priority = draw(st.sampled_from(PRIORITIES))
                    if (dest, priority) in taken or ":" in dest:
                        continue
                    taken.add((dest, priority))
                    target = ({"nextHopInstance": box["selfLink"]} if draw(st.booleans())
                              else {"nextHopIp": nic["networkIP"]})
                    tags = draw(st.lists(st.sampled_from(TAGS), min_size=1, max_size=2,
                                         unique=True))
                    add(f"via-appliance-{net}-{k}", net, dest, priority, tags=tags, **target)
        for p in peers[net]:
            if not draw(st.booleans()):
                continue
            for j, s in enumerate(x for x in subnets
                                  if _tail(x["network"]) == _tail(p["network"])):
                add(f"peering-route-{net}-{j}", net, s["ipCidrRange"], 0,
                    nextHopPeering=p["name"],
                    description=f"Auto generated route via peering [{p['name']}].")
    files: dict[str, Any] = {"routes.json": _shaped(draw, routes)}
    routers: list[Json] = []
    for n in networks:
        if draw(st.integers(0, 2)) != 1:
            continue
        net = n["name"]
        region = draw(st.sampled_from(["us-east1", "europe-west1"]))
        nat: Json = {"name": f"nat-{net}", "type": "PUBLIC", "endpointTypes": ["ENDPOINT_TYPE_VM"],
                     "natIpAllocateOption": "AUTO_ONLY",
                     "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES"}
        if draw(st.booleans()):
            nat["sourceSubnetworkIpRangesToNat"] = "LIST_OF_SUBNETWORKS"
            nat["subnetworks"] = [{
                "name": f"{BASE}/regions/{region}/subnetworks/{net}-{region}",
                "sourceIpRangesToNat": ["ALL_IP_RANGES"]}]
        routers.append({"kind": "compute#router", "name": f"router-{net}",
                        "region": f"{BASE}/regions/{region}",
                        "network": f"{BASE}/global/networks/{net}",
                        "selfLink": f"{BASE}/regions/{region}/routers/router-{net}",
                        "nats": [nat]})
    if routers or bool(draw(st.booleans())):
        files["routers.json"] = _shaped(draw, routers)
    return files


def _shaped(draw: st.DrawFn, items: list[Json]) -> Any:
    return draw(st.sampled_from([items, {"kind": "compute#list", "items": items}]))
