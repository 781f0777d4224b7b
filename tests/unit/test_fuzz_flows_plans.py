"""Fuzzing hostile input (issue 14): malformed flow logs of all three clouds and malformed
Terraform plans, fed to the parsers and to the CLI in-process. Whatever the input: no
traceback, every error names its file, the exit code is 0 (read), 1 (error) or, for a plan
review, 2 (findings).

Inputs are the realdata fixtures, mutated: JSON nodes replaced by values of the wrong type,
deep nesting, control characters, cut text, random bytes, gzip; AWS lines with fields swapped
for junk. Derandomized, so a CI run is repeatable; 640 inputs in all.
"""

from __future__ import annotations

import gzip
import itertools
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathwarden.cli.main import cli
from pathwarden.errors import InputError
from pathwarden.flows import FlowLogError, FlowStore
from pathwarden.flows.jsonread import strip_trailing_commas
from pathwarden.terraform import overlay, read_plan
from tests.unit.tfplans import FIXTURES as PLANS
from tests.unit.tfplans import POLICY

FLOW_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "flow-logs"
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
COUNTER = itertools.count()


def fuzz(n: int) -> settings:
    return settings(max_examples=n, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="pathwarden-fuzz-") as tmp:
        yield Path(tmp)


def _json(name: str) -> Any:
    return json.loads(strip_trailing_commas((FLOW_FIXTURES / name).read_text()))


AZURE_SEEDS = [_json("azure-vnet-flowlog-v4-docs-sample.json"),
               _json("azure-nsg-flowlog-v1-small.json"),
               _json("azure-nsg-flowlog-v2-trailing-comma.json")]
GCP_SEED = [json.loads(line) for line in
            (FLOW_FIXTURES / "gcp-vpc-flows-ndjson-with-comments.txt").read_text().splitlines()
            if line.startswith("{")][:4]
GCP_SEED.append({"timestamp": "2026-11-20T10:00:00Z", "logName": "x/logs/firewall",
                 "jsonPayload": {"disposition": "ALLOWED", "connection": {
                     "src_ip": "10.0.0.1", "dest_ip": "10.0.0.2", "src_port": 40000,
                     "dest_port": 443, "protocol": 6}, "rule_details": {
                     "reference": "network:n/firewall:f", "direction": "INGRESS"}}})
AWS_SEEDS = [(FLOW_FIXTURES / n).read_text().splitlines() for n in (
    "aws-vpc-flowlog-default-v2.log", "aws-vpc-flowlog-custom-v3-tcpflags.log",
    "aws-vpc-flowlog-custom-v5-traffic-path.log")]
PLAN_SEEDS = [json.loads((PLANS / n).read_text()) for n in (
    "checkov-aws-sgrule-update-tf1.4.json", "tfcompliance-aws-nacl-tf1.0.json",
    "tfcompliance-aws-sgrule-self-tf0.12.json", "regula-aws-sg-port-ranges-tf0.13.json")]

JUNK_TEXT = st.sampled_from([
    "", "-", "x", "10.0.0.999", "::1", "99999999999999999999", "-1", "1e400", "NaN", "T",
    "A,B,C", "1663146003599,10.0.0.6,10.0.0.7,1,443,6,O,B,NX,0,0,0,0", "\x1b]52;c;eA==\x07",
    "\u202e", "\x00", "a" * 300, "2026-13-45T99:99:99Z", "0.0.0.0/0", "sg-123", "explode",
])
JUNK = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
              st.floats(allow_nan=False), JUNK_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(JUNK_TEXT, inner, max_size=3)),
    max_leaves=6,
)


def _nodes(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _nodes(v, (*path, i))


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, *rest = path
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[head] = _replace(doc[head], tuple(rest), value)
    return copy


@st.composite
def mutated(draw: st.DrawFn, seeds: list[Any]) -> Any:
    """A seed document with a few nodes replaced by junk (or by deep nesting)."""
    doc = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_nodes(doc))
        inner = [p for p in paths if len(p) >= 4]  # mostly deep: the rest stays readable
        if inner and draw(st.sampled_from([True, True, False])):
            paths = inner
        path = paths[draw(st.integers(0, len(paths) - 1))]
        deep = draw(st.integers(0, 9)) == 0  # nesting the reader accepts, code may not
        value = draw(st.integers(50, 600).map(lambda n: json.loads("[" * n + "]" * n))
                     if deep else JUNK)
        doc = _replace(doc, path, value)
    return doc


@st.composite
def as_text(draw: st.DrawFn, doc: Any, ndjson: bool = False, gz: bool = True) -> bytes:
    """The document written out, then maybe cut, salted with bytes, or gzipped."""
    try:
        if ndjson and isinstance(doc, list):
            text = "\n".join(json.dumps(e) for e in doc)
        else:
            text = json.dumps(doc)
    except (RecursionError, ValueError):
        text = "[" * 5000
    raw = text.encode()
    how = draw(st.sampled_from(["as is"] * 7 + ["cut", "bytes", "deep"]))
    if how == "cut":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif how == "bytes":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=20)) + raw[at:]
    elif how == "deep":
        raw = b"[" * draw(st.integers(900, 100_000))
    if gz and draw(st.sampled_from([False] * 7 + [True])):
        raw = gzip.compress(raw)
    return raw


@st.composite
def aws_text(draw: st.DrawFn) -> bytes:
    lines = list(draw(st.sampled_from(AWS_SEEDS)))
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(lines) - 1))
        words = lines[i].split(" ")
        j = draw(st.integers(0, len(words) - 1))
        what = draw(st.sampled_from(["junk", "drop", "insert", "repeat", "keep"]))
        if what == "junk":
            words[j] = draw(JUNK_TEXT)
        elif what == "drop":
            del words[j]
        elif what == "insert":
            words.insert(j, draw(JUNK_TEXT))
        elif what == "repeat":
            lines.insert(i, lines[i])
        lines[i] = " ".join(words)
    end = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    raw = end.join(lines).encode()
    if draw(st.sampled_from([False] * 9 + [True])):
        raw += draw(st.binary(min_size=1, max_size=200))
    if draw(st.sampled_from([False] * 5 + [True])):
        raw = gzip.compress(raw)
    return raw


FLOW_LOGS = st.one_of(
    aws_text(),
    mutated(AZURE_SEEDS).flatmap(as_text),
    mutated([GCP_SEED]).flatmap(lambda d: as_text(d, ndjson=True)),
    st.binary(max_size=400),
)
PLANS_TEXT = mutated(PLAN_SEEDS).flatmap(lambda d: as_text(d, gz=False))


def _write(workdir: Path, raw: bytes, suffix: str) -> Path:
    f = workdir / f"input-{next(COUNTER)}{suffix}"
    f.write_bytes(raw)
    return f


@pytest.fixture(scope="module")
def store() -> Iterator[FlowStore]:
    with FlowStore() as s:
        yield s


@fuzz(260)
@given(raw=FLOW_LOGS)
def test_flow_parsers_name_the_file_or_read_it(workdir: Path, store: FlowStore,
                                               raw: bytes) -> None:
    f = _write(workdir, raw, ".log")
    result = store.ingest_all([f])  # anything but a FlowLogError escaping is a failure
    for e in result.errors:
        assert isinstance(e, FlowLogError) and e.file == str(f) and e.message
    assert len(result.errors) + len(result.reports) + len(result.skipped) == 1


@fuzz(60)
@given(raw=FLOW_LOGS)
def test_flows_ingest_cli_never_tracebacks(workdir: Path, raw: bytes) -> None:
    f = _write(workdir, raw, ".log")
    db = workdir / f"db-{next(COUNTER)}.duckdb"
    res = CliRunner().invoke(cli, ["flows", "ingest", "--db", str(db), str(f)])
    assert res.exit_code in (0, 1), res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    errors = [x for x in res.stderr.splitlines() if x.startswith("pathwarden: error:")]
    assert bool(errors) == (res.exit_code == 1)
    assert all(x.startswith(f"pathwarden: error: {f}: ") for x in errors), errors


@fuzz(200)
@given(raw=PLANS_TEXT)
def test_plan_reader_names_the_file_or_reads_it(workdir: Path, raw: bytes) -> None:
    f = _write(workdir, raw, ".json")
    try:
        overlay(read_plan(f), None)
    except InputError as e:
        assert str(e).startswith(f"{f}: "), str(e)


@fuzz(120)
@given(raw=PLANS_TEXT)
def test_tf_review_cli_never_tracebacks(workdir: Path, raw: bytes) -> None:
    f = _write(workdir, raw, ".json")
    res = CliRunner().invoke(cli, ["tf", "review", str(f), "--policy", str(POLICY),
                                   "--format", "json"])
    assert res.exit_code in (0, 1, 2), res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    if res.exit_code == 1:
        (line,) = [x for x in res.stderr.splitlines() if x.startswith("pathwarden: error:")]
        assert line.startswith(f"pathwarden: error: {f}: "), line
    else:
        json.loads(res.stdout)
