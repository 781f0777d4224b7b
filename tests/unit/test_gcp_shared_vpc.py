"""A Shared VPC estate is the host project's snapshot plus each service project's: service-
project instances attach to the host network by its selfLink, so loaded together (repeated
--snapshot, either order, or project subfolders) they are one network for segments and reach,
with the host's description of it (routes, address space), not the service project's bare
reference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pathwarden.cli.main import cli
from pathwarden.engine.engine import Engine
from pathwarden.model import Estate
from pathwarden.providers.gcp.load import load_gcp_snapshot
from pathwarden.providers.load import load_estate
from tests.unit.test_gcp_routes_load import write

URL = "https://www.googleapis.com/compute/v1/projects"
HOST_NET = "projects/host-proj/global/networks/shared-net"
SUBNET = f"{URL}/host-proj/regions/europe-west1/subnetworks/shared-subnet"


def vm(project: str, name: str, ip: str, tags: list[str]) -> dict[str, Any]:
    zone = f"{URL}/{project}/zones/europe-west1-b"
    return {"name": name, "zone": zone, "selfLink": f"{zone}/instances/{name}",
            "tags": {"items": tags}, "networkInterfaces": [{
                "name": "nic0", "networkIP": ip, "network": f"{URL}/host-proj/global/networks/"
                "shared-net", "subnetwork": SUBNET}]}


HOST = {
    "networks.json": [{"name": "shared-net", "selfLink": f"{URL}/host-proj/global/networks/"
                       "shared-net"}],
    "subnets.json": [{"name": "shared-subnet", "selfLink": SUBNET,
                      "network": f"{URL}/host-proj/global/networks/shared-net",
                      "region": f"{URL}/host-proj/regions/europe-west1",
                      "ipCidrRange": "10.0.0.0/24"}],
    "firewall-rules.json": [{"name": "ssh-to-app", "network": f"{URL}/host-proj/global/"
                             "networks/shared-net", "selfLink": f"{URL}/host-proj/global/"
                             "firewalls/ssh-to-app", "direction": "INGRESS", "priority": 1000,
                             "sourceRanges": ["10.0.0.0/24"], "targetTags": ["app"],
                             "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}]}],
    "instances.json": [vm("host-proj", "bastion", "10.0.0.2", [])],
    "routes.json": {"items": [
        {"name": "subnet-route", "network": f"{URL}/host-proj/global/networks/shared-net",
         "destRange": "10.0.0.0/24", "priority": 0, "nextHopNetwork": f"{URL}/host-proj/global/"
         "networks/shared-net", "selfLink": f"{URL}/host-proj/global/routes/subnet-route"},
        {"name": "default-internet", "network": f"{URL}/host-proj/global/networks/shared-net",
         "destRange": "0.0.0.0/0", "priority": 1000, "nextHopGateway": f"{URL}/host-proj/"
         "global/gateways/default-internet-gateway",
         "selfLink": f"{URL}/host-proj/global/routes/default-internet"}]},
}
# a service project has no network of its own: its routes list is empty, as discovery writes it
SERVICE = {"instances.json": [vm("svc-proj", "app-1", "10.0.0.5", ["app"])],
           "routes.json": {"items": []}}


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path / "host-proj", HOST), write(tmp_path / "svc-proj", SERVICE)


def one_network(estate: Estate) -> None:
    app = next(w for w in estate.workloads if w.name == "app-1")
    bastion = next(w for w in estate.workloads if w.name == "bastion")
    assert app.account == "svc-proj" and bastion.account == "host-proj"
    assert app.network == bastion.network == HOST_NET
    net = estate.networks[HOST_NET]
    assert not net.stub and net.routed
    assert net.cidrs.describe() == ["10.0.0.0/24"]
    assert [r.id for r in estate.route_tables[f"{HOST_NET}/routes"].routes] == [
        "projects/host-proj/global/routes/subnet-route",
        "projects/host-proj/global/routes/default-internet"]
    assert not estate.partial
    assert "routes-not-in-snapshot" not in {n.code for n in estate.notices}
    engine = Engine(estate)
    # the host project's rule (target tag app) opens ssh to the service project's instance
    assert engine.reach("bastion", "app-1").open.describe() == "tcp/22"
    assert engine.reach("app-1", "bastion").open.describe() == "nothing"


@pytest.mark.parametrize("order", ["host-first", "service-first"])
def test_repeated_snapshots_in_either_order(folders: tuple[Path, Path], order: str) -> None:
    host, service = folders
    one_network(load_estate([host, service] if order == "host-first" else [service, host]))


def test_project_subfolders(folders: tuple[Path, Path]) -> None:
    one_network(load_gcp_snapshot(folders[0].parent))


def test_the_service_project_alone_only_references_the_host_network(
    folders: tuple[Path, Path],
) -> None:
    estate = load_estate([folders[1]])
    net = estate.networks[HOST_NET]
    assert net.stub and not net.routed
    assert estate.route_tables == {}


def test_cli_segments_and_reach_see_one_network(folders: tuple[Path, Path],
                                                tmp_path: Path) -> None:
    host, service = folders
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nsegments:\n"
                      "  shared:\n    match: [{gcp: {network: shared-net}}]\n"
                      "  apps:\n    match: [{gcp: {project: svc-proj}}]\n"
                      "  admin:\n    match: [{gcp: {instance: bastion}}]\n")
    snaps = ["--snapshot", str(service), "--snapshot", str(host)]
    runner = CliRunner()
    out = runner.invoke(cli, ["segments", "--policy", str(policy), *snaps, "--format", "json"])
    assert out.exit_code == 0, out.output
    members = {s["segment"]: sorted(m["name"] for m in s["members"])
               for s in json.loads(out.output)["segments"]}
    assert members == {"shared": ["app-1", "bastion"], "apps": ["app-1"], "admin": ["bastion"]}
    out = runner.invoke(cli, ["reach", "--policy", str(policy), *snaps, "--from",
                              "segment:admin", "--to", "segment:apps", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["open"] == [{"protocol": "tcp", "ports": [[22, 22]]}]
