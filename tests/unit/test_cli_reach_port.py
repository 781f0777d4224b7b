"""``pathwarden reach --port``: the ``blocked`` list in JSON and text, and nothing new without
it (the reach contract is fixed: outside tests depend on it)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from pathwarden.cli.main import cli
from tests.unit.test_reach_blocked_aws import snapshot


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(snapshot(tmp_path_factory.mktemp("aws")))


def reach(snap: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["reach", "--snapshot", snap, *args])


def test_json_without_port_has_no_blocked_key(snap: str) -> None:
    r = reach(snap, "--from", "eni-a", "--to", "eni-b", "--format", "json")
    assert r.exit_code == 0, r.output
    assert set(json.loads(r.stdout)) == {"from", "to", "open", "explanations", "partial",
                                         "notices"}


def test_json_with_ports_adds_blocked_beside_open(snap: str) -> None:
    r = reach(snap, "--from", "eni-a", "--to", "eni-b", "--format", "json",
              "--port", "tcp/3389", "--port", "tcp/443", "--port", "udp/53")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["open"] == [{"protocol": "icmp", "ports": [[8, 8]]},
                           {"protocol": "tcp", "ports": [[443, 443], [1000, 1499]]}]
    assert doc["blocked"] == [
        {"protocol": "tcp", "ports": [[3389, 3389]],
         "stage": "network ACL acl-b (ingress, subnet-b)", "by": "acl-b#90/in",
         "detail": "rule acl-b#90/in denies it (#90 deny tcp/3389 from 10.0.1.0/24)",
         "pairs": 1},
        {"protocol": "udp", "ports": [[53, 53]],
         "stage": "security groups sg-b (ingress, destination)", "by": "implicit-deny",
         "detail": "no rule allows it (implicit deny)", "pairs": 1},
    ]  # tcp/443 is open: not listed
    assert "blocked_omitted" not in doc


def test_text_says_the_same_plainly(snap: str) -> None:
    r = reach(snap, "--from", "eni-a", "--to", "eni-b", "--port", "tcp/3389", "--port", "tcp/22")
    assert r.exit_code == 0, r.output
    assert "  blocked:\n" in r.stdout
    assert ("    tcp/3389 blocked at network ACL acl-b (ingress, subnet-b): rule acl-b#90/in "
            "denies it (#90 deny tcp/3389 from 10.0.1.0/24)\n") in r.stdout
    assert ("    tcp/22 blocked at security groups sg-b (ingress, destination): no rule allows "
            "it (implicit deny)\n") in r.stdout
    r = reach(snap, "--from", "sg-a", "--to", "eni-b", "--port", "tcp/22")
    assert "implicit deny) [2 pairs]" in r.stdout
    r = reach(snap, "--from", "eni-a", "--to", "eni-x", "--port", "tcp/22")
    assert ("    tcp/22 blocked: no path between the ends at all: different networks with no "
            "active peering between them, or different clouds\n") in r.stdout
    r = reach(snap, "--from", "eni-a", "--to", "eni-b", "--port", "tcp/443")
    assert "  blocked: none (every asked service is open)\n" in r.stdout


def test_text_without_port_is_unchanged(snap: str) -> None:
    r = reach(snap, "--from", "eni-a", "--to", "eni-b")
    assert r.exit_code == 0 and "blocked" not in r.stdout


@pytest.mark.parametrize("bad", ["tcp/70000", "ftp", "tcp/20-10", "icmp/300"])
def test_a_bad_port_is_one_line_exit_1(snap: str, bad: str) -> None:
    r = reach(snap, "--from", "eni-a", "--to", "eni-b", "--port", bad)
    assert r.exit_code == 1
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"pathwarden: error: --port: bad port '{bad}'")
