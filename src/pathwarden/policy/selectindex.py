"""An index of an estate's workloads by what selectors ask about (tags, ids, addresses), so a
policy of a hundred segments over tens of thousands of workloads resolves by set lookups
instead of testing every selector against every workload.

:meth:`SelectorIndex.select` returns exactly the workloads :func:`selector_matches` accepts
(the unit tests hold the two to each other on random selectors).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

from pathwarden.model import AddressSet, Estate, Workload
from pathwarden.model.addresses import Family, address_value
from pathwarden.policy.model import Selector

Fields = dict[str, Callable[[Workload], tuple[str, ...]]]


class SelectorIndex:
    def __init__(self, estate: Estate, fields: dict[str, Fields], caseless: set[str]) -> None:
        self.workloads = estate.workloads
        self._fields = fields
        self._caseless = caseless
        self._by_cloud: dict[str, set[int]] = {}
        self._by_tag: dict[tuple[str, str], set[int]] = {}
        self._by_field: dict[tuple[str, str], dict[str, set[int]]] = {}
        ips: dict[Family, list[tuple[int, int]]] = {Family.V4: [], Family.V6: []}
        for i, w in enumerate(self.workloads):
            self._by_cloud.setdefault(w.cloud, set()).add(i)
            for kv in w.tags + w.instance_tags:
                self._by_tag.setdefault(kv, set()).add(i)
            for a in w.addresses:
                try:
                    fam, value = address_value(a)
                except ValueError:
                    continue
                ips[fam].append((value, i))
        self._ips = {fam: sorted(v) for fam, v in ips.items()}
        self._keys = {fam: [n for n, _ in v] for fam, v in self._ips.items()}

    def select(self, selector: Selector) -> set[int]:
        """Positions (in ``estate.workloads``) of the workloads the selector matches."""
        if selector.cidr is not None:
            return self._in(selector.cidr)
        found = set(self._by_cloud.get(selector.cloud, ()))
        for key, values in selector.tags:
            hits: set[int] = set()
            for v in values:
                hits |= self._by_tag.get((key, v), set())
            found &= hits
        fields = self._fields.get(selector.cloud, {})
        caseless = selector.cloud in self._caseless
        for key, values in selector.criteria:
            if key not in fields:
                return set()
            index = self._field(selector.cloud, key, fields[key])
            hits = set()
            for v in values:
                hits |= index.get(v.lower() if caseless else v, set())
            found &= hits
        return found

    def _in(self, cidr: AddressSet) -> set[int]:
        out: set[int] = set()
        for fam in (Family.V4, Family.V6):
            keys, items = self._keys[fam], self._ips[fam]
            for lo, hi in cidr.family(fam).ranges:
                out.update(i for _, i in items[bisect_left(keys, lo):bisect_right(keys, hi)])
        return out

    def _field(self, cloud: str, key: str, field: Callable[[Workload], tuple[str, ...]]
               ) -> dict[str, set[int]]:
        hit = self._by_field.get((cloud, key))
        if hit is None:
            hit = {}
            for i in self._by_cloud.get(cloud, ()):
                for v in field(self.workloads[i]):
                    hit.setdefault(v, set()).add(i)
            self._by_field[(cloud, key)] = hit
        return hit
