"""Hypothesis strategies that generate small random GCP snapshot folders.

Two VPC networks, ``net-a`` (10.0.0.0/16, fd20:a::/64) and ``net-b`` (10.1.0.0/16), sometimes
peered (ACTIVE, or only requested from one side), each with a random
``networkFirewallPolicyEnforcementOrder``. Instances sit in two zones of two regions, with one or
two NICs (nic1 in the other network), network tags and a service account drawn from short
lists so that rules hit them. VPC rules use every protocol form, port lists and ranges, source
ranges OR tags OR service accounts, target tags or service accounts, destination ranges,
disabled rules and colliding priorities (deny-wins ties); policies use allow, deny and
goto_next, target networks and service accounts. Files are gcloud lists or REST pages.

``gcp_estates(routes=True)`` makes most estates routed (``gcp_route_estates.py``): routes.json
with subnet routes, the default route, custom static routes with priorities and tags (next hop
the default internet gateway or a VPN tunnel; with ``appliances=True`` an instance or an IP),
listed peering routes, peerings that export and import custom routes, routers.json with Cloud
NAT, external IPs (``accessConfigs[].natIP``) and ``canIpForward``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.oracle.gcp_route_estates import open_rules, route_files

Json = dict[str, Any]
PROJECT = "oracle-proj"
BASE = f"https://www.googleapis.com/compute/v1/projects/{PROJECT}"
NETWORKS = {"net-a": ("10.0", "fd20:a::"), "net-b": ("10.1", None)}
ZONES = ["us-east1-b", "europe-west1-c"]
TAGS = ["web", "db", "app"]
SAS = ["", "sa-1@oracle-proj.iam.gserviceaccount.com", "sa-2@oracle-proj.iam.gserviceaccount.com"]
HOSTS = [2, 3, 4, 10]
PRIORITIES = [0, 500, 1000, 1000, 1000, 65534, 65535]
RANGES = ["0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "10.1.0.0/16", "10.0.1.3/32",
          "10.1.1.2", "8.8.8.0/24", "::/0", "fd20:a::/64", "2001:db8::/32"]
L4 = [("tcp", ["22"]), ("tcp", ["80", "443"]), ("tcp", ["1000-2000"]), ("tcp", []),
      ("udp", ["53"]), ("udp", []), ("icmp", None), ("all", None), ("esp", None),
      ("47", None), ("sctp", ["80"]), ("6", ["22-80"]), ("58", None)]
OUTSIDE = ["8.8.8.8", "10.0.1.77", "2001:db8::5", "169.254.169.254", "203.0.113.9"]


@dataclass
class GeneratedEstate:
    files: dict[str, Any]
    nics: list[tuple[str, int, str]] = field(default_factory=list)  # (instance, index, ip)
    outside: list[str] = field(default_factory=list)
    vms: list[Json] = field(default_factory=list)

    def write(self, folder: Path) -> Path:
        for name, doc in self.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(doc, indent=1))
        return folder

    def dump(self) -> str:
        return json.dumps(self.files, indent=1, sort_keys=True)


def shaped(draw: st.DrawFn, items: list[Json]) -> Any:
    return draw(st.sampled_from([items, {"kind": "compute#list", "items": items}]))


def l4(draw: st.DrawFn, key: str) -> list[Json]:
    out = []
    for name, ports in draw(st.lists(st.sampled_from(L4), min_size=1, max_size=2)):
        entry: Json = {key: name}
        if ports:
            entry["ports"] = ports
        out.append(entry)
    return out


@st.composite
def gcp_estates(
    draw: st.DrawFn, routes: bool = False, appliances: bool = False
) -> GeneratedEstate:
    est = GeneratedEstate(files={}, outside=list(OUTSIDE))
    routed = routes and draw(st.integers(0, 7)) != 3
    peering = draw(st.sampled_from(["none", "active", "inactive"]))
    networks = []
    for name in NETWORKS:
        other = "net-b" if name == "net-a" else "net-a"
        n: Json = {"kind": "compute#network", "name": name,
                   "selfLink": f"{BASE}/global/networks/{name}",
                   "networkFirewallPolicyEnforcementOrder": draw(st.sampled_from(
                       ["AFTER_CLASSIC_FIREWALL", "BEFORE_CLASSIC_FIREWALL"]))}
        if peering == "active" or (peering == "inactive" and name == "net-a"):
            n["peerings"] = [{"name": f"to-{other}", "network": f"{BASE}/global/networks/{other}",
                              "state": "ACTIVE" if peering == "active" else "INACTIVE"}]
            if routed:
                n["peerings"][0]["exportCustomRoutes"] = draw(st.booleans())
                n["peerings"][0]["importCustomRoutes"] = draw(st.booleans())
        networks.append(n)
    est.files["networks.json"] = shaped(draw, networks)
    subnets = []
    for name, (v4, v6) in NETWORKS.items():
        for zone in ZONES:
            region = zone.rsplit("-", 1)[0]
            s: Json = {"name": f"{name}-{region}", "network": f"{BASE}/global/networks/{name}",
                       "region": f"{BASE}/regions/{region}",
                       "selfLink": f"{BASE}/regions/{region}/subnetworks/{name}-{region}",
                       "ipCidrRange": f"{v4}.{ZONES.index(zone) + 1}.0/24"}
            if v6 and zone == ZONES[0]:
                s["ipv6CidrRange"] = f"{v6}/64"
            subnets.append(s)
    est.files["subnets.json"] = shaped(draw, subnets)
    est.files["instances.json"] = _instances(draw, est, routed, appliances)
    rules = [_firewall(draw, i) for i in range(draw(st.integers(0, 7)))]
    if routed:
        rules += open_rules(draw)
        est.files.update(route_files(draw, networks, subnets, est.vms, appliances))
    est.files["firewall-rules.json"] = shaped(draw, rules)
    policies = [_network_policy(draw, i) for i in range(draw(st.integers(0, 2)))]
    if policies:
        est.files["network-firewall-policies.json"] = shaped(draw, policies)
    hier = [_hierarchical(draw, i) for i in range(draw(st.integers(0, 2)))]
    if hier:
        est.files["firewall-policies.json"] = shaped(draw, hier)
    return est


def _instances(draw: st.DrawFn, est: GeneratedEstate, routed: bool = False,
               appliances: bool = False) -> Any:
    used: set[str] = set()
    vms: list[Json] = []
    for i in range(draw(st.integers(2, 4))):
        zone = draw(st.sampled_from(ZONES))
        region = zone.rsplit("-", 1)[0]
        first = draw(st.sampled_from(list(NETWORKS)))
        nets = [first] + (["net-b" if first == "net-a" else "net-a"]
                          if draw(st.integers(0, 3)) == 0 else [])
        nics = []
        for k, name in enumerate(nets):
            v4, v6 = NETWORKS[name]
            free = [h for h in HOSTS if f"{v4}.{ZONES.index(zone) + 1}.{h}" not in used]
            ip = f"{v4}.{ZONES.index(zone) + 1}.{draw(st.sampled_from(free))}"
            used.add(ip)
            nic: Json = {"name": f"nic{k}", "network": f"{BASE}/global/networks/{name}",
                         "subnetwork": f"{BASE}/regions/{region}/subnetworks/{name}-{region}",
                         "networkIP": ip}
            est.nics.append((f"vm-{i}", k, ip))
            if v6 and zone == ZONES[0] and draw(st.booleans()):
                nic["ipv6Address"] = f"{v6}{i + 2}"
                est.nics.append((f"vm-{i}", k, nic["ipv6Address"]))
            nics.append(nic)
        sa = draw(st.sampled_from(SAS))
        vms.append({"name": f"vm-{i}", "zone": f"{BASE}/zones/{zone}",
                    "selfLink": f"{BASE}/zones/{zone}/instances/vm-{i}",
                    "networkInterfaces": nics,
                    "tags": {"items": draw(st.lists(st.sampled_from(TAGS), max_size=2,
                                                    unique=True))},
                    "serviceAccounts": [{"email": sa}] if sa else []})
    if routed:
        _exposure(draw, vms, appliances)
    est.vms = vms
    if draw(st.booleans()):
        by_zone: dict[str, Json] = {}
        for vm in vms:
            by_zone.setdefault(f"zones/{vm['zone'].rsplit('/', 1)[1]}",
                               {"instances": []})["instances"].append(vm)
        return {"kind": "compute#instanceAggregatedList", "items": by_zone}
    return vms


def _exposure(draw: st.DrawFn, vms: list[Json], appliances: bool) -> None:
    """External IPs on some NICs; ``canIpForward`` on every instance; with ``appliances`` one
    single-NIC instance (tag ``fw``, which no route names) that mostly forwards."""
    for i, vm in enumerate(vms):
        vm["canIpForward"] = False
        for k, nic in enumerate(vm["networkInterfaces"]):
            if draw(st.integers(0, 2)) == 1:
                nic["accessConfigs"] = [{"kind": "compute#accessConfig", "name": "external-nat",
                                         "type": "ONE_TO_ONE_NAT", "networkTier": "PREMIUM",
                                         "natIP": f"34.1.{i}.{k + 10}"}]
            if nic.get("ipv6Address") and draw(st.integers(0, 3)) == 1:
                nic["ipv6AccessConfigs"] = [{"kind": "compute#accessConfig",
                                             "name": "external-ipv6", "type": "DIRECT_IPV6",
                                             "externalIpv6": f"2600:1900:{i}::{k + 1}",
                                             "externalIpv6PrefixLength": 96}]
    singles = [vm for vm in vms if len(vm["networkInterfaces"]) == 1]
    if appliances and singles and draw(st.integers(0, 3)) != 0:
        box = draw(st.sampled_from(singles))
        box["canIpForward"] = draw(st.integers(0, 4)) != 2
        box["tags"] = {"items": ["fw"]}
        box["labels"] = {"role": "appliance"}


def _firewall(draw: st.DrawFn, i: int) -> Json:
    direction = draw(st.sampled_from(["INGRESS", "EGRESS"]))
    network = draw(st.sampled_from(list(NETWORKS)))
    rule: Json = {"kind": "compute#firewall", "name": f"fw-{i}",
                  "network": f"{BASE}/global/networks/{network}",
                  "selfLink": f"{BASE}/global/firewalls/fw-{i}",
                  "priority": draw(st.sampled_from(PRIORITIES)), "direction": direction,
                  "disabled": draw(st.integers(0, 5)) == 0}
    rule["denied" if draw(st.booleans()) else "allowed"] = l4(draw, "IPProtocol")
    ranges = draw(st.lists(st.sampled_from(RANGES), max_size=2, unique=True))
    if direction == "INGRESS":
        source = draw(st.sampled_from(["ranges", "tags", "sas", "ranges+tags", "none"]))
        if "ranges" in source:
            rule["sourceRanges"] = ranges
        if "tags" in source:
            rule["sourceTags"] = draw(st.lists(st.sampled_from(TAGS), min_size=1, max_size=2,
                                               unique=True))
        if source == "sas":
            rule["sourceServiceAccounts"] = [draw(st.sampled_from(SAS[1:]))]
        if draw(st.integers(0, 4)) == 0:
            rule["destinationRanges"] = draw(st.lists(st.sampled_from(RANGES), min_size=1,
                                                      max_size=2, unique=True))
    else:
        if ranges:
            rule["destinationRanges"] = ranges
        if draw(st.integers(0, 4)) == 0:
            rule["sourceRanges"] = [draw(st.sampled_from(RANGES))]
    target = draw(st.sampled_from(["none", "none", "tags", "sas"]))
    if target == "tags" and "sourceServiceAccounts" not in rule:
        rule["targetTags"] = draw(st.lists(st.sampled_from(TAGS), min_size=1, max_size=2,
                                           unique=True))
    elif target == "sas" and "sourceTags" not in rule:
        rule["targetServiceAccounts"] = [draw(st.sampled_from(SAS[1:]))]
    return rule


def _policy_rules(draw: st.DrawFn, targets_networks: bool) -> list[Json]:
    prios = draw(st.lists(st.sampled_from([1, 10, 100, 1000, 2000, 65535]), max_size=4,
                          unique=True))
    rules = []
    for p in prios:
        direction = draw(st.sampled_from(["INGRESS", "EGRESS"]))
        ranges = draw(st.lists(st.sampled_from(RANGES), min_size=1, max_size=2, unique=True))
        match: Json = {"layer4Configs": l4(draw, "ipProtocol")}
        match["srcIpRanges" if direction == "INGRESS" else "destIpRanges"] = ranges
        if draw(st.integers(0, 4)) == 0:
            match["destIpRanges" if direction == "INGRESS" else "srcIpRanges"] = [
                draw(st.sampled_from(RANGES))]
        r: Json = {"kind": "compute#firewallPolicyRule", "priority": p, "direction": direction,
                   "action": draw(st.sampled_from(["allow", "deny", "goto_next"])),
                   "match": match, "disabled": draw(st.integers(0, 6)) == 0}
        if draw(st.integers(0, 3)) == 0:
            r["targetServiceAccounts"] = [draw(st.sampled_from(SAS[1:]))]
        if targets_networks and draw(st.integers(0, 3)) == 0:
            target = draw(st.sampled_from(list(NETWORKS)))
            r["targetResources"] = [f"{BASE}/global/networks/{target}"]
        rules.append(r)
    return rules


def _network_policy(draw: st.DrawFn, i: int) -> Json:
    network = draw(st.sampled_from(list(NETWORKS)))
    regional = i == 1  # a network has at most one global and one regional policy per region
    region = draw(st.sampled_from(ZONES)).rsplit("-", 1)[0]
    where = f"regions/{region}" if regional else "global"
    p: Json = {"kind": "compute#firewallPolicy", "name": f"np-{i}",
               "selfLink": f"{BASE}/{where}/firewallPolicies/np-{i}",
               "associations": [{"name": f"assoc-{i}",
                                 "attachmentTarget": f"{BASE}/global/networks/{network}"}],
               "rules": _policy_rules(draw, False)}
    if regional:
        p["region"] = f"{BASE}/regions/{region}"
    return p


def _hierarchical(draw: st.DrawFn, i: int) -> Json:
    where = draw(st.sampled_from(["organizations/111", "folders/222"]))
    return {"kind": "compute#firewallPolicy", "name": f"9000{i}", "shortName": f"hp-{i}",
            "parent": where, "associations": [{"name": f"a-{i}", "attachmentTarget": where}],
            "rules": _policy_rules(draw, True)}
