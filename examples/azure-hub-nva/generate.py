"""Write the azure-hub-nva example's snapshot: what ``az network ... list -o json`` writes.

    python examples/azure-hub-nva/generate.py [OUT_DIR]      (default: ./snapshot next to it)

One subscription, West Europe: a hub VNet with a network virtual appliance (one NIC, IP
forwarding on) and two spoke VNets peered to the hub (not to each other), whose subnets send
their traffic to the appliance by user-defined routes. The topology is declared once below and
every file is derived from it; the az CLI's flattened shape (fields in the resource object, not
under ``properties``). Deterministic: the committed files are exactly what this script writes
(tests/integration/test_examples_routes.py checks that).

The story, the paths and what pathwarden says about each: ../README.md.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SUB = "3f6c2a1e-8b4d-4e2f-9a7c-5d1e0b3c7a92"
LOCATION = "westeurope"
NVA_IP = "10.100.1.4"
Json = dict[str, Any]

# VNet name -> (resource group, address space, subnets: name -> (prefix, NSG, route table))
VNETS: dict[str, tuple[str, str, dict[str, tuple[str, str, str]]]] = {
    "vnet-hub-weu": ("rg-hub-network", "10.100.0.0/16", {
        "snet-nva": ("10.100.1.0/24", "", ""),
    }),
    "vnet-spoke-app-weu": ("rg-spoke-app", "10.101.0.0/16", {
        "snet-app": ("10.101.1.0/24", "nsg-snet-app", "rt-spoke-app"),
        "snet-app-legacy": ("10.101.9.0/24", "nsg-snet-app", "rt-spoke-app-legacy"),
    }),
    "vnet-spoke-data-weu": ("rg-spoke-data", "10.102.0.0/16", {
        "snet-db": ("10.102.1.0/24", "nsg-snet-db", "rt-spoke-data"),
    }),
}
# (VNet, remote VNet): both spokes peer with the hub only; forwarded traffic allowed both ways
PEERINGS = [("vnet-hub-weu", "vnet-spoke-app-weu"), ("vnet-hub-weu", "vnet-spoke-data-weu"),
            ("vnet-spoke-app-weu", "vnet-hub-weu"), ("vnet-spoke-data-weu", "vnet-hub-weu")]

# NIC name -> (VNet, subnet, private IP, ASG, NIC NSG, public IP, IP forwarding, VM, tags)
NICS: dict[str, tuple[str, str, str, str, str, str, bool, str, dict[str, str]]] = {
    "nic-nva-fw-01": ("vnet-hub-weu", "snet-nva", NVA_IP, "", "nsg-nic-nva-fw",
                      "pip-nva-fw-01", True, "vm-nva-fw-01", {"Role": "nva"}),
    "nic-vm-app-01": ("vnet-spoke-app-weu", "snet-app", "10.101.1.4", "asg-app", "", "",
                      False, "vm-app-01", {"Role": "app"}),
    "nic-vm-app-02": ("vnet-spoke-app-weu", "snet-app", "10.101.1.5", "asg-app", "", "",
                      False, "vm-app-02", {"Role": "app"}),
    "nic-vm-app-legacy-01": ("vnet-spoke-app-weu", "snet-app-legacy", "10.101.9.4",
                             "asg-app-legacy", "", "", False, "vm-app-legacy-01",
                             {"Role": "app", "Lifecycle": "retiring"}),
    "nic-vm-sql-01": ("vnet-spoke-data-weu", "snet-db", "10.102.1.4", "asg-sql", "", "", False,
                      "vm-sql-01", {"Role": "database"}),
}
ASGS = {"asg-app": "rg-spoke-app", "asg-app-legacy": "rg-spoke-app", "asg-sql": "rg-spoke-data"}

# NSG name -> (resource group, rules: (priority, name, direction, access, protocol, source,
# destination, destination port, description))
NsgRule = tuple[int, str, str, str, str, str, str, str, str]
NSGS: dict[str, tuple[str, list[NsgRule]]] = {
    "nsg-nic-nva-fw": ("rg-hub-network", [
        (100, "Allow-App-To-Sql", "Inbound", "Allow", "Tcp", "10.101.0.0/16", "10.102.1.0/24",
         "1433", "App spoke to the SQL servers, through the firewall (CHG0031200)"),
        (200, "Deny-App-To-Data", "Inbound", "Deny", "*", "10.101.0.0/16", "10.102.0.0/16", "*",
         "Nothing else from the app spoke to the data spoke"),
        (210, "Deny-Data-To-App", "Inbound", "Deny", "*", "10.102.0.0/16", "10.101.0.0/16", "*",
         "The data spoke does not open connections to the app spoke"),
    ]),
    "nsg-snet-app": ("rg-spoke-app", [
        (100, "Allow-HTTPS-From-Hub", "Inbound", "Allow", "Tcp", "10.100.0.0/16", "*", "443",
         "Health checks and the published app, through the hub"),
    ]),
    "nsg-snet-db": ("rg-spoke-data", [
        (100, "Allow-Sql-From-App-Spoke", "Inbound", "Allow", "Tcp", "10.101.0.0/16", "*",
         "1433", "SQL from the app spoke"),
        (110, "Allow-SSH-From-App-Spoke", "Inbound", "Allow", "Tcp", "10.101.0.0/16", "*", "22",
         "DBA tooling on the app servers (OPS-7781)"),
        (4000, "Deny-VNet-Inbound", "Inbound", "Deny", "*", "VirtualNetwork", "*", "*",
         "Nothing else from peered networks"),
    ]),
}
DEFAULT_RULES: list[NsgRule] = [
    (65000, "AllowVnetInBound", "Inbound", "Allow", "*", "VirtualNetwork", "VirtualNetwork", "*",
     "Allow inbound traffic from all VMs in VNET"),
    (65001, "AllowAzureLoadBalancerInBound", "Inbound", "Allow", "*", "AzureLoadBalancer", "*",
     "*", "Allow inbound traffic from azure load balancer"),
    (65500, "DenyAllInBound", "Inbound", "Deny", "*", "*", "*", "*",
     "Deny all inbound traffic"),
    (65000, "AllowVnetOutBound", "Outbound", "Allow", "*", "VirtualNetwork", "VirtualNetwork",
     "*", "Allow outbound traffic from all VMs to all VMs in VNET"),
    (65001, "AllowInternetOutBound", "Outbound", "Allow", "*", "*", "Internet", "*",
     "Allow outbound traffic from all VMs to Internet"),
    (65500, "DenyAllOutBound", "Outbound", "Deny", "*", "*", "*", "*",
     "Deny all outbound traffic"),
]

# route table name -> (resource group, routes: (name, prefix, next hop type))
ROUTE_TABLES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "rt-spoke-app": ("rg-spoke-app", [
        ("default-via-nva", "0.0.0.0/0", "VirtualAppliance"),
        ("data-spoke-via-nva", "10.102.0.0/16", "VirtualAppliance"),
    ]),
    "rt-spoke-app-legacy": ("rg-spoke-app", [
        ("default-via-nva", "0.0.0.0/0", "VirtualAppliance"),
        ("private-via-nva", "10.0.0.0/8", "VirtualAppliance"),
        ("quarantine-data-spoke", "10.102.0.0/16", "None"),
    ]),
    "rt-spoke-data": ("rg-spoke-data", [
        ("default-via-nva", "0.0.0.0/0", "VirtualAppliance"),
        ("app-spoke-via-nva", "10.101.0.0/16", "VirtualAppliance"),
    ]),
}
# public IP name -> (resource group, address, NIC whose ipconfig1 it is bound to, or "")
PUBLIC_IPS = {"pip-nva-fw-01": ("rg-hub-network", "203.0.113.40", "nic-nva-fw-01"),
              "pip-legacy-vpn-01": ("rg-hub-network", "203.0.113.41", "")}


# -- ids ------------------------------------------------------------------------------------------
def arm(rg: str, kind: str, name: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/{kind}/{name}"


def vnet_id(name: str) -> str:
    return arm(VNETS[name][0], "virtualNetworks", name)


def subnet_id(vnet: str, name: str) -> str:
    return f"{vnet_id(vnet)}/subnets/{name}"


def nsg_id(name: str) -> str:
    return arm(NSGS[name][0], "networkSecurityGroups", name)


def rt_id(name: str) -> str:
    return arm(ROUTE_TABLES[name][0], "routeTables", name)


def nic_id(name: str) -> str:
    return arm(NIC_RG[name], "networkInterfaces", name)


def asg_id(name: str) -> str:
    return arm(ASGS[name], "applicationSecurityGroups", name)


def pip_id(name: str) -> str:
    return arm(PUBLIC_IPS[name][0], "publicIPAddresses", name)


NIC_RG = {n: VNETS[v[0]][0] for n, v in NICS.items()}  # each NIC lives in its VNet's group


def ref(rid: str) -> Json:
    return {"id": rid, "resourceGroup": rid.split("/resourceGroups/")[1].split("/")[0]}


def guid(name: str) -> str:
    return str(uuid.UUID(hashlib.sha256(name.encode()).hexdigest()[:32]))


def etag(name: str) -> str:
    return f'W/"{guid("etag/" + name)}"'


# -- files ----------------------------------------------------------------------------------------
def vnets() -> list[Json]:
    out = []
    for name, (rg, space, subnets) in VNETS.items():
        subs = []
        for s, (prefix, nsg, rt) in subnets.items():
            item: Json = {"addressPrefix": prefix, "delegations": [], "etag": etag(name),
                          "id": subnet_id(name, s),
                          "ipConfigurations": [
                              ref(f"{nic_id(n)}/ipConfigurations/ipconfig1")
                              for n, v in NICS.items() if (v[0], v[1]) == (name, s)]}
            item["name"] = s
            if nsg:
                item["networkSecurityGroup"] = ref(nsg_id(nsg))
            item.update(privateEndpointNetworkPolicies="Disabled",
                        privateLinkServiceNetworkPolicies="Enabled",
                        provisioningState="Succeeded", resourceGroup=rg)
            if rt:
                item["routeTable"] = ref(rt_id(rt))
            item["type"] = "Microsoft.Network/virtualNetworks/subnets"
            subs.append(item)
        peerings = []
        for a, b in PEERINGS:
            if a != name:
                continue
            space_b = {"addressPrefixes": [VNETS[b][1]]}
            peerings.append({
                "allowForwardedTraffic": True, "allowGatewayTransit": False,
                "allowVirtualNetworkAccess": True, "doNotVerifyRemoteGateways": False,
                "etag": etag(name), "id": f"{vnet_id(a)}/virtualNetworkPeerings/peer-{b}",
                "name": f"peer-{b}", "peerCompleteVnets": True, "peeringState": "Connected",
                "peeringSyncLevel": "FullyInSync", "provisioningState": "Succeeded",
                "remoteAddressSpace": space_b, "remoteVirtualNetwork": ref(vnet_id(b)),
                "remoteVirtualNetworkAddressSpace": space_b, "resourceGroup": rg,
                "resourceGuid": guid(f"peering/{a}/{b}"),
                "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
                "useRemoteGateways": False})
        out.append({"addressSpace": {"addressPrefixes": [space]}, "enableDdosProtection": False,
                    "etag": etag(name), "id": vnet_id(name), "location": LOCATION,
                    "name": name, "privateEndpointVNetPolicies": "Disabled",
                    "provisioningState": "Succeeded", "resourceGroup": rg,
                    "resourceGuid": guid(f"vnet/{name}"), "subnets": subs,
                    "tags": {"Environment": "prod"}, "type": "Microsoft.Network/virtualNetworks",
                    "virtualNetworkPeerings": peerings})
    return out


def nics() -> list[Json]:
    out = []
    for name, (vnet, subnet, ip, asg, nsg, pip, forwarding, vm, tags) in NICS.items():
        rg = NIC_RG[name]
        cfg: Json = {}
        if asg:
            cfg["applicationSecurityGroups"] = [ref(asg_id(asg))]
        cfg.update(etag=etag(name), id=f"{nic_id(name)}/ipConfigurations/ipconfig1",
                   name="ipconfig1", primary=True, privateIPAddress=ip,
                   privateIPAddressVersion="IPv4", privateIPAllocationMethod="Static",
                   provisioningState="Succeeded")
        if pip:
            cfg["publicIPAddress"] = ref(pip_id(pip))
        cfg.update(resourceGroup=rg, subnet=ref(subnet_id(vnet, subnet)),
                   type="Microsoft.Network/networkInterfaces/ipConfigurations")
        nic: Json = {"auxiliaryMode": "None", "auxiliarySku": "None",
                     "disableTcpStateTracking": False,
                     "dnsSettings": {"appliedDnsServers": [], "dnsServers": [],
                                     "internalDomainNameSuffix":
                                         "x2mh4lqzv1ruhkcjb0wn3yfd5c.ax.internal.cloudapp.net"},
                     "enableAcceleratedNetworking": True, "enableIPForwarding": forwarding,
                     "etag": etag(name), "hostedWorkloads": [], "id": nic_id(name),
                     "ipConfigurations": [cfg], "location": LOCATION,
                     "macAddress": "-".join(f"{b:02X}" for b in
                                            hashlib.sha256(name.encode()).digest()[:6]),
                     "name": name}
        if nsg:
            nic["networkSecurityGroup"] = ref(nsg_id(nsg))
        nic.update(nicType="Standard", primary=True, provisioningState="Succeeded",
                   resourceGroup=rg, resourceGuid=guid(f"nic/{name}"), tags=tags,
                   tapConfigurations=[], type="Microsoft.Network/networkInterfaces",
                   virtualMachine={"id": f"/subscriptions/{SUB}/resourceGroups/{rg.upper()}/"
                                         f"providers/Microsoft.Compute/virtualMachines/{vm}",
                                   "resourceGroup": rg.upper()},
                   vnetEncryptionSupported=False)
        out.append(nic)
    return out


def _rule(nsg: str, rg: str, r: NsgRule, default: bool) -> Json:
    priority, name, direction, access, proto, src, dst, port, desc = r
    kind = "defaultSecurityRules" if default else "securityRules"
    return {"access": access, "description": desc, "destinationAddressPrefix": dst,
            "destinationAddressPrefixes": [], "destinationPortRange": port,
            "destinationPortRanges": [], "direction": direction, "etag": etag(nsg),
            "id": f"{nsg_id(nsg)}/{kind}/{name}", "name": name, "priority": priority,
            "protocol": proto, "provisioningState": "Succeeded", "resourceGroup": rg,
            "sourceAddressPrefix": src, "sourceAddressPrefixes": [], "sourcePortRange": "*",
            "sourcePortRanges": [], "type": f"Microsoft.Network/networkSecurityGroups/{kind}"}


def nsgs() -> list[Json]:
    out = []
    for name, (rg, rules) in NSGS.items():
        item: Json = {"defaultSecurityRules": [_rule(name, rg, r, True) for r in DEFAULT_RULES],
                      "etag": etag(name), "id": nsg_id(name), "location": LOCATION,
                      "name": name}
        users = [n for n, v in NICS.items() if v[4] == name]
        if users:
            item["networkInterfaces"] = [ref(nic_id(n)) for n in users]
        item.update(provisioningState="Succeeded", resourceGroup=rg,
                    resourceGuid=guid(f"nsg/{name}"),
                    securityRules=[_rule(name, rg, r, False) for r in rules])
        subs = [subnet_id(v, s) for v, (_, _, subnets) in VNETS.items()
                for s, (_, nsg, _) in subnets.items() if nsg == name]
        if subs:
            item["subnets"] = [ref(s) for s in subs]
        item.update(tags={}, type="Microsoft.Network/networkSecurityGroups")
        out.append(item)
    return out


def asgs() -> list[Json]:
    return [{"etag": etag(name), "id": asg_id(name), "location": LOCATION, "name": name,
             "provisioningState": "Succeeded", "resourceGroup": rg,
             "resourceGuid": guid(f"asg/{name}"), "tags": {},
             "type": "Microsoft.Network/applicationSecurityGroups"}
            for name, rg in ASGS.items()]


def route_tables() -> list[Json]:
    out = []
    for name, (rg, routes) in ROUTE_TABLES.items():
        items = []
        for route, prefix, hop in routes:
            r: Json = {"addressPrefix": prefix, "etag": etag(name), "hasBgpOverride": False,
                       "id": f"{rt_id(name)}/routes/{route}", "name": route}
            if hop == "VirtualAppliance":
                r["nextHopIpAddress"] = NVA_IP
            r.update(nextHopType=hop, provisioningState="Succeeded", resourceGroup=rg,
                     type="Microsoft.Network/routeTables/routes")
            items.append(r)
        subnets = [subnet_id(v, s) for v, (_, _, subs) in VNETS.items()
                   for s, (_, _, rt) in subs.items() if rt == name]
        out.append({"disableBgpRoutePropagation": True, "etag": etag(name), "id": rt_id(name),
                    "location": LOCATION, "name": name, "provisioningState": "Succeeded",
                    "resourceGroup": rg, "resourceGuid": guid(f"rt/{name}"), "routes": items,
                    "subnets": [ref(s) for s in subnets], "tags": {},
                    "type": "Microsoft.Network/routeTables"})
    return out


def public_ips() -> list[Json]:
    out = []
    for name, (rg, address, nic) in PUBLIC_IPS.items():
        item: Json = {"ddosSettings": {"protectionMode": "VirtualNetworkInherited"},
                      "etag": etag(name), "id": pip_id(name), "idleTimeoutInMinutes": 4,
                      "ipAddress": address}
        if nic:
            item["ipConfiguration"] = ref(f"{nic_id(nic)}/ipConfigurations/ipconfig1")
        item.update(ipTags=[], location=LOCATION, name=name, provisioningState="Succeeded",
                    publicIPAddressVersion="IPv4", publicIPAllocationMethod="Static",
                    resourceGroup=rg, resourceGuid=guid(f"pip/{name}"),
                    sku={"name": "Standard", "tier": "Regional"}, tags={},
                    type="Microsoft.Network/publicIPAddresses", zones=["1", "2", "3"])
        out.append(item)
    return out


def files() -> dict[str, Any]:
    out: dict[str, Any] = {
        "network-vnet-list.json": vnets(),
        "network-nic-list.json": nics(),
        "network-nsg-list.json": nsgs(),
        "network-asg-list.json": asgs(),
        "network-route-table-list.json": route_tables(),
        "network-public-ip-list.json": public_ips(),
    }
    # no AVNM security admin rules apply (REST listNetworkManagerEffectiveSecurityAdminRules)
    for name, (rg, _, _) in VNETS.items():
        out[f"network-manager-effective-admin-rules/{rg}/{name}.json"] = {"value": []}
    return out


def render(doc: Any) -> str:
    """As the az CLI prints JSON: 2-space indent, a final newline."""
    return json.dumps(doc, indent=2) + "\n"


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE / "snapshot"
    written = files()
    for name, doc in written.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(doc))
    print(f"wrote {len(written)} files into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
