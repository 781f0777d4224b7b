"""VNets (with subnets and peerings), NICs (with IP configurations and ASGs) -> the model.

Routing inputs read here, from the same files: each subnet's ``routeTable``, each peering's
flags (:class:`Peering`), each NIC's ``enableIPForwarding`` and the ``publicIPAddress``
references of its IP configurations (resolved by :mod:`.routes`).

Wire format only: ``az network vnet list`` / ``az network nic list`` output (flattened) or the
ARM REST shape (``properties``). References between resources are matched case-insensitively
and rewritten to the id the referenced resource itself carries.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace

from pathwarden.model import (
    NOWHERE,
    AddressSet,
    Lookup,
    Missing,
    Network,
    Notice,
    Peering,
    Subnet,
    Workload,
)
from pathwarden.model.addresses import parse_network
from pathwarden.providers.azure.rules import CLOUD
from pathwarden.providers.azure.shapes import (
    key,
    name_of,
    parent_id,
    props,
    ref,
    refs,
    segment,
    singular_plural,
    tag_pairs,
    texts,
)
from pathwarden.providers.jsondoc import Node

MAX_PREFIX_ADDRESSES = 256  # an IP configuration holding a prefix (/28) is expanded up to this


@dataclass
class Inventory:
    notices: list[Notice] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    networks: dict[str, Network] = field(default_factory=dict)  # canonical id -> network
    subnets: dict[str, Subnet] = field(default_factory=dict)
    workloads: dict[str, Workload] = field(default_factory=dict)
    asg_members: dict[str, list[str]] = field(default_factory=dict)  # key(asg) -> addresses
    canonical: dict[str, str] = field(default_factory=dict)  # key(id) -> id as its owner writes
    peer_spaces: dict[str, AddressSet] = field(default_factory=dict)  # remote vnet -> space
    # routing: address prefixes as written (system routes are one per prefix), per VNet and,
    # from peerings, per remote VNet; public IP references per workload
    spaces: dict[str, list[str]] = field(default_factory=dict)  # vnet id -> prefixes
    peer_prefixes: dict[str, list[str]] = field(default_factory=dict)  # key(remote) -> prefixes
    public_refs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # wid -> refs

    def note(self, code: str, message: str, source: str = "") -> None:
        self.notices.append(Notice(code, message, source))

    def canon(self, arm_id: str) -> str:
        return self.canonical.get(key(arm_id), arm_id)

    # -- VNets -----------------------------------------------------------------------------------
    def vnet(self, node: Node) -> None:
        vid = node.require_text("id")
        self.canonical[key(vid)] = vid
        p = props(node)
        space_node = p.child("addressSpace")
        space = _cidrs(space_node, "addressPrefixes") if space_node else NOWHERE
        self.spaces[vid] = _prefixes(space_node, "addressPrefixes") if space_node else []
        peers: list[str] = []
        peerings: list[Peering] = []
        for pe in p.children("virtualNetworkPeerings"):
            pp = props(pe)
            remote = ref(pp, "remoteVirtualNetwork")
            if not remote:
                continue
            connected = pp.text("peeringState").lower() == "connected"
            access = pp.flag("allowVirtualNetworkAccess")
            peerings.append(_peering(pe, pp, remote))
            prefixes = _remote_prefixes(pp)
            if prefixes is not None:
                self.peer_prefixes.setdefault(key(remote), prefixes)
            if connected and access is not False:
                peers.append(remote)
                if prefixes is not None and key(remote) not in self.peer_spaces:
                    self.peer_spaces[key(remote)] = AddressSet.union_all(
                        AddressSet.of_network(parse_network(t)) for t in prefixes)
            else:
                self.note("peering-inactive", f"peering {pe.text('name') or remote} of "
                          f"{name_of(vid)} is {pp.text('peeringState') or 'not connected'}"
                          f"{' with VNet access off' if access is False else ''}: no path "
                          "crosses it", vid)
        self.networks[vid] = Network(
            id=vid, cloud=CLOUD, cidrs=space, account=segment(vid, "subscriptions"),
            region=node.text("location"), name=node.text("name") or name_of(vid),
            peers=tuple(peers), tags=tag_pairs(node), peerings=tuple(peerings),
        )
        for s in p.children("subnets"):
            sid = s.require_text("id")
            self.canonical[key(sid)] = sid
            sp = props(s)
            nsg = ref(sp, "networkSecurityGroup")
            self.subnets[sid] = Subnet(
                id=sid, cloud=CLOUD, network=vid,
                cidrs=_cidrs(sp, "addressPrefix", "addressPrefixes"),
                filters=(nsg,) if nsg else (), account=segment(sid, "subscriptions"),
                region=node.text("location"), name=s.text("name") or name_of(sid),
                route_table=ref(sp, "routeTable"),
            )

    def finish_networks(self) -> None:
        """Canonical peer ids, symmetric peerings, and networks known only by reference."""
        for vid in list(self.networks):
            for remote in self.networks[vid].peers:
                rid = self.canon(remote)
                if rid not in self.networks:
                    self.networks[rid] = Network(
                        id=rid, cloud=CLOUD, cidrs=self.peer_spaces.get(key(rid), NOWHERE),
                        account=segment(rid, "subscriptions"), name=name_of(rid), stub=True,
                    )
        links = {(vid, self.canon(r)) for vid, n in self.networks.items() for r in n.peers}
        links |= {(b, a) for a, b in links}
        for vid, n in self.networks.items():
            mine = sorted({b for a, b in links if a == vid and b != vid})
            peerings = tuple(replace(pe, remote=self.canon(pe.remote)) for pe in n.peerings)
            self.networks[vid] = replace(n, peers=tuple(mine), peerings=peerings)

    # -- NICs --------------------------------------------------------------------------------------
    def nic(self, node: Node) -> None:
        nic_id = node.require_text("id")
        self.canonical[key(nic_id)] = nic_id
        p = props(node)
        nsg = ref(p, "networkSecurityGroup")
        forwarding = p.flag("enableIPForwarding")
        if forwarding is None:  # older az CLI spelling
            forwarding = p.flag("enableIpForwarding")
        groups: dict[str, list[tuple[Node, list[str]]]] = {}
        order: list[str] = []
        for ipc in p.children("ipConfigurations"):
            ip = props(ipc)
            subnet = ref(ip, "subnet")
            addresses = self._addresses(ip, nic_id)
            if not addresses:
                continue
            k = key(subnet)
            if k not in groups:
                groups[k] = []
                order.append(k)
            if ip.flag("primary") and order[0] != k:
                order.remove(k)
                order.insert(0, k)
            groups[k].append((ipc, addresses))
            for asg in refs(ip, "applicationSecurityGroups"):
                self.asg_members.setdefault(key(asg), []).extend(addresses)
        if not groups:
            self.note("nic-without-address", f"{nic_id} has no private IP address: skipped",
                      nic_id)
            return
        if len(order) > 1:
            self.note("nic-multiple-subnets", f"{name_of(nic_id)} has IP configurations in "
                      f"{len(order)} subnets: each subnet's configurations are a workload", nic_id)
        for n, k in enumerate(order):
            items = groups[k]
            subnet_ref = ref(props(items[0][0]), "subnet")
            wid = nic_id if n == 0 else items[0][0].text("id") or f"{nic_id}#{n}"
            asgs = sorted(
                {a for ipc, _ in items for a in refs(props(ipc), "applicationSecurityGroups")}
            )
            self.workloads[wid] = Workload(
                id=wid, cloud=CLOUD,
                addresses=tuple(a for _, addrs in items for a in addrs),
                network=parent_id(subnet_ref) if subnet_ref else "",
                subnet=subnet_ref, filters=(nsg,) if nsg else (),
                account=segment(nic_id, "subscriptions"), region=node.text("location"),
                name=node.text("name") or name_of(nic_id),
                instance=ref(p, "virtualMachine"), kind="nic", tags=tag_pairs(node),
                labels=tuple(asgs), forwarding=bool(forwarding),
            )
            # (IP configuration id, its public IP id or ""): public IPs name the IP
            # configuration they are bound to too, so both sides are kept
            self.public_refs[wid] = [
                (c.text("id"), ref(props(c), "publicIPAddress")) for c, _ in items
            ]

    def _addresses(self, ip: Node, nic_id: str) -> list[str]:
        text = ip.text("privateIPAddress").strip()
        if not text:
            return []
        try:
            if "/" not in text:
                return [str(ipaddress.ip_address(text))]
            net = parse_network(text)
        except ValueError:
            ip.fail("privateIPAddress", f"expected an IP address, found {text!r}")
        if net.num_addresses > MAX_PREFIX_ADDRESSES:
            self.note("nic-prefix-truncated", f"{name_of(nic_id)} holds prefix {net}: only its "
                      f"first {MAX_PREFIX_ADDRESSES} addresses are modelled", nic_id)
        hosts = []
        for i, a in enumerate(net):
            if i >= MAX_PREFIX_ADDRESSES:
                break
            hosts.append(str(a))
        return hosts

    def resolve_references(self, vnets_listed: bool, source: str) -> None:
        """Rewrite every reference to the canonical id; invent subnets/VNets only referenced
        (stubs), and record them as missing when ``network-vnet-list.json`` was read."""
        for wid, w in list(self.workloads.items()):
            subnet = self.canon(w.subnet)
            known = self.subnets.get(subnet)
            network = known.network if known else self.canon(w.network)
            self.workloads[wid] = replace(
                w, subnet=subnet, network=network,
                filters=tuple(self.canon(f) for f in w.filters),
                instance=self.canon(w.instance) if w.instance else "",
                labels=tuple(self.canon(a) for a in w.labels),
            )
            if subnet and (subnet not in self.subnets or self.subnets[subnet].stub):
                self.subnets.setdefault(subnet, Subnet(
                    id=subnet, cloud=CLOUD, network=network, account=w.account,
                    region=w.region, name=name_of(subnet), stub=True,
                ))
                if vnets_listed:
                    self.missing.append(Missing(
                        "subnet", subnet, w.id, "its NSG and address prefixes are unknown",
                        Lookup.SUBNET, source=source))
        for sid, s in list(self.subnets.items()):
            self.subnets[sid] = replace(s, filters=tuple(self.canon(f) for f in s.filters))
            if s.network and vnets_listed and (
                s.network not in self.networks or self.networks[s.network].stub
            ):
                self.missing.append(Missing(
                    "VNet", s.network, s.id, "its address space (for VirtualNetwork) is taken "
                    "to be its NICs' addresses only", Lookup.NETWORK, source=source))
            if s.network and s.network not in self.networks:
                members = [a for w in self.workloads.values() if w.network == s.network
                           for a in w.addresses]
                self.networks[s.network] = Network(
                    id=s.network, cloud=CLOUD,
                    cidrs=AddressSet.of_ips(ipaddress.ip_address(a) for a in members),
                    account=s.account, region=s.region, name=name_of(s.network), stub=True,
                )
                if not vnets_listed:
                    self.note("vnet-unknown", f"{name_of(s.network)} is not in the snapshot: "
                              "its address space (for VirtualNetwork) is taken to be its NICs' "
                              "addresses only", s.network)


def _peering(node: Node, p: Node, remote: str) -> Peering:
    """One ``virtualNetworkPeerings`` item; absent flags take the API defaults
    (virtualNetworkPeering.json: access true, the others false)."""
    access = p.flag("allowVirtualNetworkAccess")
    return Peering(
        remote=remote, name=node.text("name"), state=p.text("peeringState"),
        allow_access=access is not False,
        allow_forwarded=bool(p.flag("allowForwardedTraffic")),
        allow_gateway_transit=bool(p.flag("allowGatewayTransit")),
        use_remote_gateways=bool(p.flag("useRemoteGateways")),
    )


def _remote_prefixes(p: Node) -> list[str] | None:
    """The peer's address space a peering lists (None when it lists none)."""
    for field_name in ("remoteVirtualNetworkAddressSpace", "remoteAddressSpace"):
        rs = p.child(field_name)
        if rs is not None:
            return _prefixes(rs, "addressPrefixes")
    return None


def _prefixes(node: Node, field_name: str) -> list[str]:
    """CIDR prefixes as written (host bits cleared), in order, without repeats."""
    out: list[str] = []
    for t in texts(node, field_name):
        try:
            net = str(parse_network(t))
        except ValueError:
            node.fail(field_name, f"expected CIDR prefixes, found {t!r}")
        if net not in out:
            out.append(net)
    return out


def _cidrs(node: Node, singular: str, plural: str | None = None) -> AddressSet:
    items = singular_plural(node, singular, plural) if plural else texts(node, singular)
    out = []
    for t in items:
        try:
            out.append(AddressSet.of_network(parse_network(t)))
        except ValueError:
            node.fail(plural or singular, f"expected CIDR prefixes, found {t!r}")
    return AddressSet.union_all(out)
