"""The plan's ``configuration``: where a value "known after apply" comes from.

``configuration.root_module`` (and every ``module_calls.NAME.module`` below it) lists each
resource's ``expressions``: ``{"constant_value": ...}`` or ``{"references": [...]}``; nested
blocks (``ingress``) are lists of such objects. A reference is ``aws_security_group.web.id``
(newer Terraform also lists the bare ``aws_security_group.web``), ``var.NAME``, ``local.X``,
``data.T.N...`` or ``module.M.OUTPUT``. :class:`References` follows resource references to
resource instances that exist in the plan, and ``var.NAME`` through the module calls up to the
root variables; everything else is unresolvable and left to the caller's conservative default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pathwarden.terraform.plan import config_address, split_address

_NOT_RESOURCES = frozenset(
    {"var", "local", "data", "module", "each", "count", "path", "self", "terraform"}
)


@dataclass(frozen=True, slots=True)
class Ref:
    """A resolved reference: resource instance ``address`` and the attribute path read."""

    address: str
    attribute: str  # "" or "id" mean the resource itself


class References:
    """Resolve configuration references against the resource addresses a plan holds."""

    def __init__(
        self,
        configuration: Mapping[str, Any],
        variables: Mapping[str, Any],
        addresses: Iterable[str],
    ) -> None:
        self.modules: dict[str, dict[str, Any]] = {}
        self.by_address: dict[str, dict[str, Any]] = {}  # config address -> expressions
        self.calls: dict[str, dict[str, Any]] = {}  # module config path -> its call
        root = configuration.get("root_module")
        if isinstance(root, dict):
            self._index("", root)
        self.variables = variables
        self.instances: dict[str, list[str]] = {}
        for a in addresses:
            self.instances.setdefault(config_address(a), []).append(a)

    def _index(self, path: str, module: dict[str, Any]) -> None:
        self.modules[path] = module
        for r in _list(module.get("resources")):
            if isinstance(r, dict) and isinstance(r.get("address"), str):
                exprs = r.get("expressions")
                key = f"{path}.{r['address']}" if path else r["address"]
                self.by_address[key] = exprs if isinstance(exprs, dict) else {}
        calls = module.get("module_calls")
        if isinstance(calls, dict):
            for name, call in calls.items():
                if isinstance(call, dict) and isinstance(call.get("module"), dict):
                    child = f"{path}.module.{name}" if path else f"module.{name}"
                    self.calls[child] = call
                    self._index(child, call["module"])

    # -- expressions ---------------------------------------------------------------------------
    def expressions(self, address: str) -> dict[str, Any]:
        """The ``expressions`` of the resource at ``address`` ({} when not configured)."""
        return self.by_address.get(config_address(address), {})

    def is_configured(self, address: str, attr: str) -> bool:
        return attr in self.expressions(address)

    def expression(self, address: str, attr: str) -> Any:
        return self.expressions(address).get(attr)

    # -- references ----------------------------------------------------------------------------
    def refs(self, address: str, attr: str, expr: Any = None) -> tuple[list[Ref], list[Any]]:
        """``(resource refs, constant values)`` the attribute's expression resolves to.

        ``expr`` overrides the lookup (for attributes inside nested blocks).
        """
        if expr is None:
            expr = self.expression(address, attr)
        instance_module = ".".join(split_address(address)[:-2]) if "module." in address else ""
        return self._resolve(instance_module, expr, depth=0, key=_instance_key(address))

    def _resolve(self, module: str, expr: Any, depth: int, key: str = ""
                 ) -> tuple[list[Ref], list[Any]]:
        """``key`` is the referencing instance's ``[0]``/``["a"]``: an expression that also
        reads ``count.index``/``each.key`` picks, of a counted resource it names, the instance
        with the same key (``aws_route_table.private[count.index]``, written in the plan's
        configuration as ``aws_route_table.private`` plus ``count.index``) when there is one."""
        refs: list[Ref] = []
        constants: list[Any] = []
        if not isinstance(expr, dict) or depth > 8:
            return refs, constants
        if "constant_value" in expr:
            constants.append(expr["constant_value"])
            return refs, constants
        seen: set[str] = set()
        texts = [t for t in _list(expr.get("references")) if isinstance(t, str)]
        per_instance = key if {"count.index", "each.key", "each.value"} & set(texts) else ""
        for text in _list(expr.get("references")):
            if not isinstance(text, str):
                continue
            parts = split_address(text)
            if parts[0] == "var" and len(parts) > 1:
                r, c = self._variable(module, parts[1], depth)
                refs += r
                constants += c
                continue
            if parts[0] in _NOT_RESOURCES or len(parts) < 2:
                continue
            base = ".".join(parts[:2])
            bare = config_address(base)
            if bare in seen and base == bare:
                continue
            seen.add(bare)
            attr = ".".join(parts[2:])
            full = f"{module}.{base}" if module else base
            found = [full] if full in self.instances.get(config_address(full), []) else []
            if not found and base == bare:
                found = self.instances.get(config_address(full), [])
                found = [a for a in found if ".".join(split_address(a)[:-2]) == module] or found
                if per_instance and len(found) > 1:
                    found = [a for a in found if a.endswith(per_instance)] or found
            refs += [Ref(a, attr) for a in found]
        # 'aws_security_group.web' and 'aws_security_group.web.id' name the same thing
        unique: dict[str, Ref] = {}
        for ref in refs:
            if ref.address not in unique or not unique[ref.address].attribute:
                unique[ref.address] = ref
        return list(unique.values()), constants

    def _variable(self, module: str, name: str, depth: int) -> tuple[list[Ref], list[Any]]:
        if not module:
            var = self.variables.get(name)
            if isinstance(var, dict) and "value" in var:
                return [], [var["value"]]
            decl = _dict(_dict(self.modules.get("")).get("variables")).get(name)
            if isinstance(decl, dict) and "default" in decl:
                return [], [decl["default"]]
            return [], []
        call = self.calls.get(config_address(module))
        if call is None:
            return [], []
        parent = ".".join(split_address(module)[:-2])
        expr = _dict(call.get("expressions")).get(name)
        if expr is None:
            decl = _dict(_dict(call.get("module")).get("variables")).get(name)
            if isinstance(decl, dict) and "default" in decl:
                return [], [decl["default"]]
            return [], []
        return self._resolve(parent, expr, depth + 1)


def _instance_key(address: str) -> str:
    """``module.m.aws_route.r[2]`` -> ``[2]`` ("" for a resource without count/for_each)."""
    last = split_address(address)[-1]
    return last[last.index("["):] if last.endswith("]") and "[" in last else ""


def _dict(value: Any) -> dict[str, Any]:
    """``value`` when it is an object, else ``{}``: the configuration is read leniently (it
    only refines what "known after apply" stands for; a value of the wrong shape resolves
    nothing)."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
