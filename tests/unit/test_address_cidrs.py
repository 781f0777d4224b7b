"""AddressSet.cidrs (written without ipaddress objects) equals the texts of networks()."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pathwarden.model.addresses import V4_MAX, V6_MAX, AddressSet
from pathwarden.model.intervals import IntervalSet


def _sets(top: int) -> st.SearchStrategy[IntervalSet]:
    edge = st.one_of(st.integers(0, top), st.integers(0, 4096),
                     st.integers(0, 4096).map(lambda d: top - d))
    return st.lists(st.tuples(edge, edge).map(sorted), max_size=4).map(
        lambda rs: IntervalSet((lo, hi) for lo, hi in rs))


@settings(max_examples=300, deadline=None)
@given(_sets(V4_MAX), _sets(V6_MAX))
def test_cidrs_are_the_texts_of_networks(v4: IntervalSet, v6: IntervalSet) -> None:
    s = AddressSet(v4=v4, v6=v6)
    assert s.cidrs() == [str(n) for n in s.networks()]
