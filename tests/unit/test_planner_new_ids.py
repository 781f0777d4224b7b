"""The batched ids of narrowed CIDR rules are the ids new_rule_id gives each rule alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pathwarden.model import Action, Direction, Filter, FilterKind, Peer, PeerKind, Rule, ServiceSet
from pathwarden.planner.candidates import _new, _new_cidrs

CIDRS = ["0.0.0.0/5", "10.0.0.0/8", "10.0.0.4/32", "2001:db8::/32", "::/1"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(Direction)), st.text(max_size=12), st.text(max_size=8),
       st.lists(st.sampled_from(CIDRS), max_size=4))
def test_batched_ids_equal_one_by_one(direction: Direction, description: str, fid: str,
                                      cidrs: list[str]) -> None:
    f = Filter(fid, FilterKind.UNION, "aws", ())
    peer = (Peer(PeerKind.CIDR, "0.0.0.0/0"),)
    ingress = direction is Direction.INGRESS
    like = Rule("r1", fid, Action.ALLOW, direction, ServiceSet.tcp(443),
                src=peer if ingress else (), dst=() if ingress else peer,
                description=description)
    one_by_one = [_new(f, like, like.services, Peer(PeerKind.CIDR, c)) for c in cidrs]
    assert _new_cidrs(f, like, like.services, cidrs) == one_by_one
