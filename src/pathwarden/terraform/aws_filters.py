"""AWS security groups, SG rules, network ACLs and NACL rules from Terraform values.

Each Terraform shape is turned into the ``describe-*`` shape the AWS loader reads and handed
to its :class:`~pathwarden.providers.aws.rules.RuleParser` and
:class:`~pathwarden.providers.aws.services.ServiceCache`, so a rule from a plan means exactly
what the same rule means in a snapshot (protocol ``-1``, ICMP type/code in the port fields,
IPv4/IPv6 kept apart). Terraform semantics kept here:

- ``aws_security_group`` with inline ``ingress``/``egress`` known in the plan owns that
  direction: its rules replace the group's rules in that direction (Terraform removes rules
  it does not list). Unknown on create and not configured: none (Terraform removes AWS's
  default egress rule); unknown on update: unchanged; configured but unresolvable: any
  protocol from any address (conservative, reported).
- standalone rules (``aws_security_group_rule``, ``aws_vpc_security_group_*_rule``) add one
  model rule per peer; ``before`` values remove the matching rule (by ``sgr-`` id, else by
  direction, services and peer).
- ``aws_network_acl`` entries replace the NACL's entries per direction; ``subnet_ids``
  re-associate subnets; ``aws_network_acl_rule`` adds or removes one entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pathwarden.model import Action, Direction, Filter, FilterKind, Peer, PeerKind, Rule
from pathwarden.model.addresses import parse_network
from pathwarden.providers.aws.rules import RuleParser
from pathwarden.providers.jsondoc import Node
from pathwarden.terraform.plan import Resource
from pathwarden.terraform.world import World

ANY_V4, ANY_V6 = "0.0.0.0/0", "::/0"
_DIRS = (
    (Direction.INGRESS, "ingress", "IpPermissions"),
    (Direction.EGRESS, "egress", "IpPermissionsEgress"),
)


class AwsFilters:
    def __init__(self, world: World, label: str) -> None:
        self.world = world
        self.label = label
        self.parser = RuleParser()
        self._cidr_peers: dict[str, Peer] = {}

    def node(self, r: Resource, data: dict[str, Any]) -> Node:
        return Node(data, f"{self.label}: {r.address}")

    # -- security groups ---------------------------------------------------------------------
    def security_group(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if after is None:
            assert before is not None
            gid = w.id_of(before)
            w.filters.pop(gid, None)
            w.notices.append(_notice(before, f"{gid} is deleted by the plan"))
            return
        gid = w.id_of(after)
        existing = w.filters.get(gid)
        vpc, _ = w.value(after, "vpc_id")
        data: dict[str, Any] = {"GroupId": gid, "GroupName": after.values.get("name") or ""}
        data["VpcId"] = vpc if isinstance(vpc, str) else (existing.network if existing else "")
        data["Tags"] = _tags(after.values.get("tags"))
        keep: list[Rule] = []
        for direction, attr, key in _DIRS:
            items = after.values.get(attr)
            unknown = after.unknown.get(attr) is True or after.unknown.get("*") is True
            if isinstance(items, list) and not unknown:
                data[key] = [
                    self._permission(after, gid, attr, i, it) for i, it in enumerate(items)
                ]
            elif existing is not None and before is not None:
                keep += existing.direction(direction)
            elif w.refs is not None and w.refs.is_configured(after.address, attr):
                w.assume(after, attr, "any protocol from/to any address")
                data[key] = [
                    {
                        "IpProtocol": "-1",
                        "IpRanges": [{"CidrIp": ANY_V4}],
                        "Ipv6Ranges": [{"CidrIpv6": ANY_V6}],
                    }
                ]
        flt = self.parser.security_group(
            self.node(after, data), existing.region if existing else ""
        )
        if existing is not None:
            flt = replace(flt, account=existing.account, name=flt.name or existing.name)
        w.filters[gid] = replace(flt, rules=tuple(keep) + flt.rules)
        w.origin[gid] = after.address
        for rule in flt.rules:
            w.origin[rule.id] = after.address

    def _permission(
        self, r: Resource, gid: str, attr: str, index: int, item: Mapping[str, Any]
    ) -> dict[str, Any]:
        unknown_items = r.unknown.get(attr)
        unk = (
            unknown_items[index]
            if isinstance(unknown_items, list) and index < len(unknown_items)
            else {}
        )
        unk = unk if isinstance(unk, dict) else {}
        expr_items = self.world.refs.expression(r.address, attr) if self.world.refs else None
        expr_all = expr_items if isinstance(expr_items, list) else []

        def vals(key: str) -> list[Any]:
            got, complete = self.world.values(r, key, item, unk.get(key), _union(expr_all, key))
            if not complete:
                self.world.assume(r, f"{attr}[{index}].{key}", "any address")
                got = [*got, ANY_V6 if "ipv6" in key else ANY_V4]
            return got

        perm: dict[str, Any] = {"IpProtocol": str(item.get("protocol", "-1"))}
        perm["FromPort"], perm["ToPort"] = item.get("from_port"), item.get("to_port")
        perm["IpRanges"] = [{"CidrIp": c} for c in vals("cidr_blocks") if ":" not in str(c)]
        perm["Ipv6Ranges"] = [{"CidrIpv6": c} for c in vals("ipv6_cidr_blocks")]
        perm["PrefixListIds"] = [{"PrefixListId": p} for p in vals("prefix_list_ids")]
        groups = [str(g) for g in vals("security_groups")]
        if item.get("self"):
            groups.append(gid)
        perm["UserIdGroupPairs"] = [_group_pair(g) for g in groups]
        return perm

    # -- standalone SG rules -------------------------------------------------------------------
    def sg_rule(self, before: Resource | None, after: Resource | None) -> None:
        if before is not None:
            for gid, rule in self._sg_rules(before, quiet=True):
                self._remove_rule(gid, rule)
        if after is not None:
            for gid, rule in self._sg_rules(after, quiet=False):
                flt = self.world.filters.get(gid)
                if flt is None:
                    flt = Filter(gid, FilterKind.UNION, "aws", (), layer="aws_sg")
                    self.world.notices.append(
                        _notice(after, f"{gid} is not in the estate; its other rules are unknown")
                    )
                same = [x for x in flt.rules if _same(x, rule)]
                if same:  # already there (a snapshot rule Terraform manages): adopt it
                    self.world.origin[same[0].id] = after.address
                else:
                    self.world.filters[gid] = replace(flt, rules=(*flt.rules, rule))
                self.world.origin[rule.id] = after.address

    def _remove_rule(self, gid: str, rule: Rule) -> None:
        flt = self.world.filters.get(gid)
        if flt is None:
            return
        rules = tuple(x for x in flt.rules if x.id != rule.id and not _same(x, rule))
        self.world.filters[gid] = replace(flt, rules=rules)

    def _sg_rules(self, r: Resource, *, quiet: bool) -> list[tuple[str, Rule]]:
        w = self.world
        gid, known = w.value(r, "security_group_id")
        if not known or not isinstance(gid, str):
            if not quiet:
                w.assume(r, "security_group_id", "not evaluated: the security group is unknown")
            return []
        v = r.values
        legacy = r.type == "aws_security_group_rule"
        if legacy:
            egress = v.get("type") == "egress"
            proto, lo, hi = v.get("protocol", "-1"), v.get("from_port"), v.get("to_port")
        else:
            egress = r.type.endswith("_egress_rule")
            proto, lo, hi = v.get("ip_protocol", "-1"), v.get("from_port"), v.get("to_port")
        perm = self.node(r, {"IpProtocol": str(proto), "FromPort": lo, "ToPort": hi})
        services = self.parser.services.security_group(perm)[0]
        peers = self._rule_peers(r, gid, legacy, quiet)
        direction = Direction.EGRESS if egress else Direction.INGRESS
        base = v.get("security_group_rule_id") or v.get("id")
        base = base if isinstance(base, str) and base.startswith("sgr-") else "tf:" + r.address
        out: list[tuple[str, Rule]] = []
        for i, peer in enumerate(peers):
            rid = base if len(peers) == 1 else f"{base}#{i + 1}"
            pair = (peer,)
            rule = Rule(
                rid,
                gid,
                Action.ALLOW,
                direction,
                services,
                src=() if egress else pair,
                dst=pair if egress else (),
                description=str(v.get("description") or ""),
            )
            out.append((gid, rule))
        return out

    def _rule_peers(self, r: Resource, gid: str, legacy: bool, quiet: bool) -> list[Peer]:
        w = self.world
        peers: list[Peer] = []
        fields = (
            (
                ("cidr_blocks", PeerKind.CIDR),
                ("ipv6_cidr_blocks", PeerKind.CIDR),
                ("prefix_list_ids", PeerKind.PREFIX_LIST),
                ("source_security_group_id", PeerKind.SECURITY_GROUP),
            )
            if legacy
            else (
                ("cidr_ipv4", PeerKind.CIDR),
                ("cidr_ipv6", PeerKind.CIDR),
                ("prefix_list_id", PeerKind.PREFIX_LIST),
                ("referenced_security_group_id", PeerKind.SECURITY_GROUP),
            )
        )
        unresolved = False
        for key, kind in fields:
            got, complete = w.values(r, key)
            unresolved |= not complete
            for value in got:
                peers.append(self._peer(r, key, kind, str(value)))
        if legacy and r.values.get("self"):
            peers.append(Peer(PeerKind.SECURITY_GROUP, gid))
        if unresolved and not quiet:
            w.assume(r, "peer", "any address (0.0.0.0/0 and ::/0)")
            peers += [Peer(PeerKind.CIDR, ANY_V4), Peer(PeerKind.CIDR, ANY_V6)]
        return list(dict.fromkeys(peers))

    def _peer(self, r: Resource, key: str, kind: PeerKind, value: str) -> Peer:
        if kind is PeerKind.CIDR:
            peer = self._cidr_peers.get(value)
            if peer is None:
                try:
                    parse_network(value)
                except ValueError:
                    self.node(r, {key: value}).fail(key, f"expected a CIDR block, found {value!r}")
                peer = self._cidr_peers[value] = Peer(PeerKind.CIDR, value.strip())
            return peer
        if kind is PeerKind.SECURITY_GROUP:
            pair = _group_pair(value)
            return Peer(PeerKind.SECURITY_GROUP, pair["GroupId"], account=pair.get("UserId"))
        return Peer(kind, value)

    # -- network ACLs ------------------------------------------------------------------------
    def network_acl(self, before: Resource | None, after: Resource | None) -> None:
        w = self.world
        if after is None:
            assert before is not None
            acl = w.id_of(before)
            w.filters.pop(acl, None)
            for sid, s in list(w.subnets.items()):
                if acl in s.filters:
                    w.subnets[sid] = replace(s, filters=())
            return
        acl = w.id_of(after)
        existing = w.filters.get(acl)
        entries: list[dict[str, Any]] = []
        keep: list[Rule] = []
        for direction, attr, _ in _DIRS:
            items = after.values.get(attr)
            if isinstance(items, list) and after.unknown.get(attr) is not True:
                entries += [_entry(it, direction is Direction.EGRESS) for it in items]
            elif existing is not None and before is not None:
                keep += existing.direction(direction)
            else:
                w.assume(after, attr, "no restriction (all traffic allowed)")
                entries.append(
                    _entry(
                        {"rule_no": 1, "action": "allow", "protocol": "-1", "cidr_block": ANY_V4},
                        direction is Direction.EGRESS,
                    )
                )
        vpc, _ = w.value(after, "vpc_id")
        data = {
            "NetworkAclId": acl,
            "VpcId": vpc if isinstance(vpc, str) else "",
            "Entries": entries,
            "Tags": _tags(after.values.get("tags")),
        }
        flt, _ = self.parser.network_acl(self.node(after, data), "")
        rules = sorted(
            (*keep, *flt.rules), key=lambda x: (x.direction is Direction.EGRESS, x.order)
        )
        w.filters[acl] = replace(flt, rules=tuple(rules))
        w.origin[acl] = after.address
        for rule in flt.rules:
            w.origin[rule.id] = after.address
        subnets, complete = w.values(after, "subnet_ids")
        if not complete:
            w.assume(after, "subnet_ids", "unresolved subnets keep their current NACL")
        for sid in subnets:
            subnet = w.subnets.get(str(sid))
            if subnet is not None:
                w.subnets[str(sid)] = replace(subnet, filters=(acl,))

    def network_acl_rule(self, before: Resource | None, after: Resource | None) -> None:
        for r, add in ((before, False), (after, True)):
            if r is None:
                continue
            acl, known = self.world.value(r, "network_acl_id")
            if not known or not isinstance(acl, str):
                if add:
                    self.world.assume(r, "network_acl_id", "not evaluated: the NACL is unknown")
                continue
            entry = _entry(
                dict(
                    r.values,
                    rule_no=r.values.get("rule_number"),
                    action=r.values.get("rule_action"),
                ),
                bool(r.values.get("egress")),
            )
            flt, _ = self.parser.network_acl(
                self.node(r, {"NetworkAclId": acl, "Entries": [entry]}), ""
            )
            rule = flt.rules[0]
            current = self.world.filters.get(acl) or replace(flt, rules=())
            if add:
                rules = (*current.rules, rule)
                self.world.origin[rule.id] = r.address
            else:
                rules = tuple(x for x in current.rules if x.id != rule.id)
            self.world.filters[acl] = replace(current, rules=rules)
            self.world.unsorted.add(acl)  # sorted once, when the estate is built


def _same(a: Rule, b: Rule) -> bool:
    """The same permission: union semantics make a duplicate rule meaningless."""

    def peers(r: Rule) -> tuple[tuple[str, str], ...]:
        return tuple((p.kind.value, p.value) for p in r.src + r.dst)

    return (a.direction, a.services, peers(a)) == (b.direction, b.services, peers(b))


def _entry(item: Mapping[str, Any], egress: bool) -> dict[str, Any]:
    e: dict[str, Any] = {
        "RuleNumber": item.get("rule_no"),
        "Egress": egress,
        "RuleAction": str(item.get("action") or ""),
        "Protocol": str(item.get("protocol", "-1")),
    }
    if item.get("ipv6_cidr_block"):
        e["Ipv6CidrBlock"] = item["ipv6_cidr_block"]
    else:
        e["CidrBlock"] = item.get("cidr_block") or ANY_V4
    proto = e["Protocol"].lower()
    if proto in ("tcp", "udp", "6", "17") and item.get("from_port") is not None:
        e["PortRange"] = {"From": item.get("from_port"), "To": item.get("to_port")}
    if proto in ("icmp", "1", "icmpv6", "58") and item.get("icmp_type") is not None:
        e["IcmpTypeCode"] = {
            "Type": _int(item.get("icmp_type")),
            "Code": _int(item.get("icmp_code")),
        }
    return e


def _int(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def _union(exprs: list[Any], key: str) -> Any:
    refs: list[str] = []
    for e in exprs:
        if isinstance(e, dict) and isinstance(e.get(key), dict):
            refs += [x for x in e[key].get("references") or () if isinstance(x, str)]
    return {"references": refs} if refs else None


def _group_pair(value: str) -> dict[str, str]:
    if "/" in value:
        account, _, gid = value.partition("/")
        return {"GroupId": gid, "UserId": account}
    return {"GroupId": value}


def _tags(tags: Any) -> list[dict[str, str]]:
    if not isinstance(tags, dict):
        return []
    return [{"Key": str(k), "Value": str(v)} for k, v in tags.items() if v is not None]


def _notice(r: Resource, message: str) -> Any:
    from pathwarden.model import Notice

    return Notice("terraform", message, r.address)
