"""The published JSON Schema, and the `policy` CLI commands."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from jsonschema import Draft202012Validator

from pathwarden.cli.main import cli
from pathwarden.policy import policy_schema, render_schema
from pathwarden.policy.yamlpos import load_yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS_SCHEMA = ROOT / "docs/policy.schema.json"
POLICIES = [
    ROOT / "tests/fixtures/policy/design-sample.yml",
    ROOT / "examples/backup-console/policy.yml",
]


def test_docs_schema_is_the_generated_one() -> None:
    # Regenerate with: pathwarden policy schema > docs/policy.schema.json
    assert DOCS_SCHEMA.read_text() == render_schema()
    assert json.loads(DOCS_SCHEMA.read_text()) == policy_schema()


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(policy_schema())
    assert policy_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_policies_validate_against_the_schema_as_an_editor_reads_them() -> None:
    validator = Draft202012Validator(policy_schema())
    for path in POLICIES:
        data, _ = load_yaml(path.read_text(), str(path))
        assert list(validator.iter_errors(data)) == []


def test_schema_rejects_unknown_clouds_and_keys() -> None:
    validator = Draft202012Validator(policy_schema())
    data, _ = load_yaml(POLICIES[0].read_text(), "p")
    data["segments"]["jump-hosts"]["match"] = [{"oci": {"instance": "jump"}}]
    assert not validator.is_valid(data)
    data["segments"]["jump-hosts"]["match"] = [{"gcp": {"network_tag": "jump", "zone": "a"}}]
    assert not validator.is_valid(data)
    data["segments"]["jump-hosts"]["match"] = [{"gcp": {"network_tag": "jump"}}]
    assert validator.is_valid(data)
    data["segments"]["jump-hosts"]["match"] = [{"aws": {"instance": ["i-1", "i-2"]}}]
    assert validator.is_valid(data)
    data["paths"][0]["color"] = "red"
    assert not validator.is_valid(data)


def test_policy_schema_command_prints_the_docs_copy() -> None:
    result = CliRunner().invoke(cli, ["policy", "schema"])
    assert result.exit_code == 0
    assert result.output == DOCS_SCHEMA.read_text()


def test_policy_validate_command(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["policy", "validate", str(POLICIES[1])])
    assert (ok.exit_code, ok.output) == (0, "ok\n")
    bad = tmp_path / "bad.yml"
    text = POLICIES[0].read_text().replace("tcp/443", "tcp/4430000")
    bad.write_text(text)
    result = runner.invoke(cli, ["policy", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:24:13: paths[1].ports[0]: bad port 'tcp/4430000'" in result.stderr
    assert "Traceback" not in result.output + result.stderr
