"""Networks, subnets and VM network interfaces -> :class:`Network`, :class:`Subnet`,
:class:`Workload`.

One workload per VM network interface (firewall rules are enforced per NIC,
vpc/docs/firewalls): id ``projects/p/zones/z/instances/name/nic0``, ``instance`` is
``zone/name`` and ``name`` the instance name (the reach endpoints of issue 5), ``kind`` the NIC
name (``nic0`` is the primary interface), ``labels`` the instance's network tags,
``service_account`` its (single) service account, ``tags`` its labels. ``addresses`` are the
NIC's internal addresses: ``networkIP`` and ``ipv6Address``; ``public_addresses`` its external
ones (``accessConfigs[].natIP``, ``ipv6AccessConfigs[].externalIpv6``); ``forwarding`` the
instance's ``canIpForward``.

A network only referenced (by an instance, a rule, a route) is a stub: a Shared VPC service
project names the host network its instances attach to, and the host project's snapshot
describes it (:meth:`pathwarden.model.Estate.merge` keeps the description).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace

from pathwarden.model import NOWHERE, AddressSet, Network, Notice, Peering, Subnet, Workload
from pathwarden.model.addresses import parse_network
from pathwarden.providers.gcp.shapes import (
    CLOUD,
    last,
    network_id,
    path_of,
    region_of_zone,
    segment,
    texts,
)
from pathwarden.providers.jsondoc import Node

ENFORCEMENT_ORDER = "enforcement_order"
AFTER, BEFORE = "AFTER_CLASSIC_FIREWALL", "BEFORE_CLASSIC_FIREWALL"


@dataclass
class Inventory:
    project: str
    networks: dict[str, Network] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    workloads: dict[str, Workload] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    referrers: dict[str, list[str]] = field(default_factory=dict)  # network -> who names it

    def project_of(self, node: Node) -> str:
        return segment(node.text("selfLink"), "projects") or self.project

    def network(self, node: Node) -> None:
        """``gcloud compute networks list``: peerings and the enforcement order."""
        project = self.project_of(node)
        nid = network_id(node.text("selfLink") or node.require_text("name"), project)
        order = node.text("networkFirewallPolicyEnforcementOrder") or AFTER
        if order not in (AFTER, BEFORE):
            node.fail("networkFirewallPolicyEnforcementOrder", f"expected {AFTER} or {BEFORE}, "
                      f"found {order!r}")
        peerings = tuple(
            Peering(remote=network_id(p.require_text("network"), project), name=p.text("name"),
                    state=p.text("state", "ACTIVE"),
                    export_custom_routes=bool(p.flag("exportCustomRoutes")),
                    import_custom_routes=bool(p.flag("importCustomRoutes")))
            for p in node.children("peerings")
        )
        peers = tuple(sorted(p.remote for p in peerings if p.state == "ACTIVE"))
        cidrs = NOWHERE
        if node.text("IPv4Range"):  # legacy network: one range, no subnets
            cidrs = _range(node, "IPv4Range")
        self.networks[nid] = Network(
            id=nid, cloud=CLOUD, cidrs=cidrs, account=project, name=last(nid), peers=peers,
            tags=((ENFORCEMENT_ORDER, order),), peerings=peerings,
        )

    def subnet(self, node: Node) -> None:
        """``gcloud compute networks subnets list``."""
        project = self.project_of(node)
        name = node.require_text("name")
        region = last(node.text("region"))
        sid = path_of(node.text("selfLink")) or (
            f"projects/{project}/regions/{region}/subnetworks/{name}")
        nid = network_id(node.require_text("network"), project)
        cidrs = _range(node, "ipCidrRange") if node.text("ipCidrRange") else NOWHERE
        for sec in node.children("secondaryIpRanges"):
            cidrs = cidrs | _range(sec, "ipCidrRange")
        for key in ("ipv6CidrRange", "internalIpv6Prefix"):
            if node.text(key):
                cidrs = cidrs | _range(node, key)
        self.subnets[sid] = Subnet(id=sid, cloud=CLOUD, network=nid, cidrs=cidrs,
                                   account=project, region=region, name=name)

    def instance(self, node: Node) -> None:
        """``gcloud compute instances list`` / ``instances.aggregatedList`` items."""
        project = self.project_of(node)
        name = node.require_text("name")
        zone = last(node.text("zone")) or segment(node.text("selfLink"), "zones")
        region = region_of_zone(zone)
        tags_node = node.child("tags")
        net_tags = tuple(sorted(set(texts(tags_node, "items")))) if tags_node else ()
        accounts = [a.text("email") for a in node.children("serviceAccounts") if a.text("email")]
        labels = node.data.get("labels") or {}
        if not isinstance(labels, dict):
            node.fail("labels", "expected an object of label keys and values")
        for i, nic in enumerate(node.children("networkInterfaces")):
            nic_name = nic.text("name") or f"nic{i}"
            addresses = [a for a in (nic.text("networkIP"), nic.text("ipv6Address")) if a]
            for a in addresses:
                try:
                    ipaddress.ip_address(a)
                except ValueError:
                    nic.fail("networkIP", f"{a!r} is not an IP address")
            nid = network_id(nic.require_text("network"), project)
            sub = nic.text("subnetwork")
            sid = path_of(sub) if sub.startswith(("http", "projects/")) else (
                f"projects/{project}/regions/{region}/subnetworks/{last(sub)}" if sub else "")
            external = _external(nic, "accessConfigs", "natIP")
            external6 = _external(nic, "ipv6AccessConfigs", "externalIpv6")
            wid = f"projects/{project}/zones/{zone}/instances/{name}/{nic_name}"
            self.workloads[wid] = Workload(
                id=wid, cloud=CLOUD, addresses=tuple(addresses), network=nid, subnet=sid,
                account=project, region=region, name=name, instance=f"{zone}/{name}",
                kind=f"nic{i}", labels=net_tags,
                service_account=accounts[0] if accounts else "",
                tags=tuple(sorted((str(k), str(v)) for k, v in labels.items())),
                description=f"external {', '.join(external)}" if external else "",
                public_addresses=tuple(external + external6),
                forwarding=bool(node.flag("canIpForward")),
            )
            self.ensure_network(nid, wid)

    def ensure_network(self, nid: str, by: str = "") -> None:
        """A network named by ``by``: a stub (AFTER_CLASSIC_FIREWALL, no peerings) unless
        ``networks.json`` described it."""
        if by:
            self.referrers.setdefault(nid, []).append(by)
        if nid not in self.networks:
            self.networks[nid] = Network(id=nid, cloud=CLOUD, account=segment(nid, "projects"),
                                         name=last(nid), tags=((ENFORCEMENT_ORDER, AFTER),),
                                         stub=True)

    def finish(self) -> None:
        """Network address space = its subnets' ranges (and a legacy network's range)."""
        by_net: dict[str, list[AddressSet]] = {}
        for s in self.subnets.values():
            by_net.setdefault(s.network, []).append(s.cidrs)
            self.ensure_network(s.network, s.id)
        for nid, parts in by_net.items():
            n = self.networks[nid]
            self.networks[nid] = replace(n, cidrs=AddressSet.union_all([n.cidrs, *parts]))


def _external(nic: Node, configs: str, field_name: str) -> list[str]:
    """The external addresses of a NIC's access configurations (a stopped instance's
    ephemeral one has none)."""
    out: list[str] = []
    for config in nic.children(configs):
        text = config.text(field_name).strip()
        if not text:
            continue
        try:
            out.append(str(ipaddress.ip_address(text)))
        except ValueError:
            config.fail(field_name, f"{text!r} is not an IP address")
    return out


def _range(node: Node, key: str) -> AddressSet:
    text = node.text(key)
    try:
        return AddressSet.of_network(parse_network(text))
    except ValueError:
        node.fail(key, f"{text!r} is not a CIDR range")
