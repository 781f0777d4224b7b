"""Stage views: which addresses of the other end one stage can tell apart.

The global atoms (:mod:`pathwarden.engine.atoms`) split the address space at every boundary any
rule of the estate uses; one stage's rules use few of them. A :class:`StageView` groups the
global atoms' elementary intervals by what the rules of one stage, on the side that faces the
other end of the path, can distinguish: the stage decides alike for every address of one group,
so it is evaluated once per group, and a whole column of the other end's addresses is mapped to
groups with one vectorised lookup.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from pathwarden.engine.atoms import AtomIndex
from pathwarden.model.intervals import IntervalSet

Ints = npt.NDArray[np.int64]
_RNG = random.Random(0x5EED)  # keys only need to differ: no answer depends on their values
_SMALL = 256  # boundaries below which a view is built in plain Python


class AtomBoundaryError(RuntimeError):
    """A rule set ends where no global atom does: the atom index missed one of its sets."""


class StageView:
    """Groups of global elementary intervals, as one stage's rules see them.

    ``reps[g]`` is the first elementary interval of group ``g`` (evaluate the stage there).
    """

    __slots__ = ("_id_list", "_ids", "_keys", "_start_list", "_starts", "reps")

    def __init__(self, sets: Iterable[tuple[Ints, Ints]]) -> None:
        """``sets``: each set as the elementary intervals where its ranges start and where
        they stop (:func:`set_bounds`)."""
        items = list(sets)
        self._keys: Ints | None = None
        if sum(len(a) + len(b) for a, b in items) <= _SMALL:
            self._small(items)
            return
        rng = np.array([_RNG.getrandbits(62) for _ in items], dtype=np.int64)
        pos = np.concatenate([*(a for a, _ in items), *(b for _, b in items),
                              np.zeros(1, dtype=np.int64)])
        key = np.concatenate([*(np.full(len(a), rng[i], dtype=np.int64)
                                for i, (a, _) in enumerate(items)),
                              *(np.full(len(b), rng[i], dtype=np.int64)
                                for i, (_, b) in enumerate(items)),
                              np.zeros(1, dtype=np.int64)])
        order = np.argsort(pos, kind="stable")
        pos, key = pos[order], key[order]
        sig = np.bitwise_xor.accumulate(key)
        last = np.ones(len(pos), dtype=bool)
        last[:-1] = pos[1:] != pos[:-1]  # the signature after every event at a position
        pos, sig = pos[last], sig[last]
        uniq, firsts, ids = np.unique(sig, return_index=True, return_inverse=True)
        order = np.argsort(firsts, kind="stable")  # groups numbered by first appearance
        rank = np.empty(len(uniq), dtype=np.int64)
        rank[order] = np.arange(len(uniq), dtype=np.int64)
        ids = rank[ids.reshape(-1)]
        keep = np.ones(len(ids), dtype=bool)
        keep[1:] = ids[1:] != ids[:-1]
        self._set(pos[keep].tolist(), ids[keep].tolist(), pos[firsts[order]].tolist())

    def _small(self, items: list[tuple[Ints, Ints]]) -> None:
        """The same sweep in plain Python, for the many stages with few ranges."""
        events: dict[int, int] = {0: 0}
        for first, ends in items:
            k = _RNG.getrandbits(62)
            for i in first.tolist():
                events[i] = events.get(i, 0) ^ k
            for i in ends.tolist():
                events[i] = events.get(i, 0) ^ k
        starts: list[int] = []
        ids: list[int] = []
        reps: list[int] = []
        index: dict[int, int] = {}
        sig = 0
        for pos in sorted(events):
            sig ^= events[pos]
            group = index.get(sig)
            if group is None:
                group = index[sig] = len(reps)
                reps.append(pos)
            if ids and ids[-1] == group:
                continue
            starts.append(pos)
            ids.append(group)
        self._set(starts, ids, reps)

    def _set(self, starts: list[int], ids: list[int], reps: list[int]) -> None:
        self._start_list = starts
        self._id_list = ids
        self._starts = np.array(starts, dtype=np.int64)
        self._ids = np.array(ids, dtype=np.int64)
        self.reps = reps

    def keys(self) -> Ints:
        """A random 62-bit key per group, to XOR several views into one signature."""
        if self._keys is None:
            self._keys = np.array([_RNG.getrandbits(62) for _ in self.reps], dtype=np.int64)
        return self._keys

    def __len__(self) -> int:
        return len(self.reps)

    def group_list(self, intervals: list[int]) -> list[int]:
        """:meth:`groups` for a short Python list (no array overhead)."""
        if len(self.reps) == 1:
            return [0] * len(intervals)
        starts, ids = self._start_list, self._id_list
        return [ids[bisect_right(starts, i) - 1] for i in intervals]

    def groups(self, intervals: Ints) -> Ints:
        """The group of each elementary interval index in ``intervals``."""
        if len(self.reps) == 1:
            return np.zeros(len(intervals), dtype=np.int64)
        ids: Ints = self._ids[np.searchsorted(self._starts, intervals, side="right") - 1]
        return ids


def set_bounds(s: IntervalSet, atoms: AtomIndex) -> tuple[Ints, Ints]:
    """The elementary intervals where the ranges of ``s`` start, and where they stop (the
    interval just past each range; none for a range that runs to the end of the space)."""
    los = [lo for lo, _ in s.ranges]
    his = [hi + 1 for _, hi in s.ranges if hi < atoms.max_value]
    first = atoms.intervals_of(los)
    ends = atoms.intervals_of(his)
    if atoms.starts_of(first) != los or atoms.starts_of(ends) != his:
        raise AtomBoundaryError("a rule set starts or ends where no global atom does")
    return first, ends
