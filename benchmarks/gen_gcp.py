"""Write a synthetic GCP snapshot: the REST bodies ``pathwarden discover gcp`` writes.

    python -m benchmarks.gen_gcp OUT [--instances 5000] [--rules 2000] [--tags 200]
                                     [--networks 3] [--seed 1]

One project, ``networks`` VPC networks (the first two peered, the last one
``BEFORE_CLASSIC_FIREWALL``), a /20 subnet per network and region, instances spread over
zones with 1-3 network tags each (one of two tag sets of its application tier, as instance
templates tag them, so distinct tag sets stay well below the instance count), a service
account per tier and a second NIC on every 20th instance. VPC rules mix source ranges, source
tags and service accounts, target tags, target service accounts and no target, allow and
deny, tcp/udp port lists and ranges, icmp, all and numbered protocols, a few disabled rules
and both directions. Each network has a global network firewall policy, one region a
regional policy, and the project an organization and a folder hierarchical policy with
goto_next defaults. The same seed gives byte-identical files.
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
PROJECT = "bench-project"
BASE = f"https://www.googleapis.com/compute/v1/projects/{PROJECT}"
REGIONS = ["us-east1", "europe-west1", "asia-east1"]
L4 = [("tcp", ["22"]), ("tcp", ["80", "443"]), ("tcp", ["8080-8090"]), ("tcp", ["5432"]),
      ("udp", ["53"]), ("tcp", []), ("icmp", None), ("all", None), ("47", None),
      ("udp", ["1024-65535"]), ("sctp", ["9000"])]
OUTSIDE = ["0.0.0.0/0", "35.191.0.0/16", "130.211.0.0/22", "203.0.113.0/24", "8.8.8.8/32"]


@dataclass(frozen=True)
class Summary:
    out_dir: Path
    networks: int
    instances: int
    nics: int
    rules: int  # VPC firewall rules
    policy_rules: int
    tags: int
    signatures: int  # distinct (network, region, tag set, service account): an upper bound


def generate(
    out_dir: str | Path,
    *,
    instances: int = 5000,
    rules: int = 2000,
    tags: int = 200,
    networks: int = 3,
    seed: int = 1,
) -> Summary:
    rng = random.Random(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    net_names = [f"vpc-{i}" for i in range(networks)]
    tag_names = [f"tag-{i:03d}" for i in range(tags)]
    tiers = max(1, tags // 4)
    # each tier: two tag sets of 1-3 tags (members of a tier are tagged alike, as templates do)
    tier_tags = [[sorted(rng.sample(tag_names, rng.randint(1, min(3, len(tag_names)))))
                  for _ in range(2)] for _ in range(tiers)]
    sas = [f"tier-{i}@{PROJECT}.iam.gserviceaccount.com" for i in range(max(1, tiers // 5))]

    def net_link(n: str) -> str:
        return f"{BASE}/global/networks/{n}"

    nets = []
    for i, n in enumerate(net_names):
        doc: Json = {"kind": "compute#network", "name": n, "selfLink": net_link(n),
                     "networkFirewallPolicyEnforcementOrder":
                     "BEFORE_CLASSIC_FIREWALL" if i == networks - 1 and networks > 2
                     else "AFTER_CLASSIC_FIREWALL"}
        if i < 2 and networks > 1:
            other = net_names[1 - i]
            doc["peerings"] = [{"name": f"peer-{other}", "network": net_link(other),
                                "state": "ACTIVE"}]
        nets.append(doc)
    subnets: dict[str, Json] = {}
    for i, n in enumerate(net_names):
        for j, region in enumerate(REGIONS):
            subnets.setdefault(f"regions/{region}", {"subnetworks": []})["subnetworks"].append({
                "kind": "compute#subnetwork", "name": f"{n}-{region}", "network": net_link(n),
                "region": f"{BASE}/regions/{region}", "ipCidrRange": f"10.{i}.{j * 16}.0/20",
                "selfLink": f"{BASE}/regions/{region}/subnetworks/{n}-{region}"})
    vms: dict[str, Json] = {}
    signatures: set[tuple[str, str, tuple[str, ...], str]] = set()
    nic_count = 0
    for k in range(instances):
        i = k % networks
        j = (k // networks) % len(REGIONS)
        region = REGIONS[j]
        zone = f"{region}-b"
        host = k // (networks * len(REGIONS)) + 2
        tier = rng.randrange(tiers)
        vm_tags = rng.choice(tier_tags[tier])
        sa = sas[tier % len(sas)]
        nics = [{"name": "nic0", "network": net_link(net_names[i]),
                 "subnetwork": f"{BASE}/regions/{region}/subnetworks/{net_names[i]}-{region}",
                 "networkIP": f"10.{i}.{j * 16 + host // 256}.{host % 256}"}]
        if k % 20 == 0 and networks > 1:
            o = (i + 1) % networks
            nics.append({"name": "nic1", "network": net_link(net_names[o]),
                         "subnetwork": f"{BASE}/regions/{region}/subnetworks/"
                                       f"{net_names[o]}-{region}",
                         "networkIP": f"10.{o}.{j * 16 + 8 + host // 256}.{host % 256}"})
        nic_count += len(nics)
        signatures.add((net_names[i], region, tuple(vm_tags), sa))
        vms.setdefault(f"zones/{zone}", {"instances": []})["instances"].append({
            "kind": "compute#instance", "name": f"vm-{k:05d}", "zone": f"{BASE}/zones/{zone}",
            "selfLink": f"{BASE}/zones/{zone}/instances/vm-{k:05d}", "status": "RUNNING",
            "tags": {"items": vm_tags}, "networkInterfaces": nics,
            "serviceAccounts": [{"email": sa, "scopes": []}],
            "labels": {"tier": f"t{tier}"}})
    fws = [_rule(rng, k, net_names, tag_names, sas) for k in range(rules)]
    policies, policy_rules = _policies(rng, net_names, sas)
    hier = [_hierarchical(rng, 0, "organizations/1234"), _hierarchical(rng, 1, "folders/5678")]
    policy_rules += sum(len(h["rules"]) for h in hier)
    files = {"networks.json": {"items": nets}, "subnets.json": {"items": subnets},
             "instances.json": {"items": vms}, "firewall-rules.json": {"items": fws},
             "network-firewall-policies.json": {"items": policies},
             "firewall-policies.json": {"items": hier}}
    for name, doc in files.items():
        (out / name).write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    return Summary(out, networks, instances, nic_count, rules, policy_rules, tags,
                   len(signatures))


def _rule(rng: random.Random, k: int, nets: list[str], tags: list[str], sas: list[str]) -> Json:
    direction = "EGRESS" if rng.random() < 0.15 else "INGRESS"
    n = rng.choice(nets)
    r: Json = {"kind": "compute#firewall", "name": f"fw-{k:05d}",
               "network": f"{BASE}/global/networks/{n}",
               "selfLink": f"{BASE}/global/firewalls/fw-{k:05d}",
               "priority": rng.choice([100, 500, 900, 1000, 1000, 1000, 2000, 65534]),
               "direction": direction, "disabled": rng.random() < 0.03}
    entries = []
    for name, ports in rng.sample(L4, rng.randint(1, 2)):
        e: Json = {"IPProtocol": name}
        if ports:
            e["ports"] = ports
        entries.append(e)
    r["denied" if rng.random() < 0.2 else "allowed"] = entries
    i = nets.index(n)
    if direction == "INGRESS":
        kind = rng.random()
        if kind < 0.4:
            r["sourceRanges"] = rng.sample(
                [*OUTSIDE, f"10.{i}.0.0/16", f"10.{i}.{rng.randrange(48)}.0/24"], 2)
        elif kind < 0.8:
            r["sourceTags"] = rng.sample(tags, rng.randint(1, 3))
        else:
            r["sourceServiceAccounts"] = [rng.choice(sas)]
    else:
        r["destinationRanges"] = rng.sample([*OUTSIDE, f"10.{(i + 1) % len(nets)}.0.0/16"], 1)
    target = rng.random()
    if target < 0.7 and "sourceServiceAccounts" not in r:
        r["targetTags"] = rng.sample(tags, rng.randint(1, 2))
    elif target < 0.85 and "sourceTags" not in r:
        r["targetServiceAccounts"] = [rng.choice(sas)]
    return r


def _policy_rule(rng: random.Random, prio: int, sas: list[str]) -> Json:
    direction = "INGRESS" if rng.random() < 0.8 else "EGRESS"
    name, ports = rng.choice(L4)
    l4: Json = {"ipProtocol": name}
    if ports:
        l4["ports"] = ports
    side = "srcIpRanges" if direction == "INGRESS" else "destIpRanges"
    r: Json = {"kind": "compute#firewallPolicyRule", "priority": prio, "direction": direction,
               "action": rng.choice(["allow", "deny", "goto_next"]),
               "match": {side: rng.sample(OUTSIDE, 2), "layer4Configs": [l4]}}
    if sas and rng.random() < 0.2:
        r["targetServiceAccounts"] = [rng.choice(sas)]
    return r


def _defaults(first: int) -> list[Json]:
    return [{"kind": "compute#firewallPolicyRule", "priority": first + k, "action": "goto_next",
             "direction": d, "match": {side: [cidr], "layer4Configs": [{"ipProtocol": "all"}]}}
            for k, (d, side, cidr) in enumerate([("EGRESS", "destIpRanges", "::/0"),
                                                 ("INGRESS", "srcIpRanges", "::/0"),
                                                 ("EGRESS", "destIpRanges", "0.0.0.0/0"),
                                                 ("INGRESS", "srcIpRanges", "0.0.0.0/0")])]


def _policies(rng: random.Random, nets: list[str], sas: list[str]) -> tuple[list[Json], int]:
    out = []
    count = 0
    for i, n in enumerate(nets):
        rules = [_policy_rule(rng, 1000 + 10 * k, sas) for k in range(20)]
        count += len(rules)
        out.append({"kind": "compute#firewallPolicy", "name": f"gnfp-{i}",
                    "selfLink": f"{BASE}/global/firewallPolicies/gnfp-{i}", "rules": rules,
                    "associations": [{"name": f"a-{i}",
                                      "attachmentTarget": f"{BASE}/global/networks/{n}"}]})
    rules = [_policy_rule(rng, 500 + k, sas) for k in range(10)]
    count += len(rules)
    out.append({"kind": "compute#firewallPolicy", "name": "rnfp-0",
                "region": f"{BASE}/regions/{REGIONS[0]}",
                "selfLink": f"{BASE}/regions/{REGIONS[0]}/firewallPolicies/rnfp-0",
                "rules": rules, "associations": [{"name": "r-0", "attachmentTarget":
                                                  f"{BASE}/global/networks/{nets[0]}"}]})
    return out, count


def _hierarchical(rng: random.Random, i: int, where: str) -> Json:
    rules = [_policy_rule(rng, 100 + k, []) for k in range(5)]
    for r in rules:
        r.pop("targetServiceAccounts", None)
        r["action"] = "deny" if r["action"] == "allow" else r["action"]
    return {"kind": "compute#firewallPolicy", "name": f"80000{i}", "shortName": f"hp-{i}",
            "parent": where, "associations": [{"name": f"h-{i}", "attachmentTarget": where}],
            "rules": rules + _defaults(2147483644)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--instances", type=int, default=5000)
    ap.add_argument("--rules", type=int, default=2000)
    ap.add_argument("--tags", type=int, default=200)
    ap.add_argument("--networks", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    s = generate(a.out, instances=a.instances, rules=a.rules, tags=a.tags,
                 networks=a.networks, seed=a.seed)
    print(f"wrote {s.out_dir}: {s.instances} instances ({s.nics} NICs), {s.rules} VPC rules, "
          f"{s.policy_rules} policy rules, {s.tags} tags, {s.signatures} signatures",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
