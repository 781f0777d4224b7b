"""Segments resolved against an estate: which workloads (and outside ranges) a segment is.

- A workload is a member when **any** selector of the segment matches it (selectors are OR'd).
- An ``aws`` selector matches AWS workloads for which **every** key given matches (AND); a key
  with a list of values matches any of them. ``tag`` matches the ENI's tags or its instance's
  tags; ``security_group`` any group on the ENI; ``instance``, ``eni``, ``subnet``, ``vpc``,
  ``account`` the workload's own fields.
- An ``azure`` selector works the same way on Azure NICs: ``nic``, ``vm``, ``vnet`` and ``asg``
  take a resource id or a name, ``subnet`` an id, ``resource_group`` a name, ``tag`` the NIC's
  tags; ARM ids and names compare case-insensitively, as ARM does.
- A ``gcp`` selector: ``instance`` (name or zone/name), ``network_tag``, ``service_account``,
  ``network`` and ``subnet`` (name or URL), ``project``, and ``label`` (the instance labels).
- A ``cidr`` selector makes every workload with an address inside a member (with all its
  addresses) and adds the range as *outside* addresses: sources or destinations that are not
  workloads of this estate (an office network, a VPN pool). Addresses that belong to a
  workload of the estate are taken out of the outside part, so a workload is always evaluated
  as itself, with its own filters, never also as an anonymous outside address.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pathwarden.engine.endpoints import Endpoint, Member, SegmentResolver, workload_addresses
from pathwarden.errors import EndpointError
from pathwarden.model import NOWHERE, AddressSet, Estate, Workload
from pathwarden.policy.model import Policy, Segment, Selector
from pathwarden.policy.selectindex import SelectorIndex

Fields = dict[str, Callable[[Workload], tuple[str, ...]]]

_AWS: Fields = {
    "security_group": lambda w: w.filters,
    "instance": lambda w: (w.instance,),
    "eni": lambda w: (w.id,),
    "subnet": lambda w: (w.subnet,),
    "vpc": lambda w: (w.network,),
    "account": lambda w: (w.account,),
}


def _arm(*ids: str) -> tuple[str, ...]:
    """ARM ids match case-insensitively, in full or by their last segment (the name)."""
    out: list[str] = []
    for i in ids:
        if i:
            out += [i.lower(), i.rsplit("/", 1)[-1].lower()]
    return tuple(out)


def _resource_group(arm_id: str) -> tuple[str, ...]:
    parts = arm_id.lower().split("/")
    return tuple(parts[i + 1] for i, p in enumerate(parts[:-1]) if p == "resourcegroups")


_AZURE: Fields = {
    "nic": lambda w: _arm(w.id),
    "vm": lambda w: _arm(w.instance),
    "subnet": lambda w: (w.subnet.lower(),),
    "vnet": lambda w: _arm(w.network),
    "asg": lambda w: _arm(*w.labels),
    "resource_group": lambda w: _resource_group(w.id),
    "subscription": lambda w: (w.account.lower(),),
}


def _url(*refs: str) -> tuple[str, ...]:
    """GCP resources by full URL or by their last segment (the name)."""
    return tuple(x for r in refs if r for x in (r, r.rsplit("/", 1)[-1]))


_GCP: Fields = {
    "instance": lambda w: (w.instance, w.name) if w.instance else (w.name,),
    "network_tag": lambda w: w.labels,
    "service_account": lambda w: (w.service_account,),
    "network": lambda w: _url(w.network),
    "subnet": lambda w: _url(w.subnet),
    "project": lambda w: (w.account,),
}
_FIELDS: dict[str, Fields] = {"aws": _AWS, "azure": _AZURE, "gcp": _GCP}
_CASELESS = {"azure"}


def _addresses(w: Workload) -> AddressSet:
    return workload_addresses(w.addresses)


def selector_matches(selector: Selector, w: Workload) -> bool:
    """Does ``selector`` pick workload ``w``? (CIDR: any address of ``w`` inside.)"""
    if selector.cidr is not None:
        return bool(_addresses(w) & selector.cidr)
    if w.cloud != selector.cloud:
        return False
    both = w.tags + w.instance_tags
    for key, values in selector.tags:
        if not any(k == key and v in values for k, v in both):
            return False
    fields = _FIELDS.get(selector.cloud, {})
    caseless = selector.cloud in _CASELESS
    for key, values in selector.criteria:
        field = fields.get(key)
        wanted = {v.lower() for v in values} if caseless else set(values)
        if field is None or not any(v in wanted for v in field(w)):
            return False
    return True


def _estate_addresses(estate: Estate) -> AddressSet:
    return workload_addresses(a for w in estate.workloads for a in w.addresses)


def selector_index(estate: Estate) -> SelectorIndex:
    return SelectorIndex(estate, _FIELDS, _CASELESS)


def resolve_segment(
    estate: Estate,
    segment: Segment,
    *,
    workload_addresses: AddressSet | None = None,
    index: SelectorIndex | None = None,
) -> Endpoint:
    """The segment as a reach endpoint labelled ``segment:NAME``."""
    index = index if index is not None else selector_index(estate)
    chosen: set[int] = set()
    for s in segment.match:
        chosen |= index.select(s)
    members = [Member(estate.workloads[i], estate.workloads[i].addresses) for i in sorted(chosen)]
    cidrs = [s.cidr for s in segment.match if s.cidr is not None]
    outside = NOWHERE
    if cidrs:
        taken = (
            workload_addresses if workload_addresses is not None else (_estate_addresses(estate))
        )
        outside = AddressSet.union_all(cidrs) - taken
    return Endpoint(f"segment:{segment.name}", tuple(members), outside)


def segment_resolver(estate: Estate, policy: Policy) -> SegmentResolver:
    """``name -> Endpoint`` for ``parse_endpoint(..., segments=...)``: ``segment:NAME``."""
    cache: dict[str, Endpoint] = {}
    taken = _estate_addresses(estate)
    index = selector_index(estate)

    def resolve(name: str) -> Endpoint:
        if name not in cache:
            segment = policy.segment(name)
            if segment is None:
                known = ", ".join(s.name for s in policy.segments) or "none defined"
                raise EndpointError(f"{policy.file}: unknown segment {name!r}; expected one "
                                    f"of: {known}")
            cache[name] = resolve_segment(estate, segment, workload_addresses=taken, index=index)
        return cache[name]

    return resolve


@dataclass(frozen=True, slots=True)
class SegmentView:
    """One segment's membership, for ``pathwarden segments``."""

    segment: Segment
    endpoint: Endpoint

    @property
    def empty(self) -> bool:
        return self.endpoint.is_empty()

    def warning(self) -> str | None:
        if not self.empty:
            return None
        return f"segment {self.segment.name!r} matches nothing in this estate"

    def to_json(self) -> dict[str, Any]:
        return {
            "segment": self.segment.name,
            "owner": self.segment.owner,
            "selectors": [s.describe() for s in self.segment.match],
            "members": [
                {
                    "id": m.workload.id,
                    "name": m.workload.name,
                    "instance": m.workload.instance,
                    "addresses": list(m.addresses),
                }
                for m in self.endpoint.members
            ],
            "outside": self.endpoint.outside.describe(),
            "empty": self.empty,
        }


def describe_segments(estate: Estate, policy: Policy) -> list[SegmentView]:
    resolve = segment_resolver(estate, policy)
    return [SegmentView(s, resolve(s.name)) for s in policy.segments]
