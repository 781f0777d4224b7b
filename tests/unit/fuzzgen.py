"""Hostile inputs for the fuzz tests: snapshot folders of all three clouds and policy files,
each with one file corrupted.

The base snapshots are the multi-cloud example's (real CLI shapes) plus the optional files it
leaves out (AWS prefix lists, Azure service tags and admin rules, GCP firewall policies and
effective firewalls), so every loader path is reachable. A corruption is one of:

- ``value``: somewhere in the document (any depth), a value becomes the wrong type, null, a
  huge or negative number, NaN, a bad CIDR or port, odd unicode, a list or an object;
- ``delete``: a key somewhere is removed;
- ``dup``: an item of a list somewhere is repeated (the same id twice);
- ``deep``: a value becomes JSON nested thousands of levels deep;
- ``shape``: the whole document becomes something else (a list, a string, null...);
- ``truncate``: the file is cut short;
- ``bytes``: the file is binary garbage, invalid UTF-8, a BOM before garbage, or empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from pathwarden.policy.yamlpos import load_yaml

ROOT = Path(__file__).resolve().parents[2]
MULTI = ROOT / "examples" / "multi-cloud"
GCP_FIXTURES = ROOT / "tests" / "fixtures" / "gcp-api"
SUB = "/subscriptions/5e0c1f3a-7b2d-4c86-9a41-d8f27b6e3c19"
VNET = f"{SUB}/resourceGroups/rg-corp-network/providers/Microsoft.Network/virtualNetworks/" \
       "vnet-corp-weu"
GCE = "https://www.googleapis.com/compute/v1/projects/corp-shared-prod"


def _example(cloud: str) -> dict[str, Any]:
    folder = MULTI / "snapshot" / cloud
    return {p.name: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


MANIFEST = {
    "format": 1, "tool": "pathwarden", "version": "0.1.0",
    "cloud": "aws", "started": "2026-11-25T10:00:00.000Z", "finished": "2026-11-25T10:00:09Z",
    "scope": {"accounts": ["111122223333"], "regions": ["us-east-1"], "options": {}},
    "partial": False,
    "calls": [{"account": "111122223333", "region": "us-east-1", "action": "ec2:"
               "DescribeSecurityGroups", "status": "ok", "items": 9, "requests": 1,
               "file": "describe-security-groups.json", "error": ""}],
}


def _extras() -> dict[str, dict[str, Any]]:
    effective = json.loads(
        (GCP_FIXTURES / "gcpdiag-effective-firewalls-with-hierarchical-policies.json").read_text())
    l4 = [{"ipProtocol": "tcp", "ports": ["22", "1000-2000"]}]
    return {
        "aws": {
            "manifest.json": MANIFEST,
            "describe-managed-prefix-lists.json": {"PrefixLists": [
                {"PrefixListId": "pl-0corp", "PrefixListName": "corp", "MaxEntries": 5}]},
            "get-managed-prefix-list-entries/pl-0corp.json": {"Entries": [
                {"Cidr": "10.0.0.0/8", "Description": "corp"}, {"Cidr": "192.168.0.0/16"}]},
        },
        "azure": {
            "network-service-tags.json": {"values": [
                {"name": "Storage", "properties": {"addressPrefixes": ["20.38.0.0/16"]}},
                {"name": "VirtualNetwork", "properties": {"addressPrefixes": ["10.30.0.0/16"]}}]},
            "network-manager-effective-admin-rules/rg-corp-network/vnet-corp-weu.json": {
                "value": [{"id": f"{VNET}/admin/deny-rdp", "properties": {
                    "access": "Deny", "direction": "Inbound", "priority": 10, "protocol": "Tcp",
                    "sources": [{"addressPrefix": "*", "addressPrefixType": "IPPrefix"}],
                    "destinations": [], "sourcePortRanges": ["*"],
                    "destinationPortRanges": ["3389"]}}]},
        },
        "gcp": {
            "network-firewall-policies.json": [{
                "name": "np", "selfLink": f"{GCE}/global/firewallPolicies/np",
                "associations": [{"attachmentTarget": f"{GCE}/global/networks/corp"}],
                "rules": [{"priority": 10, "direction": "INGRESS", "action": "deny",
                           "match": {"srcIpRanges": ["0.0.0.0/0"], "layer4Configs": l4}}]}],
            "firewall-policies.json": [{
                "name": "100", "associations": [{"attachmentTarget": "organizations/1"}],
                "rules": [{"priority": 1, "direction": "INGRESS", "action": "goto_next",
                           "match": {"srcIpRanges": ["10.0.0.0/8"], "layer4Configs": l4}}]}],
            "effective-firewalls/corp.json": effective,
        },
    }


BASE: dict[str, dict[str, Any]] = {
    cloud: {**_example(cloud), **extra} for cloud, extra in _extras().items()
}
CLOUDS = tuple(BASE)
POLICY_TEXT = (MULTI / "policy.yml").read_text()

BAD_TEXT = [
    "", " ", "*", "-1", "0", "65536", "0-99999", "99-1", "a-b", "1,2,,3", "10.0.0.0/99",
    "10.0.0.256/8", "::/129", "1.2.3.4/-1", "10.0.0.0/8/8", "300.1.1.1", "fe80::1%eth0",
    "0.0.0.0/0", "::/0", "tcp", "icmp", "all", "Any", "ALLOW", "INGRESS", "Inbound", "true",
    "null", "1e309", "NaN", "ÿ\u202e\u0000\x1b]0;x\x07", "🙂", "sg-", "pl-", "eni-", "subnet-",
    "/subscriptions/x", "projects//global/networks/", "https://", "x" * 3000,
    "2026-02-30", "organizations/",
]
SURROGATES = ["\ud800", "a\udc80b", "\udfff"]  # JSON escapes no terminal can print
DEEP = "\x00DEEP\x00"  # placeholder, replaced by deeply nested JSON after encoding
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([-1, 0, 1, 65535, 65536, -(2**31), 2**31, 2**63, -(2**63), 10**30, -(10**30)]),
    st.integers(),
    st.floats(),  # NaN and Infinity are written as JSON's non-standard NaN / Infinity
    st.sampled_from(BAD_TEXT),
    st.sampled_from(SURROGATES),
    st.text(max_size=12),
)
weird = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.sampled_from(["", "id", "name", "GroupId", "properties", "x"]), scalars,
                    max_size=3),
    st.just(DEEP),
)


@dataclass(frozen=True)
class Corrupted:
    """One file of a snapshot (or a policy) replaced by ``data``."""

    name: str  # path relative to the snapshot folder
    kind: str
    data: bytes


def _walk(draw: st.DrawFn, node: Any, depth: int, action: str) -> Any:
    """``node`` with one value somewhere below it replaced (``value``) or one key removed
    (``delete``). Descends while the draw says so and there is somewhere to go."""
    children: list[Any] = []
    if isinstance(node, dict):
        children = sorted(node, key=repr)
    elif isinstance(node, list):
        children = list(range(len(node)))
    can_delete = action == "delete" and isinstance(node, dict) and node
    if action == "dup" and isinstance(node, list) and node and draw(st.booleans()):
        i = draw(st.integers(0, len(node) - 1))
        return [*node[: i + 1], node[i], *node[i + 1:]]
    if children and depth < 14 and draw(st.integers(0, 9)) < 8:
        key = draw(st.sampled_from(children))
        copy = dict(node) if isinstance(node, dict) else list(node)
        copy[key] = _walk(draw, node[key], depth + 1, action)
        return copy
    if can_delete:
        copy = dict(node)
        del copy[draw(st.sampled_from(sorted(node, key=repr)))]
        return copy
    return draw(weird)


def _encode(doc: Any, draw: st.DrawFn) -> bytes:
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    marker = json.dumps(DEEP)
    if marker in text:
        n = draw(st.sampled_from([64, 900, 3000, 100_000]))
        text = text.replace(marker, "[" * n + "]" * n)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def corrupt_json(draw: st.DrawFn, doc: Any, name: str) -> Corrupted:
    """One corruption (module docstring) of the JSON document ``doc``."""
    kind = draw(st.sampled_from(
        ["value", "value", "value", "value", "delete", "delete", "dup", "deep", "shape",
         "truncate", "bytes"]))
    if kind in ("value", "delete", "dup"):
        for _ in range(draw(st.integers(1, 3))):
            doc = _walk(draw, doc, 0, kind)
        return Corrupted(name, kind, _encode(doc, draw))
    if kind == "deep":
        n = draw(st.sampled_from([900, 3000, 100_000]))
        return Corrupted(name, kind, ("[" * n + "]" * n).encode())
    if kind == "shape":
        return Corrupted(name, kind, _encode(draw(weird), draw))
    text = json.dumps(doc).encode()
    if kind == "truncate":
        return Corrupted(name, kind, text[: draw(st.integers(0, max(len(text) - 1, 0)))])
    garbage = draw(st.one_of(
        st.binary(max_size=64),
        st.just(b"\xef\xbb\xbf" + text[:40] + b"\xff\xfe"),
        st.just(text[:20] + b"\x80\x81" + text[20:]),
        st.just(b"\x00" * 16),
    ))
    return Corrupted(name, kind, garbage)


@st.composite
def snapshots(draw: st.DrawFn, clouds: tuple[str, ...] = CLOUDS) -> tuple[str, Corrupted]:
    """A cloud and one corrupted file of its base snapshot."""
    cloud = draw(st.sampled_from(clouds))
    name = draw(st.sampled_from(sorted(BASE[cloud])))
    return cloud, draw(corrupt_json(BASE[cloud][name], name))


def write_snapshot(folder: Path, cloud: str, intact: Path | None = None) -> Path:
    """The base snapshot of ``cloud`` in ``folder``; with ``intact`` (a folder written before)
    its files are links to those."""
    for name, doc in BASE[cloud].items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if intact is not None:
            path.symlink_to(intact / name)
        else:
            path.write_text(json.dumps(doc))
    return folder


@contextmanager
def corrupted(folder: Path, intact: Path, bad: Corrupted) -> Iterator[Path]:
    """``folder`` (made by :func:`write_snapshot` with ``intact``) with ``bad`` in place of its
    file, for the ``with`` block; the link is put back afterwards (cheaper than a new folder
    per example)."""
    path = folder / bad.name
    path.unlink()
    path.write_bytes(bad.data)
    try:
        yield folder
    finally:
        path.unlink()
        path.symlink_to(intact / bad.name)


# -- policies ----------------------------------------------------------------------------------
POLICY_DOC = load_yaml(POLICY_TEXT, "policy.yml")[0]  # keys as written ("on", not True)
RAW_POLICIES = [
    "",
    "version: 1\nversion: 1\n",  # duplicate key
    "version: 1\nsegments: {a: {match: [{cidr: 10.0.0.0/8}]}}\npaths: [\n",  # unclosed
    "!!python/object/apply:os.system ['true']\n",
    "version: !!binary aGVsbG8=\n",
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
    "base: &b {owner: x}\nsegments:\n  a:\n    <<: *b\n",
    "a: &a [*a]\n",
    "version: 1\n---\nversion: 1\n",
    "version: " + "9" * 5000 + "\n",
    "\tversion: 1\n",
    "version: 1\nsegments:\n  a:\n    owner: \"\\ud800\"\n",
    "[" * 5000 + "]" * 5000,
    "{" * 200,
]


def _yaml(doc: Any, draw: st.DrawFn) -> bytes:
    text = yaml.safe_dump(doc, allow_unicode=draw(st.booleans()), sort_keys=False)
    if DEEP in text or repr(DEEP) in text:
        n = draw(st.sampled_from([64, 900, 3000]))
        text = text.replace(repr(DEEP), "[" * n + "]" * n).replace(DEEP, "[" * n + "]" * n)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def policies(draw: st.DrawFn) -> Corrupted:
    """The multi-cloud example's policy with one corruption (the snapshot ones, in YAML), or
    one of :data:`RAW_POLICIES` (alias bombs, tags, duplicate keys, huge numbers...)."""
    kind = draw(st.sampled_from(["value", "value", "value", "delete", "dup", "shape", "raw",
                                 "truncate", "bytes"]))
    doc: Any = POLICY_DOC
    if kind in ("value", "delete", "dup"):
        for _ in range(draw(st.integers(1, 3))):
            doc = _walk(draw, doc, 0, kind)
        return Corrupted("policy.yml", kind, _yaml(doc, draw))
    if kind == "shape":
        return Corrupted("policy.yml", kind, _yaml(draw(weird), draw))
    if kind == "raw":
        return Corrupted("policy.yml", kind, draw(st.sampled_from(RAW_POLICIES)).encode(
            "utf-8", "surrogatepass"))
    text = POLICY_TEXT.encode()
    if kind == "truncate":
        return Corrupted("policy.yml", kind, text[: draw(st.integers(0, len(text) - 1))])
    return Corrupted("policy.yml", kind, draw(st.one_of(
        st.binary(max_size=64), st.just(text[:30] + b"\xc3\x28" + text[30:]))))
