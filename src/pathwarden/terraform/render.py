"""``tf render CHANGESET``: the planner's ChangeSet as an edit of the user's ``.tf`` files.

For every security group rule operation of the ChangeSet (``resources[].operations``):

- the rule is **Terraform-managed** when the state (``--state``, ``terraform show -json``)
  holds a standalone rule resource with its ``sgr-`` id (``aws_vpc_security_group_*_rule``)
  or, for ``aws_security_group_rule`` (whose ids are not ``sgr-``), the same group,
  direction, services and peer. Then ``remove`` deletes its resource block (and the comment
  lines right above it) and ``modify`` rewrites the block in place, keeping its name and its
  ``security_group_id`` expression;
- otherwise ``modify`` becomes a new resource plus an ``import`` block (Terraform imports the
  rule by id and updates it in place), ``add`` a new resource, and ``remove`` a note (an
  unmanaged rule cannot be deleted by Terraform without importing it first; ``pathwarden
  apply`` removes it).

New resources go to ``pathwarden-fix.tf`` (one ``aws_vpc_security_group_*_rule`` per protocol
range and peer); a group Terraform manages is referenced as ``aws_security_group.NAME.id``.
Inline ``ingress``/``egress`` blocks and NACL entries are not rewritten (reported). Every
patched file is parsed again with python-hcl2 before anything is returned.
"""

from __future__ import annotations

import difflib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pathwarden.errors import InputError
from pathwarden.model import Direction, Peer, PeerKind, Rule, ServiceSet
from pathwarden.model.serialize import rule_from_json
from pathwarden.model.services import ICMPS, PORT_MAX, protocol_name
from pathwarden.terraform.hcl import HclModule, parse_file, read_module
from pathwarden.terraform.plan import Resource

FIX_FILE = "pathwarden-fix.tf"
NEW_TYPES = {
    Direction.INGRESS: "aws_vpc_security_group_ingress_rule",
    Direction.EGRESS: "aws_vpc_security_group_egress_rule",
}
_SG_ID_LINE = re.compile(r"^\s*security_group_id\s*=\s*(.+?)\s*$", re.M)


@dataclass
class Rendered:
    directory: Path
    files: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (old, new)
    notes: list[str] = field(default_factory=list)

    def diff(self) -> str:
        out: list[str] = []
        for name, (old, new) in sorted(self.files.items()):
            if old == new:
                continue
            a = f"a/{name}" if old else "/dev/null"
            out += difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True), a, f"b/{name}"
            )
        return "".join(out)

    def write(self, target: Path) -> None:
        """A copy of the folder with the patched files (``target`` must not exist)."""
        if target.exists():
            raise InputError(f"--write-to {target}: already exists; give a new folder")
        shutil.copytree(self.directory, target)
        for name, (_, new) in self.files.items():
            (target / name).write_text(new, encoding="utf-8")


def _hcl_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${") + '"'


def _pieces(services: ServiceSet) -> list[tuple[str, int | None, int | None]]:
    """``(ip_protocol, from_port, to_port)`` per protocol range (AWS rule fields)."""
    if services.values.ranges == ((0, 256 * 65536 - 1),):
        return [("-1", None, None)]
    out: list[tuple[str, int | None, int | None]] = []
    for proto, ranges in services.by_protocol():
        name = protocol_name(proto)
        if ranges == ((0, PORT_MAX),):
            out.append((name, None, None) if proto not in ICMPS else (name, -1, -1))
        elif proto in ICMPS:
            for lo, hi in ranges:
                for t in range(lo // 256, hi // 256 + 1):
                    whole = lo <= t * 256 and hi >= t * 256 + 255
                    out.append((name, t, -1 if whole else lo - t * 256))
        else:
            out += [(name, lo, hi) for lo, hi in ranges]
    return out


def _peer_lines(peer: Peer, legacy: bool) -> list[str]:
    if peer.kind is PeerKind.CIDR:
        v6 = ":" in peer.value
        if legacy:
            return [f"{'ipv6_cidr_blocks' if v6 else 'cidr_blocks'} = [{_hcl_string(peer.value)}]"]
        return [f"{'cidr_ipv6' if v6 else 'cidr_ipv4'} = {_hcl_string(peer.value)}"]
    if peer.kind is PeerKind.SECURITY_GROUP:
        gid = f"{peer.account}/{peer.value}" if peer.account and legacy else peer.value
        key = "source_security_group_id" if legacy else "referenced_security_group_id"
        return [f"{key} = {_hcl_string(gid)}"]
    if peer.kind is PeerKind.PREFIX_LIST:
        key = "prefix_list_ids" if legacy else "prefix_list_id"
        value = f"[{_hcl_string(peer.value)}]" if legacy else _hcl_string(peer.value)
        return [f"{key} = {value}"]
    return ['cidr_blocks = ["0.0.0.0/0"]'] if legacy else ['cidr_ipv4 = "0.0.0.0/0"']


def _body(
    rule: Rule, piece: tuple[str, int | None, int | None], peer: Peer, sg_expr: str, legacy: bool
) -> list[str]:
    proto, lo, hi = piece
    lines = [f"security_group_id = {sg_expr}"]
    if legacy:
        lines.append(f"type = {_hcl_string(rule.direction.value)}")
        lines += [
            f"protocol = {_hcl_string(proto)}",
            f"from_port = {0 if lo is None else lo}",
            f"to_port = {0 if hi is None else hi}",
        ]
    else:
        lines.append(f"ip_protocol = {_hcl_string(proto)}")
        if lo is not None and hi is not None:
            lines += [f"from_port = {lo}", f"to_port = {hi}"]
    lines += _peer_lines(peer, legacy)
    if rule.description:
        lines.append(f"description = {_hcl_string(rule.description[:255])}")
    return _align(lines)


def _align(lines: list[str]) -> list[str]:
    width = max(len(line.split(" = ", 1)[0]) for line in lines)
    return [f"  {k.ljust(width)} = {v}" for k, v in (line.split(" = ", 1) for line in lines)]


def _block(rtype: str, name: str, body: list[str]) -> str:
    return f'resource "{rtype}" "{name}" {{\n' + "\n".join(body) + "\n}\n"


class _Renderer:
    def __init__(self, tf_dir: Path, state: tuple[Resource, ...]) -> None:
        self.dir = tf_dir
        self.module: HclModule = read_module(tf_dir)
        self.texts: dict[str, str] = {
            p.name: p.read_text(encoding="utf-8") for p in sorted(tf_dir.glob("*.tf"))
        }
        self.edits: dict[str, list[tuple[int, int, str]]] = {}  # file -> (start, end, text)
        self.new: list[str] = []
        self.notes: list[str] = []
        self.by_sgr: dict[str, Resource] = {}
        self.legacy: list[Resource] = []
        self.groups: dict[str, str] = {}  # sg id -> root-module address
        for r in state:
            if r.module:
                continue
            rid = str(r.values.get("security_group_rule_id") or r.values.get("id") or "")
            if r.type in NEW_TYPES.values() and rid.startswith("sgr-"):
                self.by_sgr[rid] = r
            elif r.type == "aws_security_group_rule":
                self.legacy.append(r)
            elif r.type in ("aws_security_group", "aws_default_security_group") and rid:
                self.groups[rid] = r.address

    # -- matching ------------------------------------------------------------------------------
    def managed(self, rule_id: str, before: Rule | None) -> Resource | None:
        if rule_id in self.by_sgr:
            return self.by_sgr[rule_id]
        if before is None:
            return None
        for r in self.legacy:
            if _legacy_matches(r, before):
                return r
        return None

    def sg_expr(self, gid: str) -> str:
        address = self.groups.get(gid)
        return f"{address}.id" if address else _hcl_string(gid)

    def _located(self, r: Resource) -> tuple[str, int, int] | None:
        block = self.module.resource(r.type, r.name)
        if block is None:
            self.notes.append(f"{r.address} is in the state but not in {self.dir}: not edited")
            return None
        return Path(block.file).name, block.line, block.end_line

    # -- operations ----------------------------------------------------------------------------
    def remove(self, r: Resource) -> None:
        where = self._located(r)
        if where is None:
            return
        name, start, end = where
        lines = self.texts[name].splitlines()
        while start > 1 and lines[start - 2].lstrip().startswith(("#", "//")):
            start -= 1
        if end < len(lines) and not lines[end].strip():
            end += 1
        self.edits.setdefault(name, []).append((start, end, ""))

    def modify(self, r: Resource, rule: Rule) -> None:
        where = self._located(r)
        if where is None:
            return
        name, start, end = where
        text = "\n".join(self.texts[name].splitlines()[start - 1 : end])
        m = _SG_ID_LINE.search(text)
        sg_expr = m.group(1) if m else self.sg_expr(rule.filter_id)
        legacy = r.type == "aws_security_group_rule"
        pieces = _pieces(rule.services)
        peers = rule.src if rule.direction is Direction.INGRESS else rule.dst
        peers = peers or (Peer(PeerKind.ANY),)
        first, *rest = [(pc, p) for pc in pieces for p in peers]
        body = _body(rule, first[0], first[1], sg_expr, legacy)
        self.edits.setdefault(name, []).append((start, end, _block(r.type, r.name, body)))
        for i, (pc, p) in enumerate(rest, 2):
            self.add(rule, f"{r.name}_{i}", pc, p)

    def add(
        self,
        rule: Rule,
        name: str,
        piece: Any = None,
        peer: Peer | None = None,
        import_id: str = "",
    ) -> None:
        peers = rule.src if rule.direction is Direction.INGRESS else rule.dst
        items = (
            [(piece, peer)]
            if piece is not None and peer is not None
            else [
                (pc, p) for pc in _pieces(rule.services) for p in (peers or (Peer(PeerKind.ANY),))
            ]
        )
        rtype = NEW_TYPES[rule.direction]
        for i, (pc, p) in enumerate(items, 1):
            label = name if i == 1 else f"{name}_{i}"
            if import_id and i == 1:
                self.new.append(f'import {{\n  to = {rtype}.{label}\n  id = "{import_id}"\n}}\n')
            body = _body(rule, pc, p, self.sg_expr(rule.filter_id), legacy=False)
            self.new.append(_block(rtype, label, body))

    # -- output --------------------------------------------------------------------------------
    def result(self) -> Rendered:
        out = Rendered(self.dir, notes=self.notes)
        for name, edits in self.edits.items():
            lines = self.texts[name].splitlines(keepends=True)
            for start, end, text in sorted(edits, reverse=True):
                lines[start - 1 : end] = [text] if text else []
            out.files[name] = (self.texts[name], "".join(lines))
        if self.new:
            old = self.texts.get(FIX_FILE, "")
            head = (
                ""
                if old
                else (
                    "# Written by `pathwarden tf render`: rules that close the denied paths\n"
                    "# of the ChangeSet while keeping the approved ones.\n\n"
                )
            )
            out.files[FIX_FILE] = (old, old + head + "\n".join(self.new))
        for name, (_, new) in out.files.items():
            _check_parses(self.dir / name, new)
        return out


def _legacy_matches(r: Resource, rule: Rule) -> bool:
    v = r.values
    if str(v.get("security_group_id")) != rule.filter_id:
        return False
    if (v.get("type") == "egress") != (rule.direction is Direction.EGRESS):
        return False
    proto = str(v.get("protocol", "-1")).lower()
    want = [(p, lo, hi) for p, lo, hi in _pieces(rule.services)]
    mine = (
        (
            "-1"
            if proto in ("-1", "all")
            else protocol_name(int(proto))
            if proto.isdigit()
            else proto
        ),
        v.get("from_port"),
        v.get("to_port"),
    )
    if len(want) != 1 or (want[0][0], want[0][1] or 0, want[0][2] or 0) != (
        mine[0],
        mine[1] or 0,
        mine[2] or 0,
    ):
        return False
    peers = {p.value for p in (rule.src or rule.dst)}
    values = set(v.get("cidr_blocks") or []) | set(v.get("ipv6_cidr_blocks") or [])
    values |= set(v.get("prefix_list_ids") or [])
    if v.get("source_security_group_id"):
        values.add(str(v["source_security_group_id"]).split("/")[-1])
    return bool(peers) and peers == values


def _check_parses(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.pathwarden-check")
    try:
        tmp.write_text(text, encoding="utf-8")
        parse_file(tmp)
    except InputError as e:  # our bug, not the user's: say what and where
        raise InputError(f"tf render produced HCL that does not parse ({path.name}): {e}") from e
    finally:
        tmp.unlink(missing_ok=True)


def render(changeset: dict[str, Any], tf_dir: str | Path, state: tuple[Resource, ...]) -> Rendered:
    """The ChangeSet's security group edits as a patch of the ``.tf`` files in ``tf_dir``."""
    r = _Renderer(Path(tf_dir), state)
    for res in changeset.get("resources", []):
        if res.get("type") != "aws_sg":
            r.notes.append(f"{res.get('id')}: {res.get('type')} edits are not rendered yet")
            continue
        for op in res.get("operations", []):
            action, rule_id = op["action"], op["rule_id"]
            rule = rule_from_json(rule_id, op["rule"]) if op.get("rule") else None
            before = rule_from_json(rule_id, op["before"]) if op.get("before") else None
            managed = r.managed(rule_id, before)
            short = re.sub(r"[^A-Za-z0-9]", "", rule_id.split(":")[-1])[-12:]
            if action == "remove" and managed is not None:
                r.remove(managed)
            elif action == "remove":
                r.notes.append(
                    f"{rule_id} ({res['id']}) is not managed by Terraform: remove it with "
                    f"`pathwarden apply`, or import it first (import {{ to = "
                    f"{NEW_TYPES[before.direction if before else Direction.INGRESS]}.pw_{short}"
                    f', id = "{rule_id}" }})'
                )
            elif action == "modify" and managed is not None and rule is not None:
                r.modify(managed, rule)
            elif rule is not None:
                imported = rule_id if action == "modify" and rule_id.startswith("sgr-") else ""
                r.add(rule, f"pw_{short}", import_id=imported)
    return r.result()
