"""The GCP routing files as gcpdiag's API dumps write them: routes, Cloud Routers with NAT,
instances with external addresses, networks with peerings. Each loads in every list shape
(gcloud list, REST page, aggregated page) or is rejected in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pathwarden.errors import SnapshotError
from pathwarden.model import NextHop, Notice
from pathwarden.providers.gcp.load import load_gcp_snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gcp-api"
ROUTES_ABSENT = Notice("routes-not-in-snapshot",
                       "routes not in snapshot: same network or peering assumed", "gcp")


def dump(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def write(folder: Path, files: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, doc in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(doc))
    return folder


def as_list(page: dict[str, Any]) -> list[Any]:
    """What gcloud ... --format=json writes for the same resources."""
    items: list[Any] = page["items"]
    return items


@pytest.mark.parametrize("gcloud", [False, True], ids=["rest", "gcloud"])
def test_routes_with_gateway_peering_and_tags(tmp_path: Path, gcloud: bool) -> None:
    page = dump("gcpdiag-routes-list-igw-peering-tags.json")
    net = "projects/gcpdiag-gce1-aaaa/global/networks/default"
    networks = [{"name": "default", "selfLink": f"https://www.googleapis.com/compute/v1/{net}",
                 "peerings": [{"name": "peering-r544dd974f1bc5396-tp-default",
                               "network": "projects/tp-project/global/networks/tp-net",
                               "state": "ACTIVE", "exportCustomRoutes": False,
                               "importCustomRoutes": True}]}]
    estate = load_gcp_snapshot(write(tmp_path, {
        "routes.json": as_list(page) if gcloud else page, "networks.json": networks,
        "instances.json": []}))
    table = estate.route_tables[f"{net}/routes"]
    assert (table.kind, table.network, table.account) == ("network", net, "gcpdiag-gce1-aaaa")
    gateway = "projects/gcpdiag-gce1-aaaa/global/gateways/default-internet-gateway"
    assert [(r.id, r.destination, r.next_hop, r.target, r.priority, r.tags, r.origin)
            for r in table.routes] == [
        ("projects/gcpdiag-gce1-aaaa/global/routes/default", "0.0.0.0/0", NextHop.INTERNET,
         gateway, 1, (), "static"),
        ("projects/gcpdiag-gce1-aaaa/global/routes/peering-route-299fcb697f2532b0",
         "192.168.0.0/26", NextHop.PEERING, "projects/tp-project/global/networks/tp-net", 0,
         (), "peering"),
        ("projects/gcpdiag-gce1-aaaa/global/routes/real-allow-kms", "35.190.247.13/32",
         NextHop.INTERNET, gateway, 1, ("windows",), "static"),
    ]
    assert all(r.state == "active" for r in table.routes)
    assert estate.networks[net].routed and not estate.partial
    (peering,) = estate.networks[net].peerings
    assert (peering.export_custom_routes, peering.import_custom_routes) == (False, True)
    assert ROUTES_ABSENT not in estate.notices


def test_peering_route_without_networks_file_keeps_the_peering_name(tmp_path: Path) -> None:
    estate = load_gcp_snapshot(write(tmp_path, {
        "routes.json": dump("gcpdiag-routes-list-igw-peering-tags.json"),
        "instances.json": []}))
    (table,) = estate.route_tables.values()
    assert table.routes[1].target == "peering-r544dd974f1bc5396-tp-default"
    assert not estate.partial  # networks.json is absent: its missing-file notice says so


def test_subnet_routes_and_external_addresses(tmp_path: Path) -> None:
    """gcpdiag's vpc2 project: 43 subnet routes (nextHopNetwork = the network itself) and the
    default internet route at 1000; two of the four VMs have an external address."""
    estate = load_gcp_snapshot(write(tmp_path, {
        "routes.json": dump("gcpdiag-vpc2-routes-list-subnet-routes.json"),
        "instances.json": dump("gcpdiag-vpc2-instances-list-external-ip.json"),
        "effective-firewalls/default.json": dump("gcpdiag-vpc2-effective-firewalls.json"),
    }))
    net = "projects/gcpdiag-vpc2-runbook/global/networks/default"
    (table,) = estate.route_tables.values()
    local = [r for r in table.routes if r.next_hop is NextHop.LOCAL]
    assert len(table.routes) == 44 and len(local) == 43
    assert {(r.target, r.priority, r.origin) for r in local} == {(net, 0, "subnet")}
    assert any(r.destination == "10.10.0.0/24" for r in local)  # the private VMs' subnet
    (internet,) = [r for r in table.routes if r.next_hop is NextHop.INTERNET]
    assert (internet.destination, internet.priority) == ("0.0.0.0/0", 1000)
    assert {w.name: w.public_addresses for w in estate.workloads} == {
        "private-linux-faulty": (), "private-linux-valid": (),
        "public-linux-faulty": ("35.238.187.232",), "public-linux-valid": ("34.172.48.224",)}
    assert not any(w.forwarding for w in estate.workloads)
    assert estate.networks[net].routed and not estate.partial


def test_aggregated_instances_stopped_ones_have_no_external_address(tmp_path: Path) -> None:
    estate = load_gcp_snapshot(write(tmp_path, {
        "instances.json": dump("gcpdiag-instances-aggregated-list-warnings.json")}))
    public = {w.name: w.public_addresses for w in estate.workloads}
    assert public["apache-instance-3q8d"] == ("35.239.101.3",)
    assert public["spot-vm-termination"] == () and public["start-and-stop-vm"] == ()
    assert estate.notices.count(ROUTES_ABSENT) == 1


ROUTER_SHAPES = {
    "rest": lambda page: page,
    "gcloud": as_list,
    "aggregated": lambda page: {"items": {"regions/europe-west4": {"routers": page["items"]},
                                          "regions/us-east1": {"warning": {"code": "x"}}}},
}


@pytest.mark.parametrize("shape", sorted(ROUTER_SHAPES))
def test_cloud_nat_of_a_router(tmp_path: Path, shape: str) -> None:
    page = dump("gcpdiag-routers-list-cloud-nat.json")
    estate = load_gcp_snapshot(write(tmp_path, {
        "routers.json": ROUTER_SHAPES[shape](page), "instances.json": []}))
    (nat,) = estate.gateways.values()
    assert nat.id == ("projects/gcpdiag-nat1-aaaa/regions/europe-west4/routers/"
                      "public-nat-cloud-router/nats/public-nat-gateway")
    assert (nat.cloud, nat.kind, nat.network, nat.region, nat.account, nat.subnets) == (
        "gcp", NextHop.NAT, "projects/gcpdiag-nat1-aaaa/global/networks/nat-vpc-network",
        "europe-west4", "gcpdiag-nat1-aaaa", ())
    assert not estate.partial


@pytest.mark.parametrize("gcloud", [False, True], ids=["networks-get", "gcloud"])
def test_peering_flags_of_a_network(tmp_path: Path, gcloud: bool) -> None:
    network = dump("gcpdiag-network-get-peerings.json")
    estate = load_gcp_snapshot(write(tmp_path, {
        "networks.json": [network] if gcloud else network, "instances.json": []}))
    net = estate.networks["projects/gcpdiag-gce3-aaaa/global/networks/default"]
    remote = "projects/REDACTED/global/networks/servicenetworking"
    assert [(p.name, p.remote, p.state, p.export_custom_routes, p.import_custom_routes)
            for p in net.peerings] == [
        ("peering-y7b5777b682d5ba4bp-tp-default", remote, "ACTIVE", True, True),
        ("servicenetworking-googleapis-com", remote, "ACTIVE", False, False),
    ]
    assert net.peers == (remote, remote) and not net.stub


@pytest.mark.parametrize("name", ["routes.json", "routers.json"])
def test_router_status_is_not_a_list(tmp_path: Path, name: str) -> None:
    write(tmp_path, {name: dump("gcpdiag-router-status-bgp-routes.json"), "instances.json": []})
    with pytest.raises(SnapshotError) as e:
        load_gcp_snapshot(tmp_path)
    text = str(e.value)
    assert text.startswith(str(tmp_path / name) + ": expected a JSON list as `gcloud ... "
                           "--format=json` writes, or a REST page")
    assert "\n" not in text


def test_routes_absent_is_said_once_for_several_projects(tmp_path: Path) -> None:
    for project in ("proj-alpha", "proj-beta"):
        write(tmp_path / project, {"instances.json": []})
    estate = load_gcp_snapshot(tmp_path)
    assert [n for n in estate.notices if n.code == "routes-not-in-snapshot"] == [ROUTES_ABSENT]
    assert estate.route_tables == {}
