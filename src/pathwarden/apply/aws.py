"""AWS reads and writes for apply: security group rules by rule id, NACL entries by number.

Reads go through the offline loader's own parser (:class:`~pathwarden.providers.aws.rules.
RuleParser`), so a live resource and a snapshot of it give the same :class:`Filter` and the
same fingerprint. Writes (IAM actions in :data:`WRITE_ACTIONS`):

- add: ``AuthorizeSecurityGroupIngress``/``Egress`` (one permission per call, so the new
  ``sgr-...`` id comes back) or ``CreateNetworkAclEntry``;
- modify: ``ModifySecurityGroupRules`` by rule id, or ``ReplaceNetworkAclEntry``;
- remove: ``RevokeSecurityGroupIngress``/``Egress`` with ``SecurityGroupRuleIds``, or
  ``DeleteNetworkAclEntry``.

Check mode is guarded here, at the lowest write call (:meth:`AwsWriter._write`): with
``check=True`` nothing is sent and every write reports what it would have done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pathwarden.errors import PathwardenError
from pathwarden.model import ALL_SERVICES, Direction, Filter, PeerKind, Rule
from pathwarden.model.services import ICMPS, PORT_MAX, TCP, UDP, protocol_name
from pathwarden.planner.edits import match_rule
from pathwarden.providers.aws.rules import RuleParser
from pathwarden.providers.aws.session import (
    AccountSession,
    SessionFactory,
    base_session,
    client_config,
    default_session_factory,
    error_text,
    sdk_errors,
)
from pathwarden.providers.jsondoc import Node

WRITE_ACTIONS = (
    "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
    "ec2:ModifySecurityGroupRules", "ec2:CreateNetworkAclEntry",
    "ec2:ReplaceNetworkAclEntry", "ec2:DeleteNetworkAclEntry",
    "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeNetworkAcls",
)


class ApplyError(PathwardenError):
    """A cloud call of apply failed (the message names the call and the cloud's error)."""


def _ports(r: Rule, names: bool = True) -> tuple[str, int | None, int | None]:
    """``(protocol, from, to)`` of a rule's services in AWS terms (one protocol, one range);
    security groups take protocol names (``tcp``), NACL entries numbers (``6``)."""
    if r.services == ALL_SERVICES:
        return "-1", None, None
    blocks = list(r.services.by_protocol())
    if len(blocks) != 1 or len(blocks[0][1]) != 1:
        raise ApplyError(f"{r.id}: {r.services.describe()} is not one AWS rule")
    proto, ((lo, hi),) = blocks[0]
    label = protocol_name(proto) if names else str(proto)
    if (lo, hi) == (0, PORT_MAX):
        return label, (-1 if proto in ICMPS else None), (-1 if proto in ICMPS else None)
    if proto in (TCP, UDP):
        return label, lo, hi
    if proto in ICMPS:
        if lo % 256 == 0 and hi == lo + 255:
            return label, lo // 256, -1
        if lo == hi:
            return label, lo // 256, lo % 256
    raise ApplyError(f"{r.id}: {r.services.describe()} is not one AWS rule")


def _peer(r: Rule) -> tuple[str, str]:
    peers = r.src if r.direction is Direction.INGRESS else r.dst
    if len(peers) != 1:
        raise ApplyError(f"{r.id}: an AWS rule names exactly one peer")
    p = peers[0]
    if p.kind is PeerKind.CIDR:
        return ("CidrIpv6" if ":" in p.value else "CidrIpv4"), p.value
    if p.kind is PeerKind.PREFIX_LIST:
        return "PrefixListId", p.value
    if p.kind is PeerKind.SECURITY_GROUP:
        return "ReferencedGroupId", p.value
    raise ApplyError(f"{r.id}: peer {p.label()} cannot be written to AWS")


def sg_permission(r: Rule) -> dict[str, Any]:
    proto, lo, hi = _ports(r)
    perm: dict[str, Any] = {"IpProtocol": proto}
    if lo is not None:
        perm["FromPort"], perm["ToPort"] = lo, hi
    kind, value = _peer(r)
    desc = {"Description": r.description} if r.description else {}
    if kind == "CidrIpv4":
        perm["IpRanges"] = [{"CidrIp": value, **desc}]
    elif kind == "CidrIpv6":
        perm["Ipv6Ranges"] = [{"CidrIpv6": value, **desc}]
    elif kind == "PrefixListId":
        perm["PrefixListIds"] = [{"PrefixListId": value, **desc}]
    else:
        perm["UserIdGroupPairs"] = [{"GroupId": value, **desc}]
    return perm


def sg_rule_request(r: Rule) -> dict[str, Any]:
    proto, lo, hi = _ports(r)
    kind, value = _peer(r)
    out: dict[str, Any] = {"IpProtocol": proto, "FromPort": -1 if lo is None else lo,
                           "ToPort": -1 if hi is None else hi, kind: value}
    if r.description:
        out["Description"] = r.description
    return out


def nacl_entry(r: Rule) -> dict[str, Any]:
    proto, lo, hi = _ports(r, names=False)
    kind, value = _peer(r)
    if kind not in ("CidrIpv4", "CidrIpv6"):
        raise ApplyError(f"{r.id}: a network ACL entry names a CIDR")
    out: dict[str, Any] = {
        "RuleNumber": r.order, "Protocol": proto, "RuleAction": r.action.value,
        "Egress": r.direction is Direction.EGRESS,
        ("Ipv6CidrBlock" if kind == "CidrIpv6" else "CidrBlock"): value,
    }
    if lo is not None and int(proto) in (TCP, UDP):
        out["PortRange"] = {"From": lo, "To": hi}
    elif lo is not None:
        out["IcmpTypeCode"] = {"Type": lo, "Code": hi}
    return out


def find_live(live: Filter, rule: Rule) -> str:
    """The live id of the rule whose content equals ``rule`` (ids may differ from the plan)."""
    if any(r.id == rule.id for r in live.rules):
        return rule.id
    found = match_rule(live, rule)
    if found is None:
        raise ApplyError(f"{live.id}: no live rule matches {rule.summary()}")
    return found


class AwsWriter:
    """One writer per apply; clients per (account, region) from one boto3 session."""

    def __init__(self, *, check: bool = False, profile: str | None = None,
                 endpoint_url: str | None = None, region: str | None = None,
                 session_factory: SessionFactory | None = None, max_attempts: int = 5,
                 client_hook: Callable[[Any], Any] | None = None) -> None:
        self.check = check
        factory = session_factory or default_session_factory()
        self.session = AccountSession("", base_session(factory, profile),
                                      client_config(max_attempts), endpoint_url)
        self.region = region
        self._clients: dict[str, Any] = {}
        self._hook = client_hook
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def client(self, resource: dict[str, Any]) -> Any:
        region = self.region or resource.get("region") or self.session.home_region()
        if region not in self._clients:
            c = self.session.client("ec2", region)
            self._clients[region] = self._hook(c) if self._hook else c
        return self._clients[region]

    def _call(self, resource: dict[str, Any], method: str, **kw: Any) -> Any:
        try:
            return getattr(self.client(resource), method)(**kw)
        except sdk_errors() as e:
            raise ApplyError(f"{method} {resource['id']}: {error_text(e)}") from e

    def _write(self, resource: dict[str, Any], method: str, **kw: Any) -> Any:
        """The one place a write is sent: in check mode it is recorded, not sent."""
        self.calls.append((method, kw))
        if self.check:
            return {}
        return self._call(resource, method, **kw)

    # -- reads -----------------------------------------------------------------------------
    def read(self, resource: dict[str, Any]) -> Filter:
        rid, region = resource["id"], resource.get("region", "")
        parser = RuleParser(resource.get("account", ""))
        if resource["type"] == "aws_sg":
            groups = self._call(resource, "describe_security_groups", GroupIds=[rid])
            rules: list[Any] = []
            for page in self.client(resource).get_paginator(
                    "describe_security_group_rules").paginate(
                    Filters=[{"Name": "group-id", "Values": [rid]}]):
                rules.extend(page.get("SecurityGroupRules") or [])
            parser.index_rule_objects(Node({"SecurityGroupRules": rules}, "live"))
            return parser.security_group(Node(groups["SecurityGroups"][0], "live"), region)
        acls = self._call(resource, "describe_network_acls", NetworkAclIds=[rid])
        return parser.network_acl(Node(acls["NetworkAcls"][0], "live"), region)[0]

    # -- writes ----------------------------------------------------------------------------
    def add(self, resource: dict[str, Any], rule: Rule) -> str:
        if resource["type"] == "aws_nacl":
            self._write(resource, "create_network_acl_entry", NetworkAclId=resource["id"],
                        **nacl_entry(rule))
            return f"{resource['id']}#{rule.order}/{'out' if _egress(rule) else 'in'}"
        method = ("authorize_security_group_egress" if _egress(rule)
                  else "authorize_security_group_ingress")
        out = self._write(resource, method, GroupId=resource["id"],
                          IpPermissions=[sg_permission(rule)])
        created = out.get("SecurityGroupRules") or []
        return str(created[0]["SecurityGroupRuleId"]) if created else rule.id

    def modify(self, resource: dict[str, Any], live_id: str, rule: Rule) -> None:
        if resource["type"] == "aws_nacl":
            self._write(resource, "replace_network_acl_entry", NetworkAclId=resource["id"],
                        **nacl_entry(rule))
            return
        self._write(resource, "modify_security_group_rules", GroupId=resource["id"],
                    SecurityGroupRules=[{"SecurityGroupRuleId": live_id,
                                         "SecurityGroupRule": sg_rule_request(rule)}])

    def remove(self, resource: dict[str, Any], live_id: str, rule: Rule) -> None:
        if resource["type"] == "aws_nacl":
            self._write(resource, "delete_network_acl_entry", NetworkAclId=resource["id"],
                        RuleNumber=rule.order, Egress=_egress(rule))
            return
        method = ("revoke_security_group_egress" if _egress(rule)
                  else "revoke_security_group_ingress")
        self._write(resource, method, GroupId=resource["id"], SecurityGroupRuleIds=[live_id])


def _egress(r: Rule) -> bool:
    return r.direction is Direction.EGRESS
