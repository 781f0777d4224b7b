"""Address atoms: the coarsest split of one address family that every rule respects.

Every address set a rule uses (a CIDR, a prefix list, a security group's members, a service
tag, ...) gets a random 64-bit key. Sweeping the sorted boundaries of all sets and XOR-ing the
keys of the sets that start or end at each boundary gives, for every elementary interval, a
*signature*: the XOR of the keys of the sets that contain it. Two addresses with the same
signature are in exactly the same sets (up to a 2**-64 chance of a collision), so every rule
treats them alike: the engine evaluates a filter once per signature, not once per address.
Addresses far apart can share an atom (two workloads in the same security groups and
subnets), which is what keeps the cost proportional to distinct behaviours.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt

from pathwarden.model.addresses import V4_MAX
from pathwarden.model.intervals import IntervalSet


class AtomIndex:
    """Signature lookup for one address family."""

    __slots__ = ("_array", "_bounds", "_first", "_reps", "_sigs", "max_value")

    def __init__(self, sets: Iterable[IntervalSet], max_value: int) -> None:
        rng = random.Random(0x9A7A)
        events: dict[int, int] = {}
        for s in sets:
            key = rng.getrandbits(64) | 1
            for lo, hi in s.ranges:
                events[lo] = events.get(lo, 0) ^ key
                if hi < max_value:
                    events[hi + 1] = events.get(hi + 1, 0) ^ key
        events.setdefault(0, 0)
        bounds: list[int] = []
        sigs: list[int] = []
        reps: dict[int, int] = {}
        first: dict[int, int] = {}
        sig = 0
        for pos in sorted(events):
            sig ^= events[pos]
            if sigs and sigs[-1] == sig:
                continue
            if sig not in reps:
                reps[sig] = pos
                first[sig] = len(bounds)
            bounds.append(pos)
            sigs.append(sig)
        self._bounds = bounds
        self._sigs = sigs
        self._reps = reps
        self._first = first
        self.max_value = max_value
        self._array = np.array(bounds, dtype=np.int64) if max_value <= V4_MAX else None

    def atom(self, value: int) -> int:
        return self._sigs[bisect_right(self._bounds, value) - 1]

    def interval(self, value: int) -> int:
        """The index of the elementary interval holding ``value``."""
        return bisect_right(self._bounds, value) - 1

    def start(self, interval: int) -> int:
        return self._bounds[interval]

    def sig_of_interval(self, interval: int) -> int:
        return self._sigs[interval]

    def first_interval(self, sig: int) -> int:
        """The first elementary interval of an atom (its stand-in wherever an index is used)."""
        return self._first[sig]

    def intervals(self) -> int:
        return len(self._bounds)

    def intervals_of(self, values: list[int]) -> npt.NDArray[np.int64]:
        """:meth:`interval` of many values at once."""
        if self._array is not None:
            out: npt.NDArray[np.int64] = np.searchsorted(
                self._array, np.array(values, dtype=np.int64), side="right") - 1
            return out
        return np.array([bisect_right(self._bounds, v) - 1 for v in values], dtype=np.int64)

    def starts_of(self, intervals: npt.NDArray[np.int64]) -> list[int]:
        bounds = self._bounds
        return [bounds[i] for i in intervals.tolist()]

    def representative(self, sig: int) -> int:
        """An address inside the atom: membership of any rule set is decided by it."""
        return self._reps[sig]

    def atoms_in(self, lo: int, hi: int) -> Iterator[tuple[int, int, int]]:
        """``(signature, lo, hi)`` for each elementary interval overlapping [lo, hi]."""
        i = bisect_right(self._bounds, lo) - 1
        n = len(self._bounds)
        while i < n and self._bounds[i] <= hi:
            start = max(lo, self._bounds[i])
            end = hi if i + 1 >= n else min(hi, self._bounds[i + 1] - 1)
            yield self._sigs[i], start, end
            i += 1

    def count_in(self, lo: int, hi: int) -> int:
        """How many elementary intervals overlap [lo, hi]."""
        return bisect_right(self._bounds, hi) - bisect_right(self._bounds, lo) + 1

    def __len__(self) -> int:
        return len(self._reps)
