"""The Azure routing files as the published examples and recorded ARM calls write them: each
loads (REST page and az CLI flattened list) or is rejected in one line naming the file and the
JSON path; without the route-table file the estate says so in one notice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pathwarden.errors import SnapshotError
from pathwarden.model import NextHop, Notice
from pathwarden.providers.azure.load import load_azure_snapshot
from tests.unit.test_azure_load import FIXTURES, body, flatten, write

SUB = "/subscriptions/ea42f556-5106-4743-99b0-c129bfa71a47/resourceGroups"
K8S = f"{SUB}/test_containerservice/providers/Microsoft.Network"
ROUTES_ABSENT = Notice("routes-not-in-snapshot",
                       "routes not in snapshot: same network or peering assumed", "azure")


def recorded(name: str, interaction: int = 0) -> Any:
    """The ARM body of one interaction of a cloud-custodian cassette."""
    doc = json.loads((FIXTURES / name).read_text())
    return doc["interactions"][interaction]["response"]["body"]["data"]


def shaped(page: dict[str, Any], cli: bool) -> Any:
    return flatten(page["value"]) if cli else page


@pytest.mark.parametrize("cli", [False, True], ids=["rest", "az-cli"])
def test_recorded_route_tables_load(tmp_path: Path, cli: bool) -> None:
    page = recorded("custodian-cassette-route-tables-list.json")
    estate = load_azure_snapshot(write(tmp_path, {
        "network-route-table-list.json": shaped(page, cli),
        "network-nic-list.json": [],
    }))
    tables = {t.name: t for t in estate.route_tables.values()}
    assert sorted(tables) == ["cctestroutetable", "k8s-master-C02B7042-routetable"]
    empty = tables["cctestroutetable"]
    assert empty.kind == "subnet" and empty.routes == ()
    assert empty.subnets == (f"{SUB}/test_route-table-and-vnet/providers/Microsoft.Network/"
                             "virtualNetworks/ccroutetablevnet/subnets/cctestsubnet1",)
    assert empty.network == (f"{SUB}/test_route-table-and-vnet/providers/Microsoft.Network/"
                             "virtualNetworks/ccroutetablevnet")
    k8s = tables["k8s-master-C02B7042-routetable"]
    assert k8s.id == f"{K8S}/routeTables/k8s-master-C02B7042-routetable"
    assert k8s.region == "southcentralus"
    assert [(r.id, r.destination, r.next_hop, r.target, r.origin) for r in k8s.routes] == [
        ("k8s-master-C02B7042-routetable:k8s-master-c02b7042-0", "10.244.1.0/24",
         NextHop.APPLIANCE, "10.240.255.5", "user"),
        ("k8s-master-C02B7042-routetable:k8s-agent-c02b7042-0", "10.244.0.0/24",
         NextHop.APPLIANCE, "10.240.0.5", "user"),
        ("k8s-master-C02B7042-routetable:k8s-agent-c02b7042-1", "10.244.2.0/24",
         NextHop.APPLIANCE, "10.240.0.6", "user"),
        ("k8s-master-C02B7042-routetable:k8s-agent-c02b7042-2", "10.244.3.0/24",
         NextHop.APPLIANCE, "10.240.0.4", "user"),
    ]
    assert k8s.routes[0].addresses.contains_ip("10.244.1.77")
    assert not k8s.routes[0].addresses.contains_ip("10.244.2.1")
    # the appliances (AKS nodes) are not NICs of this snapshot: those hops cannot be followed
    unknown = [n for n in estate.notices if n.code == "appliance-unknown"]
    assert len(unknown) == 4 and estate.partial
    assert ROUTES_ABSENT not in estate.notices


@pytest.mark.parametrize("cli", [False, True], ids=["rest", "az-cli"])
def test_recorded_public_ips_reach_the_recorded_nic(tmp_path: Path, cli: bool) -> None:
    """The public IP recording and the NIC recording are of one subscription: myPublicIP
    (23.102.173.223) names myVMNic's ipconfig1, and myVMNic names myPublicIP."""
    nics = recorded("custodian-cassette-nic-effective-route-table.json", 0)
    ips = recorded("custodian-cassette-public-ip-list.json")
    estate = load_azure_snapshot(write(tmp_path, {
        "network-nic-list.json": shaped(nics, cli),
        "network-public-ip-list.json": shaped(ips, cli),
    }))
    by_name = {w.name: w for w in estate.workloads}
    assert by_name["myVMNic"].public_addresses == ("23.102.173.223",)
    assert by_name["myVMNic"].addresses == ("10.0.0.4",)
    assert by_name["cctestnic"].public_addresses == ()
    assert not by_name["myVMNic"].forwarding and not by_name["cctestnic"].forwarding
    assert not estate.partial
    assert estate.notices.count(ROUTES_ABSENT) == 1
    assert estate.route_tables == {}
    assert not any(n.routed for n in estate.networks.values())


def test_public_ip_found_from_its_side_only(tmp_path: Path) -> None:
    """A NIC listing without the publicIPAddress reference still gets the address the public
    IP's ``ipConfiguration`` binds to it."""
    nics = recorded("custodian-cassette-nic-effective-route-table.json", 0)
    for nic in nics["value"]:
        for ipc in nic["properties"]["ipConfigurations"]:
            ipc["properties"].pop("publicIPAddress", None)
    estate = load_azure_snapshot(write(tmp_path, {
        "network-nic-list.json": nics,
        "network-public-ip-list.json": recorded("custodian-cassette-public-ip-list.json"),
    }))
    assert {w.name: w.public_addresses for w in estate.workloads} == {
        "myVMNic": ("23.102.173.223",), "cctestnic": ()}


@pytest.mark.parametrize("cli", [False, True], ids=["rest", "az-cli"])
def test_route_table_get_example_in_a_list(tmp_path: Path, cli: bool) -> None:
    table = body("route-table-get-2024-07-01.json")
    estate = load_azure_snapshot(write(tmp_path, {
        "network-route-table-list.json": flatten([table]) if cli else {"value": [table]},
        "network-nic-list.json": [],
    }))
    (t,) = estate.route_tables.values()
    assert t.id == "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/" \
                   "routeTables/testrt"
    assert [(r.id, r.destination, r.next_hop, r.target) for r in t.routes] == [
        ("testrt:route1", "10.0.3.0/24", NextHop.GATEWAY, "VirtualNetworkGateway")]
    assert not estate.partial


def test_one_route_table_alone_is_not_a_list(tmp_path: Path) -> None:
    write(tmp_path, {"network-route-table-list.json": body("route-table-get-2024-07-01.json"),
                     "network-nic-list.json": []})
    with pytest.raises(SnapshotError) as e:
        load_azure_snapshot(tmp_path)
    text = str(e.value)
    assert "network-route-table-list.json" in text and "\n" not in text
    assert "`az network route-table list -o json`" in text
    assert "one resource, as `az ... show` writes: put it in a list" in text


NOT_ROUTE_TABLES = {
    # NetworkInterfaces effectiveRouteTable (the operation result of the recording)
    "nic-effective-routes": (
        lambda: recorded("custodian-cassette-nic-effective-route-table.json", 2),
        "value[0]: an effective route (`az network nic show-effective-route-table` output), "
        "not a route table"),
    "hub-effective-routes": (
        lambda: body("virtual-hub-effective-routes-2024-07-01.json"),
        "value[0]: an effective route"),
    "hub-route-table": (
        lambda: [body("hub-route-table-get-2024-07-01.json")],
        "value[0].id: expected the id of a route table (.../providers/Microsoft.Network/"
        "routeTables/NAME), found '/subscriptions/subid/resourceGroups/rg1/providers/"
        "Microsoft.Network/virtualHubs/virtualHub1/hubRouteTables/hubRouteTable1'"),
    "virtual-hub": (
        lambda: {"value": [body("virtual-hub-get-2024-07-01.json")]},
        "value[0].id: expected the id of a route table"),
    "hub-vnet-connection": (
        lambda: [body("hub-vnet-connection-get-2024-07-01.json")],
        "value[0].id: expected the id of a route table"),
}


@pytest.mark.parametrize("case", sorted(NOT_ROUTE_TABLES))
def test_other_route_files_are_rejected_in_one_line(tmp_path: Path, case: str) -> None:
    make, message = NOT_ROUTE_TABLES[case]
    write(tmp_path, {"network-route-table-list.json": make(), "network-nic-list.json": []})
    with pytest.raises(SnapshotError) as e:
        load_azure_snapshot(tmp_path)
    text = str(e.value)
    assert text.startswith(str(tmp_path / "network-route-table-list.json") + ": ")
    assert message in text and "\n" not in text


def test_a_public_ip_file_of_something_else_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, {"network-public-ip-list.json": recorded(
        "custodian-cassette-route-tables-list.json"), "network-nic-list.json": []})
    with pytest.raises(SnapshotError, match=r"network-public-ip-list\.json: value\[0\]\.id: "
                       r"expected the id of a public IP address .*`az network public-ip list"):
        load_azure_snapshot(tmp_path)


@pytest.mark.parametrize("cli", [False, True], ids=["rest", "az-cli"])
def test_peering_flags_from_the_published_peering_list(tmp_path: Path, cli: bool) -> None:
    peerings = body("vnet-peering-list-2024-07-01.json")["value"]
    vnet = {"id": "/subscriptions/subid/resourceGroups/peerTest/providers/Microsoft.Network/"
                  "virtualNetworks/vnet1", "name": "vnet1", "location": "westus",
            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                           "subnets": [], "virtualNetworkPeerings": peerings}}
    estate = load_azure_snapshot(write(tmp_path, {
        "network-vnet-list.json": flatten([vnet]) if cli else {"value": [vnet]},
        "network-nic-list.json": [],
    }))
    net = estate.networks[vnet["id"]]
    remote = "/subscriptions/subid/resourceGroups/peerTest/providers/Microsoft.Network/" \
             "virtualNetworks/"
    assert [(p.remote, p.name, p.state, p.allow_access, p.allow_forwarded,
             p.allow_gateway_transit, p.use_remote_gateways) for p in net.peerings] == [
        (remote + "vnet2", "peer", "Initiated", True, True, False, False),
        (remote + "vnet3", "peer", "Initiated", True, False, False, False),
    ]
    assert net.peers == ()  # neither is Connected


def test_routes_absent_is_said_once_for_several_subscriptions(tmp_path: Path) -> None:
    for sub in ("11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"):
        write(tmp_path / sub, {"network-nic-list.json": []})
    estate = load_azure_snapshot(tmp_path)
    assert [n for n in estate.notices if n.code == "routes-not-in-snapshot"] == [ROUTES_ABSENT]
