"""The GCP loader on every recorded response in tests/fixtures/gcp-api, and on bad input.

Expected values are read off the fixture files by hand (see NOTICE.md there)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pathwarden.engine.engine import Engine
from pathwarden.errors import SnapshotError
from pathwarden.model import Action, Direction, PeerKind
from pathwarden.providers.gcp.load import is_snapshot, load_gcp_snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gcp-api"
NET = "projects/cloud-custodian/global/networks"


def body(name: str) -> Any:
    doc = json.loads((FIXTURES / name).read_text())
    return doc["body"] if "headers" in doc else doc


def write(folder: Path, files: dict[str, Any]) -> Path:
    for name, doc in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(doc))
    return folder


def test_firewalls_list_page(tmp_path: Path) -> None:
    estate = load_gcp_snapshot(write(tmp_path, {"firewall-rules.json": body(
        "custodian-firewalls-list.json")}))
    f = estate.filters[f"{NET}/default@target_tag=oldtag"]
    (rule,) = f.rules
    assert rule.id == "projects/cloud-custodian/global/firewalls/test"
    assert (rule.action, rule.direction, rule.order) == (Action.ALLOW, Direction.INGRESS, 1000)
    assert rule.services.describe() == "tcp/21-25"
    assert [p.value for p in rule.src] == ["1.1.1.1"]
    assert f.default is Action.GOTO_NEXT
    assert f"{NET}/default/implied" in estate.filters


def test_single_firewall_get_body(tmp_path: Path) -> None:
    estate = load_gcp_snapshot(write(tmp_path, {"firewall-rules.json": body(
        "custodian-firewalls-get.json")}))
    sa = "604150802624-compute@developer.gserviceaccount.com"
    (rule,) = estate.filters[f"{NET}/default@target_sa={sa}"].rules
    assert rule.services.describe() == "all"


def test_gke_effective_firewalls(tmp_path: Path) -> None:
    folder = tmp_path / "cloud-custodian"
    node = {"name": "gke-node-1", "zone": "us-east4-c", "tags": {"items": [
        "gke-c7nfailnode-cluster-2-dbe39418-node"]}, "networkInterfaces": [{
            "network": "global/networks/gke-test-network-jldkfaskl", "networkIP": "10.10.0.5"}]}
    write(folder, {"effective-firewalls/gke-test-network-jldkfaskl.json": body(
        "custodian-network-get-effective-firewalls-gke.json"), "instances.json": [node]})
    assert is_snapshot(folder)
    estate = load_gcp_snapshot(tmp_path)  # found below <project-id>/
    rules = {r.id.rsplit("/", 1)[1]: r for f in estate.filters.values() for r in f.rules}
    v6 = rules["c7nfail10250ipv6secondary"]
    assert [(p.kind, p.value) for p in v6.src] == [(PeerKind.CIDR, "::"),
                                                   (PeerKind.NETWORK_TAG, "web")]
    assert v6.services.describe() == "tcp/1000-2000,8080,10250"
    assert rules["testing-port-0"].services.describe() == "tcp/0"
    assert rules["gke-c7nfailnode-cluster-2-dbe39418-exkubelet"].action is Action.DENY
    assert rules["gke-c7nfailnode-cluster-2-dbe39418-all"].services.describe() == (
        "icmp tcp udp 50 51 132")
    engine = Engine(estate)
    assert engine.reach("130.41.238.44", "gke-node-1").open.describe() == "nothing"  # deny 300
    assert engine.reach("130.41.238.42", "gke-node-1").open.describe() == "all"  # allow 200
    # -vms allows tcp/udp 1-65535 and icmp at 1000; -exkubelet denies tcp 10255 at 1000: the
    # deny wins the tie
    assert engine.reach("10.10.0.7", "us-east4-c/gke-node-1").open.describe() == (
        "icmp tcp/1-10254,10256-65535 udp/1-65535")


def test_instance_effective_firewalls_keep_disabled_rules(tmp_path: Path) -> None:
    estate = load_gcp_snapshot(write(tmp_path, {"effective-firewalls/default.json": body(
        "custodian-instance-get-effective-firewalls.json")}))
    rules = {r.id.rsplit("/", 1)[1]: r for f in estate.filters.values() for r in f.rules}
    assert rules["ssh-access-via-iap"].disabled and rules["default-allow-ssh"].disabled
    assert not rules["default-allow-internal"].disabled


def test_gcpdiag_hierarchical_policies(tmp_path: Path) -> None:
    folder = tmp_path / "gcpdiag-fw-policy-aaaa"
    write(folder, {"effective-firewalls/default.json": body(
        "gcpdiag-effective-firewalls-with-hierarchical-policies.json")})
    estate = load_gcp_snapshot(folder, project="gcpdiag-fw-policy-aaaa")
    hier = sorted((dict(f.tags)["rank"], f.name) for f in estate.filters.values()
                  if f.layer == "gcp_hfw" and "target_sa" not in dict(f.tags))
    assert hier == [("0", "parent-folder-policy"), ("1", "sub-folder-policy"),
                    ("2", "test-sorting-same-ip-policy")]
    sorting = estate.filters["firewallPolicies/test-sorting-policy-same-ip"]
    assert sorted(r.id for r in sorting.rules) == [
        "firewallPolicies/test-sorting-policy-same-ip#1000",
        "firewallPolicies/test-sorting-policy-same-ip#1000-1",
        "firewallPolicies/test-sorting-policy-same-ip#2147483647"]
    assert {r.action for r in sorting.rules} == {Action.ALLOW, Action.DENY, Action.GOTO_NEXT}


@pytest.mark.parametrize(("files", "message"), [
    ({"firewall-rules.json": "{"}, "not valid JSON"),
    ({"firewall-rules.json": {"items": 3}}, "expected a JSON list"),
    ({"firewall-rules.json": [{"name": "x", "allowed": [{"IPProtocol": "tcpx"}]}]},
     r"items\[0\]\.allowed\[0\]\.IPProtocol: unknown protocol 'tcpx'"),
    ({"firewall-rules.json": [{"name": "x", "sourceRanges": ["10.0.0.300/8"],
                               "allowed": [{"IPProtocol": "tcp"}]}]},
     "sourceRanges: '10.0.0.300/8' is not an IP address"),
    ({"firewall-rules.json": [{"name": "x", "allowed": [{"IPProtocol": "tcp",
                                                          "ports": ["80-70000"]}]}]},
     "bad port or range '80-70000'"),
    ({"firewall-rules.json": [{"name": "x", "direction": "SIDEWAYS"}]},
     "expected INGRESS or EGRESS"),
    ({"instances.json": [{"name": "vm", "networkInterfaces": [{"networkIP": "10.0.0.1"}]}]},
     r"networkInterfaces\[0\]\.network: missing"),
    ({"firewall-policies.json": [{"name": "1", "rules": [{"priority": 1, "action": "maybe"}]}],
      "instances.json": []}, "expected allow, deny, goto_next"),
])
def test_bad_input_is_one_clear_error(tmp_path: Path, files: dict[str, Any],
                                      message: str) -> None:
    for name, doc in files.items():
        (tmp_path / name).write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(SnapshotError, match=message):
        load_gcp_snapshot(tmp_path)


def test_not_a_snapshot(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="no GCP snapshot files found"):
        load_gcp_snapshot(tmp_path)
