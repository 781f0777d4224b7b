"""Hypothesis strategies that generate small random Azure snapshot folders.

VNet ``i`` is ``10.{i}.0.0/16`` (sometimes with ``fd00:0:{i}::/48``), its subnets
``10.{i}.{k}.0/24``; NIC hosts come from a short list so that rules hit them. Each file is
written either in the ARM REST shape (``properties`` nested, ``{"value": [...]}``) or the az
CLI's flattened list, and references sometimes differ in case (ARM ids are case-insensitive).
Rules use singular and plural fields, service tags, ASGs, source ports, every protocol, and the
default rules are present or left out (the loader and the oracle both add them). Admin rules use
Allow, AlwaysAllow and Deny.

``azure_estates(routes=True)`` makes most estates routed: ``network-route-table-list.json``
(user-defined routes with VnetLocal, Internet, VirtualNetworkGateway, None and, with
``appliances=True``, VirtualAppliance next hops; associated from both sides), public IPs in
``network-public-ip-list.json`` and ``enableIPForwarding`` on NICs. Route names are unique
per table and so are address prefixes (Azure refuses duplicates), so no tie is generated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

Json = dict[str, Any]
SUB = "00000000-0000-0000-0000-0000000000aa"
HOSTS = [4, 5, 6, 10, 100, 200]
PRIORITIES = [100, 110, 120, 200, 300, 1000, 4096]
ADMIN_PRIORITIES = [1, 5, 10, 50, 100]
PROTOCOLS = ["Tcp", "Udp", "Icmp", "Esp", "Ah", "*", "*"]
ADMIN_PROTOCOLS = ["Tcp", "Udp", "Icmp", "Any", "Esp", "Ah"]
PORTS = ["*", "*", "22", "53", "80", "443", "80-443", "1000-2000", "0-65535", "3389"]
SRC_PORTS = ["*", "*", "*", "1024-65535", "53", "0-65535", "22"]
TAGS = ["VirtualNetwork", "VirtualNetwork", "Internet", "AzureLoadBalancer", "Storage", "Sql"]
OUTSIDE = ["8.8.8.8/32", "20.60.0.0/16", "10.9.0.0/16", "0.0.0.0/0", "168.63.129.16/32"]
DEFAULTS = [
    ("AllowVnetInBound", "Inbound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow"),
    ("AllowAzureLoadBalancerInBound", "Inbound", 65001, "AzureLoadBalancer", "*", "Allow"),
    ("DenyAllInBound", "Inbound", 65500, "*", "*", "Deny"),
    ("AllowVnetOutBound", "Outbound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow"),
    ("AllowInternetOutBound", "Outbound", 65001, "*", "Internet", "Allow"),
    ("DenyAllOutBound", "Outbound", 65500, "*", "*", "Deny"),
]


@dataclass
class GeneratedEstate:
    files: dict[str, Any]
    nic_ips: list[tuple[str, str]] = field(default_factory=list)  # (nic id, ip)
    outside: list[str] = field(default_factory=list)

    def write(self, folder: Path) -> Path:
        for name, doc in self.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(doc, indent=1))
        return folder

    def dump(self) -> str:
        return json.dumps(self.files, indent=1, sort_keys=True)


def rid(rg: str, kind: str, name: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/{kind}/{name}"


def flatten(obj: Any) -> Any:
    """The az CLI shape: every ``properties`` bag merged into its resource."""
    if isinstance(obj, list):
        return [flatten(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out = {k: flatten(v) for k, v in obj.items() if k != "properties"}
    if isinstance(obj.get("properties"), dict):
        out.update(flatten(obj["properties"]))
    return out


def shaped(draw: st.DrawFn, items: list[Json]) -> Any:
    return draw(st.sampled_from([{"value": items}, flatten(items)]))


def recase(draw: st.DrawFn, arm_id: str) -> str:
    return (
        arm_id.replace("resourceGroups/rg", "resourcegroups/RG")
        if draw(st.integers(0, 4)) == 0
        else arm_id
    )


@st.composite
def azure_estates(
    draw: st.DrawFn, routes: bool = False, appliances: bool = False
) -> GeneratedEstate:
    routed = routes and draw(st.integers(0, 7)) != 3
    n_vnets = draw(st.integers(2 if routed else 1, 3))
    vnets: list[Json] = []
    subnets: list[tuple[Json, int, int, bool]] = []  # (subnet, vnet index, k, has v6)
    for i in range(n_vnets):
        v6 = draw(st.integers(0, 3)) == 0
        space = [f"10.{i}.0.0/16"] + ([f"fd00:0:{i}::/48"] if v6 else [])
        vnet: Json = {
            "id": rid(f"rg{i % 2}", "virtualNetworks", f"vnet{i}"),
            "name": f"vnet{i}",
            "location": "westeurope",
            "properties": {
                "addressSpace": {"addressPrefixes": space},
                "subnets": [],
                "virtualNetworkPeerings": [],
            },
        }
        for k in range(draw(st.integers(1, 3))):
            prefixes = [f"10.{i}.{k}.0/24"] + ([f"fd00:0:{i}:{k}::/64"] if v6 else [])
            sp: Json = (
                {"addressPrefixes": prefixes}
                if len(prefixes) > 1
                else {"addressPrefix": prefixes[0]}
            )
            s: Json = {"id": f"{vnet['id']}/subnets/s{k}", "name": f"s{k}", "properties": sp}
            vnet["properties"]["subnets"].append(s)
            subnets.append((s, i, k, v6))
        vnets.append(vnet)
    if n_vnets >= 2:
        state = draw(
            st.sampled_from(["Connected", "Connected", "Connected", "Initiated", "Disconnected"])
        )
        access = draw(st.sampled_from([True, True, None, False]))
        sides = [(0, 1), (1, 0)] if state != "Initiated" else [(0, 1)]
        for a, b in sides:
            pp: Json = {
                "peeringState": state,
                "remoteVirtualNetwork": {"id": recase(draw, vnets[b]["id"])},
                "remoteAddressSpace": vnets[b]["properties"]["addressSpace"],
            }
            if access is not None:
                pp["allowVirtualNetworkAccess"] = access
            vnets[a]["properties"]["virtualNetworkPeerings"].append(
                {
                    "id": f"{vnets[a]['id']}/virtualNetworkPeerings/p{b}",
                    "name": f"p{b}",
                    "properties": pp,
                }
            )

    asgs = [
        rid("rg0", "applicationSecurityGroups", f"asg{n}") for n in range(draw(st.integers(0, 2)))
    ]
    nics: list[Json] = []
    nic_ips: list[tuple[str, str]] = []
    used: set[str] = set()
    pool = [*OUTSIDE, "fd00::/16", "2001:db8::/32"]
    pool += [f"10.{i}.0.0/16" for i in range(n_vnets)]
    pool += [
        s["properties"].get("addressPrefix") or s["properties"]["addressPrefixes"][0]
        for s, *_ in subnets
    ]
    n_nsgs = draw(st.integers(1, 4))
    nsg_ids = [rid("rg0", "networkSecurityGroups", f"nsg{n}") for n in range(n_nsgs)]
    for n in range(draw(st.integers(3 if routed else 2, 7))):
        s, i, k, v6 = draw(st.sampled_from(subnets))
        if routed:  # spread over the VNets: paths between them are what routes decide
            s, i, k, v6 = draw(st.sampled_from([x for x in subnets if x[1] == n % n_vnets]))
        free = [h for h in HOSTS if f"10.{i}.{k}.{h}" not in used]
        if not free:
            continue
        hosts = draw(st.lists(st.sampled_from(free), min_size=1, max_size=2, unique=True))
        nic_id = rid(f"rg{n % 2}", "networkInterfaces", f"nic{n}")
        configs = []
        for j, h in enumerate(hosts):
            ip = f"10.{i}.{k}.{h}"
            if v6 and j == 1:
                ip = f"fd00:0:{i}:{k}::{h:x}"
            used.add(f"10.{i}.{k}.{h}")
            nic_ips.append((nic_id, ip))
            cp: Json = {
                "privateIPAddress": ip,
                "primary": j == 0,
                "subnet": {"id": recase(draw, s["id"])},
                "privateIPAddressVersion": "IPv6" if ":" in ip else "IPv4",
            }
            members = draw(st.lists(st.sampled_from(asgs), unique=True)) if asgs else []
            if members:
                cp["applicationSecurityGroups"] = [{"id": recase(draw, a)} for a in members]
            configs.append(
                {
                    "id": f"{nic_id}/ipConfigurations/ipconfig{j + 1}",
                    "name": f"ipconfig{j + 1}",
                    "properties": cp,
                }
            )
            pool.append(f"{ip}/{128 if ':' in ip else 32}")
        nic: Json = {
            "id": nic_id,
            "name": f"nic{n}",
            "location": "westeurope",
            "properties": {"ipConfigurations": configs},
        }
        if draw(st.booleans()):
            nic["properties"]["networkSecurityGroup"] = {
                "id": recase(draw, draw(st.sampled_from(nsg_ids)))
            }
        nics.append(nic)
    for s, *_ in subnets:
        if draw(st.integers(0, 2)):
            s["properties"]["networkSecurityGroup"] = {
                "id": recase(draw, draw(st.sampled_from(nsg_ids)))
            }

    nsgs = [_nsg(draw, nid, pool, asgs) for nid in nsg_ids]
    if routed:  # open doors more often, so that the routes decide
        for nsg in nsgs:
            for direction in ("Inbound", "Outbound"):
                if draw(st.booleans()):
                    nsg["properties"]["securityRules"].append(_allow_all(nsg["id"], direction))
    files: dict[str, Any] = {
        "network-vnet-list.json": shaped(draw, vnets),
        "network-nic-list.json": shaped(draw, nics),
        "network-nsg-list.json": shaped(draw, nsgs),
    }
    if asgs:
        files["network-asg-list.json"] = shaped(
            draw,
            [
                {
                    "id": a,
                    "name": a.rsplit("/", 1)[1],
                    "location": "westeurope",
                    "properties": {"provisioningState": "Succeeded"},
                }
                for a in asgs
            ],
        )
    if draw(st.booleans()):
        files["network-service-tags.json"] = {
            "values": [
                {
                    "id": "Storage",
                    "name": "Storage",
                    "properties": {"addressPrefixes": ["20.60.0.0/16", "10.1.2.0/24"]},
                },
                {"id": "Sql", "name": "Sql", "properties": {"addressPrefixes": ["8.8.8.0/24"]}},
            ]
        }
    if routed:
        files.update(route_files(draw, vnets, nics, subnets, appliances))
    for i, vnet in enumerate(vnets):
        if draw(st.booleans()):
            rules = [_admin_rule(draw, vnet["id"], n, pool) for n in range(draw(st.integers(1, 4)))]
            files[f"network-manager-effective-admin-rules/rg{i % 2}/{vnet['name']}.json"] = shaped(
                draw, rules
            )
    outside = [
        "8.8.8.8",
        "10.9.0.1",
        "20.60.1.1",
        "168.63.129.16",
        "169.254.169.254",
        "2001:db8::1",
        "10.0.0.250",
        "10.1.2.250",
        "fd00:0:0:0::99",
    ]
    return GeneratedEstate(files, nic_ips, outside)


def _allow_all(nsg_id: str, direction: str) -> Json:
    name = f"allow-all-{direction.lower()}"
    return {"id": f"{nsg_id}/securityRules/{name}", "name": name, "properties": {
        "priority": 4000, "direction": direction, "access": "Allow", "protocol": "*",
        "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
        "sourcePortRange": "*", "destinationPortRange": "*"}}


def route_files(
    draw: st.DrawFn,
    vnets: list[Json],
    nics: list[Json],
    subnets: list[tuple[Json, int, int, bool]],
    appliances: bool,
) -> dict[str, Any]:
    """Route tables (associated through the subnet's ``routeTable`` and the table's
    ``subnets``), public IPs on some NICs, ``enableIPForwarding`` on the appliances."""
    boxes: list[Json] = []
    for nic in nics:
        nic["properties"]["enableIPForwarding"] = False
    if appliances:
        for nic in nics:
            if draw(st.integers(0, 3)) == 1:
                boxes.append(nic)
                nic["properties"]["enableIPForwarding"] = draw(st.integers(0, 4)) != 2
    box_subnets = {
        c["properties"]["subnet"]["id"].lower()
        for b in boxes for c in b["properties"]["ipConfigurations"]
    }
    prefixes = ["0.0.0.0/0", "8.8.8.0/24", "10.9.0.0/16", "20.60.0.0/16", "::/0"]
    for v in vnets:
        prefixes += v["properties"]["addressSpace"]["addressPrefixes"]
    for sub, *_ in subnets:
        sp = sub["properties"]
        prefixes.append(sp.get("addressPrefix") or sp["addressPrefixes"][0])
    tables: list[Json] = []
    for t in range(draw(st.integers(1, 3))):
        tid = rid("rg0", "routeTables", f"rt{t}")
        chosen = draw(st.lists(st.sampled_from(prefixes), min_size=1, max_size=4, unique=True))
        routes = []
        for n, prefix in enumerate(chosen):
            hops = ["None", "VnetLocal", "Internet", "VirtualNetworkGateway"]
            if boxes:
                hops = ["VirtualAppliance", "VirtualAppliance", *hops]
            hop = draw(st.sampled_from(hops))
            rp: Json = {"addressPrefix": prefix, "nextHopType": hop,
                        "provisioningState": "Succeeded"}
            if hop == "VirtualAppliance":
                box = draw(st.sampled_from(boxes))
                rp["nextHopIpAddress"] = box["properties"]["ipConfigurations"][0][
                    "properties"]["privateIPAddress"]
            routes.append({"id": f"{tid}/routes/r{n}", "name": f"r{n}", "properties": rp})
        tables.append({"id": tid, "name": f"rt{t}", "location": "westeurope",
                       "properties": {"routes": routes, "subnets": [],
                                      "disableBgpRoutePropagation": False}})
    for sub, *_ in subnets:
        # a subnet holding an appliance takes no table with appliance routes: no chains
        usable = [t for t in tables if sub["id"].lower() not in box_subnets or not any(
            r["properties"]["nextHopType"] == "VirtualAppliance"
            for r in t["properties"]["routes"])]
        if not usable or draw(st.integers(0, 3)) == 0:
            continue
        table = draw(st.sampled_from(usable))
        sub["properties"]["routeTable"] = {"id": recase(draw, table["id"])}
        table["properties"]["subnets"].append({"id": sub["id"]})
    pips: list[Json] = []
    for n, nic in enumerate(nics):
        if draw(st.integers(0, 2)) != 1:
            continue
        config = nic["properties"]["ipConfigurations"][0]
        pid = rid("rg1", "publicIPAddresses", f"pip{n}")
        pp: Json = {"ipAddress": f"20.1.2.{n + 10}", "publicIPAddressVersion": "IPv4",
                    "publicIPAllocationMethod": "Static"}
        if draw(st.booleans()):
            pp["ipConfiguration"] = {"id": config["id"]}
        if "ipConfiguration" not in pp or draw(st.booleans()):
            config["properties"]["publicIPAddress"] = {"id": recase(draw, pid)}
        pips.append({"id": pid, "name": f"pip{n}", "location": "westeurope",
                     "properties": pp})
    return {"network-route-table-list.json": shaped(draw, tables),
            "network-public-ip-list.json": shaped(draw, pips)}


def _address(draw: st.DrawFn, pool: list[str], tags: bool = True) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return "*"
    if kind <= 3 and tags:
        return draw(st.sampled_from(TAGS))
    return draw(st.sampled_from(pool))


def _side(draw: st.DrawFn, rule: Json, side: str, pool: list[str], asgs: list[str]) -> None:
    kind = draw(st.integers(0, 5))
    rule[f"{side}AddressPrefixes"] = []
    rule[f"{side}ApplicationSecurityGroups"] = []
    if kind == 0 and asgs:
        rule[f"{side}ApplicationSecurityGroups"] = [
            {"id": a} for a in draw(st.lists(st.sampled_from(asgs), min_size=1, unique=True))
        ]
    elif kind == 1:
        rule[f"{side}AddressPrefixes"] = draw(
            st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True)
        )
    else:
        rule[f"{side}AddressPrefix"] = _address(draw, pool)


def _ports(draw: st.DrawFn, rule: Json, name: str, choices: list[str]) -> None:
    if draw(st.integers(0, 4)) == 0:
        rule[f"{name}Ranges"] = draw(
            st.lists(
                st.sampled_from([c for c in choices if c != "*"]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
    else:
        rule[f"{name}Range"] = draw(st.sampled_from(choices))


def _nsg(draw: st.DrawFn, nsg_id: str, pool: list[str], asgs: list[str]) -> Json:
    rules = []
    for direction in ("Inbound", "Outbound"):
        for n, prio in enumerate(
            draw(st.lists(st.sampled_from(PRIORITIES), max_size=5, unique=True))
        ):
            r: Json = {
                "priority": prio,
                "direction": direction,
                "access": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
                "protocol": draw(st.sampled_from(PROTOCOLS)),
            }
            _ports(draw, r, "destinationPort", PORTS)
            _ports(draw, r, "sourcePort", SRC_PORTS)
            _side(draw, r, "source", pool, asgs)
            _side(draw, r, "destination", pool, asgs)
            name = f"{direction[:2].lower()}{n}"
            rules.append({"id": f"{nsg_id}/securityRules/{name}", "name": name, "properties": r})
    props: Json = {"securityRules": rules}
    if draw(st.integers(0, 4)):
        props["defaultSecurityRules"] = [
            {
                "id": f"{nsg_id}/defaultSecurityRules/{name}",
                "name": name,
                "properties": {
                    "priority": prio,
                    "direction": d,
                    "access": a,
                    "protocol": "*",
                    "sourceAddressPrefix": src,
                    "destinationAddressPrefix": dst,
                    "sourcePortRange": "*",
                    "destinationPortRange": "*",
                },
            }
            for name, d, prio, src, dst, a in DEFAULTS
        ]
    return {
        "id": nsg_id,
        "name": nsg_id.rsplit("/", 1)[1],
        "location": "westeurope",
        "properties": props,
    }


def _admin_rule(draw: st.DrawFn, vnet_id: str, n: int, pool: list[str]) -> Json:
    def peers() -> list[Json]:
        out = []
        for _ in range(draw(st.integers(0, 2))):
            a = _address(draw, pool)
            if a == "*":
                continue
            kind = "IPPrefix" if any(c.isdigit() for c in a) and "/" in a else "ServiceTag"
            out.append({"addressPrefix": a, "addressPrefixType": kind})
        return out

    props: Json = {
        "access": draw(st.sampled_from(["Allow", "AlwaysAllow", "Deny"])),
        "direction": draw(st.sampled_from(["Inbound", "Outbound"])),
        "priority": draw(st.sampled_from(ADMIN_PRIORITIES)),
        "protocol": draw(st.sampled_from(ADMIN_PROTOCOLS)),
        "sources": peers(),
        "destinations": peers(),
        "sourcePortRanges": [draw(st.sampled_from(SRC_PORTS))],
        "destinationPortRanges": [draw(st.sampled_from(PORTS))],
    }
    return {
        "id": f"{vnet_id}/securityAdminRules/r{n}",
        "kind": "Custom",
        "configurationDescription": "generated",
        "properties": props,
    }
