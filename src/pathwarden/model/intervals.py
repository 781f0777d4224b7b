"""Sets of integers as sorted, disjoint, non-adjacent closed intervals.

One algebra serves addresses (IPv4 and IPv6 as integers) and services (protocol and port
folded into one integer, see :mod:`pathwarden.model.services`).

>>> a = IntervalSet.of((1, 5), (10, 20))
>>> (a & IntervalSet.of((4, 12))).ranges
((4, 5), (10, 12))
>>> (a - IntervalSet.of((3, 15))).ranges
((1, 2), (16, 20))
>>> IntervalSet.of((1, 2), (3, 4)).ranges   # adjacent ranges merge
((1, 4),)
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator

Range = tuple[int, int]


def _normalise(ranges: Iterable[Range]) -> tuple[Range, ...]:
    items = sorted(ranges)
    out: list[Range] = []
    for lo, hi in items:
        if lo > hi:
            raise ValueError(f"empty range {lo}-{hi}")
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


class IntervalSet:
    """An immutable, hashable set of integers stored as merged closed ranges."""

    __slots__ = ("_hash", "_starts", "ranges")

    ranges: tuple[Range, ...]
    _starts: tuple[int, ...] | None
    _hash: int | None

    def __init__(self, ranges: Iterable[Range] = (), *, _trusted: bool = False) -> None:
        object.__setattr__(self, "ranges", tuple(ranges) if _trusted else _normalise(ranges))
        object.__setattr__(self, "_starts", None)
        object.__setattr__(self, "_hash", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("IntervalSet is immutable")

    def __reduce__(self) -> tuple[object, tuple[tuple[Range, ...]]]:
        """Pickled as its ranges (worker processes send findings back)."""
        return (_restore, (self.ranges,))

    @classmethod
    def of(cls, *ranges: Range) -> IntervalSet:
        return cls(ranges)

    @classmethod
    def span(cls, lo: int, hi: int) -> IntervalSet:
        return cls(((lo, hi),), _trusted=True)

    # -- queries -----------------------------------------------------------------------------
    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntervalSet) and self.ranges == other.ranges

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash(self.ranges)
            object.__setattr__(self, "_hash", h)
        return h

    def __repr__(self) -> str:
        return f"IntervalSet({list(self.ranges)!r})"

    def __iter__(self) -> Iterator[Range]:
        return iter(self.ranges)

    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.ranges)

    def contains(self, value: int) -> bool:
        starts = self._starts
        if starts is None:
            starts = tuple(lo for lo, _ in self.ranges)
            object.__setattr__(self, "_starts", starts)
        i = bisect_right(starts, value) - 1
        return i >= 0 and value <= self.ranges[i][1]

    def issubset(self, other: IntervalSet) -> bool:
        return not (self - other)

    def overlaps(self, other: IntervalSet) -> bool:
        """Whether the sets share a value (stops at the first shared one, builds nothing)."""
        a, b = self.ranges, other.ranges
        if not a or not b or a[-1][1] < b[0][0] or b[-1][1] < a[0][0]:
            return False
        i = j = 0
        while i < len(a) and j < len(b):
            if a[i][1] < b[j][0]:
                i += 1
            elif b[j][1] < a[i][0]:
                j += 1
            else:
                return True
        return False

    # -- algebra -----------------------------------------------------------------------------
    def __or__(self, other: IntervalSet) -> IntervalSet:
        if not other.ranges:
            return self
        if not self.ranges:
            return other
        return IntervalSet(self.ranges + other.ranges)

    def __and__(self, other: IntervalSet) -> IntervalSet:
        a, b = self.ranges, other.ranges
        if not a or not b:
            return EMPTY
        out: list[Range] = []
        i = j = 0
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return IntervalSet(out, _trusted=True)

    def __sub__(self, other: IntervalSet) -> IntervalSet:
        a, b = self.ranges, other.ranges
        if not a or not b:
            return self
        out: list[Range] = []
        j = 0
        for lo, hi in a:
            cur = lo
            while j < len(b) and b[j][1] < cur:
                j += 1
            k = j
            while k < len(b) and b[k][0] <= hi:
                if b[k][0] > cur:
                    out.append((cur, b[k][0] - 1))
                cur = max(cur, b[k][1] + 1)
                if cur > hi:
                    break
                k += 1
            if cur <= hi:
                out.append((cur, hi))
        return IntervalSet(out, _trusted=True)

    @staticmethod
    def union_all(sets: Iterable[IntervalSet]) -> IntervalSet:
        ranges: list[Range] = []
        for s in sets:
            ranges.extend(s.ranges)
        return IntervalSet(ranges) if ranges else EMPTY


def _restore(ranges: tuple[Range, ...]) -> IntervalSet:
    return IntervalSet(ranges, _trusted=True)


EMPTY = IntervalSet((), _trusted=True)
