"""Write a synthetic Azure snapshot: the ARM REST list bodies ``pathwarden discover azure`` writes.

    python -m benchmarks.gen_azure OUT [--nics 5000] [--nsgs 1000] [--rules-per-nsg 50]
                                       [--subnets 60] [--asgs 100] [--seed 1]

Three VNets (the first two peered), /24 subnets each with a subnet NSG, and NIC NSGs per
application tier (each subnet draws NIC NSGs from its own pool, so the number of distinct
(subnet, NIC NSG) signatures stays near the NSG count, not the NIC count). Rules mix CIDRs,
single hosts, VirtualNetwork/Internet/Storage tags and ASGs, every protocol, port ranges and
the odd source-port range; the default rules are written as the API returns them. VNet 0 has a
few AVNM security admin rules. The same seed gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Json = dict[str, Any]
SUB = "00000000-0000-0000-0000-00000000b0b0"
LOCATION = "westeurope"
PROTOCOLS = ["Tcp", "Tcp", "Tcp", "Udp", "Icmp", "*", "Esp"]
PORTS = ["22", "80", "443", "3389", "1433", "5432", "6379", "8080-8090", "1024-65535", "*"]
TAGS = ["VirtualNetwork", "Internet", "Storage", "AzureLoadBalancer"]
DEFAULTS = [
    ("AllowVnetInBound", "Inbound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow"),
    ("AllowAzureLoadBalancerInBound", "Inbound", 65001, "AzureLoadBalancer", "*", "Allow"),
    ("DenyAllInBound", "Inbound", 65500, "*", "*", "Deny"),
    ("AllowVnetOutBound", "Outbound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow"),
    ("AllowInternetOutBound", "Outbound", 65001, "*", "Internet", "Allow"),
    ("DenyAllOutBound", "Outbound", 65500, "*", "*", "Deny"),
]


@dataclass(frozen=True)
class Summary:
    out_dir: Path
    vnets: int
    subnets: int
    nsgs: int
    rules: int  # custom rules (the 6 default rules per NSG come on top)
    nics: int
    asgs: int
    signatures: int  # distinct (subnet, NIC NSG): the expected equivalence classes


def _id(rg: str, kind: str, name: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/{kind}/{name}"


def generate(
    out_dir: str | Path,
    *,
    nics: int = 5000,
    nsgs: int = 1000,
    rules_per_nsg: int = 50,
    subnets: int = 60,
    asgs: int = 100,
    seed: int = 1,
) -> Summary:
    """Write the snapshot files into ``out_dir`` (created if missing) and say what is there."""
    if min(nics, rules_per_nsg, asgs) < 0 or subnets < 1 or nsgs < subnets:
        raise ValueError("counts must be >= 0, subnets >= 1 and nsgs >= subnets")
    if subnets > 3 * 250 or nics > subnets * 250 or rules_per_nsg > 1000:
        raise ValueError("at most 750 subnets, 250 NICs per subnet, 1000 rules per NSG")
    rng = random.Random(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_vnets = min(3, subnets)
    vnet_ids = [_id(f"rg{v}", "virtualNetworks", f"vnet{v}") for v in range(n_vnets)]
    subnet_ids = [f"{vnet_ids[k % n_vnets]}/subnets/s{k // n_vnets}" for k in range(subnets)]
    cidrs = [f"10.{k % n_vnets}.{k // n_vnets}.0/24" for k in range(subnets)]
    asg_ids = [_id("rg0", "applicationSecurityGroups", f"asg{n}") for n in range(asgs)]
    nsg_ids = [_id("rg0", "networkSecurityGroups", f"nsg{n}") for n in range(nsgs)]
    subnet_nsg = {s: nsg_ids[k] for k, s in enumerate(subnet_ids)}
    nic_pool = nsg_ids[subnets:]
    pools = {s: [nic_pool[i] for i in range(k, len(nic_pool), subnets)]
             for k, s in enumerate(subnet_ids)}

    nic_docs: list[Json] = []
    signatures: set[tuple[str, str]] = set()
    hosts: list[str] = []
    for n in range(nics):
        k = n % subnets
        ip = f"10.{k % n_vnets}.{k // n_vnets}.{4 + n // subnets}"
        hosts.append(ip)
        cfg: Json = {"privateIPAddress": ip, "privateIPAllocationMethod": "Dynamic",
                     "primary": True, "privateIPAddressVersion": "IPv4",
                     "subnet": {"id": subnet_ids[k]}}
        if asg_ids and rng.random() < 0.7:
            cfg["applicationSecurityGroups"] = [
                {"id": a} for a in rng.sample(asg_ids, rng.randint(1, min(2, len(asg_ids))))]
        name = f"nic{n}"
        nic_id = _id(f"rg{n % 4}", "networkInterfaces", name)
        props: Json = {"ipConfigurations": [{"name": "ipconfig1",
                                             "id": f"{nic_id}/ipConfigurations/ipconfig1",
                                             "properties": cfg}],
                       "virtualMachine": {"id": f"/subscriptions/{SUB}/resourceGroups/rg{n % 4}"
                                                f"/providers/Microsoft.Compute/virtualMachines/vm{n}"}}
        nsg = ""
        if pools[subnet_ids[k]] and rng.random() < 0.8:
            nsg = rng.choice(pools[subnet_ids[k]])
            props["networkSecurityGroup"] = {"id": nsg}
        signatures.add((subnet_ids[k], nsg))
        nic_docs.append({"id": nic_id, "name": name, "location": LOCATION,
                         "type": "Microsoft.Network/networkInterfaces", "properties": props})

    def address() -> Json:
        roll = rng.random()
        if roll < 0.15 and asg_ids:
            return {"asgs": [{"id": rng.choice(asg_ids)}]}
        if roll < 0.35:
            return {"prefix": rng.choice(TAGS)}
        if roll < 0.5:
            return {"prefixes": rng.sample(cidrs, min(3, len(cidrs)))}
        if roll < 0.75 and hosts:
            return {"prefix": rng.choice(hosts)}
        if roll < 0.85:
            return {"prefix": "*"}
        return {"prefix": rng.choice(cidrs)}

    def side(r: Json, name: str) -> None:
        a = address()
        r[f"{name}AddressPrefix"] = a.get("prefix", "")
        r[f"{name}AddressPrefixes"] = a.get("prefixes", [])
        r[f"{name}ApplicationSecurityGroups"] = a.get("asgs", [])

    nsg_docs: list[Json] = []
    total = 0
    for nsg_id in nsg_ids:
        rules = []
        for i in range(rules_per_nsg):
            direction = "Inbound" if i % 3 else "Outbound"
            r: Json = {"priority": 100 + 10 * i, "direction": direction,
                       "access": "Deny" if rng.random() < 0.2 else "Allow",
                       "protocol": rng.choice(PROTOCOLS),
                       "sourcePortRange": "*" if rng.random() < 0.95 else "1024-65535",
                       "destinationPortRange": rng.choice(PORTS), "destinationPortRanges": [],
                       "sourcePortRanges": [], "provisioningState": "Succeeded"}
            side(r, "source")
            side(r, "destination")
            rules.append({"name": f"r{i}", "id": f"{nsg_id}/securityRules/r{i}",
                          "properties": r})
        total += len(rules)
        defaults = [{"name": n, "id": f"{nsg_id}/defaultSecurityRules/{n}", "properties": {
            "priority": p, "direction": d, "access": a, "protocol": "*",
            "sourceAddressPrefix": s, "destinationAddressPrefix": t, "sourcePortRange": "*",
            "destinationPortRange": "*", "provisioningState": "Succeeded"}}
            for n, d, p, s, t, a in DEFAULTS]
        nsg_docs.append({"id": nsg_id, "name": nsg_id.rsplit("/", 1)[1], "location": LOCATION,
                         "type": "Microsoft.Network/networkSecurityGroups",
                         "properties": {"securityRules": rules, "defaultSecurityRules": defaults}})

    vnet_docs = []
    for v, vid in enumerate(vnet_ids):
        subs = [{"id": s, "name": s.rsplit("/", 1)[1],
                 "properties": {"addressPrefix": cidrs[k],
                                "networkSecurityGroup": {"id": subnet_nsg[s]}}}
                for k, s in enumerate(subnet_ids) if s.startswith(vid + "/")]
        peers = []
        if n_vnets > 1 and v < 2:
            peers = [{"name": "peer", "properties": {
                "peeringState": "Connected", "allowVirtualNetworkAccess": True,
                "remoteVirtualNetwork": {"id": vnet_ids[1 - v]},
                "remoteAddressSpace": {"addressPrefixes": [f"10.{1 - v}.0.0/16"]}}}]
        vnet_docs.append({"id": vid, "name": f"vnet{v}", "location": LOCATION,
                          "properties": {"addressSpace": {"addressPrefixes": [f"10.{v}.0.0/16"]},
                                         "subnets": subs, "virtualNetworkPeerings": peers}})
    admin = [{"id": f"{vnet_ids[0]}/admin/r{i}", "kind": "Custom", "properties": {
        "access": ["Deny", "AlwaysAllow", "Allow"][i % 3], "direction": "Inbound",
        "priority": 10 + i, "protocol": "Tcp",
        "sources": [{"addressPrefix": "Internet", "addressPrefixType": "ServiceTag"}],
        "destinations": [], "sourcePortRanges": ["*"],
        "destinationPortRanges": [["3389", "22", "443"][i % 3]]}} for i in range(3)]
    files: dict[str, Any] = {
        "network-vnet-list.json": {"value": vnet_docs},
        "network-nic-list.json": {"value": nic_docs},
        "network-nsg-list.json": {"value": nsg_docs},
        "network-asg-list.json": {"value": [
            {"id": a, "name": a.rsplit("/", 1)[1], "location": LOCATION,
             "properties": {"provisioningState": "Succeeded"}} for a in asg_ids]},
        "network-manager-effective-admin-rules/rg0/vnet0.json": {"value": admin},
    }
    for name, doc in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
    return Summary(out, n_vnets, subnets, nsgs, total, nics, asgs, len(signatures))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--nics", type=int, default=5000)
    ap.add_argument("--nsgs", type=int, default=1000)
    ap.add_argument("--rules-per-nsg", type=int, default=50)
    ap.add_argument("--subnets", type=int, default=60)
    ap.add_argument("--asgs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    s = generate(a.out, nics=a.nics, nsgs=a.nsgs, rules_per_nsg=a.rules_per_nsg,
                 subnets=a.subnets, asgs=a.asgs, seed=a.seed)
    print(s, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
