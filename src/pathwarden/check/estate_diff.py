"""Inventory drift: what changed between two estates, object by object.

Both estates are the shared, normalised model, so "what changed" is set arithmetic on frozen
values (as amazon.aws compares hashable rule tuples):

- **filters** (security groups, NACLs, NSGs) added or removed by id; a filter in both whose
  kind, default action, network or name differs is ``changed``;
- **rules** of a filter in both: the set difference of the frozen :class:`Rule` values, paired
  by the cloud's rule id (``sgr-...``, ``acl-...#100/in``): an id on both sides is a rule
  ``changed`` in place (the differing fields are named), an id on one side only is ``added`` or
  ``removed``. (Without ``describe-security-group-rules.json`` AWS rule ids are derived from
  the rule's content, so an edited rule shows as one removed and one added.)
- **attachments**: the filters on a workload (ENI security groups) or on a subnet (its NACL)
  changed; workloads and subnets added or removed; a network's peerings changed;
- **prefix lists** whose entries changed (every rule naming them changes meaning).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, TypeVar

from pathwarden.model import Estate, Filter, Rule

T = TypeVar("T")


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


class Item(StrEnum):
    FILTER = "filter"
    RULE = "rule"
    WORKLOAD = "workload"
    SUBNET = "subnet"
    ATTACHMENT = "attachment"
    PEERING = "peering"
    PREFIX_LIST = "prefix_list"


@dataclass(frozen=True, slots=True)
class InventoryChange:
    """One changed object. ``before``/``after`` are one-line descriptions ("" when absent)."""

    change: Change
    item: Item
    id: str
    parent: str = ""  # the filter of a rule
    before: str = ""
    after: str = ""
    fields: tuple[str, ...] = ()

    def describe(self) -> str:
        where = f" in {self.parent}" if self.parent else ""
        head = f"{self.item.value} {self.id}{where} {self.change.value}"
        if self.change is Change.ADDED:
            return f"{head}: {self.after}"
        if self.change is Change.REMOVED:
            return f"{head}: {self.before}"
        return f"{head} ({', '.join(self.fields)}): {self.before} -> {self.after}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"change": self.change.value, "item": self.item.value,
                               "id": self.id}
        if self.parent:
            out["parent"] = self.parent
        if self.before:
            out["before"] = self.before
        if self.after:
            out["after"] = self.after
        if self.fields:
            out["fields"] = list(self.fields)
        return out

    def sort_key(self) -> tuple[int, int, str, str]:
        """By item (filters first), then added / removed / changed, then id."""
        return (list(Item).index(self.item), list(Change).index(self.change), self.parent,
                self.id)


def rule_text(rule: Rule) -> str:
    text = f"{rule.direction.value} {rule.summary()}"
    if rule.disabled:
        text += " (disabled)"
    return text + (f" [{rule.description}]" if rule.description else "")


def _differs(a: object, b: object, names: Iterable[str]) -> tuple[str, ...]:
    return tuple(n for n in names if getattr(a, n) != getattr(b, n))


def _keyed(
    item: Item,
    before: Mapping[str, T],
    after: Mapping[str, T],
    describe: Callable[[T], str],
    compare: Callable[[T, T], tuple[str, ...]],
    parent: str = "",
) -> list[InventoryChange]:
    out: list[InventoryChange] = []
    for key in sorted(after.keys() - before.keys()):
        out.append(InventoryChange(Change.ADDED, item, key, parent, after=describe(after[key])))
    for key in sorted(before.keys() - after.keys()):
        out.append(InventoryChange(Change.REMOVED, item, key, parent, before=describe(before[key])))
    for key in sorted(before.keys() & after.keys()):
        changed = compare(before[key], after[key])
        if changed:
            out.append(InventoryChange(Change.CHANGED, item, key, parent,
                                       describe(before[key]), describe(after[key]), changed))
    return out


_RULE_FIELDS = tuple(f.name for f in fields(Rule) if f.name not in ("id", "filter_id"))


def _rules(before: Filter, after: Filter) -> list[InventoryChange]:
    gone, new = set(before.rules) - set(after.rules), set(after.rules) - set(before.rules)
    if not gone and not new:
        return []
    return _keyed(
        Item.RULE,
        {r.id: r for r in gone},
        {r.id: r for r in new},
        rule_text,
        lambda a, b: _differs(a, b, _RULE_FIELDS),
        parent=after.id,
    )


def _filter_text(f: Filter) -> str:
    name = f" {f.name!r}" if f.name else ""
    return f"{f.layer or f.kind.value}{name} in {f.network or '-'} ({len(f.rules)} rules)"


def _filters_text(ids: tuple[str, ...]) -> str:
    return ", ".join(ids) or "none"


def diff_estates(baseline: Estate, current: Estate) -> tuple[InventoryChange, ...]:
    """Every inventory change from ``baseline`` to ``current`` (:meth:`InventoryChange.sort_key`
    order)."""
    out = _keyed(Item.FILTER, baseline.filters, current.filters, _filter_text,
                 lambda a, b: _differs(a, b, ("kind", "default", "network", "name")))
    for fid in sorted(baseline.filters.keys() & current.filters.keys()):
        out += _rules(baseline.filters[fid], current.filters[fid])
    before_w = {w.id: w for w in baseline.workloads}
    after_w = {w.id: w for w in current.workloads}
    out += _keyed(
        Item.WORKLOAD, before_w, after_w,
        lambda w: f"{', '.join(w.addresses) or '-'} in {w.subnet or '-'} "
                  f"with {_filters_text(w.filters)}",
        lambda a, b: _differs(a, b, ("addresses", "subnet", "network")),
    )
    both_w = before_w.keys() & after_w.keys()
    out += _keyed(
        Item.ATTACHMENT,
        {k: before_w[k].filters for k in both_w},
        {k: after_w[k].filters for k in both_w},
        _filters_text,
        lambda a, b: ("filters",) if set(a) != set(b) else (),
    )
    out += _keyed(Item.SUBNET, baseline.subnets, current.subnets,
                  lambda s: f"{', '.join(s.cidrs.describe())} in {s.network} "
                            f"with {_filters_text(s.filters)}",
                  lambda a, b: _differs(a, b, ("cidrs", "network")))
    both_s = baseline.subnets.keys() & current.subnets.keys()
    out += _keyed(
        Item.ATTACHMENT,
        {k: baseline.subnets[k].filters for k in both_s},
        {k: current.subnets[k].filters for k in both_s},
        _filters_text,
        lambda a, b: ("filters",) if set(a) != set(b) else (),
    )
    both_n = baseline.networks.keys() & current.networks.keys()
    out += _keyed(
        Item.PEERING,
        {k: baseline.networks[k].peers for k in both_n},
        {k: current.networks[k].peers for k in both_n},
        lambda peers: ", ".join(peers) or "no peers",
        lambda a, b: ("peers",) if set(a) != set(b) else (),
    )
    both_p = baseline.prefix_lists.keys() & current.prefix_lists.keys()
    out += _keyed(
        Item.PREFIX_LIST,
        {k: baseline.prefix_lists[k].entries for k in both_p},
        {k: current.prefix_lists[k].entries for k in both_p},
        lambda entries: ", ".join(entries) or "no entries",
        lambda a, b: ("entries",) if set(a) != set(b) else (),
    )
    return tuple(sorted(out, key=InventoryChange.sort_key))
