"""examples/hub-and-spoke (AWS transit gateway) and examples/azure-hub-nva (Azure NVA): what
their READMEs say pathwarden answers, path by path, once the engine has the routing step.

Expected values come from the examples' own JSON and policies and from the routing spec of
issue 13 (route-spec.md, quoted by section), never from pathwarden's output. The first tests
(loading) hold today; the routing tests fail until the engine routes: each failure says what
the spec expects and why. Some tests edit a copy of a snapshot (one route added or removed) to
prove that the route in question, and nothing else, decides the path.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pathwarden.api import load_estate, reach
from pathwarden.cli.main import cli
from pathwarden.model import Estate, NextHop

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HUB = EXAMPLES / "hub-and-spoke"
NVA = EXAMPLES / "azure-hub-nva"
AS_OF = "2026-12-15"
Json = dict[str, Any]
TCP_443 = [{"protocol": "tcp", "ports": [[443, 443]]}]


# -- what the snapshot files say ----------------------------------------------------------------
def _doc(example: Path, name: str) -> Any:
    return json.loads((example / "snapshot" / name).read_text())


def _named(items: list[Json], name: str) -> Json:
    (found,) = [i for i in items if {"Key": "Name", "Value": name} in i.get("Tags", [])]
    return found


def _instance(name: str) -> Json:
    reservations = _doc(HUB, "describe-instances.json")["Reservations"]
    return _named([i for r in reservations for i in r["Instances"]], name)


def _eni(name: str) -> str:
    eni: str = _instance(name)["NetworkInterfaces"][0]["NetworkInterfaceId"]
    return eni


def _aws_id(file: str, key: str, id_key: str, name: str) -> str:
    found: str = _named(_doc(HUB, file)[key], name)[id_key]
    return found


def _rtb(name: str) -> str:
    return _aws_id("describe-route-tables.json", "RouteTables", "RouteTableId", name)


def _tgw_rtb(name: str) -> str:
    return _aws_id("describe-transit-gateway-route-tables.json", "TransitGatewayRouteTables",
                   "TransitGatewayRouteTableId", name)


def _sg(name: str) -> str:
    (g,) = [g for g in _doc(HUB, "describe-security-groups.json")["SecurityGroups"]
            if g["GroupName"] == name]
    return str(g["GroupId"])


def _acl_of(subnet_name: str) -> str:
    subnet = _aws_id("describe-subnets.json", "Subnets", "SubnetId", subnet_name)
    (acl,) = [a["NetworkAclId"] for a in _doc(HUB, "describe-network-acls.json")["NetworkAcls"]
              if any(x["SubnetId"] == subnet for x in a["Associations"])]
    return str(acl)


def _nic(name: str) -> str:
    (nic,) = [n["id"] for n in _doc(NVA, "network-nic-list.json") if n["name"] == name]
    return str(nic)


def _nsg_rule(nsg: str, name: str) -> str:
    (group,) = [g for g in _doc(NVA, "network-nsg-list.json") if g["name"] == nsg]
    (rule,) = [r["id"] for r in group["securityRules"] if r["name"] == name]
    return str(rule)


# -- asking pathwarden ----------------------------------------------------------------------------
def _cli(*args: str) -> tuple[int, Json]:
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code in (0, 2), result.output
    return result.exit_code, json.loads(result.stdout)


def _reach(example: Path, src: str, dst: str, snapshot: Path | None = None) -> Json:
    args = ["reach", "--snapshot", str(snapshot or example / "snapshot"), "--from", src,
            "--to", dst, "--policy", str(example / "policy.yml")]
    code, doc = _cli(*args)
    assert code == 0
    return doc


def _open(snapshot: Path, src: str, dst: str) -> list[Json]:
    opened: list[Json] = reach(load_estate([snapshot]), src, dst, explain=False).to_json()["open"]
    return opened


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def _names_route(doc: Json, table: str, prefix: str, route_id: str = "") -> bool:
    """Some hop of the explanations names this route: its id (AWS ``rtb-1:10.0.0.0/8``, Azure
    ``rt-spoke-app:data-spoke-via-nva``), or its table and prefix (``route rtb-1: 10.0.0.0/8 ->
    tgw-2``, route-spec.md "Explanations and blocked")."""
    pattern = re.compile(re.escape(table) + r"\S*:\s*" + re.escape(prefix) + r"(?![\d/])")
    return any((route_id and route_id in s) or pattern.search(s)
               for s in _strings(doc["explanations"]))


def _copy(example: Path, tmp_path: Path) -> Path:
    out = tmp_path / example.name
    shutil.copytree(example / "snapshot", out)
    return out


def _edit(snapshot: Path, name: str, change: Callable[[Any], None]) -> None:
    path = snapshot / name
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, indent=2))


def _check(example: Path, snapshot: Path | None = None) -> tuple[int, Json]:
    return _cli("check", "--policy", str(example / "policy.yml"), "--snapshot",
                str(snapshot or example / "snapshot"), "--as-of", AS_OF)


def _findings(report: Json) -> list[tuple[str, str]]:
    return sorted((f["path"], f["kind"]) for f in report["findings"])


# -- loading: holds today -----------------------------------------------------------------------
@pytest.mark.parametrize("example", [HUB, NVA], ids=lambda p: p.name)
def test_the_committed_snapshot_is_what_generate_writes(example: Path) -> None:
    spec = importlib.util.spec_from_file_location(f"gen_{example.name}", example / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = {name: module.render(doc) for name, doc in module.files().items()}
    on_disk = {str(p.relative_to(example / "snapshot")): p.read_text()
               for p in (example / "snapshot").rglob("*.json")}
    assert sorted(on_disk) == sorted(written)
    for name, text in written.items():
        assert on_disk[name] == text, f"{name}: run python {example.name}/generate.py"


@pytest.fixture(scope="module")
def hub() -> Estate:
    return load_estate([HUB / "snapshot"])


@pytest.fixture(scope="module")
def nva() -> Estate:
    return load_estate([NVA / "snapshot"])


def test_hub_snapshot_loads_whole_with_its_routes(hub: Estate) -> None:
    assert not hub.partial
    assert hub.notices == ()  # every route target, attachment and table is in the snapshot
    vpcs = _doc(HUB, "describe-vpcs.json")["Vpcs"]
    assert {v["VpcId"] for v in vpcs} == set(hub.networks)
    assert all(n.routed for n in hub.networks.values())
    tables = _doc(HUB, "describe-route-tables.json")["RouteTables"]
    tgw_tables = _doc(HUB, "describe-transit-gateway-route-tables.json")[
        "TransitGatewayRouteTables"]
    assert {t["RouteTableId"] for t in tables + [
        {"RouteTableId": t["TransitGatewayRouteTableId"]} for t in tgw_tables]} == set(
        hub.route_tables)
    spokes = hub.route_tables[_tgw_rtb("tgw-rtb-spokes")]
    (blackhole,) = [r for r in spokes.routes if r.next_hop is NextHop.DROP]
    assert blackhole.destination == "10.30.2.0/24"
    attachments = _doc(HUB, "describe-transit-gateway-vpc-attachments.json")[
        "TransitGatewayVpcAttachments"]
    for a in attachments:
        model = hub.attachments[a["TransitGatewayAttachmentId"]]
        assert (model.resource, model.subnets) == (a["VpcId"], tuple(a["SubnetIds"]))
        assert model.route_table in hub.route_tables
    edge = hub.workload(_eni("edge-proxy-1"))
    standby = hub.workload(_eni("edge-proxy-2"))
    assert edge is not None and standby is not None
    assert edge.public_addresses == ("203.0.113.10",) and standby.public_addresses == ()
    subnets = _doc(HUB, "describe-subnets.json")["Subnets"]
    assert all(s["AvailabilityZone"] and s["AvailabilityZoneId"] for s in subnets)


def test_nva_snapshot_loads_whole_with_its_routes(nva: Estate) -> None:
    assert not nva.partial
    assert {n.code for n in nva.notices} == {"service-tags-assumed"}
    assert all(n.routed for n in nva.networks.values()) and len(nva.networks) == 3
    appliance = nva.workload(_nic("nic-nva-fw-01"))
    assert appliance is not None and appliance.forwarding
    assert appliance.public_addresses == ("203.0.113.40",)
    user = {t.name for t in nva.route_tables.values() if not t.main}
    assert user == {t["name"] for t in _doc(NVA, "network-route-table-list.json")}
    (legacy,) = [t for t in nva.route_tables.values() if t.name == "rt-spoke-app-legacy"]
    assert [r.next_hop for r in legacy.routes if r.destination == "10.102.0.0/16"] == [
        NextHop.DROP]


@pytest.mark.parametrize(("example", "src", "dst"), [
    (HUB, "segment:jump-hosts", "segment:backup-console"),
    (NVA, "segment:app-servers", "segment:databases"),
], ids=["hub", "nva"])
def test_reach_runs_on_the_whole_snapshot(example: Path, src: str, dst: str) -> None:
    doc = _reach(example, src, dst)
    assert doc["partial"] is False
    assert {n["code"] for n in doc.get("notices", [])} <= {"service-tags-assumed"}


@pytest.mark.parametrize("example", [HUB, NVA], ids=lambda p: p.name)
def test_without_route_files_the_old_rule_applies(example: Path, tmp_path: Path) -> None:
    """route-spec.md: a network that is not routed keeps "same network or an active peering",
    with a notice; every path between spokes is then closed, so each approved path that needs
    the transit gateway or the NVA is ``blocked``."""
    snapshot = _copy(example, tmp_path)
    (snapshot / ("describe-route-tables.json" if example is HUB
                 else "network-route-table-list.json")).unlink()
    code, report = _check(example, snapshot)
    assert code == 2 and not report["partial"]
    expected = ([("edge-to-app", "blocked"), ("jump-to-backup", "blocked"),
                 ("ws-to-jump", "blocked")] if example is HUB else [("app-to-sql", "blocked")])
    assert _findings(report) == expected


# -- hub-and-spoke: the routing step (fails until the engine routes) ------------------------------
def test_a_jump_host_reaches_the_console_only_through_the_transit_gateway() -> None:
    doc = _reach(HUB, _instance("jump-1")["InstanceId"], _sg("backup-console"))
    assert doc["open"] == TCP_443, (
        "route-spec.md, Next hops forward TRANSIT: hub-private 10.0.0.0/8 -> tgw, the hub "
        "attachment has hub-tgw-a in the jump host's zone, the shared-services TGW table routes "
        "10.30.0.0/16 to the backup attachment; reply: backup-private 10.0.0.0/16 -> tgw, the "
        f"spokes table 10.0.0.0/16 -> the hub attachment. Expected open tcp/443, got {doc['open']}")
    hops = {
        "forward route": (_rtb("hub-private"), "10.0.0.0/8"),
        "transit route": (_tgw_rtb("tgw-rtb-shared-services"), "10.30.0.0/16"),
        "return route": (_rtb("backup-private"), "10.0.0.0/16"),
        "return transit route": (_tgw_rtb("tgw-rtb-spokes"), "10.0.0.0/16"),
    }
    missing = [f"{k} {t}: {p}" for k, (t, p) in hops.items() if not _names_route(doc, t, p)]
    assert not missing, f"route-spec.md, Explanations: route hops not named: {missing}"
    said = set(_strings(doc["explanations"]))
    # tgw-nacls: the attachment subnets' NACLs are legs of the path (hub-tgw-a in, out on the
    # way back; backup-tgw-a out towards the console, in for the reply)
    for subnet in ("hub-tgw-a", "backup-tgw-a"):
        assert any(_acl_of(subnet) in s for s in said), (
            f"route-spec.md, NACLs on a transit gateway path: {subnet}'s NACL "
            f"{_acl_of(subnet)} is a leg of the path, not in the explanation")


def test_b_workstations_stay_off_the_console_by_a_missing_return_route() -> None:
    doc = _reach(HUB, "segment:workstations", "segment:backup-console")
    assert doc["open"] == [], (
        "route-spec.md, Next hops reply: the console's table backup-private has no route to "
        f"10.10.0.0/16 (no route = dropped); expected nothing open, got {doc['open']}")


def test_b_one_return_route_would_open_the_console_to_every_workstation(
    tmp_path: Path,
) -> None:
    snapshot = _copy(HUB, tmp_path)
    tgw = _doc(HUB, "describe-transit-gateways.json")["TransitGateways"][0]["TransitGatewayId"]

    def add(doc: Json) -> None:
        (table,) = [t for t in doc["RouteTables"] if t["RouteTableId"] == _rtb("backup-private")]
        table["Routes"].append({"DestinationCidrBlock": "10.10.0.0/16", "TransitGatewayId": tgw,
                                "Origin": "CreateRoute", "State": "active"})

    _edit(snapshot, "describe-route-tables.json", add)
    console = _eni("backup-console")
    for ws in ("ws-001", "ws-002"):
        assert _open(snapshot, _eni(ws), console) == TCP_443, (
            f"{ws} (us-east-1a) -> console with 10.10.0.0/16 -> tgw added to backup-private: the "
            "spokes TGW table routes 10.10.0.0/16 to the workstations attachment (Next hops "
            "reply, TRANSIT), the console's SG and NACL allow tcp/443 from it: expected open "
            "tcp/443")
    # ws-101 sits in us-east-1c, where the workstations attachment has no subnet: still closed
    assert _open(snapshot, _eni("ws-101"), console) == []


def test_c_a_blackhole_keeps_the_app_servers_off_the_vault() -> None:
    doc = _reach(HUB, "segment:app-servers", "segment:backup-storage")
    assert doc["open"] == [], (
        "route-spec.md, Lookup: in tgw-rtb-spokes the static blackhole 10.30.2.0/24 is more "
        "specific than the propagated 10.30.0.0/16 and drops; expected nothing open, got "
        f"{doc['open']}")


def test_c_without_the_blackhole_the_app_servers_reach_the_vault(tmp_path: Path) -> None:
    snapshot = _copy(HUB, tmp_path)
    _edit(snapshot, f"search-transit-gateway-routes/{_tgw_rtb('tgw-rtb-spokes')}.json",
          lambda doc: doc.update(Routes=[r for r in doc["Routes"] if r["State"] != "blackhole"]))
    storage = _eni("backup-storage-1")
    for app in ("app-1", "app-2"):
        assert _open(snapshot, _eni(app), storage) == [
            {"protocol": "tcp", "ports": [[2049, 2049]]}], (
            f"{app} -> vault without the blackhole: spokes table 10.30.0.0/16 -> backup "
            "attachment; reply backup-vault 10.20.0.0/16 -> tgw -> spokes table 10.20.0.0/16 -> "
            "app attachment; the vault's SG allows tcp/2049 from 10.20.0.0/16: expected open")


def test_c_the_console_pulls_from_the_vault_inside_its_vpc() -> None:
    doc = _reach(HUB, "segment:backup-console", "segment:backup-storage")
    assert doc["open"] == [{"protocol": "tcp", "ports": [[2049, 2049]]}]


def test_d_only_the_edge_proxy_with_a_public_ip_is_exposed() -> None:
    edge, standby = _instance("edge-proxy-1"), _instance("edge-proxy-2")
    internet = "198.51.100.0/24"  # public: only the 0.0.0.0/0 routes cover it
    assert _reach(HUB, internet, edge["InstanceId"])["open"] == TCP_443
    opened = _reach(HUB, internet, standby["InstanceId"])["open"]
    assert opened == [], (
        "route-spec.md, Next hops reply, source outside: the standby's table hub-private sends "
        "0.0.0.0/0 to a NAT gateway (outbound only, fails) and it has no public IPv4; expected "
        f"nothing open from {internet}, got {opened}")
    doc = _reach(HUB, "segment:partners", "segment:edge-proxies")
    reached = {d for e in doc["explanations"] for d in e["to"]}
    assert doc["open"] == TCP_443 and reached == {_eni("edge-proxy-1")}, (
        f"partners reach only edge-proxy-1 (IGW route and Elastic IP); got {sorted(reached)}")
    assert _names_route(doc, _rtb("hub-public"), "0.0.0.0/0"), (
        "route-spec.md, Explanations: the return route 0.0.0.0/0 -> igw is not named")


def test_e_the_attachment_has_no_subnet_in_the_third_zone() -> None:
    jump = _instance("jump-1")["InstanceId"]
    near = _reach(HUB, _instance("ws-001")["InstanceId"], jump)
    assert near["open"] == [{"protocol": "tcp", "ports": [[22, 22]]}], (
        "ws-001 (us-east-1a) -> jump-1: workstations-main 0.0.0.0/0 -> tgw, attachment subnet "
        "ws-tgw-a in use1-az1, spokes table 10.0.0.0/16 -> hub attachment; reply hub-private "
        "10.0.0.0/8 -> tgw, shared-services table 10.10.0.0/16 -> workstations attachment; "
        f"expected open tcp/22, got {near['open']}")
    assert _names_route(near, _tgw_rtb("tgw-rtb-spokes"), "10.0.0.0/16")
    far = _reach(HUB, _instance("ws-101")["InstanceId"], jump)
    assert far["open"] == [], (
        "route-spec.md, Next hops forward TRANSIT: ws-101 is in use1-az4, the workstations "
        f"attachment has no subnet there: dropped; got {far['open']}")


def test_edge_proxies_reach_the_app_servers_through_the_transit_gateway() -> None:
    doc = _reach(HUB, "segment:edge-proxies", "segment:app-servers")
    assert doc["open"] == [{"protocol": "tcp", "ports": [[8443, 8443]]}], (
        "hub-public/hub-private 10.0.0.0/8 -> tgw, shared-services table 10.20.0.0/16 -> app "
        "attachment, back through app-main 0.0.0.0/0 -> tgw and the spokes table's "
        f"10.0.0.0/16; expected open tcp/8443, got {doc['open']}")
    assert _names_route(doc, _tgw_rtb("tgw-rtb-shared-services"), "10.20.0.0/16")


def test_hub_check_is_clean_once_routes_decide() -> None:
    code, report = _check(HUB)
    assert (code, _findings(report), report["partial"]) == (0, [], False), (
        "README, What check says: both deny paths hold by routing and every allow path is open "
        f"on exactly its ports; got exit {code}, findings {_findings(report)}")


# -- azure-hub-nva: the routing step (fails until the engine routes) ------------------------------
def test_1_app_servers_reach_sql_only_through_the_nva_and_only_on_1433() -> None:
    doc = _reach(NVA, _nic("nic-vm-app-01"), _nic("nic-vm-sql-01"))
    assert doc["open"] == [{"protocol": "tcp", "ports": [[1433, 1433]]}], (
        "route-spec.md, Appliances: rt-spoke-app data-spoke-via-nva (10.102.0.0/16) -> the NVA, "
        "whose NSG allows only tcp/1433 between the spokes (rule 100; 200 denies the rest, "
        "tcp/22 included), then the hub's system route 10.102.0.0/16 -> VNetPeering; reply "
        f"rt-spoke-data app-spoke-via-nva -> NVA -> hub peering. Expected open tcp/1433, got "
        f"{doc['open']}")
    hops = {
        "forward user route": ("rt-spoke-app", "10.102.0.0/16", "rt-spoke-app:data-spoke-via-nva"),
        "appliance's route": ("vnet-hub-weu", "10.102.0.0/16", ""),
        "return user route": ("rt-spoke-data", "10.101.0.0/16", "rt-spoke-data:app-spoke-via-nva"),
    }
    missing = [k for k, (t, p, rid) in hops.items() if not _names_route(doc, t, p, rid)]
    assert not missing, f"route-spec.md, Explanations: route hops not named: {missing}"
    said = set(_strings(doc["explanations"]))
    assert _nsg_rule("nsg-nic-nva-fw", "Allow-App-To-Sql") in said, (
        "route-spec.md, Appliances: the NVA's own filters are a hop; its rule Allow-App-To-Sql "
        "lets tcp/1433 through and must be named")
    assert _nsg_rule("nsg-snet-db", "Allow-Sql-From-App-Spoke") in said


def test_2_the_legacy_subnet_is_quarantined_by_a_none_route() -> None:
    doc = _reach(NVA, "segment:legacy-app", "segment:databases")
    assert doc["open"] == [], (
        "route-spec.md, Lookup: rt-spoke-app-legacy quarantine-data-spoke (10.102.0.0/16 -> "
        f"None) is the most specific route and drops; got {doc['open']}")


def _without_route(tmp_path: Path, table: str, route: str) -> Path:
    snapshot = _copy(NVA, tmp_path)

    def drop(doc: list[Json]) -> None:
        (t,) = [t for t in doc if t["name"] == table]
        t["routes"] = [r for r in t["routes"] if r["name"] != route]

    _edit(snapshot, "network-route-table-list.json", drop)
    return snapshot


def test_2_without_the_none_route_the_legacy_server_reaches_sql(tmp_path: Path) -> None:
    snapshot = _without_route(tmp_path, "rt-spoke-app-legacy", "quarantine-data-spoke")
    opened = _open(snapshot, _nic("nic-vm-app-legacy-01"), _nic("nic-vm-sql-01"))
    assert opened == [{"protocol": "tcp", "ports": [[1433, 1433]]}], (
        "without quarantine-data-spoke, the user route 10.0.0.0/8 (beats the system 10.0.0.0/8 "
        "None, Per cloud / Azure) sends it to the NVA, whose NSG and the SQL subnet's allow "
        f"tcp/1433 from 10.101.0.0/16; expected open tcp/1433, got {opened}")


def test_1_peering_is_not_transitive_without_the_spoke_route(tmp_path: Path) -> None:
    snapshot = _without_route(tmp_path, "rt-spoke-app", "data-spoke-via-nva")
    assert _open(snapshot, _nic("nic-vm-app-01"), _nic("nic-vm-sql-01")) == [], (
        "without data-spoke-via-nva the most specific route for 10.102.1.4 is the system "
        "10.0.0.0/8 -> None (the app VNet is not peered with the data VNet)")


def test_1_an_nva_that_does_not_forward_carries_nothing(tmp_path: Path) -> None:
    snapshot = _copy(NVA, tmp_path)

    def off(doc: list[Json]) -> None:
        for n in doc:
            n["enableIPForwarding"] = False

    _edit(snapshot, "network-nic-list.json", off)
    assert _open(snapshot, _nic("nic-vm-app-01"), _nic("nic-vm-sql-01")) == [], (
        "route-spec.md, Appliances: not forwarding: dropped")


def test_nva_check_is_clean_once_routes_decide() -> None:
    code, report = _check(NVA)
    assert (code, _findings(report), report["partial"]) == (0, [], False), (
        "README, What check says: app-to-sql is open on exactly tcp/1433 through the NVA, "
        f"legacy-to-sql is closed by the None route; got exit {code}, findings "
        f"{_findings(report)}")
