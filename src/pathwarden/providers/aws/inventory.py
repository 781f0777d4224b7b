"""ENIs, instances, subnets, VPCs, peerings and prefix lists -> model values (wire format only).

Security groups bind to ENIs, not instances, so every ENI is one :class:`Workload`
(cloud-semantics.md, pitfall 4): a multi-ENI instance gives one workload per ENI with its own
SG set, and requester-managed ENIs (NAT gateways, endpoints) are workloads too.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass, field

from pathwarden.model import NOWHERE, AddressSet, Network, Peering, PrefixList, Subnet, Workload
from pathwarden.providers.aws.rules import CidrCache
from pathwarden.providers.jsondoc import Node, Tags, tag_value

_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+")
_GONE = frozenset({"disassociating", "disassociated", "failing", "failed"})


@dataclass(frozen=True, slots=True)
class Instance:
    id: str
    tags: Tags
    name: str
    zone: str


@dataclass
class Inventory:
    """Parses the inventory files of one snapshot folder; ``account``/``region`` are the folder's
    (empty when the files sit directly in the folder)."""

    account: str
    region: str
    cidrs: CidrCache
    instances: dict[str, Instance] = field(default_factory=dict)
    workloads: dict[str, Workload] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    _zones: dict[str, str] = field(default_factory=dict)
    _embedded: set[str] = field(default_factory=set)

    def region_of(self, zone: str) -> str:
        """``us-east-1a`` -> ``us-east-1`` (local and wavelength zones -> their parent region)."""
        if self.region or not zone:
            return self.region
        found = self._zones.get(zone)
        if found is None:
            m = _REGION.match(zone)
            found = self._zones[zone] = m.group(0) if m else ""
        return found

    # -- instances and ENIs ------------------------------------------------------------------
    def read_instances(self, root: Node) -> list[tuple[Node, Instance]]:
        """Remember every instance's tags and zone; return the instances."""
        out: list[tuple[Node, Instance]] = []
        for reservation in root.children("Reservations"):
            for i in reservation.children("Instances"):
                tags = i.tags("Tags")
                inst = Instance(
                    i.require_text("InstanceId"),
                    tags,
                    tag_value(tags, "Name"),
                    i.nested_text("Placement", "AvailabilityZone"),
                )
                self.instances[inst.id] = inst
                out.append((i, inst))
        return out

    def add_instance_interfaces(self, node: Node, inst: Instance) -> None:
        """The ENIs embedded in an instance that describe-network-interfaces lacks."""
        raw = node.data.get("NetworkInterfaces")
        if type(raw) is list:  # fast path: every ENI is known already
            ids = [item.get("NetworkInterfaceId") if type(item) is dict else None for item in raw]
            known, embedded = self.workloads, self._embedded
            if all(type(i) is str and i in known and i not in embedded for i in ids):
                embedded.update(ids)  # type: ignore[arg-type]  # all str, checked above
                return
        for n in node.children("NetworkInterfaces"):
            self.add_interface(n, inst)

    def add_interface(self, n: Node, parent: Instance | None = None) -> None:
        eni = n.require_text("NetworkInterfaceId")
        if parent is not None:  # seen in describe-network-interfaces already: not a duplicate
            if eni in self._embedded:
                self.duplicates.append(eni)
                return
            self._embedded.add(eni)
            if eni in self.workloads:
                return
        elif eni in self.workloads:
            self.duplicates.append(eni)
            return
        instance_id = n.nested_text("Attachment", "InstanceId")
        inst = self.instances.get(instance_id) if instance_id else parent
        if inst is not None and not instance_id:
            instance_id = inst.id
        tags = n.tags("TagSet")
        zone = n.text("AvailabilityZone") or (inst.zone if inst else "")
        self.workloads[eni] = Workload(
            id=eni,
            cloud="aws",
            addresses=_addresses(n),
            network=n.text("VpcId"),
            subnet=n.text("SubnetId"),
            filters=tuple(n.values("Groups", "GroupId")),
            account=n.text("OwnerId") or self.account,
            region=self.region_of(zone),
            name=tag_value(tags, "Name") or (inst.name if inst else ""),
            instance=instance_id,
            kind=n.text("InterfaceType") or "interface",
            tags=tags,
            instance_tags=inst.tags if inst else (),
            description=n.text("Description"),
            public_addresses=_public(n),
            forwarding=n.flag("SourceDestCheck") is False,
        )

    # -- subnets, VPCs, peerings -------------------------------------------------------------
    def subnet(self, n: Node) -> Subnet:
        cidrs = self.cidrs.parse(n, "CidrBlock") if n.has("CidrBlock") else NOWHERE
        for a in n.children("Ipv6CidrBlockAssociationSet"):
            if _associated(a, "Ipv6CidrBlockState"):
                cidrs = cidrs | self.cidrs.parse(a, "Ipv6CidrBlock", 6)
        tags = n.tags("Tags")
        return Subnet(
            id=n.require_text("SubnetId"),
            cloud="aws",
            network=n.text("VpcId"),
            cidrs=cidrs,
            account=n.text("OwnerId") or self.account,
            region=self.region_of(n.text("AvailabilityZone")),
            name=tag_value(tags, "Name"),
            tags=tags,
            zone=n.text("AvailabilityZoneId") or n.text("AvailabilityZone"),
        )

    def vpc(self, n: Node, region: str) -> Network:
        cidrs = self.cidrs.parse(n, "CidrBlock") if n.has("CidrBlock") else NOWHERE
        for a in n.children("CidrBlockAssociationSet"):
            if _associated(a, "CidrBlockState"):
                cidrs = cidrs | self.cidrs.parse(a, "CidrBlock", 4)
        for a in n.children("Ipv6CidrBlockAssociationSet"):
            if _associated(a, "Ipv6CidrBlockState"):
                cidrs = cidrs | self.cidrs.parse(a, "Ipv6CidrBlock", 6)
        tags = n.tags("Tags")
        return Network(
            id=n.require_text("VpcId"),
            cloud="aws",
            cidrs=cidrs,
            account=n.text("OwnerId") or self.account,
            region=region,
            name=tag_value(tags, "Name"),
            tags=tags,
        )


def peerings_of(root: Node) -> dict[str, list[Peering]]:
    """VPC id -> every peering connection it is a side of (``name``: the ``pcx-`` id, ``state``:
    ``Status.Code``), so a route to ``pcx-X`` finds the VPC on the other side."""
    out: dict[str, list[Peering]] = {}
    for p in root.children("VpcPeeringConnections"):
        status = p.child("Status")
        sides = [p.child("RequesterVpcInfo"), p.child("AccepterVpcInfo")]
        a, b = (s.text("VpcId") if s else "" for s in sides)
        pcx, code = p.text("VpcPeeringConnectionId"), status.text("Code") if status else ""
        if a and b and pcx:
            out.setdefault(a, []).append(Peering(b, pcx, code))
            out.setdefault(b, []).append(Peering(a, pcx, code))
    return out


def active_peerings(root: Node) -> dict[str, set[str]]:
    """VPC id -> the VPC ids an *active* peering joins it to."""
    peers: dict[str, set[str]] = {}
    for p in root.children("VpcPeeringConnections"):
        status = p.child("Status")
        if status is None or status.text("Code") != "active":
            continue
        sides = [p.child("RequesterVpcInfo"), p.child("AccepterVpcInfo")]
        a, b = (s.require_text("VpcId") if s else "" for s in sides)
        if a and b:
            peers.setdefault(a, set()).add(b)
            peers.setdefault(b, set()).add(a)
    return peers


def prefix_list(
    pl_id: str, described: Node | None, entries: Node | None, cidrs: CidrCache
) -> PrefixList:
    texts: list[str] = []
    addresses = NOWHERE
    if entries is not None:
        sets: list[AddressSet] = []
        for e in entries.children("Entries"):
            sets.append(cidrs.parse(e, "Cidr"))
            texts.append(e.data["Cidr"])
        addresses = AddressSet.union_all(sets)
    return PrefixList(
        id=pl_id,
        name=described.text("PrefixListName") if described else "",
        addresses=addresses,
        entries=tuple(texts),
        max_entries=(described.integer("MaxEntries") or 0) if described else 0,
        stub=entries is None,
    )


def _associated(association: Node, state_key: str) -> bool:
    state = association.child(state_key)
    return state is None or state.text("State") not in _GONE


def _addresses(n: Node) -> tuple[str, ...]:
    """Private IPv4 addresses, primary first, then IPv6 addresses; each checked to parse."""
    data = n.data
    private = data.get("PrivateIpAddresses")
    ipv6 = data.get("Ipv6Addresses")
    if type(private) is list and all(type(p) is dict for p in private) and (
        ipv6 is None or type(ipv6) is list
    ):
        ordered = [p for p in private if p.get("Primary") is True]
        ordered += [p for p in private if p.get("Primary") is not True]
        out = [p.get("PrivateIpAddress") for p in ordered]
        if not private and type(data.get("PrivateIpAddress")) is str:
            out = [data["PrivateIpAddress"]]
        if ipv6:
            out += [a.get("Ipv6Address") if type(a) is dict else None for a in ipv6]
        if all(type(a) is str and _valid_ip(a) for a in out):
            return tuple(out)
    return _addresses_checked(n)  # the slow path reports the bad field


def _addresses_checked(n: Node) -> tuple[str, ...]:
    private = n.children("PrivateIpAddresses")
    out: list[str] = []
    if private:
        primary = [p for p in private if p.data.get("Primary") is True]
        for p in primary + [p for p in private if p.data.get("Primary") is not True]:
            out.append(_ip(p, "PrivateIpAddress"))
    elif n.has("PrivateIpAddress"):
        out.append(_ip(n, "PrivateIpAddress"))
    for a in n.children("Ipv6Addresses"):
        out.append(_ip(a, "Ipv6Address"))
    return tuple(out)


def _public(n: Node) -> tuple[str, ...]:
    """The ENI's public IPv4 addresses (``Association.PublicIp`` of the ENI and of each private
    address: an Elastic IP or an auto-assigned public IP), then its IPv6 addresses, which are
    globally unique and public wherever an internet gateway route lets them be. Which of them
    is reachable from outside is the engine's decision."""
    data = n.data
    found: list[object] = []
    assoc = data.get("Association")
    if type(assoc) is dict and "PublicIp" in assoc:
        found.append(assoc["PublicIp"])
    for p in data.get("PrivateIpAddresses") or ():
        a = p.get("Association") if type(p) is dict else None
        if type(a) is dict and "PublicIp" in a:
            found.append(a["PublicIp"])
    for a in data.get("Ipv6Addresses") or ():
        found.append(a.get("Ipv6Address") if type(a) is dict else None)
    if all(type(a) is str and _valid_ip(a) for a in found):
        return tuple(dict.fromkeys(found))  # type: ignore[arg-type]  # all str, checked above
    return _public_checked(n)  # the slow path reports the bad field


def _public_checked(n: Node) -> tuple[str, ...]:
    out: list[str] = []
    assoc = n.child("Association")
    if assoc is not None and assoc.has("PublicIp"):
        out.append(_ip(assoc, "PublicIp"))
    for p in n.children("PrivateIpAddresses"):
        a = p.child("Association")
        if a is not None and a.has("PublicIp"):
            out.append(_ip(a, "PublicIp"))
    for a in n.children("Ipv6Addresses"):
        out.append(_ip(a, "Ipv6Address"))
    return tuple(dict.fromkeys(out))


def _valid_ip(text: str) -> bool:
    """``inet_pton`` first (several times faster, and no laxer than :mod:`ipaddress`, which
    the engine parses with); what it rejects is re-checked by :mod:`ipaddress`."""
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text)
        return True
    except (OSError, ValueError):
        pass
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _ip(node: Node, key: str) -> str:
    text = node.require_text(key)
    try:
        ipaddress.ip_address(text)
    except ValueError:
        node.fail(key, f"expected an IP address, found {text!r}")
    return text
