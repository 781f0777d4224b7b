"""Columns: telling apart, for one stage, the addresses of the other end of a question.

A stage decides alike for two addresses that lie in exactly the same of its rules' address
sets. So an address's *signature* for a set of sets is the XOR of a random 64-bit key of each
set that holds it: equal signatures, equal decisions (up to a 2**-62 chance of a collision,
as for the atoms). :class:`Columns` holds one end's addresses (as elementary intervals of the
global atoms) and computes signatures for any collection of sets with one vectorised
membership test per distinct set, shared by every stage that uses the set: a set of ten
thousand group members that sixty stages reference is looked up once per question, and no
per-stage partition of the address space is ever built for large sets. A collection of
small sets (up to :data:`PARTITION_LIMIT` ranges in all, as an NSG's prefixes are) gets its
signature per elementary-interval segment precomputed once (:class:`Partition`), and a
question's columns then cost one binary search per collection instead of one per set.
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
Bools = npt.NDArray[np.bool_]
_RNG = random.Random(0x5EED)  # keys only need to differ: no answer depends on their values
_FEW = 8  # columns up to which signatures are computed in plain Python
PARTITION_LIMIT = 4096  # ranges of a set collection up to which it gets a Partition
_PARTITIONS: dict[int, tuple[object, Partition | None]] = {}  # id(sets tuple) -> (it, part)
_PARTITIONS_MAX = 100_000


def _xor(keys: Iterable[int]) -> int:
    out = 0
    for k in keys:
        out ^= k
    return out


class AtomBoundaryError(RuntimeError):
    """A rule set ends where no global atom does: the atom index missed one of its sets."""


class SetIndex:
    """One address set as elementary-interval ranges: ``first[k]`` to ``stop[k]`` (exclusive),
    sorted; and the set's random key."""

    __slots__ = ("_first_list", "_stop_list", "first", "key", "stop")

    def __init__(self, s: IntervalSet, atoms: AtomIndex) -> None:
        los = [lo for lo, _ in s.ranges]
        his = [hi + 1 for _, hi in s.ranges]
        first = atoms.intervals_of(los)
        inside = [h for h in his if h <= atoms.max_value]
        ends = atoms.intervals_of(inside)
        if atoms.starts_of(first) != los or atoms.starts_of(ends) != inside:
            raise AtomBoundaryError("a rule set starts or ends where no global atom does")
        stop = np.full(len(los), atoms.intervals(), dtype=np.int64)
        stop[: len(ends)] = ends  # only the last range can run to the end of the space
        self.first = first
        self.stop = stop
        self.key = _RNG.getrandbits(62)
        self._first_list: list[int] = first.tolist()
        self._stop_list: list[int] = stop.tolist()

    def holds_one(self, interval: int) -> bool:
        k = bisect_right(self._first_list, interval) - 1
        return k >= 0 and interval < self._stop_list[k]

    def holds(self, intervals: Ints) -> Bools:
        """Which of these elementary intervals lie in the set."""
        idx = np.searchsorted(self.first, intervals, side="right") - 1
        inside: Bools = (idx >= 0) & (intervals < self.stop[np.maximum(idx, 0)])
        return inside


class Partition:
    """A collection of sets as segments of elementary intervals: ``bounds`` (sorted starts)
    and the XOR of the keys of the sets holding each segment."""

    __slots__ = ("bounds", "sigs")

    def __init__(self, sets: Iterable[SetIndex]) -> None:
        listed = list(sets)
        if not listed:
            self.bounds = np.zeros(1, dtype=np.int64)
            self.sigs = np.zeros(1, dtype=np.int64)
            return
        pos = np.concatenate([s.first for s in listed] + [s.stop for s in listed])
        keys = np.concatenate([np.full(len(s.first), s.key, dtype=np.int64) for s in listed])
        order = np.argsort(pos, kind="stable")
        pos = pos[order]
        acc = np.bitwise_xor.accumulate(np.concatenate([keys, keys])[order])
        last = np.ones(len(pos), dtype=bool)
        last[:-1] = pos[1:] != pos[:-1]  # the signature after every event at a position
        self.bounds = np.concatenate([np.zeros(1, dtype=np.int64), pos[last]])
        self.sigs = np.concatenate([np.zeros(1, dtype=np.int64), acc[last]])

    def of(self, intervals: Ints) -> Ints:
        out: Ints = self.sigs[np.searchsorted(self.bounds, intervals, side="right") - 1]
        return out


def partition_of(sets: Iterable[SetIndex]) -> Partition | None:
    """The :class:`Partition` of a collection of small sets (``None``: too large), memoised
    per tuple object (the engine keeps a stage's set tuples)."""
    if not isinstance(sets, tuple):
        return None
    hit = _PARTITIONS.get(id(sets))
    if hit is not None and hit[0] is sets:
        return hit[1]
    size = sum(len(s.first) for s in sets)
    part = Partition(sets) if size <= PARTITION_LIMIT else None
    if len(_PARTITIONS) >= _PARTITIONS_MAX:
        _PARTITIONS.clear()
    _PARTITIONS[id(sets)] = (sets, part)
    return part


class Columns:
    """One end's addresses, each an elementary interval, with the signatures of stages' set
    collections over them (memoised per collection and per set)."""

    __slots__ = ("_groups", "_held", "_sigs", "intervals")

    def __init__(self, intervals: Ints) -> None:
        self.intervals = intervals
        self._held: dict[SetIndex, Ints] = {}  # the set's key where it holds the column, else 0
        self._sigs: dict[tuple[SetIndex, ...], Ints] = {}
        self._groups: dict[tuple[SetIndex, ...], tuple[Ints, Ints, Ints]] = {}

    def __len__(self) -> int:
        return len(self.intervals)

    def groups(self, sets: Iterable[SetIndex]) -> tuple[Ints, Ints, Ints]:
        """The distinct signatures of :meth:`signatures`, the first column of each and each
        column's group (as ``np.unique`` returns them), memoised per signature array: many
        stages share a collection of sets."""
        key = tuple(sorted(set(sets), key=id))
        hit = self._groups.get(key)
        if hit is None:
            from pathwarden.engine.bulk import unique_runs

            hit = self._groups[key] = unique_runs(self.signatures(key))
        return hit

    def signatures(self, sets: Iterable[SetIndex]) -> Ints:
        """Per column, the XOR of the keys of the sets that hold it."""
        part = partition_of(sets)
        if part is not None:
            return part.of(self.intervals)
        key = tuple(sorted(set(sets), key=id))
        hit = self._sigs.get(key)
        if hit is None and len(self.intervals) <= _FEW:  # plain Python beats arrays here
            cols = self.intervals.tolist()
            hit = self._sigs[key] = np.array(
                [_xor(s.key for s in key if s.holds_one(c)) for c in cols], dtype=np.int64)
        if hit is None:
            sig = np.zeros(len(self.intervals), dtype=np.int64)
            for s in key:
                held = self._held.get(s)
                if held is None:
                    held = self._held[s] = np.where(
                        s.holds(self.intervals), np.int64(s.key), np.int64(0))
                sig ^= held
            hit = self._sigs[key] = sig
        return hit
