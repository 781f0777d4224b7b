"""Fuzzing: any policy text either loads or raises PolicyError; never anything else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathwarden.errors import PolicyError
from pathwarden.policy import Policy, parse_policy

SAMPLE = (
    Path(__file__).resolve().parents[2] / "tests/fixtures/policy/design-sample.yml"
).read_text()
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SEGMENTS = ["workstations", "backup-console", "jump-hosts"]
KEYS = [
    "id",
    "from",
    "to",
    "rule",
    "ports",
    "why",
    "owner",
    "approved",
    "expires",
    "stage",
    "exceptions",
    "match",
    "aws",
    "cidr",
    "tag",
    "version",
    "segments",
    "paths",
    "protect",
    "azure",
    "bogus",
    "on",
    "<<",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.floats(allow_nan=False),
    st.sampled_from(
        [
            "tcp/443",
            "tcp/99999",
            "udp/53-52",
            "icmp/8",
            "all",
            "tcp",
            "2027-05-01",
            "2027-02-30",
            "10.0.0.0/8",
            "10.0.0.0/99",
            "deny",
            "allow",
            "enforce",
            "monitor",
            *SEGMENTS,
            "nope",
            "",
            "sg-1",
            "i-0jump",
        ]
    ),
    st.text(max_size=8),
)
anything = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=3),
    ),
    max_leaves=10,
)


GOOD_PORTS = ["tcp/443", "tcp/8000-8100", "udp/53", "icmp", "icmp/8", "all", "47", "tcp"]
BAD_PORTS = ["tcp/70000", "tcp/9-1", "http", "icmp/300", "udp/", ""]
SELECTORS = [
    {"aws": {"tag": {"Role": "workstation"}}},
    {"aws": {"security_group": "sg-0backup", "vpc": ["vpc-1"]}},
    {"aws": {"instance": ["i-0jump"]}},
    {"cidr": "10.50.0.0/16"},
]
BAD_SELECTORS = [
    {"cidr": "bad"},
    {"gcp": {"network_tag": "x"}},
    {"aws": {}},
    {"aws": {"tag": {}}},
    {"aws": {"tag": {"Role": "x"}}, "cidr": "10.0.0.0/8"},
]


@st.composite
def good_path(draw: st.DrawFn) -> dict[str, Any]:
    p: dict[str, Any] = {
        "id": draw(st.sampled_from(["a", "b", "c", "d"])),
        "from": draw(st.sampled_from(SEGMENTS)),
        "to": draw(st.sampled_from(SEGMENTS)),
        "rule": draw(st.sampled_from(["deny", "allow"])),
    }
    if draw(st.booleans()):
        p["ports"] = draw(st.lists(st.sampled_from(GOOD_PORTS), min_size=1, max_size=3))
    if draw(st.booleans()):
        p["approved"] = {"by": "jane", "change": "CHG1", "on": "2026-01-01"}
    if draw(st.booleans()):
        p["expires"] = draw(st.sampled_from(["2027-05-01", "2026-06-30"]))
    p["stage"] = draw(st.sampled_from(["monitor", "enforce"]))
    if draw(st.booleans()):
        p["exceptions"] = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=2))
    return p


BAD_VALUES = st.sampled_from([*BAD_PORTS, "ghost", "2027-02-30", "soon", "maybe", "later", "a b"])


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly valid policies, then 0-3 corruptions anywhere (wrong types, bad values, keys)."""
    segments = {
        name: {"match": draw(st.lists(st.sampled_from(SELECTORS), min_size=1, max_size=2))}
        for name in SEGMENTS
    }
    doc: dict[str, Any] = {
        "version": 1,
        "segments": segments,
        "protect": draw(st.lists(st.sampled_from(SEGMENTS), max_size=1)),
        "paths": draw(st.lists(good_path(), max_size=4, unique_by=lambda p: p["id"])),
    }
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from(["top", "segment", "selector", "path", "port"]))
        bad = draw(anything | BAD_VALUES)
        if where == "top":
            doc[draw(st.sampled_from(KEYS))] = bad
        elif where == "segment":
            segments[draw(st.sampled_from(SEGMENTS))][draw(st.sampled_from(KEYS))] = bad
        elif where == "selector":
            match = segments[draw(st.sampled_from(SEGMENTS))]["match"]
            if isinstance(match, list):
                match.append(draw(st.sampled_from(BAD_SELECTORS) | anything))
        elif isinstance(doc.get("paths"), list) and doc["paths"]:
            p = draw(st.sampled_from(doc["paths"]))
            if not isinstance(p, dict):
                continue
            if where == "port":
                old = p.get("ports")
                p["ports"] = [
                    *(old if isinstance(old, list) else []),
                    draw(st.sampled_from(BAD_PORTS)),
                ]
            else:
                p[draw(st.sampled_from(KEYS))] = bad
    return doc


def outcome(text: str) -> Policy | PolicyError:
    try:
        return parse_policy(text, "fuzz.yml")
    except PolicyError as e:
        assert e.line <= text.count("\n") + 2
        assert e.message
        return e


@FUZZ
@given(policies(), st.booleans())
def test_generated_policies_load_or_fail_cleanly(doc: dict[str, Any], flow: bool) -> None:
    outcome(yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True))


@FUZZ
@given(st.data())
def test_mutated_sample_loads_or_fails_cleanly(data: st.DataObject) -> None:
    text = SAMPLE
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 12)))
        insert = data.draw(
            st.sampled_from(
                [
                    "",
                    ":",
                    "- ",
                    "[",
                    "]",
                    "{",
                    "}",
                    "\n",
                    "  ",
                    "&a ",
                    "*a",
                    "!!int ",
                    "'",
                    '"',
                    "#",
                    "tcp/0",
                    "\t",
                    "? ",
                    "%YAML",
                ]
            )
        )
        text = text[:i] + insert + text[j:]
    outcome(text)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{},&*!|>'\"#?%@`\n\t 01/.")), max_size=60))
def test_random_text_loads_or_fails_cleanly(text: str) -> None:
    outcome(text)


def test_the_sample_itself_loads() -> None:
    assert isinstance(outcome(SAMPLE), Policy)
