"""What the fuzz suite (test_fuzz_inputs.py) found, one focused regression test each: every
case below was a traceback (or a silently accepted value) before its fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pathwarden.errors import SnapshotError
from pathwarden.providers.load import load_estate
from tests.unit.awssnapshot import eni, perm, sg, write_snapshot


def aws(tmp_path: Path, **items: list[dict[str, Any]]) -> Path:
    return write_snapshot(tmp_path / "s", **items)


def test_deeply_nested_json_is_an_error_naming_the_file(tmp_path: Path) -> None:
    """json.loads raised RecursionError."""
    snap = aws(tmp_path)
    (snap / "describe-vpcs.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SnapshotError, match=r"describe-vpcs.json: not valid JSON: nested too "
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
