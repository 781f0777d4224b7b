"""Security groups and network ACLs -> :class:`Filter` values (wire format only, no verdicts).

- A security group is a ``union`` filter (``layer="aws_sg"``): one allow :class:`Rule` per
  ``IpPermission`` x peer (``IpRanges``, ``Ipv6Ranges``, ``PrefixListIds``,
  ``UserIdGroupPairs``), so every rule names one symbol and can be explained and revoked alone.
  Rule ids are the ``sgr-...`` ids of ``describe-security-group-rules.json`` where that file is
  present (matched on group, direction, services and peer), else a stable synthetic id such as
  ``sg-123/ingress/tcp/22-22/10.0.0.0/8``.
- A network ACL is a ``first-match`` filter (``layer="aws_nacl"``): one rule per entry, id
  ``acl-...#100/in``, ``order`` = ``RuleNumber``; the ``*`` entries 32767/32768 are kept as the
  ordinary deny rules the API returns.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from pathwarden.model import (
    Action,
    AddressSet,
    Direction,
    Filter,
    FilterKind,
    Peer,
    PeerKind,
    Rule,
    ServiceSet,
)
from pathwarden.model.addresses import parse_network
from pathwarden.providers.aws.services import ServiceCache
from pathwarden.providers.jsondoc import Node

RuleKey = tuple[str, bool, ServiceSet, Hashable]
_V4, _V6 = 4, 6


class CidrCache:
    """CIDR text -> :class:`AddressSet`, parsed once per distinct string."""

    def __init__(self) -> None:
        self.sets: dict[str, AddressSet] = {}
        self._peers: dict[str, Peer] = {}

    def parse(self, node: Node, key: str, family: int | None = None) -> AddressSet:
        text = node.require_text(key)
        found = self.sets.get(text)
        if found is None:
            try:
                found = AddressSet.of_network(parse_network(text))
            except ValueError:
                node.fail(key, f"expected a CIDR block, found {text!r}")
            self.sets[text] = found
        if (family == _V4 and found.v6) or (family == _V6 and found.v4):
            node.fail(key, f"expected an IPv{family} CIDR block, found {text!r}")
        return found

    def peer(self, node: Node, key: str, family: int | None = None) -> tuple[Peer, AddressSet]:
        addresses = self.parse(node, key, family)
        text = node.data[key]
        peer = self._peers.get(text)
        if peer is None:
            peer = self._peers[text] = Peer(PeerKind.CIDR, text.strip())
        return peer, addresses


@dataclass(slots=True)
class PeerRef:
    """One peer as read from the JSON, with what is needed to match and name its rule."""

    peer: Peer
    key: Hashable  # equal for the same peer in describe-security-groups and -rules
    description: str


@dataclass
class RuleParser:
    """Builds SG and NACL filters; remembers what the loader must check afterwards."""

    account: str = ""  # the snapshot folder's account: the fallback for a missing OwnerId
    services: ServiceCache = field(default_factory=ServiceCache)
    cidrs: CidrCache = field(default_factory=CidrCache)
    sg_refs: list[tuple[str, Peer]] = field(default_factory=list)  # (rule id, peer)
    pl_refs: dict[str, str] = field(default_factory=dict)  # prefix list id -> first rule id
    sgr_ids: dict[RuleKey, list[str]] = field(default_factory=dict)
    _sg_peers: dict[tuple[str, ...], Peer] = field(default_factory=dict)

    # -- describe-security-group-rules -------------------------------------------------------
    def index_rule_objects(self, root: Node) -> dict[str, list[Node]]:
        """Index ``sgr-...`` ids by rule key; return the rule objects grouped by group id."""
        groups: dict[str, list[Node]] = {}
        for item in root.children("SecurityGroupRules"):
            gid = item.require_text("GroupId")
            services = self.services.security_group(item)[0]
            ref = self._rule_object_peer(item)
            key = (gid, item.require_flag("IsEgress"), services, ref.key)
            self.sgr_ids.setdefault(key, []).append(item.require_text("SecurityGroupRuleId"))
            groups.setdefault(gid, []).append(item)
        return groups

    def unmatched_sgr_ids(self, group_ids: set[str]) -> list[str]:
        return [i for k, ids in self.sgr_ids.items() if k[0] in group_ids for i in ids]

    # -- security groups ---------------------------------------------------------------------
    def security_group(self, g: Node, region: str) -> Filter:
        gid = g.require_text("GroupId")
        seen: set[str] = set()
        rules: list[Rule] = []
        for direction, key in (
            (Direction.INGRESS, "IpPermissions"),
            (Direction.EGRESS, "IpPermissionsEgress"),
        ):
            for perm in g.children(key):
                services, proto, ports = self.services.security_group(perm)
                for ref in self._permission_peers(perm):
                    rules.append(
                        self._sg_rule(gid, direction, services, f"{proto}/{ports}", ref, seen)
                    )
        return Filter(
            id=gid,
            kind=FilterKind.UNION,
            cloud="aws",
            rules=tuple(rules),
            name=g.text("GroupName"),
            network=g.text("VpcId"),
            account=g.text("OwnerId") or self.account,
            region=region,
            default=Action.DENY,
            layer="aws_sg",
            tags=g.tags("Tags"),
        )

    def security_group_from_rules(
        self, gid: str, items: list[Node], network: str, region: str
    ) -> Filter:
        """A group that ``describe-security-groups`` lacks, rebuilt from its rule objects."""
        seen: set[str] = set()
        rules: list[Rule] = []
        for item in items:
            services, proto, ports = self.services.security_group(item)
            direction = Direction.EGRESS if item.require_flag("IsEgress") else Direction.INGRESS
            ref = self._rule_object_peer(item)
            rules.append(self._sg_rule(gid, direction, services, f"{proto}/{ports}", ref, seen))
        return Filter(
            id=gid,
            kind=FilterKind.UNION,
            cloud="aws",
            rules=tuple(rules),
            network=network,
            account=items[0].text("GroupOwnerId") or self.account,
            region=region,
            default=Action.DENY,
            layer="aws_sg",
        )

    def _sg_rule(
        self,
        gid: str,
        direction: Direction,
        services: ServiceSet,
        what: str,
        ref: PeerRef,
        seen: set[str],
    ) -> Rule:
        egress = direction is Direction.EGRESS
        ids = self.sgr_ids.get((gid, egress, services, ref.key))
        if ids:
            rule_id = ids.pop(0)
        else:
            base = f"{gid}/{direction.value}/{what}/{ref.peer.value}"
            rule_id, n = base, 1
            while rule_id in seen:
                n += 1
                rule_id = f"{base}#{n}"
        seen.add(rule_id)
        peer = ref.peer
        if peer.kind is PeerKind.SECURITY_GROUP:
            self.sg_refs.append((rule_id, peer))
        elif peer.kind is PeerKind.PREFIX_LIST:
            self.pl_refs.setdefault(peer.value, rule_id)
        peers = (peer,)
        return Rule(
            rule_id,
            gid,
            Action.ALLOW,
            direction,
            services,
            src=() if egress else peers,
            dst=peers if egress else (),
            description=ref.description,
        )

    def _permission_peers(self, perm: Node) -> list[PeerRef]:
        out: list[PeerRef] = []
        for r in perm.children("IpRanges"):
            peer, addresses = self.cidrs.peer(r, "CidrIp", _V4)
            out.append(PeerRef(peer, addresses, r.text("Description")))
        for r in perm.children("Ipv6Ranges"):
            peer, addresses = self.cidrs.peer(r, "CidrIpv6", _V6)
            out.append(PeerRef(peer, addresses, r.text("Description")))
        for r in perm.children("PrefixListIds"):
            pl = r.require_text("PrefixListId")
            out.append(PeerRef(Peer(PeerKind.PREFIX_LIST, pl), ("pl", pl), r.text("Description")))
        for r in perm.children("UserIdGroupPairs"):
            out.append(self._group_peer(r, r.text("Description")))
        return out

    def _rule_object_peer(self, item: Node) -> PeerRef:
        description = item.text("Description")
        data = item.data
        for key, family in (("CidrIpv4", _V4), ("CidrIpv6", _V6)):
            if data.get(key) is not None:
                peer, addresses = self.cidrs.peer(item, key, family)
                return PeerRef(peer, addresses, description)
        if data.get("PrefixListId") is not None:
            pl = item.require_text("PrefixListId")
            return PeerRef(Peer(PeerKind.PREFIX_LIST, pl), ("pl", pl), description)
        ref = item.child("ReferencedGroupInfo")
        if ref is None:
            item.fail(
                None,
                "expected one of CidrIpv4, CidrIpv6, PrefixListId or "
                "ReferencedGroupInfo in a security group rule",
            )
        return self._group_peer(ref, description)

    def _group_peer(self, r: Node, description: str) -> PeerRef:
        gid = r.require_text("GroupId")
        fields = (
            gid,
            r.text("UserId"),
            r.text("VpcId"),
            r.text("VpcPeeringConnectionId"),
            r.text("PeeringStatus"),
        )
        peer = self._sg_peers.get(fields)
        if peer is None:
            peer = self._sg_peers[fields] = Peer(
                PeerKind.SECURITY_GROUP,
                gid,
                account=fields[1] or None,
                network=fields[2] or None,
                peering=fields[3] or None,
                peering_status=fields[4] or None,
            )
        return PeerRef(peer, ("sg", gid), description)

    # -- network ACLs ------------------------------------------------------------------------
    def network_acl(self, a: Node, region: str) -> tuple[Filter, list[str]]:
        """The NACL filter and the subnet ids explicitly associated with it."""
        acl = a.require_text("NetworkAclId")
        rules: list[Rule] = []
        for e in a.children("Entries"):
            number = e.require_integer("RuleNumber")
            egress = e.require_flag("Egress")
            action = e.require_text("RuleAction").lower()
            if action not in ("allow", "deny"):
                e.fail("RuleAction", f"expected 'allow' or 'deny', found {action!r}")
            ipv6 = not e.has("CidrBlock")
            if ipv6 and not e.has("Ipv6CidrBlock"):
                e.fail(None, "expected CidrBlock or Ipv6CidrBlock in a network ACL entry")
            key = "Ipv6CidrBlock" if ipv6 else "CidrBlock"
            peers = (self.cidrs.peer(e, key, _V6 if ipv6 else _V4)[0],)
            services = self.services.network_acl(e, ipv6)
            rules.append(
                Rule(
                    f"{acl}#{number}/{'out' if egress else 'in'}",
                    acl,
                    Action.ALLOW if action == "allow" else Action.DENY,
                    Direction.EGRESS if egress else Direction.INGRESS,
                    services,
                    src=() if egress else peers,
                    dst=peers if egress else (),
                    order=number,
                )
            )
        rules.sort(key=lambda r: (r.direction is Direction.EGRESS, r.order))
        subnets = [s.require_text("SubnetId") for s in a.children("Associations")]
        flt = Filter(
            id=acl,
            kind=FilterKind.FIRST_MATCH,
            cloud="aws",
            rules=tuple(rules),
            name=_name(a),
            network=a.text("VpcId"),
            account=a.text("OwnerId") or self.account,
            region=region,
            default=Action.DENY,
            layer="aws_nacl",
            tags=a.tags("Tags"),
        )
        return flt, subnets


def _name(node: Node) -> str:
    for key, value in node.tags("Tags"):
        if key == "Name":
            return value
    return ""
