"""``unique_runs`` is ``np.unique(..., return_index=True, return_inverse=True)`` (the engine
relies on that for its class tables), only faster on runs of equal neighbours."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pathwarden.engine.bulk import unique_runs

RUNS = st.lists(st.tuples(st.integers(-3, 2**62), st.integers(1, 5)), max_size=40)


@given(runs=RUNS)
def test_unique_runs_is_numpy_unique(runs: list[tuple[int, int]]) -> None:
    values = np.array([v for v, n in runs for _ in range(n)], dtype=np.int64)
    want = np.unique(values, return_index=True, return_inverse=True)
    got = unique_runs(values)
    for w, g in zip(want, got, strict=True):
        assert w.reshape(-1).tolist() == g.tolist()
