"""Semantic checks and model building, after the schema pass has fixed the data's shape.

Checks, each a PolicyError at the offending value: unknown segment (in ``from``, ``to``,
``protect``), bad CIDR, port numbers out of range, bad dates, duplicate path ids, an allow path
in ``enforce`` stage without ``approved``, ``exceptions`` on a deny path, an exception naming
no deny path, an exception without ``approved`` and ``expires``, ``expires`` before the
approval date.
"""

from __future__ import annotations

import difflib
from datetime import date
from typing import Any

from pathwarden.errors import PolicyError
from pathwarden.model.addresses import AddressSet, parse_network
from pathwarden.policy.model import (
    DEFAULT_STAGE,
    Approval,
    PathKind,
    PathRule,
    Policy,
    Protected,
    Segment,
    Selector,
    Stage,
)
from pathwarden.policy.ports import parse_ports
from pathwarden.policy.yamlpos import Path, Positions, describe_path


class _Ctx:
    def __init__(self, positions: Positions, file: str) -> None:
        self.pos = positions
        self.file = file

    def fail(self, path: Path, message: str, *, key: bool = False) -> PolicyError:
        line, col = self.pos.key(path) if key else self.pos.value(path)
        return PolicyError(self.file, f"{describe_path(path)}: {message}", line, col)

    def date(self, value: str, path: Path) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError as e:
            raise self.fail(path, f"{value!r} is not a real date; expected YYYY-MM-DD") from e


def _values(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(str(v) for v in items)


def _selector(ctx: _Ctx, raw: dict[str, Any], path: Path) -> Selector:
    ((cloud, body),) = raw.items()
    if cloud == "cidr":
        try:
            net = parse_network(str(body))
        except ValueError as e:
            raise ctx.fail((*path, "cidr"), f"bad CIDR {body!r}; expected like 10.50.0.0/16") from e
        return Selector(cidr=AddressSet.of_network(net), cidr_text=str(net))
    tag_key = "label" if cloud == "gcp" else "tag"  # GCP calls its key/value pairs labels
    tags = tuple((str(k), _values(v)) for k, v in body.get(tag_key, {}).items())
    criteria = tuple((k, _values(v)) for k, v in body.items() if k != tag_key)
    return Selector(cloud=cloud, criteria=criteria, tags=tags)


def _segments(ctx: _Ctx, raw: dict[str, Any]) -> tuple[Segment, ...]:
    out = []
    for name, body in raw.items():
        path: Path = ("segments", name)
        line, col = ctx.pos.key(path)
        match = tuple(
            _selector(ctx, sel, (*path, "match", i)) for i, sel in enumerate(body["match"])
        )
        out.append(
            Segment(
                name=name,
                match=match,
                owner=body.get("owner", ""),
                description=body.get("description", ""),
                line=line,
                column=col,
            )
        )
    return tuple(out)


def _known(ctx: _Ctx, name: str, names: list[str], path: Path) -> None:
    if name in names:
        return
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    known = ", ".join(names) or "none defined"
    raise ctx.fail(path, f"unknown segment {name!r}{hint}; expected one of: {known}")


def _protect(ctx: _Ctx, raw: list[Any], names: list[str]) -> tuple[Protected, ...]:
    out: list[Protected] = []
    for i, item in enumerate(raw):
        path: Path = ("protect", i)
        name = item if isinstance(item, str) else item["segment"]
        stage = DEFAULT_STAGE if isinstance(item, str) else Stage(item.get("stage", "monitor"))
        _known(ctx, name, names, path if isinstance(item, str) else (*path, "segment"))
        if any(p.segment == name for p in out):
            raise ctx.fail(path, f"segment {name!r} is protected twice; expected it once")
        line, col = ctx.pos.value(path)
        out.append(Protected(segment=name, stage=stage, line=line, column=col))
    return tuple(out)


def _path(ctx: _Ctx, raw: dict[str, Any], path: Path, names: list[str]) -> PathRule:
    for end in ("from", "to"):
        _known(ctx, raw[end], names, (*path, end))
    try:
        services = parse_ports(raw.get("ports"))
    except ValueError as e:
        bad = next(i for i, p in enumerate(raw["ports"]) if _bad_port(p))
        raise ctx.fail((*path, "ports", bad), str(e)) from e
    approved = None
    if "approved" in raw:
        a = raw["approved"]
        on = ctx.date(a["on"], (*path, "approved", "on"))
        approved = Approval(by=a["by"], change=str(a["change"]), on=on)
    expires = ctx.date(raw["expires"], (*path, "expires")) if "expires" in raw else None
    line, col = ctx.pos.value(path)
    return PathRule(
        id=raw["id"],
        src=raw["from"],
        dst=raw["to"],
        rule=PathKind(raw["rule"]),
        services=services,
        ports=tuple(raw["ports"]) if "ports" in raw else None,
        why=raw.get("why", ""),
        owner=raw.get("owner", ""),
        approved=approved,
        expires=expires,
        stage=Stage(raw.get("stage", DEFAULT_STAGE.value)),
        exceptions=tuple(raw.get("exceptions", ())),
        line=line,
        column=col,
    )


def _bad_port(item: str) -> bool:
    try:
        parse_ports([item])
    except ValueError:
        return True
    return False


def _check_path(ctx: _Ctx, p: PathRule, path: Path, by_id: dict[str, PathRule]) -> None:
    if p.approved and p.expires and p.expires < p.approved.on:
        raise ctx.fail(
            (*path, "expires"),
            f"expires {p.expires} is before the approval on {p.approved.on}; expected a later date",
        )
    if p.is_deny:
        if p.exceptions:
            raise ctx.fail(
                (*path, "exceptions"),
                "only allow paths carry exceptions; expected it on the allow path that "
                "overrides this deny",
                key=True,
            )
        return
    if p.stage is Stage.ENFORCE and p.approved is None:
        raise ctx.fail(
            path,
            f"allow path {p.id!r} is in enforce stage without an approval; expected "
            "approved: {by, change, on}",
        )
    for i, target in enumerate(p.exceptions):
        other = by_id.get(target)
        if other is None or not other.is_deny:
            denies = ", ".join(x.id for x in by_id.values() if x.is_deny) or "none defined"
            what = "an allow path" if other else "no path"
            raise ctx.fail(
                (*path, "exceptions", i),
                f"exception {target!r} names {what}; expected a deny path id: {denies}",
            )
    if p.exceptions and (p.approved is None or p.expires is None):
        missing = " and ".join(
            k for k, v in (("approved", p.approved), ("expires", p.expires)) if v is None
        )
        raise ctx.fail(
            (*path, "exceptions"),
            f"an exception to a deny path needs an approval and an expiry; expected {missing}",
            key=True,
        )


def build_policy(data: dict[str, Any], positions: Positions, file: str) -> Policy:
    """The :class:`Policy` from schema-valid ``data``; raises PolicyError on semantic errors."""
    ctx = _Ctx(positions, file)
    segments = _segments(ctx, data.get("segments") or {})
    names = [s.name for s in segments]
    protect = _protect(ctx, data.get("protect") or [], names)
    paths: list[PathRule] = []
    by_id: dict[str, PathRule] = {}
    raw_paths = data.get("paths") or []
    for i, raw in enumerate(raw_paths):
        path: Path = ("paths", i)
        if raw["id"] in by_id:
            first = by_id[raw["id"]]
            raise ctx.fail(
                (*path, "id"),
                f"duplicate path id {raw['id']!r} (first at line {first.line}); expected "
                "unique ids",
            )
        rule = _path(ctx, raw, path, names)
        by_id[rule.id] = rule
        paths.append(rule)
    for i, rule in enumerate(paths):
        _check_path(ctx, rule, ("paths", i), by_id)
    return Policy(
        file=file,
        version=int(data["version"]),
        segments=segments,
        protect=protect,
        paths=tuple(paths),
    )
