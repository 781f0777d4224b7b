"""The mutable estate an overlay edits, and how a Terraform attribute becomes a value.

:class:`World` starts from an :class:`~pathwarden.model.Estate` (a snapshot, or empty when the
plan's ``prior_state`` is the baseline) and ends as a new frozen ``Estate``. It also knows, for
every resource address of the plan, its cloud id (``sg-...``) or, for a resource that does not
exist yet, the placeholder ``tf:ADDRESS``; and it remembers which Terraform resource each
filter, rule and workload came from, so findings can point at the ``.tf`` file.

:meth:`World.values` reads one attribute: a value known in the plan is taken as is; a value
"known after apply" is resolved through the ``configuration`` references
(:class:`~pathwarden.terraform.config.References`) to the id or attribute of the referenced
resource; what still cannot be known is reported as an :class:`Assumption` and the caller
applies its conservative default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pathwarden.model import (
    Attachment,
    Direction,
    Estate,
    Filter,
    Gateway,
    Network,
    Notice,
    PrefixList,
    RouteTable,
    Subnet,
    Workload,
)
from pathwarden.terraform.config import Ref, References
from pathwarden.terraform.plan import Resource

PLACEHOLDER = "tf:"


@dataclass(frozen=True, slots=True)
class Assumption:
    """A value Terraform knows only after apply, and what the review assumed instead."""

    address: str
    attribute: str
    assumed: str

    def message(self) -> str:
        return f"{self.address}.{self.attribute} is known only after apply: {self.assumed}"

    def to_json(self) -> dict[str, str]:
        return {"address": self.address, "attribute": self.attribute, "assumed": self.assumed}


@dataclass
class World:
    filters: dict[str, Filter] = field(default_factory=dict)
    workloads: dict[str, Workload] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    networks: dict[str, Network] = field(default_factory=dict)
    prefix_lists: dict[str, PrefixList] = field(default_factory=dict)
    route_tables: dict[str, RouteTable] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    gateways: dict[str, Gateway] = field(default_factory=dict)
    routed: set[str] = field(default_factory=set)  # networks whose every table Terraform knows
    notices: list[Notice] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # address -> cloud id or tf:ADDRESS
    origin: dict[str, str] = field(default_factory=dict)  # filter/rule/workload id -> address
    resources: dict[str, Resource] = field(default_factory=dict)  # latest values per address
    assumptions: list[Assumption] = field(default_factory=list)
    refs: References | None = None
    base: Estate = field(default_factory=Estate)
    unsorted: set[str] = field(default_factory=set)  # first-match filters to sort by order

    @classmethod
    def of(cls, estate: Estate) -> World:
        return cls(
            filters=dict(estate.filters),
            workloads={w.id: w for w in estate.workloads},
            subnets=dict(estate.subnets),
            networks=dict(estate.networks),
            prefix_lists=dict(estate.prefix_lists),
            route_tables=dict(estate.route_tables),
            attachments=dict(estate.attachments),
            gateways=dict(estate.gateways),
            base=estate,
        )

    def estate(self, source: str) -> Estate:
        for fid in self.unsorted:
            f = self.filters.get(fid)
            if f is not None:
                rules = sorted(f.rules, key=lambda x: (x.direction is Direction.EGRESS, x.order))
                self.filters[fid] = replace(f, rules=tuple(rules))
        self.unsorted.clear()
        options: Mapping[str, object] = self.base.options or {"aws.ephemeral_ports": (1024, 65535)}
        networks = {
            nid: replace(n, routed=True) if nid in self.routed and not n.routed else n
            for nid, n in self.networks.items()
        }
        return Estate(
            workloads=tuple(self.workloads.values()),
            filters=self.filters,
            subnets=self.subnets,
            networks=networks,
            prefix_lists=self.prefix_lists,
            route_tables=self.route_tables,
            attachments=self.attachments,
            gateways=self.gateways,
            notices=self.base.notices + tuple(self.notices),
            partial=self.base.partial,
            sources=(*self.base.sources, source),
            options=options,
        )

    # -- ids ---------------------------------------------------------------------------------
    def remember(self, r: Resource) -> None:
        """Record the resource's latest values and its id (or placeholder)."""
        self.resources[r.address] = r
        rid = r.values.get("id")
        if isinstance(rid, str) and rid:
            self.ids[r.address] = rid
        else:
            self.ids.setdefault(r.address, PLACEHOLDER + r.address)

    def deleted(self, store: dict[str, Any], before: Resource | None,
                after: Resource | None) -> bool:
        """True, with the object removed from ``store``, when the change deletes it."""
        if after is not None:
            return False
        assert before is not None
        store.pop(self.id_of(before), None)
        return True

    def id_of(self, r: Resource) -> str:
        return self.ids.get(r.address) or PLACEHOLDER + r.address

    def assume(self, r: Resource, attribute: str, assumed: str) -> None:
        a = Assumption(r.address, attribute, assumed)
        if a not in self.assumptions:
            self.assumptions.append(a)

    # -- values --------------------------------------------------------------------------------
    def value(self, r: Resource, attr: str) -> tuple[Any, bool]:
        """``(value, known)`` of a scalar attribute, resolving references when unknown."""
        values, complete = self.values(r, attr)
        if values and complete:
            return values[0], True
        return (values[0] if values else None), False

    def one(self, r: Resource, attr: str) -> tuple[str, str]:
        """``(text, "")`` when the attribute resolves to exactly one non-empty string; else
        ``("", why)`` with why ``unknown``, ``one of a, b, ...`` (a reference to a counted
        resource that could not be narrowed to one instance) or ``""`` (not set)."""
        values, complete = self.values(r, attr)
        texts = list(dict.fromkeys(v for v in values if isinstance(v, str) and v))
        if len(texts) > 1:
            return "", "one of " + ", ".join(texts[:3]) + (", ..." if len(texts) > 3 else "")
        if texts and complete:
            return texts[0], ""
        return "", "" if complete else "unknown"

    def values(
        self,
        r: Resource,
        attr: str,
        item: Mapping[str, Any] | None = None,
        unknown: Any = None,
        expr: Any = None,
    ) -> tuple[list[Any], bool]:
        """Known values of a scalar-or-list attribute plus the resolved unknown ones, and
        whether everything was resolved. ``item``/``unknown``/``expr`` select a nested block."""
        data = r.values if item is None else item
        unk = (r.unknown.get(attr) if item is None else unknown) or r.unknown.get("*")
        raw = data.get(attr)
        known: list[Any] = []
        missing = False
        if isinstance(raw, list):
            flags = unk if isinstance(unk, list) else []
            for i, v in enumerate(raw):
                flag = flags[i] if i < len(flags) else False
                if v is None and (flag is True or unk is True):
                    missing = True
                elif v is not None:
                    known.append(v)
            if unk is True and not raw:
                missing = True
        elif raw is not None:
            known.append(raw)
        elif unk is True or (isinstance(unk, list) and any(x is True for x in unk)):
            missing = True
        if not missing:
            return known, True
        if self.refs is None or (item is not None and expr is None):
            return known, False
        exprs = self.refs.expressions(r.address)
        if item is None and exprs and attr not in exprs:
            return known, True  # computed by the provider, not set in the configuration
        refs, constants = self.refs.refs(r.address, attr, expr)
        resolved = known + _flatten(constants)
        complete = bool(refs or constants)
        for ref in refs:
            got = self.read(ref)
            if got is None:
                complete = False
            else:
                resolved += got
        return resolved, complete

    def read(self, ref: Ref, depth: int = 0) -> list[Any] | None:
        """What a resolved reference reads: the id of a resource, or one of its attributes."""
        attr = ref.attribute.split(".")[0] if ref.attribute else ""
        if attr in ("", "id"):
            rid = self.ids.get(ref.address)
            return [rid] if rid else None
        target = self.resources.get(ref.address)
        if target is None or depth > 4:
            return None
        got, complete = self.values(target, attr)
        return got if complete else None


def _flatten(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, list):
            out += [x for x in v if x is not None]
        elif v is not None:
            out.append(v)
    return out
