"""What the fuzz suite (test_fuzz_snapshots_policies.py) found, one focused regression test
each: every case below was a traceback (or a silently accepted value) before its fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pathwarden.cli.main import cli
from pathwarden.errors import PolicyError, SnapshotError
from pathwarden.policy import parse_policy
from pathwarden.providers.load import load_estate
from tests.unit.awssnapshot import eni, perm, sg, write_snapshot

ROOT = Path(__file__).resolve().parents[2]
MULTI = ROOT / "examples" / "multi-cloud"


def aws(tmp_path: Path, **items: list[dict[str, Any]]) -> Path:
    return write_snapshot(tmp_path / "s", **items)


def test_deeply_nested_json_is_an_error_naming_the_file(tmp_path: Path) -> None:
    """json.loads raised RecursionError."""
    snap = aws(tmp_path)
    (snap / "describe-vpcs.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SnapshotError, match=r"describe-vpcs.json: not usable JSON: nested too "
                                            "deeply"):
        load_estate([snap])


@pytest.mark.parametrize("field, value", [("IpProtocol", ["tcp"]), ("FromPort", {"a": 1}),
                                          ("ToPort", [22])])
def test_a_list_or_object_as_a_permission_field(tmp_path: Path, field: str, value: Any) -> None:
    """The parse cache hashed the raw field values: TypeError: unhashable type."""
    p = perm("tcp", 22, 22, cidrs=("10.0.0.0/8",))
    p[field] = value
    snap = aws(tmp_path, security_groups=[sg("sg-1", ingress=[p])])
    with pytest.raises(SnapshotError, match=rf"SecurityGroups\[0\].IpPermissions\[0\].{field}: "
                                            "expected"):
        load_estate([snap])


def test_a_list_as_a_nacl_protocol(tmp_path: Path) -> None:
    entry = {"RuleNumber": 100, "Protocol": ["6"], "Egress": False, "RuleAction": "allow",
             "CidrBlock": "0.0.0.0/0"}
    acl = {"NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": True, "Entries": [entry],
           "Associations": []}
    with pytest.raises(SnapshotError, match=r"NetworkAcls\[0\].Entries\[0\].Protocol: expected"):
        load_estate([aws(tmp_path, acls=[acl])])


def test_true_is_not_port_1_even_after_port_1_was_parsed(tmp_path: Path) -> None:
    """The cache key (proto, 1, 1) equals (proto, True, True): the second permission was
    taken from the cache without its type being checked."""
    one = perm("tcp", 1, 1, cidrs=("10.0.0.0/8",))
    true = perm("tcp", 1, 1, cidrs=("10.1.0.0/16",))
    true["FromPort"] = true["ToPort"] = True
    snap = aws(tmp_path, security_groups=[sg("sg-1", ingress=[one, true])])
    with pytest.raises(SnapshotError, match=r"IpPermissions\[1\].FromPort: expected an integer, "
                                            "found true"):
        load_estate([snap])


def test_ipv6_addresses_not_a_list(tmp_path: Path) -> None:
    """``if ipv6: for a in ipv6`` on ``-1``: TypeError: 'int' object is not iterable."""
    snap = aws(tmp_path, interfaces=[eni("eni-1", ["10.0.0.5"], [], Ipv6Addresses=-1)])
    with pytest.raises(SnapshotError, match=r"NetworkInterfaces\[0\].Ipv6Addresses: expected a "
                                            "list, found -1"):
        load_estate([snap])


def _gcp_with_name(tmp_path: Path, suffix: str, raw: bool) -> Path:
    folder = tmp_path / "gcp"
    folder.mkdir()
    for src in (MULTI / "snapshot" / "gcp").glob("*.json"):
        (folder / src.name).write_bytes(src.read_bytes())
    doc = json.loads((folder / "instances.json").read_text())
    doc[0]["name"] += suffix
    text = json.dumps(doc, ensure_ascii=not raw)
    (folder / "instances.json").write_bytes(text.encode("utf-8", "surrogatepass"))
    return folder


@pytest.mark.parametrize("raw", [False, True], ids=["escape", "utf8-bytes"])
def test_an_unpaired_surrogate_in_a_snapshot(tmp_path: Path, raw: bool) -> None:
    """``"name": "vm\\ud800"`` loaded, and printing the name raised UnicodeEncodeError."""
    folder = _gcp_with_name(tmp_path, "\ud800", raw)
    r = CliRunner().invoke(cli, ["segments", "--policy", str(MULTI / "policy.yml"),
                                 "--snapshot", str(folder)])
    assert r.exit_code == 1
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert r.stderr.startswith(f"pathwarden: error: {folder / 'instances.json'}: not valid JSON")
    assert r.stderr.count("\n") == 1


def test_a_surrogate_pair_is_text(tmp_path: Path) -> None:
    folder = _gcp_with_name(tmp_path, "\U0001f642", raw=False)  # written as \ud83d\ude42
    assert "\\ud83d\\ude42" in (folder / "instances.json").read_text()
    assert any(w.name.endswith("\U0001f642") for w in load_estate([folder]).workloads)


def test_an_unpaired_surrogate_in_a_policy() -> None:
    text = (MULTI / "policy.yml").read_text().replace(
        "owner: it-endpoint@example.com", 'owner: "it\\ud800"', 1)
    with pytest.raises(PolicyError, match=r"p.yml:\d+:\d+: unpaired UTF-16 surrogate escape "
                                          r"\\ud800"):
        parse_policy(text, "p.yml")


def test_an_unknown_segment_endpoint_names_the_policy_file() -> None:
    policy = str(MULTI / "policy.yml")
    r = CliRunner().invoke(cli, ["reach", "--policy", policy, "--snapshot",
                                 str(MULTI / "snapshot" / "gcp"), "--from", "segment:nope",
                                 "--to", "segment:backup-console"])
    assert r.exit_code == 1
    assert r.stderr == f"pathwarden: error: {policy}: unknown segment 'nope'; expected one of: " \
                       "workstations, backup-console, jump-hosts\n"
