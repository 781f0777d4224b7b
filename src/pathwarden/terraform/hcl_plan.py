"""``tf review --hcl DIR``: a plan-shaped view of the ``.tf`` files, for repos without a plan.

Every path-relevant resource of the root module becomes a ``create`` change (``update`` when
``--state`` holds the address; resources of the state that the files no longer declare become
``delete``). Literal values are taken as written and ``var.NAME`` as its default; any other
expression is "known after apply": its references go into a ``configuration`` block so the
overlay resolves ``aws_security_group.x.id`` exactly as for a real plan, and what stays
unresolved is reported. ``dynamic`` blocks, ``count``/``for_each`` and modules are not
expanded (reported).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pathwarden.terraform.hcl import HclModule, read_module
from pathwarden.terraform.overlay import AWS_TYPES, NOT_EVALUATED
from pathwarden.terraform.plan import Change, Plan, Resource

_WHOLE = re.compile(r"^\$\{([^{}]*)\}$")
_REF = re.compile(r"(?<![\w.\"])([A-Za-z_][\w-]*(?:\.[A-Za-z_*][\w-]*|\[[^\]]*\])+)")
_NOT_REFS = frozenset({"true", "false", "null"})


class _Converter:
    def __init__(self, variables: dict[str, Any]) -> None:
        self.variables = variables

    def value(self, v: Any) -> tuple[Any, Any, Any]:
        """``(value or None, unknown marker, expression)`` of one HCL value."""
        if isinstance(v, str) and "${" in v:
            m = _WHOLE.match(v.strip())
            inner = m.group(1).strip() if m else ""
            if inner.startswith("var.") and inner[4:] in self.variables:
                const = self.variables[inner[4:]]
                return const, False, {"constant_value": const}
            refs = [r for r in _REF.findall(v) if r.split(".")[0] not in _NOT_REFS]
            return None, True, {"references": refs}
        if isinstance(v, list):
            items = [self.value(x) for x in v]
            if v and all(isinstance(x, dict) for x in v):  # nested blocks
                return [i[0] for i in items], [i[1] for i in items], [i[2] for i in items]
            refs = [r for i in items if isinstance(i[2], dict) for r in i[2].get("references", [])]
            if refs or any(i[1] is True for i in items):
                return [i[0] for i in items], [i[1] for i in items], {"references": refs}
            return [i[0] for i in items], [False for _ in items], {"constant_value": v}
        if isinstance(v, dict):
            values: dict[str, Any] = {}
            unknown: dict[str, Any] = {}
            exprs: dict[str, Any] = {}
            for k, x in v.items():
                values[k], unknown[k], exprs[k] = self.value(x)
            return values, unknown, exprs
        return v, False, {"constant_value": v}


def hcl_plan(directory: str | Path, state: tuple[Resource, ...] = ()) -> tuple[Plan, list[str]]:
    """The pseudo plan of the root module in ``directory`` and the notes about what was not
    expanded."""
    module: HclModule = read_module(directory)
    notes: list[str] = []
    conv = _Converter(module.variable_defaults())
    by_address = {r.address: r for r in state}
    changes: list[Change] = []
    config: list[dict[str, Any]] = []
    declared: set[str] = set()
    for b in module.of_kind("resource"):
        if len(b.labels) != 2:
            continue
        rtype, name = b.labels
        if rtype not in AWS_TYPES and rtype not in NOT_EVALUATED:
            continue
        address = f"{rtype}.{name}"
        declared.add(address)
        body = dict(b.body)
        for meta in ("count", "for_each"):
            if meta in body:
                notes.append(f"{address}: {meta} is not expanded; reviewed as one instance")
                body.pop(meta)
        dynamic = body.pop("dynamic", None)
        values, unknown, exprs = conv.value(body)
        if dynamic:
            for d in dynamic if isinstance(dynamic, list) else [dynamic]:
                for block in d if isinstance(d, dict) else {}:
                    unknown[block] = True
                    exprs[block] = {"references": []}
                    notes.append(f"{address}: dynamic block {block} is not expanded")
        config.append({"address": address, "type": rtype, "name": name, "expressions": exprs})
        prior = by_address.get(address)
        if prior is not None and "id" in prior.values:
            values["id"] = prior.values["id"]
        after = Resource(address, rtype, name, values, unknown)
        actions = ("update",) if prior is not None else ("create",)
        changes.append(Change(address, rtype, name, actions, prior, after))
    for r in state:
        if r.address not in declared and not r.module and r.type in AWS_TYPES:
            changes.append(Change(r.address, r.type, r.name, ("delete",), r, None))
    if module.of_kind("module"):
        names = ", ".join(b.labels[0] for b in module.of_kind("module") if b.labels)
        notes.append(f"module calls are not followed in --hcl mode: {names}")
    variables = {k: {"value": v} for k, v in conv.variables.items()}
    plan = Plan(
        file=str(directory),
        format_version="hcl",
        terraform_version="",
        changes=tuple(changes),
        prior=state,
        configuration={"root_module": {"resources": config}},
        variables=variables,
    )
    return plan, notes
