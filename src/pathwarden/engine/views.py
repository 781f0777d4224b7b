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
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from pathwarden.engine.atoms import AtomIndex
from pathwarden.model.intervals import IntervalSet

Ints = npt.NDArray[np.int64]
_RNG = random.Random(0x5EED)  # keys only need to differ: no answer depends on their values


class AtomBoundaryError(RuntimeError):
    """A rule set ends where no global atom does: the atom index missed one of its sets."""


class StageView:
    """Groups of global elementary intervals, as one stage's rules see them.

    ``reps[g]`` is the first elementary interval of group ``g`` (evaluate the stage there).
    """

    __slots__ = ("_ids", "_keys", "_starts", "reps")

    def __init__(self, sets: Iterable[tuple[Ints, Ints]]) -> None:
        """``sets``: each set as the elementary intervals where its ranges start and where
        they stop (:func:`set_bounds`)."""
        starts: list[Ints] = []
        stops: list[Ints] = []
        for first, ends in sets:
            starts.append(first)
            stops.append(ends)
        if not starts:
            self._starts = np.zeros(1, dtype=np.int64)
            self._ids = np.zeros(1, dtype=np.int64)
            self.reps = [0]
            self._keys: Ints | None = None
            return
        rng = np.array([_RNG.getrandbits(62) for _ in starts], dtype=np.int64)
        pos = np.concatenate([*starts, *stops, np.zeros(1, dtype=np.int64)])
        key = np.concatenate([*(np.full(len(a), rng[i], dtype=np.int64)
                                for i, a in enumerate(starts)),
                              *(np.full(len(a), rng[i], dtype=np.int64)
                                for i, a in enumerate(stops)),
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
        self._starts = pos[keep]
        self._ids = ids[keep]
        self.reps = pos[firsts[order]].tolist()
        self._keys = None

    def keys(self) -> Ints:
        """A random 62-bit key per group, to XOR several views into one signature."""
        if self._keys is None:
            self._keys = np.array([_RNG.getrandbits(62) for _ in self.reps], dtype=np.int64)
        return self._keys

    def __len__(self) -> int:
        return len(self.reps)

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
