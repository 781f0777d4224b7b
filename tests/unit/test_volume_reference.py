"""The swept collateral volume (pathwarden.planner.volume) equals the per-cut reference
(tests/reference/volume.py) on random filters, edits, members and regions: every verdict
function, both directions and families, ties in order, disabled and deny rules, group
references with scattered members, and edits that change the kind, default or rule order."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathwarden.model import (
    ALL_SERVICES,
    ANY,
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
from pathwarden.model.services import ICMP, UDP
from pathwarden.planner.volume import NOTHING, ONE_MEMBER, Region, filter_volume
from tests.reference.volume import reference_filter_volume

CIDRS = ["0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/24", "10.0.0.128/25", "10.0.1.0/24",
         "10.0.0.5/32", "192.0.2.0/24", "::/0", "2001:db8::/32", "2001:db8::/64"]
GROUPS = ["sg-a", "sg-b", "sg-c"]
SERVICES = [ServiceSet.tcp(22), ServiceSet.tcp(0, 1023), ServiceSet.tcp(443),
            ServiceSet.tcp(1024, 65535), ServiceSet.ports(UDP, 53, 53),
            ServiceSet.icmp(ICMP, 3, 4), ServiceSet.protocol(ICMP), ServiceSet.protocol(50),
            ALL_SERVICES, ServiceSet.tcp(22) | ServiceSet.tcp(443)]
HOSTS = ["10.0.0.1", "10.0.0.2", "10.0.0.5", "10.0.0.130", "10.0.1.7", "10.9.0.1",
         "192.0.2.10", "2001:db8::1", "2001:db8:1::1"]
SETTINGS = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

hosts = st.lists(st.sampled_from(HOSTS), max_size=5).map(AddressSet.of_texts)
addresses = st.one_of(hosts, st.sampled_from(CIDRS).map(AddressSet.parse), st.just(ANY))
peers = st.one_of(
    st.sampled_from(CIDRS).map(lambda c: Peer(PeerKind.CIDR, c)),
    st.sampled_from(GROUPS).map(lambda g: Peer(PeerKind.SECURITY_GROUP, g)),
    st.just(Peer(PeerKind.ANY)),
)


@st.composite
def rules(draw: Any, rid: str) -> Rule:
    direction = draw(st.sampled_from(list(Direction)))
    named = tuple(draw(st.lists(peers, max_size=2)))
    other = tuple(draw(st.lists(peers, max_size=1)))
    src, dst = (named, other) if direction is Direction.INGRESS else (other, named)
    return Rule(rid, "f", draw(st.sampled_from(list(Action))), direction,
                draw(st.sampled_from(SERVICES)), src=src, dst=dst,
                order=draw(st.integers(0, 2)), disabled=draw(st.booleans()))


@st.composite
def filters(draw: Any) -> Filter:
    n = draw(st.integers(0, 6))
    return Filter("f", draw(st.sampled_from(list(FilterKind))), "aws",
                  tuple(draw(rules(f"r{i}")) for i in range(n)),
                  default=draw(st.sampled_from([Action.DENY, Action.ALLOW])))


@st.composite
def edited(draw: Any, f: Filter) -> Filter:
    """``f`` after random removals, in-place changes and additions (as the planner edits);
    sometimes reordered, or with another verdict function or default."""
    if draw(st.integers(0, 3)) == 0:  # only reordered: ties at first match decide
        return replace(f, rules=tuple(draw(st.permutations(f.rules))))
    kept = [r for r in f.rules if not draw(st.booleans())]
    out = []
    for r in kept:
        if draw(st.booleans()):
            new = draw(rules(r.id))
            r = replace(r, **{k: getattr(new, k) for k in
                              draw(st.sets(st.sampled_from(["services", "src", "dst", "order",
                                                            "action", "disabled"])))})
        out.append(r)
    out += [draw(rules(f"new{i}")) for i in range(draw(st.integers(0, 2)))]
    if draw(st.integers(0, 4)) == 0:
        out = draw(st.permutations(out))
    after = replace(f, rules=tuple(out))
    if draw(st.integers(0, 7)) == 0:
        after = replace(after, kind=draw(st.sampled_from(list(FilterKind))),
                        default=draw(st.sampled_from([Action.DENY, Action.ALLOW])))
    return after


@SETTINGS
@given(st.data())
def test_the_swept_volume_equals_the_per_cut_reference(data: Any) -> None:
    members = {g: data.draw(hosts, g) for g in GROUPS}

    def resolve(peer: Peer, owner: Filter) -> AddressSet:
        if peer.kind is PeerKind.CIDR:
            return AddressSet.parse(peer.value)
        return members[peer.value] if peer.kind is PeerKind.SECURITY_GROUP else ANY

    before = data.draw(filters(), "before")
    after = data.draw(edited(before), "after")
    direction = data.draw(st.sampled_from(list(Direction)), "direction")
    guarded = data.draw(hosts, "members")
    region = Region(data.draw(addresses, "src"), data.draw(addresses, "dst"),
                    data.draw(st.sampled_from(SERVICES), "services"))
    for args in ((guarded, region), (ONE_MEMBER, NOTHING)):
        fast = filter_volume(before, after, direction, *args, resolve)
        assert fast == reference_filter_volume(before, after, direction, *args, resolve)
