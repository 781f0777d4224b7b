"""Segments resolved against a hand-built estate."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwarden.engine.endpoints import parse_endpoint
from pathwarden.errors import EndpointError
from pathwarden.model import NOWHERE, AddressSet, Estate, Workload
from pathwarden.policy import describe_segments, parse_policy, resolve_segment, segment_resolver
from pathwarden.policy.model import Selector
from pathwarden.policy.segments import selector_index, selector_matches


def wl(wid: str, ip: str, **kw: object) -> Workload:
    fields: dict[str, object] = {"cloud": "aws", "network": "vpc-1", "subnet": "subnet-a", **kw}
    return Workload(wid, addresses=(ip,), **fields)  # type: ignore[arg-type]


ESTATE = Estate(
    workloads=(
        wl("eni-ws1", "10.20.1.10", tags=(("Role", "workstation"),), account="111111111111"),
        wl("eni-ws2", "10.20.1.11", instance="i-ws2", instance_tags=(("Role", "workstation"),)),
        wl("eni-jump", "10.20.2.5", instance="i-0jump", filters=("sg-jump",)),
        wl("eni-jump2", "10.20.2.6", instance="i-0jump", filters=("sg-jump",)),
        wl("eni-console", "10.20.3.10", filters=("sg-0backup", "sg-base"), subnet="subnet-b"),
        wl("eni-vpn", "10.50.7.7"),
        wl("nic-azure", "10.20.1.12", cloud="azure", tags=(("Role", "workstation"),)),
        wl("eni-other", "10.30.0.4", network="vpc-2", tags=(("Role", "server"),)),
    )
)

POLICY = parse_policy(
    """
version: 1
segments:
  workstations:
    match: [{aws: {tag: {Role: workstation}}}, {cidr: 10.50.0.0/16}]
  jump-hosts:
    match: [{aws: {instance: i-0jump}}]
  backup-console:
    match: [{aws: {security_group: sg-0backup}}]
  both-keys:
    match: [{aws: {tag: {Role: [workstation, server]}, account: 111111111111}}]
  by-place:
    match: [{aws: {subnet: subnet-b}}, {aws: {vpc: vpc-2}}, {aws: {eni: [eni-ws2]}}]
  nothing:
    match: [{aws: {security_group: sg-gone}}]
paths: []
"""
)


def ids(name: str) -> list[str]:
    seg = POLICY.segment(name)
    assert seg is not None
    return [m.workload.id for m in resolve_segment(ESTATE, seg).members]


def test_selectors_pick_the_documented_workloads() -> None:
    # ENI tag or instance tag; the Azure NIC with the same tag is not an aws match
    assert ids("workstations") == ["eni-ws1", "eni-ws2", "eni-vpn"]
    assert ids("jump-hosts") == ["eni-jump", "eni-jump2"]
    assert ids("backup-console") == ["eni-console"]
    assert ids("both-keys") == ["eni-ws1"]  # tag AND account
    assert ids("by-place") == ["eni-ws2", "eni-console", "eni-other"]
    assert ids("nothing") == []


def test_cidr_selector_adds_outside_addresses_minus_known_workloads() -> None:
    seg = POLICY.segment("workstations")
    assert seg is not None
    ep = resolve_segment(ESTATE, seg)
    assert ep.label == "segment:workstations"
    expected = AddressSet.parse("10.50.0.0/16") - AddressSet.parse("10.50.7.7/32")
    assert ep.outside == expected
    vpn = [m for m in ep.members if m.workload.id == "eni-vpn"]
    assert vpn and vpn[0].addresses == ("10.50.7.7",)
    jump = POLICY.segment("jump-hosts")
    assert jump is not None and resolve_segment(ESTATE, jump).outside == NOWHERE


def test_segment_resolver_feeds_reach_endpoints() -> None:
    resolve = segment_resolver(ESTATE, POLICY)
    ep = parse_endpoint(ESTATE, "segment:jump-hosts", segments=resolve)
    assert [m.workload.id for m in ep.members] == ["eni-jump", "eni-jump2"]
    with pytest.raises(EndpointError, match="unknown segment 'jumps'; expected one of"):
        parse_endpoint(ESTATE, "segment:jumps", segments=resolve)


def test_describe_segments_warns_about_empty_segments() -> None:
    views = {v.segment.name: v for v in describe_segments(ESTATE, POLICY)}
    assert views["nothing"].empty
    assert views["nothing"].warning() == "segment 'nothing' matches nothing in this estate"
    assert views["jump-hosts"].warning() is None
    doc = views["workstations"].to_json()
    assert doc["members"][0] == {
        "id": "eni-ws1",
        "name": "",
        "instance": "",
        "addresses": ["10.20.1.10"],
    }
    assert doc["outside"][0] == "10.50.0.0/22"
    assert doc["empty"] is False


# The index must pick exactly what selector_matches picks, for any selector over any estate.
_VALUES = {
    "aws": {"security_group": ["sg-jump", "sg-0backup", "sg-base", "sg-x"],
            "instance": ["i-0jump", "i-ws2", "i-x"], "eni": ["eni-ws1", "eni-vpn", "nic-azure"],
            "subnet": ["subnet-a", "subnet-b"], "vpc": ["vpc-1", "vpc-2"],
            "account": ["111111111111", ""], "bogus": ["x"]},
    "azure": {"nic": ["NIC-AZURE", "nic-azure", "x"], "subnet": ["SUBNET-A"],
              "vnet": ["vpc-1"], "bogus": ["x"]},
}
_TAGS = [("Role", "workstation"), ("Role", "server"), ("Role", "x"), ("Team", "a")]


@st.composite
def _selectors(draw: st.DrawFn) -> Selector:
    if draw(st.booleans()):
        text = draw(st.sampled_from(["10.20.0.0/16", "10.20.1.10/32", "10.0.0.0/8", "::/0"]))
        return Selector(cidr=AddressSet.parse(text), cidr_text=text)
    cloud = draw(st.sampled_from(sorted(_VALUES)))
    keys = draw(st.lists(st.sampled_from(sorted(_VALUES[cloud])), max_size=2, unique=True))
    criteria = tuple((k, tuple(draw(st.lists(st.sampled_from(_VALUES[cloud][k]), min_size=1,
                                             max_size=2)))) for k in keys)
    tags = draw(st.lists(st.sampled_from(_TAGS), max_size=2))
    return Selector(cloud, criteria, tuple((k, (v,)) for k, v in tags))


@settings(max_examples=300, derandomize=True, database=None)
@given(_selectors())
def test_selector_index_matches_selector_matches(selector: Selector) -> None:
    index = selector_index(ESTATE)
    expected = {i for i, w in enumerate(ESTATE.workloads) if selector_matches(selector, w)}
    assert index.select(selector) == expected
