"""Fuzzing: malformed ChangeSets and approval files fed to ``verify``, ``approve`` and
``apply --check`` in-process. Every one is exit 1 with one line naming the file: no
traceback, no "refused" (2), nothing read from a cloud.

Derandomized, so every run tries the same inputs. The ChangeSets are mutations of a real
(small) one that the schema must refuse — a value of another JSON type, a missing or unknown
key, a malformed services text, CIDR, hash or enum — with and without the hashes recomputed,
plus raw junk (binary, truncated, deeply nested). Mutations the schema allows on purpose
(inside a patch value, a nullable field set to null) are left to test_apply_verify.py: they
load and are *refused* by the recomputed proof.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathwarden.cli.main import cli
from tests.unit.changesets import (
    AS_OF,
    POLICY,
    SNAPSHOT,
    example_changeset,
    example_estate,
    forge,
    rehash,
)

FUZZ = settings(max_examples=260, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))
APPROVAL_FUZZ = settings(FUZZ, max_examples=160)
DOC = forge(example_changeset(), example_estate(), lambda ops: ops[:1] + ops[-2:])
FIELDS = ("change", "approver", "approved_at", "expires", "changeset_sha256")
OPTIONAL = {"codes", "closed", "newly_open", "value", "from"}
Path_ = tuple[Any, ...]


def _type(v: object) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object", type(None): "null"}[type(v)]


def _walk(node: object, at: Path_ = ()) -> list[tuple[Path_, object]]:
    if (len(at) >= 2 and at[-2] == "patch") or (at and at[-1] == "codes"):
        return [(at, node)]  # the schema leaves patch values and ICMP codes open
    out: list[tuple[Path_, object]] = [(at, node)]
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, child in items:
        out += _walk(child, (*at, key))
    return out


NODES = [(p, v) for p, v in _walk(DOC) if p and not (len(p) >= 3 and p[-3] == "patch")]
SCALARS = [p for p, v in NODES if v is not None and not (len(p) >= 2 and p[-2] == "patch")]
KEYS = [p for p, _ in NODES if isinstance(p[-1], str) and p[-1] not in OPTIONAL]
OBJECTS = [p for p, v in NODES if isinstance(v, dict) and not (len(p) >= 2 and p[-2] == "patch")]
SERVICES = [p for p, _ in NODES if p[-1] == "services"]
CIDRS = [(*p[:-1], "value") for p, v in NODES if p[-1] == "kind" and v == "cidr"]
HASHES = [p for p, v in NODES if isinstance(v, str) and len(v) == 64 and p[-1] != "file"
          and set(v) <= set("0123456789abcdef") and p not in (("sha256",), ("content_sha256",))]
ENUMS = [p for p, _ in NODES if p[-1] in ("action", "direction", "kind", "type", "undoes")]
RULE_IDS = [(*p, "id") for p, v in NODES if p[-1] in ("rule", "before") and isinstance(v, dict)]

junk = st.one_of(st.booleans(), st.integers(-2**70, 2**70),
                 st.floats().filter(lambda f: not f.is_integer()), st.text(max_size=12),
                 st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


def _at(doc: Any, path: Path_) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


def _set(path: Path_, value: object) -> dict[str, Any]:
    doc = json.loads(json.dumps(DOC))
    _at(doc, path)[path[-1]] = value
    return doc


@st.composite
def retyped(draw: st.DrawFn) -> dict[str, Any]:
    path = draw(st.sampled_from(SCALARS))
    old = _at(DOC, path)[path[-1]]
    value = draw(junk.filter(lambda v: _type(v) != _type(old)))
    return _set(path, value)


@st.composite
def deleted(draw: st.DrawFn) -> dict[str, Any]:
    path = draw(st.sampled_from(KEYS))
    doc = json.loads(json.dumps(DOC))
    del _at(doc, path)[path[-1]]
    return doc


@st.composite
def unknown_key(draw: st.DrawFn) -> dict[str, Any]:
    path = draw(st.sampled_from(OBJECTS))
    doc = json.loads(json.dumps(DOC))
    _at(doc, (*path, "x"))["zz-" + draw(st.text(max_size=6))] = draw(junk)
    return doc


def _bad(paths: list[Path_], values: list[str]) -> Any:
    return st.builds(_set, st.sampled_from(paths), st.sampled_from(values))


mutated = st.one_of(
    retyped(), deleted(), unknown_key(),
    _bad(SERVICES, ["tcp/99999", "tcp/0-70000", "bogus/1", "tcp/5-1", "icmp/3:x", "300", "tcp/²"]),
    _bad(CIDRS, ["999.1.1.1/8", "10.0.0.0/33", "not-a-cidr", "", "::g/64"]),
    _bad(HASHES, ["g" * 64, "A" * 64, "0" * 63, ""]),
    _bad(ENUMS, ["", "ALLOW", "sideways", "add "]),
    _bad(RULE_IDS, ["sgr-not-the-operations", ""]),
)


@st.composite
def changeset_bytes(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 4)) == 0:
        text = json.dumps(DOC)
        return draw(st.one_of(
            st.binary(max_size=64),
            st.integers(0, len(text) - 1).map(lambda n: text[:n].encode()),
            st.integers(2_000, 200_000).map(lambda n: b"[" * n),
            st.sampled_from([b"[]", b"null", b"1", b'"x"', b"{}", b"\xff\xfe{"]),
        ))
    doc = draw(mutated)
    if draw(st.booleans()):
        again = json.loads(json.dumps(doc))
        # too broken to hash: it goes in with stale hashes
        with contextlib.suppress(KeyError, TypeError, AttributeError, IndexError):
            rehash(again)
        if again != DOC:  # an edit of a hash itself is undone by rehashing
            doc = again
    return json.dumps(doc).encode()


def _run(args: list[str], path: Path) -> None:
    r = CliRunner().invoke(cli, args)
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert r.exit_code == 1, (r.exit_code, r.output)
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"pathwarden: error: {path}"), line


BASIS = ["--policy", str(POLICY), "--snapshot", str(SNAPSHOT), "--as-of", AS_OF.isoformat()]


@FUZZ
@given(data=changeset_bytes(), command=st.sampled_from(["verify", "approve", "apply"]))
def test_malformed_changesets_are_one_error_naming_the_file(tmp_path_factory: Any,
                                                            data: bytes, command: str) -> None:
    folder = tmp_path_factory.mktemp("cs")
    path = folder / "cs.json"
    path.write_bytes(data)
    extra = {"verify": [], "approve": ["--change", "C1", "--by", "x", "--out",
                                       str(folder / "a.yml")], "apply": ["--check"]}[command]
    _run([command, str(path), *BASIS, *extra], path)
    assert not (folder / "a.yml").exists()


GOOD = {"change": "CHG1", "approver": "jane", "approved_at": "2026-11-25T09:00:00+00:00",
        "expires": "2027-01-01", "changeset_sha256": DOC["content_sha256"]}
not_text = st.one_of(st.lists(st.integers(), min_size=1, max_size=2), st.booleans(),
                     st.dictionaries(st.text(max_size=3), st.integers(), min_size=1, max_size=2))
BAD_FIELD = {
    "change": st.one_of(not_text, st.just("  ")),
    "approver": st.one_of(not_text, st.just("")),
    "approved_at": st.one_of(not_text, st.integers()),
    "expires": st.one_of(not_text, st.integers(), st.sampled_from(["soon", "2027-13-01", ""])),
    "changeset_sha256": st.one_of(not_text, st.integers(), st.sampled_from(
        ["abc", "G" * 64, DOC["content_sha256"].upper()])),
}


@st.composite
def approval_bytes(draw: st.DrawFn) -> bytes:
    pick = draw(st.integers(0, 4))
    record: Any = dict(GOOD)
    if pick == 0:
        return draw(st.one_of(
            st.binary(max_size=64),
            st.integers(1_000, 20_000).map(lambda n: b"[" * n),
            st.sampled_from([b"- a list", b"key: [unclosed", b"\xff\xfe", b"", b"42"]),
        ))
    if pick == 1:
        del record[draw(st.sampled_from(["change", "approver", "changeset_sha256"]))]
    elif pick == 2:
        record["zz-" + draw(st.text(max_size=6))] = draw(st.integers())
    else:
        key = draw(st.sampled_from(FIELDS))
        record[key] = draw(BAD_FIELD[key])
    return yaml.safe_dump(record).encode()


@APPROVAL_FUZZ
@given(data=approval_bytes())
def test_malformed_approvals_are_one_error_naming_the_file(tmp_path_factory: Any,
                                                          data: bytes) -> None:
    folder = tmp_path_factory.mktemp("ap")
    cs = folder / "cs.json"
    cs.write_text(json.dumps(DOC))
    path = folder / "approval.yml"
    path.write_bytes(data)
    _run(["apply", str(cs), "--check", "--approval", str(path), *BASIS], path)
